// The cluster as the series router sees it: the members that share the series
// (rendezvous hashing over their node-to-node addresses), which one is this
// node, how to reach each (its peer link) and its HTTP address for clients;
// and whether this node may serve its own series at all (the fence). Written
// by the cluster's assembly (static node list) or the membership actor
// (PostgreSQL), read by every HTTP loop and the gateway on each request:
// readers take no lock (a thread keeps the ring it last saw until the
// version changes).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/router_shard.hpp"

namespace actors {

/// One member of the ring.
struct ring_member {
  std::string node;  ///< node-to-node address (cluster.self), the hashing key
  std::string http;  ///< HTTP address clients may use ("" while unknown)
  router_actor link; ///< its peer link; null for this node
};

/// An immutable snapshot of the members.
struct ring {
  std::vector<ring_member> members; ///< sorted by node
  std::vector<std::string> nodes;   ///< the same order, for model::owner_of
  std::size_t self = npos;          ///< this node's index; npos while it is not a member
  uint64_t version = 0;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Index of the member owning `series_id`, or npos for an empty ring.
  std::size_t owner_of(std::string_view series_id) const;
};

/// Nanoseconds on CLOCK_BOOTTIME: monotonic, and it keeps counting while the
/// machine is suspended (a frozen VM must not come back thinking no time passed).
int64_t boottime_ns();

class cluster_map {
public:
  /// Replaces the ring (its version is set here).
  void publish(ring r);

  /// The current ring; cheap (a thread-local copy, refreshed on change). The
  /// reference stays valid until this thread calls current() again.
  const ring& current() const;

  /// The current ring's version (it moves at every publish).
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  /// Whether this node may serve its own series now: no refusal is set and
  /// the fence's deadline (CLOCK_BOOTTIME ns) has not passed.
  bool serving() const {
    return !refused_.load(std::memory_order_relaxed)
           && boottime_ns() < serve_until_.load(std::memory_order_relaxed);
  }
  /// Moves the fence's deadline (PostgreSQL mode: lease renewals extend it).
  void serve_until(int64_t boottime) { serve_until_.store(boottime, std::memory_order_relaxed); }
  int64_t serve_until() const { return serve_until_.load(std::memory_order_relaxed); }

  /// Sets or clears (empty `why`) a refusal: this node serves none of its
  /// series until it is cleared. Returns whether the state changed.
  bool refuse(const std::string& why);

  /// Why this node does not serve its series now, or "" when it does.
  std::string reason() const;
  /// Sets the sentence reason() gives while the fence's deadline has passed.
  void set_fence_reason(const std::string& why);

  /// When this node last renewed its lease in the store (CLOCK_BOOTTIME ns;
  /// 0: never), as peers ask it to tell a store outage from a cut-off node.
  void renewed_at(int64_t boottime) { renewed_at_.store(boottime, std::memory_order_relaxed); }
  /// Milliseconds since that renewal, or -1 when there was none.
  int64_t ms_since_renewal() const;

private:
  std::atomic<uint64_t> version_{0};
  std::shared_ptr<const ring> ring_ = std::make_shared<ring>();
  mutable std::mutex mtx_; ///< guards ring_ and the sentences (writers, and readers on a change)
  std::atomic<bool> refused_{false};
  std::atomic<int64_t> serve_until_{INT64_MAX};
  std::atomic<int64_t> renewed_at_{0};
  std::string refusal_;
  std::string fence_reason_ = "this node's lease in the cluster ran out";
};

} // namespace actors
