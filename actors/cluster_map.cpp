#include "actors/cluster_map.hpp"

#include <time.h>

#include "model/cluster.hpp"

namespace actors {

std::size_t ring::owner_of(std::string_view series_id) const {
  return nodes.empty() ? npos : model::owner_of(series_id, nodes);
}

int64_t boottime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void cluster_map::publish(ring r) {
  std::lock_guard<std::mutex> guard{mtx_};
  r.version = version_.load() + 1;
  ring_ = std::make_shared<const ring>(std::move(r));
  version_.store(ring_->version, std::memory_order_release);
}

const ring& cluster_map::current() const {
  // Each thread keeps the ring it saw last, per map, and asks again only
  // when the version moved: no lock and no shared reference count per request.
  struct cached {
    const cluster_map* map = nullptr;
    uint64_t version = 0;
    std::shared_ptr<const ring> value;
  };
  thread_local cached slots[4];
  auto now = version_.load(std::memory_order_acquire);
  cached* slot = &slots[reinterpret_cast<uintptr_t>(this) / 64 % 4];
  if (slot->map != this || slot->version != now || !slot->value) {
    std::lock_guard<std::mutex> guard{mtx_};
    slot->map = this;
    slot->value = ring_;
    slot->version = ring_->version;
  }
  return *slot->value;
}

bool cluster_map::refuse(const std::string& why) {
  std::lock_guard<std::mutex> guard{mtx_};
  bool changed = refusal_ != why;
  refusal_ = why;
  refused_.store(!why.empty(), std::memory_order_relaxed);
  return changed;
}

std::string cluster_map::reason() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (refused_.load())
    return refusal_;
  if (boottime_ns() >= serve_until_.load())
    return fence_reason_;
  return {};
}

int64_t cluster_map::ms_since_renewal() const {
  auto at = renewed_at_.load(std::memory_order_relaxed);
  return at == 0 ? -1 : (boottime_ns() - at) / 1000000;
}

void cluster_map::set_fence_reason(const std::string& why) {
  std::lock_guard<std::mutex> guard{mtx_};
  fence_reason_ = why;
}

} // namespace actors
