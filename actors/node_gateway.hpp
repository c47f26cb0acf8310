// The node gateway: the one actor a node publishes to the other nodes
// (caf::io `publish` on cluster.self). Peer links on other nodes send it the
// requests for series this node owns; it hands each to the local router
// shard, which answers the remote requester directly. It also answers
// (count_atom) with this node's series count, for /healthcheck elsewhere.
//
//   peer_link (other node) --BASP--> node_gateway --delegate--> router_shard
#pragma once

#include <memory>
#include <vector>

#include "actors/router_shard.hpp"
#include "actors/store_writer.hpp"

namespace actors {

/// Spawns a gateway in front of `shards` (chosen as series_router chooses a
/// local shard); `counters->series` is this node's series count.
caf::actor spawn_node_gateway(caf::actor_system& sys, std::vector<router_actor> shards,
                              std::shared_ptr<store_counters> counters);

} // namespace actors
