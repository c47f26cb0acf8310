#include "actors/router_shard.hpp"

#include <unordered_map>

#include "actors/series_router.hpp"

namespace actors {

namespace {

struct router_state {
  static inline const char* name = "router_shard";
  series_settings base;
  std::vector<store_reader_actor> readers;
  std::unordered_map<std::string, series_actor> active;
  std::unordered_map<caf::actor_addr, std::string> ids; ///< for exit messages
};

using self_ptr = router_actor::stateful_pointer<router_state>;

/// The actor owning `id`, spawned (and monitored) on first use.
const series_actor& owner(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto it = st.active.find(id);
  if (it != st.active.end())
    return it->second;
  auto cfg = st.base;
  cfg.reader = st.readers[stable_hash(id) % st.readers.size()];
  auto actor = spawn_series(self->system(), id, cfg);
  self->link_to(actor); // the series actor exits with its shard
  st.ids.emplace(actor.address(), id);
  return st.active.emplace(id, std::move(actor)).first->second;
}

router_actor::behavior_type router_shard(self_ptr self, series_settings base,
                                         std::vector<store_reader_actor> readers) {
  self->state.base = std::move(base);
  self->state.readers = std::move(readers);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    auto it = st.ids.find(msg.source);
    if (it == st.ids.end()) {
      self->quit(std::move(msg.reason)); // told to stop (not a child exiting)
      return;
    }
    // A series actor stopped (say, its store load failed): the next request respawns it.
    st.active.erase(it->second);
    st.ids.erase(it);
  });
  return {
    [self](fit_atom a, const std::string& id, model::training_data& data) {
      return self->delegate(owner(self, id), a, std::move(data));
    },
    [self](predict_atom a, const std::string& id, const predict_query& q) {
      return self->delegate(owner(self, id), a, q);
    },
    [self](plot_atom a, const std::string& id, uint32_t version) {
      return self->delegate(owner(self, id), a, version);
    },
    [self](list_atom a, const std::string& id) { return self->delegate(owner(self, id), a); },
    [self](count_atom) { return static_cast<uint64_t>(self->state.active.size()); },
  };
}

} // namespace

router_actor spawn_router_shard(caf::actor_system& sys, series_settings base,
                                std::vector<store_reader_actor> readers) {
  return sys.spawn(router_shard, std::move(base), std::move(readers));
}

} // namespace actors
