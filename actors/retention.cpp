#include "actors/retention.hpp"

#include <algorithm>
#include <memory>

#include "actors/series_router.hpp"

namespace actors {

namespace {

struct retention_state {
  static inline const char* name = "retention";
  retention_settings cfg;
  store_reader_actor reader;
  std::unique_ptr<series_router> local; ///< this node's shards, and who owns what
  bool sweeping = false;
  int64_t cutoff_ms = 0; ///< of the sweep under way
  std::size_t waiting = 0; ///< deletes of the current page not answered yet
};

using self_ptr = caf::stateful_actor<retention_state>*;

void next_page(self_ptr self, std::string after);

/// One delete answered (or failed: the series stays, the next sweep retries).
void answered(self_ptr self, std::string last, bool full_page) {
  auto& st = self->state;
  if (--st.waiting > 0)
    return;
  if (full_page)
    next_page(self, std::move(last));
  else
    st.sweeping = false;
}

void next_page(self_ptr self, std::string after) {
  auto& st = self->state;
  auto limit = static_cast<uint32_t>(st.cfg.page);
  self->request(st.reader, std::chrono::minutes(5), expire_atom::value, st.cutoff_ms, after, limit)
    .then(
      [self, limit](series_ids& ids) {
        auto& st = self->state;
        if (ids.empty()) {
          st.sweeping = false;
          return;
        }
        bool full_page = ids.size() == limit;
        st.waiting = ids.size();
        for (const auto& id : ids) {
          if (!st.local->owns(id)) { // another node's: its owner sweeps it
            answered(self, ids.back(), full_page);
            continue;
          }
          self->request(st.local->local_shard_for(id), std::chrono::minutes(5), delete_atom::value,
                        id, uint32_t{0}, st.cutoff_ms, int64_t{0})
            .then([self, last = ids.back(), full_page](uint32_t) { answered(self, last, full_page); },
                  [self, last = ids.back(), full_page](caf::error&) {
                    answered(self, last, full_page);
                  });
        }
      },
      [self](caf::error&) { self->state.sweeping = false; });
}

caf::behavior retention(self_ptr self, retention_settings cfg, store_reader_actor reader,
                        series_router router) {
  auto& st = self->state;
  st.cfg = cfg;
  st.reader = std::move(reader);
  st.local = std::make_unique<series_router>(std::move(router));
  self->delayed_send(self, cfg.period, tick_atom::value);
  return {
    [self](tick_atom) {
      auto& st = self->state;
      self->delayed_send(self, st.cfg.period, tick_atom::value);
      if (st.sweeping)
        return;
      st.sweeping = true;
      st.cutoff_ms = unix_ms_now() - st.cfg.ttl.count();
      next_page(self, {});
    },
  };
}

} // namespace

std::chrono::milliseconds retention_period(std::chrono::milliseconds ttl) {
  return std::clamp<std::chrono::milliseconds>(ttl / 4, std::chrono::seconds(1),
                                               std::chrono::seconds(60));
}

caf::actor spawn_retention(caf::actor_system& sys, retention_settings cfg,
                           store_reader_actor reader, series_router router) {
  return sys.spawn(retention, cfg, std::move(reader), std::move(router));
}

} // namespace actors
