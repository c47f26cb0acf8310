#include "actors/peer_link.hpp"

#include <set>
#include <unordered_map>

#include <caf/io/middleman.hpp>

#include "model/cluster.hpp"

namespace actors {

namespace {

/// A request forwarded to the peer and not answered yet.
struct waiting {
  caf::response_promise rp;
  bool fit = false;
};

struct peer_link_state {
  static inline const char* name = "peer_link";
  peer_settings cfg;
  std::shared_ptr<peer_status> status;
  model::node_address addr;
  caf::actor remote; ///< the peer's gateway; null while down
  std::unordered_map<uint64_t, waiting> pending;
  uint64_t last_id = 0;
  std::chrono::milliseconds backoff{0};
  std::string last_failure; ///< logged once until it changes
};

using self_ptr = caf::stateful_actor<peer_link_state>*;

caf::error unreachable(const peer_link_state& st) {
  return make_error(server_error::unavailable,
                    "the node owning this series (" + st.cfg.node + ") is unreachable; retry");
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

/// Forwards the current request to the peer; the reply (or a failure) goes
/// to the original sender.
template <class T, class... Ts>
caf::response_promise forward(self_ptr self, bool fit, Ts&&... xs) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (!st.remote) {
    rp.deliver(unreachable(st));
    return rp;
  }
  auto n = ++st.last_id;
  st.pending.emplace(n, waiting{rp, fit});
  // A finite wait, so that CAF drops its handler for a reply that never comes.
  self->request(st.remote, fit ? st.cfg.fit_wait : st.cfg.read_wait, std::forward<Ts>(xs)...)
    .then([self, n](T& x) { finish(self, n, std::move(x)); },
          [self, n](caf::error& err) { finish(self, n, std::move(err)); });
  return rp;
}

void connect(self_ptr self);

void retry_later(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (why != st.last_failure && st.cfg.log)
    st.cfg.log("cluster: cannot reach " + st.cfg.node + " (" + why + "); retrying with back-off");
  st.last_failure = why;
  auto wait = st.backoff;
  st.backoff = std::min(st.backoff * 2, st.cfg.backoff_max);
  self->delayed_send(self, wait, retry_atom::value);
}

/// The connection to the peer dropped: answer everything it held, reconnect.
void lost(self_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.remote = nullptr;
  st.status->up = false;
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& [n, w] : pending) {
    if (w.fit)
      w.rp.deliver(make_error(server_error::in_doubt,
                              "the node owning this series (" + st.cfg.node
                                + ") dropped the connection while the fit was in flight; it may "
                                  "or may not be stored: read GET /series/{id} before retrying"));
    else
      w.rp.deliver(unreachable(st));
  }
  if (st.cfg.log)
    st.cfg.log("cluster: lost " + st.cfg.node + " (" + caf::to_string(reason) + "); "
               + std::to_string(pending.size()) + " forwarded request(s) answered");
  st.backoff = st.cfg.backoff_min;
  st.last_failure = "connection lost"; // logged just above
  retry_later(self, st.last_failure);
}

void connect(self_ptr self) {
  auto& st = self->state;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, st.addr.host, st.addr.port)
    .then(
      [self](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto& st = self->state;
        if (!ptr)
          return retry_later(self, "nothing published on that port");
        st.remote = caf::actor_cast<caf::actor>(std::move(ptr));
        self->monitor(st.remote);
        st.backoff = st.cfg.backoff_min;
        st.last_failure.clear();
        st.status->up = true;
        if (st.cfg.log)
          st.cfg.log("cluster: connected to " + st.cfg.node);
        // Learn its series count early, for /healthcheck.
        self->request(st.remote, st.cfg.count_timeout, count_atom::value)
          .then([self](uint64_t n) { self->state.status->series = n; }, [](caf::error&) {});
      },
      [self](caf::error& err) {
        if (err == caf::sec::incompatible_application_ids)
          return retry_later(self, "refused: that node runs with a different cluster.nodes list");
        retry_later(self, caf::to_string(err));
      });
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
  connect(self);
  return {
    [self](fit_atom a, std::string& id, model::training_data& data, model::detector_spec& det,
           int64_t deadline_ms) {
      return forward<model::version_record>(self, true, a, std::move(id), std::move(data), det,
                                            deadline_ms);
    },
    [self](predict_atom a, std::string& id, predict_query q) {
      return forward<prediction>(self, false, a, std::move(id), q);
    },
    [self](batch_atom a, std::string& id, batch_query& q) {
      return forward<prediction_list>(self, false, a, std::move(id), std::move(q));
    },
    [self](plot_atom a, std::string& id, uint32_t version) {
      return forward<version_points>(self, false, a, std::move(id), version);
    },
    [self](list_atom a, std::string& id, uint32_t after, uint32_t limit) {
      return forward<version_page>(self, false, a, std::move(id), after, limit);
    },
    [self](count_atom a) {
      auto& st = self->state;
      auto rp = self->make_response_promise();
      if (!st.remote) {
        rp.deliver(st.status->series.load());
        return rp;
      }
      self->request(st.remote, st.cfg.count_timeout, a)
        .then(
          [self, rp](uint64_t n) mutable {
            self->state.status->series = n;
            rp.deliver(n);
          },
          [self, rp](caf::error&) mutable { rp.deliver(self->state.status->series.load()); });
      return rp;
    },
    [self](retry_atom) {
      if (!self->state.remote)
        connect(self);
    },
    [](tick_atom) {},
  };
}

} // namespace

caf::actor spawn_peer_link(caf::actor_system& sys, peer_settings cfg,
                           std::shared_ptr<peer_status> status) {
  return sys.spawn(peer_link, std::move(cfg), std::move(status));
}

} // namespace actors
