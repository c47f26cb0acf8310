#include "actors/ownership.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "actors/persistence/pg_cluster.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

struct claim_request {
  std::string id;
  caf::response_promise rp;
  caf::actor requester; ///< the series actor
  clock_type::time_point since;
  bool waited = false;  ///< found held by a live member at least once
};

struct held_series {
  std::string id;
  int64_t epoch = 0;
  caf::actor actor;
};

struct ownership_state {
  static inline const char* name = "ownership";
  ownership_settings cfg;
  std::shared_ptr<ownership_counters> counters;
  std::unique_ptr<persistence::cluster_table> table; ///< null until connected
  std::vector<claim_request> queue;   ///< to claim at the next flush
  std::vector<claim_request> waiting; ///< held by a live member: asked again later
  std::unordered_map<caf::actor_addr, held_series> held;
  std::vector<std::pair<std::string, int64_t>> releases; ///< to release at the next flush
  bool flush_queued = false;
  bool retry_queued = false;
};

using self_ptr = caf::stateful_actor<ownership_state>*;

constexpr auto retry_every = std::chrono::milliseconds(100);

caf::error refused(self_ptr self, const std::string& why) {
  ++self->state.counters->claims_refused;
  return make_error(server_error::unavailable, why + "; nothing was done, retry");
}

void schedule_flush(self_ptr self) {
  if (!self->state.flush_queued) {
    self->state.flush_queued = true;
    self->send(self, flush_atom::value);
  }
}

bool connected(self_ptr self) {
  auto& st = self->state;
  if (st.table)
    return true;
  auto t = persistence::cluster_table::open(st.cfg.store);
  if (!t)
    return false;
  st.table = std::move(t.value());
  return true;
}

void release_pending(self_ptr self) {
  auto& st = self->state;
  if (st.releases.empty() || !connected(self))
    return;
  std::vector<std::string> ids;
  std::vector<int64_t> epochs;
  for (auto& [id, epoch] : st.releases) {
    ids.push_back(id);
    epochs.push_back(epoch);
  }
  // A failed release is dropped: the series stays with this node until a
  // claim by this node, or its eviction, moves it.
  if (st.table->release(ids, epochs))
    st.counters->releases += ids.size();
  st.releases.clear();
}

/// A claim the database answered: hand out the epoch, wait, or refuse.
void settle(self_ptr self, claim_request& c, const persistence::claim_row& row) {
  auto& st = self->state;
  if (row.epoch > 0) {
    ++st.counters->claims;
    if (c.requester) {
      self->monitor(c.requester);
      st.held[c.requester.address()] = held_series{c.id, row.epoch, c.requester};
      st.counters->held = static_cast<int64_t>(st.held.size());
    }
    c.rp.deliver(claim_grant{static_cast<uint64_t>(row.epoch), row.fresh});
    return;
  }
  if (clock_type::now() - c.since < st.cfg.handoff_wait) {
    if (!c.waited)
      ++st.counters->claim_waits;
    c.waited = true;
    st.waiting.push_back(std::move(c));
    return;
  }
  c.rp.deliver(refused(self, "series " + c.id + " is still held by node " + row.holder
                               + ", which did not hand it off in time"));
}

void claim_queued(self_ptr self) {
  auto& st = self->state;
  auto batch = std::move(st.queue);
  st.queue.clear();
  auto incarnation = st.cfg.identity->incarnation.load();
  const auto& r = st.cfg.map->current();
  std::vector<claim_request> asking;
  for (auto& c : batch) {
    if (incarnation == 0)
      c.rp.deliver(refused(self, "this node is joining the cluster"));
    else if (r.self == ring::npos || r.owner_of(c.id) != r.self)
      c.rp.deliver(refused(self, "series " + c.id + " is moving to another node"));
    else
      asking.push_back(std::move(c));
  }
  if (asking.empty())
    return;
  std::vector<std::string> ids;
  for (const auto& c : asking)
    ids.push_back(c.id);
  auto rows = connected(self)
                ? st.table->claim(ids, st.cfg.identity->node, incarnation)
                : model::expected<std::vector<persistence::claim_row>, model::store_failure>{
                    model::store_failure{"the store is unreachable"}};
  if (!rows || rows.value().size() != asking.size()) {
    if (st.table && !rows)
      st.table.reset(); // reconnect at the next flush
    for (auto& c : asking)
      c.rp.deliver(refused(self, "cannot claim series " + c.id + " in the store"));
    return;
  }
  for (std::size_t i = 0; i < asking.size(); ++i)
    settle(self, asking[i], rows.value()[i]);
  if (!st.waiting.empty() && !st.retry_queued) {
    st.retry_queued = true;
    self->delayed_send(self, retry_every, retry_atom::value);
  }
}

/// Passivates the series actors whose series this node no longer owns (or,
/// with `all`, every one): they checkpoint, then exit, and are released.
void hand_off(self_ptr self, bool all) {
  const auto& r = self->state.cfg.map->current();
  std::size_t moved = 0;
  for (auto& [addr, h] : self->state.held)
    if (all || r.self == ring::npos || r.owner_of(h.id) != r.self) {
      self->send(caf::actor_cast<caf::actor>(h.actor), passivate_atom::value, false);
      ++moved;
    }
  if (moved > 0 && self->state.cfg.log)
    self->state.cfg.log("cluster: handing off " + std::to_string(moved) + " active series"
                        + (all ? " (this node was declared dead)" : ""));
}

caf::behavior ownership(self_ptr self, ownership_settings cfg,
                        std::shared_ptr<ownership_counters> counters) {
  self->state.cfg = std::move(cfg);
  self->state.counters = std::move(counters);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.held.find(msg.source);
    if (it == st.held.end())
      return;
    if (st.cfg.identity->incarnation.load() != 0)
      st.releases.emplace_back(it->second.id, it->second.epoch);
    st.held.erase(it);
    st.counters->held = static_cast<int64_t>(st.held.size());
    schedule_flush(self);
  });
  return {
    [self](claim_atom, std::string& id) {
      // Before the promise: making it takes the sender out of the message.
      auto requester = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise();
      self->state.queue.push_back({std::move(id), rp, requester, clock_type::now()});
      schedule_flush(self);
      return rp;
    },
    [self](flush_atom) {
      self->state.flush_queued = false;
      release_pending(self); // first: a series moving back here is free again
      claim_queued(self);
    },
    [self](retry_atom) {
      auto& st = self->state;
      st.retry_queued = false;
      for (auto& c : st.waiting)
        st.queue.push_back(std::move(c));
      st.waiting.clear();
      schedule_flush(self);
    },
    [self](ring_atom) { hand_off(self, false); },
    [self](evicted_atom) {
      auto& st = self->state;
      for (auto* list : {&st.queue, &st.waiting}) {
        for (auto& c : *list)
          c.rp.deliver(refused(self, "this node was declared dead and is rejoining"));
        list->clear();
      }
      st.releases.clear(); // the database voided this incarnation's holds
      hand_off(self, true);
    },
  };
}

} // namespace

caf::actor spawn_ownership(caf::actor_system& sys, ownership_settings cfg,
                           std::shared_ptr<ownership_counters> counters) {
  return sys.spawn<caf::detached>(ownership, std::move(cfg), std::move(counters));
}

} // namespace actors
