#include "actors/refuser.hpp"

namespace actors {

namespace {

struct refuser_state {
  static inline const char* name = "refuser";
  std::shared_ptr<const cluster_map> map;
};

using self_ptr = router_actor::stateful_pointer<refuser_state>;

caf::error refusal(self_ptr self) {
  auto why = self->state.map->reason();
  if (why.empty()) // the state changed since the router chose this actor
    why = "the cluster's membership is changing";
  return make_error(server_error::unavailable,
                    "this node does not serve its series now (" + why + "); nothing was done, retry");
}

router_actor::behavior_type refuser(self_ptr self, std::shared_ptr<const cluster_map> map) {
  self->state.map = std::move(map);
  return {
    [self](fit_atom, const std::string&, const model::training_data&, const model::detector_spec&,
           int64_t, const std::string&) -> caf::result<model::version_record> {
      return refusal(self);
    },
    [self](predict_atom, const std::string&, const predict_query&) -> caf::result<prediction> {
      return refusal(self);
    },
    [self](batch_atom, const std::string&, const batch_query&) -> caf::result<prediction_list> {
      return refusal(self);
    },
    [self](plot_atom, const std::string&, uint32_t) -> caf::result<version_points> {
      return refusal(self);
    },
    [self](list_atom, const std::string&, uint32_t, uint32_t) -> caf::result<version_page> {
      return refusal(self);
    },
    [self](delete_atom, const std::string&, uint32_t, int64_t,
           int64_t) -> caf::result<uint32_t> { return refusal(self); },
    [](loaded_atom, const std::string&, bool) {},
    [](touch_atom, const std::string&) {},
    [](passivate_atom, const std::string&, const version_page&) {},
    [](flush_atom) { return true; },
    [](tick_atom) {},
  };
}

} // namespace

router_actor spawn_refuser(caf::actor_system& sys, std::shared_ptr<const cluster_map> map) {
  return sys.spawn(refuser, std::move(map));
}

} // namespace actors
