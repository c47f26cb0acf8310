#include "actors/router_shard.hpp"

#include <algorithm>
#include <functional>
#include <list>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "actors/absent_series.hpp"
#include "actors/series_router.hpp"

namespace actors {

namespace {

using clock = std::chrono::steady_clock;

/// A request held for a series whose old actor is still draining.
using held_request = std::function<void(const series_actor&)>;

/// One series this shard holds: live (an actor), draining (its actor is
/// exiting), or parked (no actor: its state, handed over by its last actor).
struct entry {
  series_actor actor; ///< null while parked
  /// Live: its place in router_state::lru; parked: in router_state::parked.
  std::list<const std::string*>::iterator lru;
  clock::time_point last_used;
  bool draining = false; ///< passivating; requests wait in `held` for its exit
  bool park = false;     ///< draining to be parked
  bool fitted = false;   ///< a fit went to it since it started: the series exists (or will)
  bool counted = false;  ///< known to exist: it holds a place under max_active
  /// The stored state its actor handed over (parked, or about to be).
  std::shared_ptr<version_page> state;
  std::vector<held_request> held;
};

bool is_parked(const entry& e) {
  return !e.actor && e.state;
}

using series_map = std::unordered_map<std::string, entry>;

struct router_state {
  static inline const char* name = "router_shard";
  std::shared_ptr<const series_settings> base; ///< shared by every series actor of this shard
  shard_limits limits;
  std::shared_ptr<series_counters> counters;
  series_map series;
  std::list<const std::string*> lru; ///< live series, most recently used first (keys of `series`)
  std::list<const std::string*> parked; ///< parked series, most recently used first
  std::size_t counted = 0;           ///< live and parked series known to exist
  /// Live actors by id; the pointers are stable (elements of `series`).
  std::unordered_map<caf::actor_id, series_map::value_type*> children;
  absent_series absent{absent_series_capacity};
  /// The writer's down message, once it died: told to every series actor.
  std::optional<caf::down_msg> writer_down;
  uint64_t absent_ring = 0; ///< the ring version `absent` was learned under
};

using self_ptr = router_actor::stateful_pointer<router_state>;

/// Tells a live series' actor to exit; with `park`, to hand its state over
/// first (kept in `entry::state` until the next request).
void passivate(self_ptr self, series_map::value_type& s, bool park) {
  auto& st = self->state;
  auto& e = s.second;
  self->send(e.actor, passivate_atom::value, park);
  e.draining = true;
  e.park = park;
  st.lru.erase(e.lru);
  if (e.counted)
    --st.counted;
  ++st.counters->passivations;
}

/// Takes a parked series off the parked list and its counts (to drop it, or
/// to start its actor, which is counted again once it reports in).
void unpark(router_state& st, entry& e) {
  st.parked.erase(e.lru);
  --st.counted;
  --st.counters->parked;
}

/// Forgets a parked series (its state is in the store).
void drop_parked(self_ptr self, series_map::iterator it) {
  unpark(self->state, it->second);
  self->state.series.erase(it);
}

/// Drops the least recently used parked series, then passivates the least
/// recently used live series known to exist, while more than max_active are
/// held. Series still loading are not counted: an unknown id never pushes a
/// real series out.
void enforce_cap(self_ptr self) {
  auto& st = self->state;
  while (st.counted > st.limits.max_active && !st.parked.empty())
    drop_parked(self, st.series.find(*st.parked.back()));
  for (auto it = st.lru.end(); st.counted > st.limits.max_active && it != st.lru.begin();) {
    --it;
    auto& s = *st.series.find(**it);
    auto next = it;
    if (s.second.counted) {
      next = std::next(it); // passivate erases `it`
      passivate(self, s, false);
    }
    it = next;
  }
}

/// Starts the series' actor, from its parked state when it has one (or from
/// an empty one, `fresh`: a series the store never held).
entry& activate(self_ptr self, series_map::value_type& s, bool fresh = false) {
  auto& st = self->state;
  auto& e = s.second;
  if (fresh)
    e.state = std::make_shared<version_page>();
  else if (e.state)
    ++st.counters->unparked;
  else if (!st.base->ownership) // a shared store's series claims, then loads unless new
    ++st.counters->loads;
  e.actor = spawn_series(self->system(), s.first, st.base, std::move(e.state));
  e.state = nullptr;
  // A monitor, not a link: CAF keeps links in a list on both sides, so with
  // many children every exit would scan the shard's list (measured: fits fell
  // from ~9k/s to ~2k/s once passivation began at 100k series).
  self->monitor(e.actor);
  st.children.emplace(e.actor->id(), &s);
  if (st.writer_down) // the actor refuses fits at once
    caf::anon_send(caf::actor_cast<caf::actor>(e.actor), *st.writer_down);
  st.lru.push_front(&s.first);
  e.lru = st.lru.begin();
  e.last_used = clock::now();
  e.draining = e.park = e.fitted = e.counted = false;
  ++st.counters->active;
  ++st.counters->activations;
  return e;
}

caf::error unknown_series(const std::string& id) {
  return make_error(server_error::not_found, "series " + id + " has not been trained");
}

/// Delegates to the series' actor (starting it when needed), holds the request
/// while its previous actor drains, or answers 404 for an id known not to exist.
template <class T, class Atom, class... Ts>
caf::result<T> route(self_ptr self, const std::string& id, Atom atom, Ts... xs) {
  auto& st = self->state;
  constexpr bool fit = std::is_same<Atom, fit_atom>::value;
  if (st.limits.ring_version)
    if (auto v = st.limits.ring_version(); v != st.absent_ring) {
      // Ownership moved: another node may have created or changed them.
      st.absent.clear();
      while (!st.parked.empty())
        drop_parked(self, st.series.find(*st.parked.back()));
      st.absent_ring = v;
    }
  constexpr bool erase = std::is_same<Atom, delete_atom>::value;
  auto it = st.series.find(id);
  // Neither here nor ever stored: nothing to load (known_series.hpp). Not for
  // a deletion, which also clears a numbering kept without versions (the
  // filter is filled from the series with versions).
  bool never = !erase && it == st.series.end() && st.limits.known
               && !st.limits.known->may_hold(id);
  if (fit)
    st.absent.forget(id);
  else if (never || st.absent.contains(id))
    return unknown_series(id);
  if (it == st.series.end()) {
    it = st.series.emplace(id, entry{}).first;
    activate(self, *it, never);
  } else if (is_parked(it->second)) {
    unpark(st, it->second);
    activate(self, *it);
  }
  auto& e = it->second;
  if (e.draining) {
    auto rp = self->make_response_promise<T>();
    e.held.emplace_back(
      [rp, atom, args = std::make_tuple(std::move(xs)...)](const series_actor& dest) mutable {
        std::apply([&](auto&... ys) { rp.delegate(dest, atom, std::move(ys)...); }, args);
      });
    return rp;
  }
  st.lru.splice(st.lru.begin(), st.lru, e.lru);
  e.last_used = clock::now();
  e.fitted = e.fitted || fit;
  return self->delegate(e.actor, atom, std::move(xs)...);
}

/// Whether the message being handled comes from `e`'s current actor (not a
/// previous one of the same series).
bool from_its_actor(self_ptr self, const entry& e) {
  auto sender = self->current_sender();
  return sender && e.actor && e.actor->id() == sender->id();
}

/// A series actor loaded: one without versions, and no fit on its way, is
/// remembered as absent and stopped; one that exists takes its place under
/// max_active.
void on_loaded(self_ptr self, const std::string& id, bool exists) {
  auto& st = self->state;
  auto it = st.series.find(id);
  if (it == st.series.end() || it->second.draining || !from_its_actor(self, it->second))
    return;
  auto& e = it->second;
  if (!exists && !e.fitted) {
    st.absent.add(id);
    return passivate(self, *it, false);
  }
  e.counted = true;
  ++st.counted;
  enforce_cap(self);
}

/// A series actor exited: forget it, or start a new one for held requests.
void on_series_exit(self_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  auto c = st.children.find(source.id());
  if (c == st.children.end())
    return;
  auto& s = *c->second;
  st.children.erase(c);
  --st.counters->active;
  auto& e = s.second;
  if (!e.draining) { // died on its own (say, its store load failed)
    st.lru.erase(e.lru);
    if (e.counted)
      --st.counted;
  }
  if (e.held.empty()) {
    if (!e.draining || !e.park || !e.state)
      return void(st.series.erase(s.first));
    // Parked: its state stays here, its actor is gone. Series park after the
    // same idle time, so the newest parked is (about) the most recently used;
    // among those parked by one sweep the order is their actors' exit order,
    // which the scheduler decides (sorting here cost O(n) per exit when a
    // sweep's actors exited in reverse).
    e.actor = nullptr;
    e.draining = e.park = false;
    st.parked.push_front(&s.first);
    e.lru = st.parked.begin();
    e.counted = true;
    ++st.counted;
    ++st.counters->parked;
    return enforce_cap(self);
  }
  auto requests = std::move(e.held);
  e.held.clear();
  auto& fresh = activate(self, s);
  for (auto& request : requests)
    request(fresh.actor);
}

/// The store writer died: every series actor hears it (and every one started
/// later), as if it monitored the writer itself. The series do not monitor it:
/// CAF 0.17 keeps each monitor inside the monitored actor until that one
/// exits, so the writer would hold a weak reference to, and so the memory of
/// (about 1 KiB), every series actor ever started; demonitoring on exit would
/// scan the writer's list of monitors each time instead.
void on_writer_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  st.writer_down = msg;
  for (auto& child : st.children)
    caf::anon_send(caf::actor_cast<caf::actor>(child.second->second.actor), msg);
}

/// Passivates live series idle for longer than the idle timeout and parks
/// those idle for longer than park_after (LRU tail first); forgets parked
/// series idle for longer than the idle timeout.
void sweep(self_ptr self) {
  auto& st = self->state;
  auto now = clock::now();
  auto idle = st.limits.idle_timeout.count() > 0 ? now - st.limits.idle_timeout
                                                 : clock::time_point::min();
  auto park = st.limits.park_after.count() > 0 ? now - st.limits.park_after
                                               : clock::time_point::min();
  while (!st.lru.empty()) {
    auto& s = *st.series.find(*st.lru.back());
    if (s.second.last_used <= idle)
      passivate(self, s, false);
    else if (s.second.last_used <= park)
      passivate(self, s, true);
    else
      break;
  }
  while (!st.parked.empty()) {
    auto it = st.series.find(*st.parked.back());
    if (it->second.last_used > idle)
      break;
    drop_parked(self, it);
  }
}

/// Answers once every active series has stored its learning (at shutdown).
caf::result<bool> flush_all(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<bool>();
  auto missing = std::make_shared<std::size_t>(st.children.size() + 1);
  auto one_done = [rp, missing]() mutable {
    if (--*missing == 0)
      rp.deliver(true);
  };
  for (auto& [aid, s] : st.children)
    self->request(s->second.actor, std::chrono::seconds(10), flush_atom::value)
      .then([one_done](bool) mutable { one_done(); },
            [one_done](caf::error&) mutable { one_done(); });
  one_done();
  return rp;
}

router_actor::behavior_type router_shard(self_ptr self, series_settings base,
                                         shard_limits limits,
                                         std::shared_ptr<series_counters> counters) {
  auto& st = self->state;
  base.shard = self->address();
  st.base = std::make_shared<const series_settings>(std::move(base));
  st.limits = limits;
  st.counters = std::move(counters);
  self->monitor(st.base->writer);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source == self->state.base->writer.address())
      return on_writer_down(self, msg);
    on_series_exit(self, msg.source);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Told to stop: the series actors go too (they are monitored, not linked).
    for (auto& child : self->state.children)
      self->send_exit(child.second->second.actor, msg.reason);
    self->quit(std::move(msg.reason));
  });
  // Parking is checked ten times per park_after (a sweep parks the series that
  // came idle since the last: small batches, not a pause every second),
  // idleness at least once a second.
  std::chrono::milliseconds tick_every{1000};
  if (limits.park_after.count() > 0)
    tick_every = std::clamp(limits.park_after / 10, std::chrono::milliseconds{10}, tick_every);
  if (limits.idle_timeout.count() > 0 || limits.park_after.count() > 0)
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
    [self](delete_atom a, std::string& id, uint32_t version, int64_t idle_before_ms,
           int64_t deadline_ms) {
      return route<uint32_t>(self, id, a, version, idle_before_ms, deadline_ms);
    },
    [self](loaded_atom, const std::string& id, bool exists) { on_loaded(self, id, exists); },
    [self](passivate_atom, const std::string& id, version_page& state) {
      // A series actor passivated to be parked hands over its state, then exits.
      auto& st = self->state;
      auto it = st.series.find(id);
      if (it != st.series.end() && it->second.draining && it->second.park
          && from_its_actor(self, it->second))
        it->second.state = std::make_shared<version_page>(std::move(state));
    },
    [self](touch_atom, const std::string& id) {
      auto& st = self->state;
      auto it = st.series.find(id);
      if (it != st.series.end() && it->second.actor && !it->second.draining) {
        st.lru.splice(st.lru.begin(), st.lru, it->second.lru);
        it->second.last_used = clock::now();
      }
    },
    [self](flush_atom) { return flush_all(self); },
    [self, tick_every](tick_atom) {
      sweep(self);
      self->delayed_send(self, tick_every, tick_atom::value);
    },
  };
}

} // namespace

router_actor spawn_router_shard(caf::actor_system& sys, series_settings base, shard_limits limits,
                                std::shared_ptr<series_counters> counters) {
  return sys.spawn(router_shard, std::move(base), limits, std::move(counters));
}

} // namespace actors
