#include "actors/series_router.hpp"

#include "model/hashing.hpp"

namespace actors {

uint64_t stable_hash(std::string_view id) {
  return model::fnv1a(id);
}

series_router::series_router(std::vector<router_actor> shards,
                             std::shared_ptr<const cluster_map> cluster, router_actor refuser)
  : shards_(std::move(shards)), cluster_(std::move(cluster)), refuser_(std::move(refuser)) {}

const router_actor& series_router::shard_for(std::string_view series_id) const {
  if (!cluster_)
    return local_shard_for(series_id);
  const auto& r = cluster_->current();
  auto owner = r.owner_of(series_id);
  if (owner == ring::npos) // no member known yet (joining), or none left
    return refuser_;
  if (owner != r.self)
    return r.members[owner].link;
  return cluster_->serving() ? local_shard_for(series_id) : refuser_;
}

const router_actor& series_router::local_shard_for(std::string_view series_id) const {
  // Mix the high bits in: shard counts are small and FNV's low bits are weak.
  auto h = stable_hash(series_id);
  return shards_[(h ^ (h >> 32)) % shards_.size()];
}

bool series_router::owns(std::string_view series_id) const {
  if (!cluster_)
    return true;
  const auto& r = cluster_->current();
  auto owner = r.owner_of(series_id);
  return owner != ring::npos && owner == r.self && cluster_->serving();
}

std::string series_router::owner_http(std::string_view series_id) const {
  if (!cluster_)
    return {};
  const auto& r = cluster_->current();
  auto owner = r.owner_of(series_id);
  return owner == ring::npos ? std::string{} : r.members[owner].http;
}

} // namespace actors
