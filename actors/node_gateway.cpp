#include "actors/node_gateway.hpp"

#include "actors/series_router.hpp"

namespace actors {

namespace {

struct node_gateway_state {
  static inline const char* name = "node_gateway";
  std::unique_ptr<series_router> local; ///< shards only: never forwards again
  std::shared_ptr<store_counters> counters;
};

using self_ptr = caf::stateful_actor<node_gateway_state>*;

caf::behavior node_gateway(self_ptr self, std::vector<router_actor> shards,
                           std::shared_ptr<store_counters> counters) {
  self->state.local = std::make_unique<series_router>(std::move(shards));
  self->state.counters = std::move(counters);
  auto shard = [self](const std::string& id) { return self->state.local->local_shard_for(id); };
  return {
    [self, shard](fit_atom a, std::string& id, model::training_data& data,
                  model::detector_spec& det, int64_t deadline_ms) {
      auto dest = shard(id);
      return self->delegate(dest, a, std::move(id), std::move(data), det, deadline_ms);
    },
    [self, shard](predict_atom a, std::string& id, predict_query q) {
      auto dest = shard(id);
      return self->delegate(dest, a, std::move(id), q);
    },
    [self, shard](batch_atom a, std::string& id, batch_query& q) {
      auto dest = shard(id);
      return self->delegate(dest, a, std::move(id), std::move(q));
    },
    [self, shard](plot_atom a, std::string& id, uint32_t version) {
      auto dest = shard(id);
      return self->delegate(dest, a, std::move(id), version);
    },
    [self, shard](list_atom a, std::string& id, uint32_t after, uint32_t limit) {
      auto dest = shard(id);
      return self->delegate(dest, a, std::move(id), after, limit);
    },
    [self](count_atom) { return self->state.counters->series.load(); },
  };
}

} // namespace

caf::actor spawn_node_gateway(caf::actor_system& sys, std::vector<router_actor> shards,
                              std::shared_ptr<store_counters> counters) {
  return sys.spawn(node_gateway, std::move(shards), std::move(counters));
}

} // namespace actors
