// The routing interface: the one place that decides which actor serves a
// series. On one node that is a local router_shard. In a cluster
// (actors/cluster.hpp) a series owned by another node goes, in one hop, to the
// peer link of its owner (rendezvous hashing over the node list, model/
// cluster.hpp); the peer link forwards it to the owner's gateway, which hands
// it to the owner's local shard (`local_shard_for`).
// Immutable after construction: safe to call from any thread without locks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/router_shard.hpp"

namespace actors {

/// FNV-1a 64: the same id maps to the same shard in every process and run.
uint64_t stable_hash(std::string_view id);

/// The other nodes of a cluster, as this node sees them.
struct cluster_view {
  std::vector<std::string> nodes;  ///< cluster.nodes, identical on every node
  std::size_t self = 0;            ///< this node's index in `nodes`
  std::vector<router_actor> peers; ///< one per entry of `nodes`; `peers[self]` unused
};

class series_router {
public:
  /// Requires at least one shard; with a cluster, one peer per node.
  explicit series_router(std::vector<router_actor> shards, cluster_view cluster = {});

  /// Where requests for `series_id` go: a local shard, or the owner's peer link.
  const router_actor& shard_for(std::string_view series_id) const;

  /// The local shard for `series_id`, whoever owns it (the gateway's choice).
  const router_actor& local_shard_for(std::string_view series_id) const;

  /// Whether this node owns `series_id` (always true on a single node).
  bool owns(std::string_view series_id) const;

  const std::vector<router_actor>& shards() const { return shards_; }

private:
  std::vector<router_actor> shards_;
  cluster_view cluster_;
};

} // namespace actors
