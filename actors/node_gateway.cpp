#include "actors/node_gateway.hpp"

#include <map>
#include <set>
#include <utility>

#include "actors/series_router.hpp"

namespace actors {

namespace {

/// A requesting peer link, by value: its proxy here is recreated after a
/// reconnection, so the proxy's address would not match.
using requester_key = std::pair<caf::node_id, caf::actor_id>;

struct node_gateway_state {
  static inline const char* name = "node_gateway";
  std::unique_ptr<series_router> local; ///< shards only: never forwards again
  std::shared_ptr<store_counters> counters;
  std::shared_ptr<const cluster_map> map;
  std::string http;
  std::map<requester_key, std::set<uint64_t>> serving; ///< request numbers at work here
  /// Over mutual TLS: this node's peer links by node, for the hellos of the
  /// peers that dial this node (peer_settings::dial), and the last hello of
  /// each node, handed to its link when the link comes later (a PostgreSQL
  /// cluster spawns links as members appear). Only authenticated peers say
  /// hello, at most one entry each.
  std::map<std::string, caf::actor> links;
  std::map<std::string, caf::actor> hellos;
};

using self_ptr = caf::stateful_actor<node_gateway_state>*;

requester_key requester(self_ptr self) {
  const auto& sender = self->current_sender();
  return sender ? requester_key{sender->node(), sender->id()} : requester_key{};
}

void done(self_ptr self, const requester_key& who, uint64_t n) {
  auto& serving = self->state.serving;
  auto it = serving.find(who);
  if (it == serving.end())
    return;
  it->second.erase(n);
  if (it->second.empty())
    serving.erase(it);
}

/// Sends the current request, number `n` of its requester, to `dest` and
/// relays the answer. No timeout of its own: the requester has one, and a
/// fit must be answered with the store's decision however long it takes
/// (a local shard always answers; CAF bounces requests to a dead one).
template <class T, class... Ts>
caf::response_promise relay(self_ptr self, uint64_t n, const router_actor& dest, Ts&&... xs) {
  auto who = requester(self);
  self->state.serving[who].insert(n);
  auto rp = self->make_response_promise();
  self->request(dest, caf::infinite, std::forward<Ts>(xs)...)
    .then(
      [self, who, n, rp](T& x) mutable {
        done(self, who, n);
        rp.deliver(std::move(x));
      },
      [self, who, n, rp](caf::error& err) mutable {
        done(self, who, n);
        rp.deliver(std::move(err));
      });
  return rp;
}

/// Whether this node owns `id` and may serve it now; otherwise the error to answer.
caf::error not_here(self_ptr self, const std::string& id) {
  if (self->state.local->owns(id))
    return caf::none;
  auto why = self->state.map->reason();
  return make_error(server_error::unavailable,
                    why.empty() ? "this node does not own series " + id
                                    + " now (ownership is moving); nothing was done, retry"
                                : "the node owning series " + id + " does not serve it now (" + why
                                    + "); nothing was done, retry");
}

/// Of `asked`, the numbers still at work here for the current requester.
request_numbers still_serving(self_ptr self, const request_numbers& asked) {
  request_numbers busy;
  auto it = self->state.serving.find(requester(self));
  if (it != self->state.serving.end())
    for (auto n : asked)
      if (it->second.count(n) > 0)
        busy.push_back(n);
  return busy;
}

caf::behavior node_gateway(self_ptr self, std::vector<router_actor> shards,
                           std::shared_ptr<store_counters> counters,
                           std::shared_ptr<const cluster_map> map, std::string http) {
  self->state.local = std::make_unique<series_router>(std::move(shards), map);
  self->state.counters = std::move(counters);
  self->state.map = std::move(map);
  self->state.http = std::move(http);
  auto shard = [self](const std::string& id) { return self->state.local->local_shard_for(id); };
  return {
    [self, shard](fit_atom a, uint64_t n, std::string& id, model::training_data& data,
                  model::detector_spec& det, int64_t deadline_ms,
                  std::string& key) -> caf::result<model::version_record> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<model::version_record>(self, n, dest, a, std::move(id), std::move(data), det,
                                          deadline_ms, std::move(key));
    },
    [self, shard](predict_atom a, uint64_t n, std::string& id,
                  predict_query q) -> caf::result<prediction> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<prediction>(self, n, dest, a, std::move(id), q);
    },
    [self, shard](batch_atom a, uint64_t n, std::string& id,
                  batch_query& q) -> caf::result<prediction_list> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<prediction_list>(self, n, dest, a, std::move(id), std::move(q));
    },
    [self, shard](plot_atom a, uint64_t n, std::string& id,
                  uint32_t version) -> caf::result<version_points> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<version_points>(self, n, dest, a, std::move(id), version);
    },
    [self, shard](list_atom a, uint64_t n, std::string& id, uint32_t after,
                  uint32_t limit) -> caf::result<version_page> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<version_page>(self, n, dest, a, std::move(id), after, limit);
    },
    [self, shard](delete_atom a, uint64_t n, std::string& id, uint32_t version,
                  int64_t idle_before_ms, int64_t deadline_ms) -> caf::result<uint32_t> {
      if (auto err = not_here(self, id))
        return err;
      auto dest = shard(id);
      return relay<uint32_t>(self, n, dest, a, std::move(id), version, idle_before_ms,
                             deadline_ms);
    },
    [self](ping_atom, const request_numbers& asked) { return still_serving(self, asked); },
    [self](count_atom) { return self->state.counters->series.load(); },
    [self](hello_atom, std::string& node, caf::actor& gateway) {
      auto& st = self->state;
      if (auto link = st.links.find(node); link != st.links.end())
        self->send(link->second, hello_atom::value, gateway);
      if (st.hellos.size() < 1024 || st.hellos.count(node)) // a bound, whatever peers say
        st.hellos.insert_or_assign(std::move(node), std::move(gateway));
    },
    [self](hello_atom, std::vector<std::string>& nodes, std::vector<caf::actor>& links) {
      auto& st = self->state;
      for (std::size_t i = 0; i < nodes.size() && i < links.size(); ++i) {
        if (auto hello = st.hellos.find(nodes[i]); hello != st.hellos.end())
          self->send(links[i], hello_atom::value, hello->second);
        st.links.insert_or_assign(std::move(nodes[i]), std::move(links[i]));
      }
    },
    [self](http_atom) { return self->state.http; },
    [self](store_atom) { return self->state.map->ms_since_renewal(); },
  };
}

} // namespace

caf::actor spawn_node_gateway(caf::actor_system& sys, std::vector<router_actor> shards,
                              std::shared_ptr<store_counters> counters,
                              std::shared_ptr<const cluster_map> map, std::string http) {
  return sys.spawn(node_gateway, std::move(shards), std::move(counters), std::move(map),
                   std::move(http));
}

} // namespace actors
