// The ownership actor (PostgreSQL mode): claims series for the series actors
// of this node and releases them when those exit. Runs detached with its own
// database connection (every call is a blocking round trip).
//
//   series_actor --(claim, id)--> ownership --ms_claim / ms_release--> PostgreSQL
//        ^    <------- epoch --------+   |
//        +-- passivate (hand-off) -------+   <--(ring | evicted)-- membership
//
// A series actor claims its series before it loads anything: the database
// answers the epoch every write of that actor must carry. The claim takes the
// series from a member that is dead (no longer in the members table) or that
// released it, and waits (retrying every 100 ms, up to `handoff_wait`) while a
// live member still holds it: that member is handing it off. Claims that
// arrive together go to the database together. When the ring changes, the
// series this node no longer owns are passivated (they checkpoint, then
// exit); when a series actor exits, its series is released at once, so that
// the next owner need not wait for a lease. When this node is declared dead,
// every series actor is passivated (their writes are fenced from then on).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/cluster_map.hpp"
#include "actors/messages.hpp"
#include "actors/persistence/pg_store.hpp"

namespace actors {

struct ownership_settings {
  persistence::pg_settings store;                      ///< its own connection
  std::shared_ptr<persistence::writer_identity> identity;
  std::shared_ptr<const cluster_map> map;              ///< who owns what, as this node sees it
  std::chrono::milliseconds handoff_wait{5000};        ///< longest wait for a live holder's release
  std::function<void(const std::string&)> log;
};

/// Figures for /metrics; read from any thread.
struct ownership_counters {
  std::atomic<uint64_t> claims{0};       ///< series claimed (epochs handed out)
  std::atomic<uint64_t> claim_waits{0};  ///< claims that waited for a holder's release
  std::atomic<uint64_t> claims_refused{0}; ///< claims answered 503 (not the owner, held, store down)
  std::atomic<uint64_t> releases{0};     ///< series released
  std::atomic<int64_t> held{0};          ///< series held by this node's actors now
};

/// Spawns the actor (detached). It answers (claim_atom, id) with a
/// claim_grant, or `unavailable` when the series cannot be claimed now.
caf::actor spawn_ownership(caf::actor_system& sys, ownership_settings cfg,
                           std::shared_ptr<ownership_counters> counters);

} // namespace actors
