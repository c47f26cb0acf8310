// Time to live: deletes the series that have had no fit and no predict for
// `ttl` (server.series-ttl-s). Every `period` it asks a store reader for a
// page of candidates (their last activity as the store last saved it) and
// sends each a conditional delete through this node's router shard; the
// series actor deletes only if it has not been used since the cutoff (its
// cadence in memory may be newer than the store's). Each node expires the
// series it owns.
//
//   retention --expire(cutoff, after)--> store_reader
//       |
//       +--delete(id, 0, idle_before = cutoff)--> router_shard --> series_actor --> store_writer
#pragma once

#include <chrono>
#include <vector>

#include "actors/router_shard.hpp"
#include "actors/series_router.hpp"
#include "actors/store_reader.hpp"

namespace actors {

struct retention_settings {
  std::chrono::milliseconds ttl{0};     ///< a series unused this long is deleted
  std::chrono::milliseconds period{60000}; ///< how often candidates are looked for
  std::size_t page = 256;               ///< candidates asked for (and deleted) at once
};

/// The period for `ttl`: a quarter of it, between 1 s and 60 s.
std::chrono::milliseconds retention_period(std::chrono::milliseconds ttl);

/// Spawns the sweeper; it runs until told to exit. It deletes, through this
/// node's shards, the expired series `router` says this node owns (in a
/// cluster sharing one store, each owner sweeps its own).
caf::actor spawn_retention(caf::actor_system& sys, retention_settings cfg,
                           store_reader_actor reader, series_router router);

} // namespace actors
