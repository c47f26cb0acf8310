// A router shard: knows the series actor of every active series whose id
// hashes to it, spawns it on first use, and delegates each request to it (the
// series actor answers the original requester directly). It also bounds memory:
// series idle for `park_after` are parked (their actor exits and hands its
// state to the shard, which gives it to the series' next actor: an idle series
// costs its versions, not an actor), series idle for `idle_timeout` and, above
// `max_active`, the least recently used ones are passivated or, parked, dropped
// (their state is already in the store).
//
//   event loop --(fit|predict|plot|list, id, ...)--> router_shard
//        |                                               | delegate
//        | (reads, once the loop knows the actor)        v
//        +--------------------------------------> series_actor(id)
//                                 loaded, touch <--------+
//
// Reads may skip the shard, so series actors tell it when they are in use
// (`touch`, at most once a second) to keep its LRU order true. A new actor
// reports whether its series exists (`loaded`): only series that exist count
// against max_active, and an id that does not is remembered (absent_series)
// and answered 404 without an actor until a fit for it comes.
//
// Passivation: the shard moves the actor to `draining` and sends it `passivate`;
// it exits once its commits are answered and its last checkpoint is stored.
// Requests for a draining series wait in the shard and go to a fresh actor
// after the old one has exited, so none is lost and the new actor loads every
// committed version and the newest state. `flush` (at shutdown) answers once
// every active series has stored its learning.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "actors/known_series.hpp"
#include "actors/series_actor.hpp"

namespace actors {

using router_actor = caf::typed_actor<
  caf::replies_to<fit_atom, std::string, model::training_data, model::detector_spec, int64_t,
                  std::string>::with<model::version_record>,
  caf::replies_to<predict_atom, std::string, predict_query>::with<prediction>,
  caf::replies_to<batch_atom, std::string, batch_query>::with<prediction_list>,
  caf::replies_to<plot_atom, std::string, uint32_t>::with<version_points>,
  caf::replies_to<list_atom, std::string, uint32_t, uint32_t>::with<version_page>,
  caf::replies_to<delete_atom, std::string, uint32_t, int64_t, int64_t>::with<uint32_t>,
  caf::reacts_to<loaded_atom, std::string, bool>,
  caf::reacts_to<touch_atom, std::string>,
  caf::reacts_to<passivate_atom, std::string, version_page>,
  caf::replies_to<flush_atom>::with<bool>,
  caf::reacts_to<tick_atom>>;

/// Gauges and counters of all shards together; read from any thread.
struct series_counters {
  std::atomic<int64_t> active{0};        ///< series actors alive (incl. draining)
  std::atomic<int64_t> parked{0};        ///< series held without an actor (parked)
  std::atomic<uint64_t> unparked{0};     ///< actors started from a parked state
  std::atomic<uint64_t> loads{0};        ///< actors started by reading the store
  std::atomic<uint64_t> activations{0};  ///< series actors spawned since start
  std::atomic<uint64_t> passivations{0}; ///< series actors passivated since start
};

/// How one shard bounds its series actors.
struct shard_limits {
  std::size_t max_active = 25000;   ///< this shard's cap (live and parked); the LRU beyond it leaves
  std::chrono::seconds idle_timeout{0}; ///< 0: never passivate for idleness
  std::chrono::milliseconds park_after{0}; ///< 0: never park
  /// In a cluster, the ring's version (cluster_map::version): when it moves,
  /// series may have been created by another owner meanwhile, so the ids
  /// remembered as absent are forgotten. Null on a single node.
  std::function<uint64_t()> ring_version;
  /// The ids the store holds (known_series.hpp), kept for a store this
  /// process alone writes; null otherwise. An id it never held needs no load:
  /// a fit starts its actor empty, and anything else is answered 404.
  std::shared_ptr<const known_series> known;
};

/// Ids a shard remembers as never trained (answered 404 without an actor).
constexpr std::size_t absent_series_capacity = 16384;

/// Spawns a shard; its series actors share `base` (its `shard` is set here).
router_actor spawn_router_shard(caf::actor_system& sys, series_settings base, shard_limits limits,
                                std::shared_ptr<series_counters> counters);

} // namespace actors
