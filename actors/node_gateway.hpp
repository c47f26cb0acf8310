// The node gateway: the one actor a node publishes to the other nodes
// (caf::io `publish` on cluster.self). Peer links on other nodes send it the
// requests for series this node owns, each with the link's own request
// number; it hands each to the local router shard and relays the answer back,
// so it knows which forwarded requests are still at work here. It answers
// (ping_atom, numbers) with those of the asked numbers still at work for that
// link: a link learns from it that an answer was lost in transit (CAF 0.17
// drops an answer silently when it has no route back). It also answers
// (count_atom) with this node's series count, for /healthcheck elsewhere,
// (http_atom) with this node's HTTP address (the owner header), and
// (store_atom) with the milliseconds since this node last renewed its lease
// in the shared store (-1: never), by which a peer tells a store outage from
// being cut off. A request for a series this node does not own now, or may
// not serve (the fence), is answered `unavailable` (503): the sender's view
// of the ring is behind, or this node is fenced; nothing was done.
//
//   peer_link (other node) --BASP--> node_gateway --request--> router_shard
//                          <--BASP-- (relays the answer) <--------+
#pragma once

#include <memory>
#include <vector>

#include "actors/cluster_map.hpp"
#include "actors/router_shard.hpp"
#include "actors/store_writer.hpp"

namespace actors {

/// Spawns a gateway in front of `shards` (chosen as series_router chooses a
/// local shard); `counters->series` is this node's series count; `map` says
/// which series this node owns and whether it may serve them.
caf::actor spawn_node_gateway(caf::actor_system& sys, std::vector<router_actor> shards,
                              std::shared_ptr<store_counters> counters,
                              std::shared_ptr<const cluster_map> map, std::string http);

} // namespace actors
