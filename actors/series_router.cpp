#include "actors/series_router.hpp"

#include "model/cluster.hpp"

namespace actors {

uint64_t stable_hash(std::string_view id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

series_router::series_router(std::vector<router_actor> shards, cluster_view cluster)
  : shards_(std::move(shards)), cluster_(std::move(cluster)) {}

const router_actor& series_router::shard_for(std::string_view series_id) const {
  if (cluster_.nodes.size() > 1) {
    auto owner = model::owner_of(series_id, cluster_.nodes);
    if (owner != cluster_.self)
      return cluster_.peers[owner];
  }
  return local_shard_for(series_id);
}

const router_actor& series_router::local_shard_for(std::string_view series_id) const {
  // Mix the high bits in: shard counts are small and FNV's low bits are weak.
  auto h = stable_hash(series_id);
  return shards_[(h ^ (h >> 32)) % shards_.size()];
}

bool series_router::owns(std::string_view series_id) const {
  return cluster_.nodes.size() <= 1
         || model::owner_of(series_id, cluster_.nodes) == cluster_.self;
}

} // namespace actors
