// The routing interface: the one place that decides which actor owns a
// series. Today every shard is a local router_shard; to shard series across
// nodes, some entries become caf::io proxies of remote shards and nothing
// else changes (every message they receive is serialisable).
// Immutable after construction: safe to call from any thread without locks.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "actors/router_shard.hpp"

namespace actors {

/// FNV-1a 64: the same id maps to the same shard in every process and run.
uint64_t stable_hash(std::string_view id);

class series_router {
public:
  /// Requires at least one shard.
  explicit series_router(std::vector<router_actor> shards);

  /// The shard that routes requests for `series_id`.
  const router_actor& shard_for(std::string_view series_id) const;

  const std::vector<router_actor>& shards() const { return shards_; }

private:
  std::vector<router_actor> shards_;
};

} // namespace actors
