// The membership actor (PostgreSQL mode): this node's lease in the members
// table, the ring of live members the router hashes over, the peer links to
// them, and the fence that stops this node serving before anyone may take its
// series. Runs detached with its own database connection.
//
//   membership --ms_join / ms_renew (every renew_every)--> PostgreSQL
//      |  publishes the ring, moves the fence ------------> cluster_map (router, gateway)
//      |  spawns / stops -------------------------------> peer_link per other member
//      |  ring changed / declared dead -----------------> ownership (hand-off)
//      +--(store, when a renewal fails)--> peer links --> their gateways
//
// Leases are judged by the database's clock: a member is evicted (its row
// deleted) by another member once its heartbeat is older than `lease`, and
// only by a member whose own renewals have succeeded for a whole lease (so
// that after a store outage everyone gets a lease to renew before anyone is
// evicted). This node serves its series until `lease - fence_margin` after
// the start of its last successful renewal, on CLOCK_BOOTTIME: always before
// anyone may evict it. When a renewal fails it asks its peers, over CAF,
// when they last renewed: if every peer answers that it cannot reach the
// store either, the store is down, nobody can be evicted, and this node
// keeps serving its active series (fits fail: they need the store); if any
// peer still reaches the store, this node is the one cut off and stops
// serving at once; if a peer does not answer, the lease decides. A renewal
// that finds no row means this incarnation was declared dead: every series
// actor is passivated (their writes are fenced) and the node joins again with
// a new incarnation.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/cluster_map.hpp"
#include "actors/peer_link.hpp"
#include "actors/persistence/pg_store.hpp"
#include "actors/store_writer.hpp"

namespace actors {

struct membership_settings {
  persistence::pg_settings store;                        ///< its own connection
  std::shared_ptr<persistence::writer_identity> identity;
  std::shared_ptr<cluster_map> map;
  std::string http;                                      ///< this node's HTTP address for clients
  std::chrono::milliseconds lease{3000};                 ///< cluster.lease-ms
  std::chrono::milliseconds renew_every{1000};           ///< cluster.renew-ms
  std::chrono::milliseconds fence_margin{500};           ///< served until lease - margin after a renewal
  peer_settings peer;                                    ///< template of the peer links (node unset)
  caf::actor gateway;                                    ///< over TLS, told each new link (hellos)
  caf::actor ownership;
  std::shared_ptr<store_counters> counters;              ///< its series count, refreshed from the store
  std::shared_ptr<peer_list> peers;                      ///< the peer links' status, for /metrics
  std::function<void(const std::string&)> log;
};

/// What the membership does, for /metrics and the tests; read from any thread.
struct membership_counters {
  std::atomic<uint64_t> renewals{0};       ///< successful renewals
  std::atomic<uint64_t> renew_failures{0}; ///< renewals that failed (store unreachable)
  std::atomic<uint64_t> joins{0};          ///< incarnations of this node
  std::atomic<uint64_t> declared_dead{0};  ///< times this node found itself evicted
  std::atomic<uint64_t> ring_changes{0};
  std::atomic<int64_t> members{0};         ///< live members in the ring (this node included)
  std::atomic<int64_t> incarnation{0};
  /// 0 the store is reachable, 1 down for every member (active series served),
  /// 2 this node alone is cut off (not serving), 3 unreachable, verdict pending.
  std::atomic<int> store_state{0};
};

/// Spawns the actor (detached); it joins at once and renews every `renew_every`.
caf::actor spawn_membership(caf::actor_system& sys, membership_settings cfg,
                            std::shared_ptr<membership_counters> counters);

} // namespace actors
