#include "actors/peer_link.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "model/cluster.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

/// A request forwarded to the peer and not answered yet.
struct waiting {
  caf::response_promise rp;
  bool mutating = false;     ///< a fit, or a predict that may learn: lost means in doubt
  uint64_t pings_before = 0; ///< pings sent before it; asked about once a later one went
  int misses = 0;            ///< pings in a row that found it neither answered nor at work
};

struct peer_link_state {
  static inline const char* name = "peer_link";
  peer_settings cfg;
  std::shared_ptr<peer_status> status;
  model::node_address addr;
  caf::actor remote;      ///< the peer's gateway; null while disconnected
  bool answering = false; ///< connected, and heard from within silence_limit
  clock_type::time_point last_heard;
  clock_type::time_point last_tick; ///< a late tick means this node stalled, not the peer
  uint64_t pings = 0;     ///< pings sent so far
  /// Stalls of this node so far (check_stall). An answer to a request sent
  /// before the last one may have waited unread in a connection the peer has
  /// closed since: it shows the peer was alive then, not that it is reachable now.
  uint64_t stalls = 0;
  std::unordered_map<uint64_t, waiting> pending;
  uint64_t last_id = 0;
  std::chrono::milliseconds backoff{0};
  std::string last_failure; ///< logged once until it changes
};

using self_ptr = caf::stateful_actor<peer_link_state>*;

/// Two pings in a row that find a request neither answered nor at work on
/// the owner: lost (one could cross its answer on the way back).
constexpr int misses_for_lost = 2;

caf::error unreachable(const peer_link_state& st) {
  return make_error(server_error::unavailable,
                    "the node owning this series (" + st.cfg.node + ") is unreachable; retry");
}

caf::error in_doubt(const peer_link_state& st) {
  return make_error(server_error::in_doubt,
                    "the node owning this series (" + st.cfg.node
                      + ") stopped answering while the request was in flight; it may or may not "
                        "have been done (a fit stored, a point learned): read GET /series/{id} "
                        "before retrying a fit, or retry it with the same Idempotency-Key");
}

/// Tells the assembly that the peer's state changed (static split-brain rule).
void changed(peer_link_state& st) {
  if (st.cfg.on_change)
    st.cfg.on_change();
}

void log(self_ptr self, const std::string& line) {
  if (self->state.cfg.log)
    self->state.cfg.log("cluster: " + line);
}

/// Answers waiting request `w` as lost: a read was not done (or its answer
/// is gone), a fit may have been.
void answer_lost(self_ptr self, waiting& w) {
  w.rp.deliver(w.mutating ? in_doubt(self->state) : unreachable(self->state));
}

/// Answers every waiting request as lost; returns how many there were.
std::size_t answer_all(self_ptr self) {
  auto pending = std::move(self->state.pending);
  self->state.pending.clear();
  for (auto& kvp : pending)
    answer_lost(self, kvp.second);
  return pending.size();
}

/// The peer answered a request sent while this node had stalled `sent_at`
/// times: alive (again), unless this node stalled since it was sent.
void heard(self_ptr self, uint64_t sent_at) {
  auto& st = self->state;
  if (sent_at != st.stalls)
    return;
  st.last_heard = clock_type::now();
  if (st.remote && !st.answering) {
    st.answering = true;
    st.status->up = true;
    log(self, st.cfg.node + " answers again");
    changed(st);
  }
}

/// An error that came from the peer (not a local timeout or a dead proxy).
bool from_peer(const caf::error& err) {
  static const auto ours = make_error(server_error::unavailable, std::string{}).category();
  return err.category() == ours;
}

/// Answers forwarded request `n` (if still waiting) with `x`.
template <class X>
void finish(self_ptr self, uint64_t n, X&& x) {
  auto it = self->state.pending.find(n);
  if (it == self->state.pending.end())
    return;
  auto rp = std::move(it->second.rp);
  self->state.pending.erase(it);
  rp.deliver(std::forward<X>(x));
}

bool check_stall(self_ptr self);

/// Forwards the current request to the peer, numbered; the reply (or a
/// failure) goes to the original sender.
template <class T, class Atom, class... Ts>
caf::response_promise forward(self_ptr self, bool fit, bool mutating, Atom a, Ts&&... xs) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  check_stall(self);
  if (!st.remote || !st.answering) {
    rp.deliver(unreachable(st));
    return rp;
  }
  auto n = ++st.last_id;
  st.pending.emplace(n, waiting{rp, mutating, st.pings, 0});
  // A finite wait, so that CAF drops its handler for a reply that never comes.
  self->request(st.remote, fit ? st.cfg.fit_wait : st.cfg.read_wait, a, n, std::forward<Ts>(xs)...)
    .then(
      [self, n, sent_at = st.stalls](T& x) {
        heard(self, sent_at);
        finish(self, n, std::move(x));
      },
      [self, n, sent_at = st.stalls](caf::error& err) {
        if (from_peer(err))
          heard(self, sent_at);
        finish(self, n, std::move(err));
      });
  return rp;
}

void retry_later(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (why != st.last_failure)
    log(self, "cannot reach " + st.cfg.node + " (" + why + "); retrying with back-off");
  st.last_failure = why;
  auto wait = st.backoff;
  st.backoff = std::min(st.backoff * 2, st.cfg.backoff_max);
  self->delayed_send(self, wait, retry_atom::value);
}

/// The connection to the peer dropped: answer everything it held, reconnect.
void lost(self_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.remote = nullptr;
  st.answering = false;
  st.status->up = false;
  auto answered = answer_all(self);
  log(self, "lost " + st.cfg.node + " (" + caf::to_string(reason) + "); "
              + std::to_string(answered) + " forwarded request(s) answered");
  changed(st);
  st.backoff = st.cfg.backoff_min;
  st.last_failure = "connection lost"; // logged just above
  retry_later(self, st.last_failure);
}

/// The peer answered nothing for silence_limit: down until it answers again.
void went_silent(self_ptr self) {
  auto& st = self->state;
  st.answering = false;
  st.status->up = false;
  auto answered = answer_all(self);
  log(self, st.cfg.node + " answered nothing for " + std::to_string(st.cfg.silence_limit.count())
              + " ms; " + std::to_string(answered)
              + " forwarded request(s) answered, its series unavailable until it answers");
  changed(st);
}

/// `busy`: those of `asked` still at work on the peer. Answers the requests
/// that two pings found neither answered nor at work there.
void reconcile(self_ptr self, const request_numbers& asked, const request_numbers& busy) {
  std::set<uint64_t> at_work(busy.begin(), busy.end());
  std::size_t gone = 0;
  for (auto n : asked) {
    auto it = self->state.pending.find(n);
    if (it == self->state.pending.end())
      continue;
    if (at_work.count(n) > 0)
      it->second.misses = 0;
    if (at_work.count(n) > 0 || ++it->second.misses < misses_for_lost)
      continue;
    answer_lost(self, it->second);
    self->state.pending.erase(it);
    ++gone;
  }
  if (gone > 0)
    log(self, std::to_string(gone) + " forwarded request(s) to " + self->state.cfg.node
                + " lost in transit (it answers pings); answered");
}

/// Asks the peer which of the requests older than the previous ping are
/// still at work there; any answer also shows that it is alive.
void ping(self_ptr self) {
  auto& st = self->state;
  request_numbers asked;
  for (const auto& kvp : st.pending)
    if (kvp.second.pings_before < st.pings)
      asked.push_back(kvp.first);
  ++st.pings;
  self->request(st.remote, st.cfg.silence_limit, ping_atom::value, asked)
    .then(
      [self, asked, sent_at = st.stalls](request_numbers& busy) {
        heard(self, sent_at);
        reconcile(self, asked, busy);
      },
      [](caf::error&) {}); // silence is judged by last_heard
}

/// Whether this node itself stalled (stopped by a signal, starved, swapped)
/// since the link's last tick, for longer than half the silence a peer
/// allows: the peer may have dropped the connection meanwhile, its closing
/// still unread here. Nothing is forwarded then until the peer answers a
/// ping sent from now on (heard): a request sent into a dropped connection
/// would be answered "in doubt" (502), one refused before it is sent is "not
/// done" (503). Answers to what was sent before, read now, may come from that
/// dropped connection's buffer, so they do not count. The peer is not judged
/// silent before it could answer that ping. True if it stalled.
bool check_stall(self_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  auto limit = std::max(st.cfg.silence_limit / 2, 2 * st.cfg.ping_every);
  auto gap = now - st.last_tick;
  if (gap <= limit)
    return false;
  st.last_tick = now;
  ++st.stalls;
  if (!st.remote)
    return true;
  st.last_heard = std::max(st.last_heard, now - st.cfg.silence_limit / 2);
  if (st.answering) {
    st.answering = false;
    st.status->up = false;
    log(self, "this node stalled for "
                + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(gap).count())
                + " ms; nothing is forwarded to " + st.cfg.node + " until it answers a new ping");
    changed(st);
  }
  ping(self);
  return true;
}

/// Every ping_every while connected: judge silence, then ping.
void on_tick(self_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, st.cfg.ping_every, tick_atom::value);
  if (check_stall(self))
    return;
  st.last_tick = clock_type::now();
  if (!st.remote)
    return;
  if (st.answering && st.last_tick - st.last_heard > st.cfg.silence_limit)
    went_silent(self);
  ping(self);
}

void connected(self_ptr self, caf::strong_actor_ptr ptr) {
  auto& st = self->state;
  st.remote = caf::actor_cast<caf::actor>(std::move(ptr));
  self->monitor(st.remote);
  st.backoff = st.cfg.backoff_min;
  st.last_failure.clear();
  st.answering = true;
  st.last_heard = clock_type::now();
  st.status->up = true;
  st.status->refused = false;
  log(self, "connected to " + st.cfg.node);
  if (st.cfg.hello_with)
    self->send(st.remote, hello_atom::value, st.cfg.self_node, st.cfg.hello_with);
  changed(st);
  // Learn its series count early, for /healthcheck, and its HTTP address,
  // for the answers' owner header.
  self->request(st.remote, st.cfg.count_timeout, count_atom::value)
    .then([self](uint64_t n) { self->state.status->series = n; }, [](caf::error&) {});
  self->request(st.remote, st.cfg.connect_timeout, http_atom::value)
    .then(
      [self](std::string& http) {
        if (http != self->state.status->http()) {
          self->state.status->set_http(std::move(http));
          changed(self->state);
        }
      },
      [](caf::error&) {});
}

void connect(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.dial)
    return; // the peer dials and says hello (peer_settings::dial)
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle()
                       : self->system().middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, st.addr.host, st.addr.port)
    .then(
      [self](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr)
          return retry_later(self, "nothing published on that port");
        connected(self, std::move(ptr));
      },
      [self](caf::error& err) {
        if (err == caf::sec::incompatible_application_ids) {
          if (!self->state.status->refused.exchange(true))
            changed(self->state);
          return retry_later(self, "refused: that node runs with a different cluster.nodes list");
        }
        retry_later(self, caf::to_string(err));
      });
}

/// Answers (count_atom): the peer's series count, or the last one heard.
caf::response_promise count(self_ptr self, count_atom a) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (!st.remote) {
    rp.deliver(st.status->series.load());
    return rp;
  }
  self->request(st.remote, st.cfg.count_timeout, a)
    .then(
      [self, rp, sent_at = st.stalls](uint64_t n) mutable {
        heard(self, sent_at);
        self->state.status->series = n;
        rp.deliver(n);
      },
      [self, rp](caf::error&) mutable { rp.deliver(self->state.status->series.load()); });
  return rp;
}

caf::behavior peer_link(self_ptr self, peer_settings cfg, std::shared_ptr<peer_status> status) {
  auto& st = self->state;
  st.addr = model::parse_node(cfg.node).value(); // validated with the configuration
  st.cfg = std::move(cfg);
  st.status = std::move(status);
  st.backoff = st.cfg.backoff_min;
  self->set_down_handler([self](caf::down_msg& msg) {
    if (self->state.remote && msg.source == self->state.remote.address())
      lost(self, msg.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto answered = answer_all(self); // the peer left: what it held is answered
    if (answered > 0)
      log(self, "stopped the link to " + self->state.cfg.node + "; " + std::to_string(answered)
                  + " forwarded request(s) answered");
    self->quit(msg.reason);
  });
  connect(self);
  st.last_tick = clock_type::now();
  self->delayed_send(self, st.cfg.ping_every, tick_atom::value);
  return {
    [self](fit_atom a, std::string& id, model::training_data& data, model::detector_spec& det,
           int64_t deadline_ms, std::string& key) {
      return forward<model::version_record>(self, true, true, a, std::move(id), std::move(data),
                                            det, deadline_ms, std::move(key));
    },
    [self](predict_atom a, std::string& id, predict_query q) {
      return forward<prediction>(self, false, q.learn, a, std::move(id), q);
    },
    [self](batch_atom a, std::string& id, batch_query& q) {
      bool learn = q.learn;
      return forward<prediction_list>(self, false, learn, a, std::move(id), std::move(q));
    },
    [self](plot_atom a, std::string& id, uint32_t version) {
      return forward<version_points>(self, false, false, a, std::move(id), version);
    },
    [self](list_atom a, std::string& id, uint32_t after, uint32_t limit) {
      return forward<version_page>(self, false, false, a, std::move(id), after, limit);
    },
    [self](store_atom a) -> caf::result<int64_t> {
      auto& st = self->state;
      if (!st.remote || !st.answering)
        return unreachable(st);
      auto rp = self->make_response_promise<int64_t>();
      self->request(st.remote, st.cfg.count_timeout, a)
        .then([rp](int64_t since_ms) mutable { rp.deliver(since_ms); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](delete_atom a, std::string& id, uint32_t version, int64_t idle_before_ms,
           int64_t deadline_ms) {
      // A write: lost in flight, it may or may not have been done (502).
      return forward<uint32_t>(self, true, true, a, std::move(id), version, idle_before_ms,
                               deadline_ms);
    },
    [self](count_atom a) { return count(self, a); },
    [self](retry_atom) {
      if (!self->state.remote)
        connect(self);
    },
    [self](tick_atom) { on_tick(self); },
    [self](hello_atom, caf::actor& gateway) { // from this node's gateway: the peer dialed
      auto& st = self->state;
      if (!gateway || st.remote == gateway)
        return;
      if (st.remote)
        self->demonitor(st.remote);
      connected(self, caf::actor_cast<caf::strong_actor_ptr>(std::move(gateway)));
    },
  };
}

} // namespace

peer_settings with_node(peer_settings tmpl, const std::string& node) {
  tmpl.node = node;
  tmpl.dial = !tmpl.tls || tmpl.self_node < node;
  if (!tmpl.tls || !tmpl.dial)
    tmpl.hello_with = nullptr;
  return tmpl;
}

caf::actor spawn_peer_link(caf::actor_system& sys, peer_settings cfg,
                           std::shared_ptr<peer_status> status) {
  return sys.spawn(peer_link, std::move(cfg), std::move(status));
}

} // namespace actors
