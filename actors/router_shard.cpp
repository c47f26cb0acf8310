#include "actors/router_shard.hpp"

#include <functional>
#include <list>
#include <tuple>
#include <unordered_map>

#include "actors/series_router.hpp"

namespace actors {

namespace {

using clock = std::chrono::steady_clock;

struct entry {
  series_actor actor;
  std::list<std::string>::iterator lru; ///< position in router_state::lru
  clock::time_point last_used;
};

/// A request held for a series whose old actor is still draining.
using held_request = std::function<void(const series_actor&)>;

struct router_state {
  static inline const char* name = "router_shard";
  series_settings base;
  std::vector<store_reader_actor> readers;
  shard_limits limits;
  std::shared_ptr<series_counters> counters;
  std::unordered_map<std::string, entry> active;
  std::list<std::string> lru; ///< front: most recently used
  std::unordered_map<caf::actor_addr, std::pair<std::string, series_actor>> children; ///< live
  std::unordered_map<std::string, caf::actor_addr> draining;     ///< passivating, not yet exited
  std::unordered_map<std::string, std::vector<held_request>> held;
};

using self_ptr = router_actor::stateful_pointer<router_state>;

void passivate(self_ptr self, std::unordered_map<std::string, entry>::iterator it) {
  auto& st = self->state;
  self->send(it->second.actor, passivate_atom::value);
  st.draining.emplace(it->first, it->second.actor.address());
  st.lru.erase(it->second.lru);
  st.active.erase(it);
  ++st.counters->passivations;
}

entry& activate(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (st.active.size() >= st.limits.max_active && !st.lru.empty())
    passivate(self, st.active.find(st.lru.back()));
  auto cfg = st.base;
  cfg.reader = st.readers[stable_hash(id) % st.readers.size()];
  auto actor = spawn_series(self->system(), id, cfg);
  // A monitor, not a link: CAF keeps links in a list on both sides, so with
  // many children every exit would scan the shard's list (measured: fits fell
  // from ~9k/s to ~2k/s once passivation began at 100k series).
  self->monitor(actor);
  st.children.emplace(actor.address(), std::make_pair(id, actor));
  st.lru.push_front(id);
  ++st.counters->active;
  ++st.counters->activations;
  return st.active.emplace(id, entry{std::move(actor), st.lru.begin(), clock::now()})
    .first->second;
}

/// Delegates to the series' actor (spawning it when needed), or holds the
/// request while its previous actor drains.
template <class T, class Atom, class... Ts>
caf::result<T> route(self_ptr self, const std::string& id, Atom atom, Ts... xs) {
  auto& st = self->state;
  auto it = st.active.find(id);
  if (it != st.active.end()) {
    st.lru.splice(st.lru.begin(), st.lru, it->second.lru);
    it->second.last_used = clock::now();
    return self->delegate(it->second.actor, atom, std::move(xs)...);
  }
  if (st.draining.count(id)) {
    auto rp = self->make_response_promise<T>();
    st.held[id].emplace_back(
      [rp, atom, args = std::make_tuple(std::move(xs)...)](const series_actor& dest) mutable {
        std::apply([&](auto&... ys) { rp.delegate(dest, atom, std::move(ys)...); }, args);
      });
    return rp;
  }
  return self->delegate(activate(self, id).actor, atom, std::move(xs)...);
}

/// A series actor exited: forget it, and hand held requests to a new one.
void on_series_exit(self_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  auto it = st.children.find(source);
  if (it == st.children.end())
    return;
  std::string id = std::move(it->second.first);
  st.children.erase(it);
  --st.counters->active;
  auto d = st.draining.find(id);
  if (d != st.draining.end() && d->second == source) {
    st.draining.erase(d);
  } else if (auto a = st.active.find(id); a != st.active.end() && a->second.actor.address() == source) {
    st.lru.erase(a->second.lru); // died on its own (say, its store load failed)
    st.active.erase(a);
  }
  auto h = st.held.find(id);
  if (h == st.held.end())
    return;
  auto requests = std::move(h->second);
  st.held.erase(h);
  auto& fresh = activate(self, id);
  for (auto& request : requests)
    request(fresh.actor);
}

/// Passivates series idle for longer than the idle timeout (LRU tail first).
void sweep(self_ptr self) {
  auto& st = self->state;
  auto deadline = clock::now() - st.limits.idle_timeout;
  while (!st.lru.empty()) {
    auto it = st.active.find(st.lru.back());
    if (it->second.last_used > deadline)
      break;
    passivate(self, it);
  }
}

router_actor::behavior_type router_shard(self_ptr self, series_settings base,
                                         std::vector<store_reader_actor> readers,
                                         shard_limits limits,
                                         std::shared_ptr<series_counters> counters) {
  auto& st = self->state;
  st.base = std::move(base);
  st.readers = std::move(readers);
  st.limits = limits;
  st.counters = std::move(counters);
  self->set_down_handler([self](caf::down_msg& msg) { on_series_exit(self, msg.source); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Told to stop: the series actors go too (they are monitored, not linked).
    for (auto& child : self->state.children)
      self->send_exit(child.second.second, msg.reason);
    self->quit(std::move(msg.reason));
  });
  auto tick_every = std::chrono::seconds(1);
  if (limits.idle_timeout.count() > 0)
    self->delayed_send(self, tick_every, tick_atom::value);
  return {
    [self](fit_atom a, std::string& id, model::training_data& data, model::detector_spec& det,
           int64_t deadline_ms, std::string& key) {
      return route<model::version_record>(self, id, a, std::move(data), det, deadline_ms,
                                          std::move(key));
    },
    [self](predict_atom a, const std::string& id, const predict_query& q) {
      return route<prediction>(self, id, a, id, q);
    },
    [self](batch_atom a, const std::string& id, const batch_query& q) {
      return route<prediction_list>(self, id, a, id, q);
    },
    [self](plot_atom a, std::string& id, uint32_t version) {
      return route<version_points>(self, id, a, version);
    },
    [self](list_atom a, std::string& id, uint32_t after, uint32_t limit) {
      return route<version_page>(self, id, a, after, limit);
    },
    [self, tick_every](tick_atom) {
      sweep(self);
      self->delayed_send(self, tick_every, tick_atom::value);
    },
  };
}

} // namespace

router_actor spawn_router_shard(caf::actor_system& sys, series_settings base,
                                std::vector<store_reader_actor> readers, shard_limits limits,
                                std::shared_ptr<series_counters> counters) {
  return sys.spawn(router_shard, std::move(base), std::move(readers), limits,
                   std::move(counters));
}

} // namespace actors
