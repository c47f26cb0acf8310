// A router shard: knows the series actor of every active series whose id
// hashes to it, spawns it on first use, and delegates each request to it (the
// series actor answers the original requester directly). It also bounds memory:
// series idle for `idle_timeout` and, above `max_active`, the least recently
// used ones are passivated (their state is already in the store).
//
//   HTTP thread --(fit|predict|plot|list, id, ...)--> router_shard
//                                                         | delegate
//                                                         v
//                                                   series_actor(id)
//
// Passivation: the shard moves the actor to `draining` and sends it `passivate`;
// it exits once its commits are answered. Requests for a draining series wait
// in the shard and go to a fresh actor after the old one has exited, so none
// is lost and the new actor loads every committed version.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "actors/series_actor.hpp"

namespace actors {

using router_actor = caf::typed_actor<
  caf::replies_to<fit_atom, std::string, model::training_data, model::detector_spec, int64_t,
                  std::string>::with<model::version_record>,
  caf::replies_to<predict_atom, std::string, predict_query>::with<prediction>,
  caf::replies_to<batch_atom, std::string, batch_query>::with<prediction_list>,
  caf::replies_to<plot_atom, std::string, uint32_t>::with<version_points>,
  caf::replies_to<list_atom, std::string, uint32_t, uint32_t>::with<version_page>,
  caf::reacts_to<tick_atom>>;

/// Gauges and counters of all shards together; read from any thread.
struct series_counters {
  std::atomic<int64_t> active{0};        ///< series actors alive (incl. draining)
  std::atomic<uint64_t> activations{0};  ///< series actors spawned since start
  std::atomic<uint64_t> passivations{0}; ///< series actors passivated since start
};

/// How one shard bounds its series actors.
struct shard_limits {
  std::size_t max_active = 25000;   ///< this shard's cap; the LRU beyond it is passivated
  std::chrono::seconds idle_timeout{0}; ///< 0: never passivate for idleness
};

/// Spawns a shard whose series actors use `readers[hash(id) % readers.size()]`.
router_actor spawn_router_shard(caf::actor_system& sys, series_settings base,
                                std::vector<store_reader_actor> readers, shard_limits limits,
                                std::shared_ptr<series_counters> counters);

} // namespace actors
