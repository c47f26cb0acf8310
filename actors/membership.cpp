#include "actors/membership.hpp"

#include <algorithm>
#include <map>

#include "actors/persistence/pg_cluster.hpp"

namespace actors {

namespace {

struct link_entry {
  caf::actor actor;
  std::shared_ptr<peer_status> status;
};

struct membership_state {
  static inline const char* name = "membership";
  membership_settings cfg;
  std::shared_ptr<membership_counters> counters;
  std::unique_ptr<persistence::cluster_table> table; ///< null until connected
  bool joined = false;
  int64_t connected_since = 0;    ///< boottime of the first renewal of this unbroken streak (0: broken)
  std::map<std::string, link_entry> links; ///< by node
  std::vector<persistence::member_row> members; ///< as last renewed
  int64_t counted_at = 0;         ///< when the series count was last read
  uint64_t verdict_round = 0;     ///< the current round of asking peers
  bool failing = false;           ///< the last renewal failed (logged once per streak)
  int64_t attempt_started = 0;    ///< boottime when the current renewal attempt began
  int64_t failing_since = 0;      ///< boottime when the first failed attempt of this streak began
};

using self_ptr = caf::stateful_actor<membership_state>*;

constexpr int64_t ms = 1000000; // nanoseconds

void log(self_ptr self, const std::string& line) {
  if (self->state.cfg.log)
    self->state.cfg.log("cluster: " + line);
}

void schedule(self_ptr self, int64_t after_ms) {
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(after_ms, 1)),
                     tick_atom::value);
}

/// Publishes the ring of `members` (and this node when `self_in`), spawning
/// and stopping peer links to match; tells the ownership actor when it changed.
void update_ring(self_ptr self, const std::vector<persistence::member_row>& members, bool self_in) {
  auto& st = self->state;
  const auto& node = st.cfg.identity->node;
  const auto& old = st.cfg.map->current();
  bool same = (old.self != ring::npos) == self_in && old.members.size() == members.size();
  for (std::size_t i = 0; same && i < members.size(); ++i)
    same = old.members[i].node == members[i].node && old.members[i].http == members[i].http;
  if (same)
    return;
  std::map<std::string, link_entry> links;
  ring r;
  for (const auto& m : members) {
    if (m.node == node && !self_in)
      continue;
    if (m.node == node) {
      r.self = r.members.size();
      r.members.push_back({m.node, m.http, {}});
    } else {
      auto it = st.links.find(m.node);
      if (it == st.links.end()) {
        auto status = std::make_shared<peer_status>();
        status->node = m.node;
        auto link = spawn_peer_link(self->system(), with_node(st.cfg.peer, m.node), status);
        if (st.cfg.peer.tls) // the gateway hands this peer's hellos to the new link
          self->send(st.cfg.gateway, hello_atom::value, std::vector<std::string>{m.node},
                     std::vector<caf::actor>{link});
        it = st.links.emplace(m.node, link_entry{std::move(link), status}).first;
      }
      links.emplace(m.node, it->second);
      r.members.push_back({m.node, m.http, caf::actor_cast<router_actor>(it->second.actor)});
    }
    r.nodes.push_back(m.node);
  }
  for (auto& [n, link] : st.links)
    if (!links.count(n)) // it left or was evicted: its link answers what it held, and goes
      self->send_exit(link.actor, caf::exit_reason::user_shutdown);
  st.links = std::move(links);
  std::vector<std::shared_ptr<peer_status>> statuses;
  for (auto& [n, link] : st.links)
    statuses.push_back(link.status);
  st.cfg.peers->set(std::move(statuses));
  st.counters->members = static_cast<int64_t>(r.members.size());
  ++st.counters->ring_changes;
  std::string names;
  for (const auto& m : r.members)
    names += (names.empty() ? "" : ", ") + m.node;
  log(self, "members now: " + names + (self_in ? "" : " (this node not among them)"));
  st.cfg.map->publish(std::move(r));
  self->send(st.cfg.ownership, ring_atom::value);
}

/// This incarnation was declared dead: stop serving, hand everything off,
/// join again.
void declared_dead(self_ptr self) {
  auto& st = self->state;
  log(self, "this node (incarnation " + std::to_string(st.cfg.identity->incarnation.load())
              + ") was declared dead by the others: its series actors stop and it joins again");
  st.cfg.identity->incarnation = 0; // every write of this incarnation is refused from now
  st.cfg.map->serve_until(0);
  st.cfg.map->set_fence_reason("this node was declared dead and is joining again");
  ++st.counters->declared_dead;
  st.joined = false;
  self->send(st.cfg.ownership, evicted_atom::value);
  update_ring(self, st.members, false);
}

/// The store answered: renew the fence, update the ring, plan the next tick.
void renewed(self_ptr self, int64_t started, std::vector<persistence::member_row> members) {
  auto& st = self->state;
  ++st.counters->renewals;
  st.cfg.map->renewed_at(started);
  st.cfg.map->serve_until(started + (st.cfg.lease - st.cfg.fence_margin).count() * ms);
  st.counters->store_state = 0;
  if (st.failing)
    log(self, "the store answers again");
  st.failing = false;
  if (st.connected_since == 0)
    st.connected_since = started;
  st.members = std::move(members);
  update_ring(self, st.members, true);
  // Tick again in renew_every, or as soon as the lease of a peer that is
  // not answering runs out (a crashed node is evicted on time, not up to
  // renew_every late).
  int64_t next = st.cfg.renew_every.count();
  for (const auto& m : st.members) {
    auto it = st.links.find(m.node);
    if (it != st.links.end() && !it->second.status->up && m.expires_in_ms >= 0)
      next = std::min<int64_t>(next, m.expires_in_ms + 20);
  }
  schedule(self, next);
}

/// Peers' answers to "when did you last renew?": one that renewed after this
/// node's failing streak began (fresh) means this node alone is cut off; all
/// of them without a renewal for 1.5 periods (stale) means the store is down
/// for everyone. Anything else is not decided yet: this node serves until
/// its lease's fence, and asks again at its next attempt (every 250 ms).
struct verdict_tally {
  std::size_t asked = 0, answered = 0, stale = 0, fresh = 0;
};

void judge(self_ptr self, uint64_t round, const std::shared_ptr<verdict_tally>& v) {
  auto& st = self->state;
  if (round != st.verdict_round || st.counters->store_state == 0)
    return; // a later round, or the store answered meanwhile
  if (v->fresh > 0) {
    if (st.counters->store_state != 2)
      log(self, "cut off from the store while " + std::to_string(v->fresh)
                  + " peer(s) still reach it: this node stops serving its series");
    st.counters->store_state = 2;
    st.cfg.map->set_fence_reason("this node cannot reach the store while other nodes can");
    st.cfg.map->serve_until(0);
  } else if (v->stale == v->asked) {
    if (st.counters->store_state != 1)
      log(self, "no member reaches the store: nobody can be evicted, active series stay served "
                "(fits fail until it is back)");
    st.counters->store_state = 1;
    st.cfg.map->set_fence_reason("the store is down");
    auto until = boottime_ns() + 2 * st.cfg.renew_every.count() * ms;
    st.cfg.map->serve_until(std::max(st.cfg.map->serve_until(), until));
  }
}

/// A renewal failed: ask every peer when it last renewed.
void ask_peers(self_ptr self) {
  auto& st = self->state;
  auto round = ++st.verdict_round;
  auto v = std::make_shared<verdict_tally>();
  const auto& r = st.cfg.map->current();
  for (const auto& m : r.members)
    if (m.link)
      ++v->asked;
  if (v->asked == 0) // alone: nobody can evict it, and nobody can say
    return;
  auto limit = std::chrono::milliseconds(st.cfg.renew_every.count() * 3 / 2);
  auto failing_since = st.failing_since;
  for (const auto& m : r.members) {
    if (!m.link)
      continue;
    self->request(caf::actor_cast<caf::actor>(m.link), st.cfg.renew_every, store_atom::value)
      .then(
        [self, round, v, limit, failing_since](int64_t since_ms) {
          ++v->answered;
          auto failing_ms = (boottime_ns() - failing_since) / ms;
          if (since_ms >= 0 && since_ms < failing_ms)
            ++v->fresh; // it renewed after this node's first failed attempt began
          else if (since_ms < 0 || since_ms > limit.count())
            ++v->stale;
          judge(self, round, v);
        },
        [](caf::error&) {}); // no answer: the lease decides
  }
}

void failed(self_ptr self, const std::string& why) {
  auto& st = self->state;
  ++st.counters->renew_failures;
  st.connected_since = 0; // evicting others waits for a whole lease of renewals again
  if (st.counters->store_state == 0)
    st.counters->store_state = 3;
  if (!st.failing)
    st.failing_since = st.attempt_started;
  if (!st.failing)
    log(self, "cannot renew this node's lease (" + why + "); asking the peers whether the store "
              "is down for them too");
  st.failing = true;
  st.table.reset();
  ask_peers(self);
  schedule(self, std::min<int64_t>(250, st.cfg.renew_every.count()));
}

bool connect(self_ptr self, std::string& why) {
  auto& st = self->state;
  if (st.table)
    return true;
  auto t = persistence::cluster_table::open(st.cfg.store);
  if (!t) {
    why = t.detail();
    return false;
  }
  st.table = std::move(t.value());
  return true;
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.cfg.identity->leaving)
    return;
  auto started = boottime_ns();
  st.attempt_started = started;
  std::string why;
  if (!connect(self, why))
    return failed(self, why);
  if (!st.joined) {
    auto j = st.table->join(st.cfg.identity->node, st.cfg.http);
    if (!j)
      return failed(self, j.detail());
    st.cfg.identity->epoch_floor = j.value().second;
    st.cfg.identity->incarnation = j.value().first;
    st.counters->incarnation = j.value().first;
    ++st.counters->joins;
    st.joined = true;
    st.connected_since = started;
    log(self, "joined as " + st.cfg.identity->node + " (incarnation "
                + std::to_string(j.value().first) + ")");
  }
  bool may_evict = st.connected_since != 0 && started - st.connected_since >= st.cfg.lease.count() * ms;
  auto r = st.table->renew(st.cfg.identity->node, st.cfg.identity->incarnation.load(),
                           st.cfg.lease.count(), may_evict);
  if (!r)
    return failed(self, r.detail());
  if (!r.value()) {
    declared_dead(self);
    return schedule(self, 1); // join again at once
  }
  auto took_ms = (boottime_ns() - started) / ms;
  if (took_ms * 2 > st.cfg.fence_margin.count())
    log(self, "a lease renewal took " + std::to_string(took_ms) + " ms (the fence margin is "
                + std::to_string(st.cfg.fence_margin.count()) + " ms)");
  renewed(self, started, std::move(*r.value()));
  if (started - st.counted_at > 5000 * ms) { // the whole cluster's series, for /healthcheck
    st.counted_at = started;
    if (auto n = st.table->series_count())
      st.cfg.counters->series = n.value();
  }
}

caf::behavior membership(self_ptr self, membership_settings cfg,
                         std::shared_ptr<membership_counters> counters) {
  self->state.cfg = std::move(cfg);
  self->state.counters = std::move(counters);
  self->state.cfg.map->serve_until(0); // nothing is served before the first renewal
  self->state.cfg.map->set_fence_reason("this node has not joined the cluster yet");
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [n, link] : self->state.links)
      self->send_exit(link.actor, msg.reason);
    self->quit(msg.reason);
  });
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) { tick(self); },
  };
}

} // namespace

caf::actor spawn_membership(caf::actor_system& sys, membership_settings cfg,
                            std::shared_ptr<membership_counters> counters) {
  return sys.spawn<caf::detached>(membership, std::move(cfg), std::move(counters));
}

} // namespace actors
