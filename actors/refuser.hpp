// The refuser: where the series router sends requests for series this node
// owns while it may not serve them (actors/cluster_map.hpp: its lease ran
// out, it is cut off from the store, its peers refused its node list, or it
// has not joined yet). It answers every request `unavailable` (503) with the
// map's reason: nothing was done. Event-based; any thread may send to it.
#pragma once

#include <memory>

#include "actors/cluster_map.hpp"
#include "actors/router_shard.hpp"

namespace actors {

router_actor spawn_refuser(caf::actor_system& sys, std::shared_ptr<const cluster_map> map);

} // namespace actors
