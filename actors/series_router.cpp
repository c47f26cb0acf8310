#include "actors/series_router.hpp"

namespace actors {

uint64_t stable_hash(std::string_view id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

series_router::series_router(std::vector<router_actor> shards) : shards_(std::move(shards)) {}

const router_actor& series_router::shard_for(std::string_view series_id) const {
  // Mix the high bits in: shard counts are small and FNV's low bits are weak.
  auto h = stable_hash(series_id);
  return shards_[(h ^ (h >> 32)) % shards_.size()];
}

} // namespace actors
