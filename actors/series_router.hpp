// The routing interface: the one place that decides which actor serves a
// series. On one node that is a local router_shard. In a cluster
// (actors/cluster.hpp) the owner is chosen by rendezvous hashing over the
// ring's members (actors/cluster_map.hpp: the static node list, or the live
// members of the PostgreSQL mode): a series another member owns goes, in one
// hop, to that member's peer link, which forwards it to the owner's gateway,
// which hands it to the owner's local shard (`local_shard_for`). A series this
// node owns while it may not serve (the fence: its lease ran out, or its peers
// refused its node list) goes to the refuser, which answers 503 saying why.
// Safe to call from any thread without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cluster_map.hpp"
#include "actors/router_shard.hpp"

namespace actors {

/// FNV-1a 64: the same id maps to the same shard in every process and run.
uint64_t stable_hash(std::string_view id);

class series_router {
public:
  /// Requires at least one shard; in a cluster, its map and the refuser.
  explicit series_router(std::vector<router_actor> shards,
                         std::shared_ptr<const cluster_map> cluster = nullptr,
                         router_actor refuser = {});

  /// Where requests for `series_id` go: a local shard, the owner's peer
  /// link, or the refuser.
  const router_actor& shard_for(std::string_view series_id) const;

  /// The local shard for `series_id`, whoever owns it (the gateway's choice).
  const router_actor& local_shard_for(std::string_view series_id) const;

  /// Whether this node owns `series_id` and may serve it now (always true
  /// on a single node).
  bool owns(std::string_view series_id) const;

  /// The HTTP address of the node owning `series_id` ("" on a single node,
  /// or while unknown), for the answer's owner header.
  std::string owner_http(std::string_view series_id) const;

  const std::vector<router_actor>& shards() const { return shards_; }
  const cluster_map* cluster() const { return cluster_.get(); }

private:
  std::vector<router_actor> shards_;
  std::shared_ptr<const cluster_map> cluster_;
  router_actor refuser_;
};

} // namespace actors
