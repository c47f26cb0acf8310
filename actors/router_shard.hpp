// A router shard: knows the series actor of every active series whose id
// hashes to it, spawns it on first use, and delegates each request to it (the
// series actor answers the original requester directly).
//
//   HTTP thread --(fit|predict|plot|list, id, ...)--> router_shard
//                                                         | delegate
//                                                         v
//                                                   series_actor(id)
#pragma once

#include "actors/series_actor.hpp"

namespace actors {

using router_actor = caf::typed_actor<
  caf::replies_to<fit_atom, std::string, model::training_data>::with<model::version_record>,
  caf::replies_to<predict_atom, std::string, predict_query>::with<prediction>,
  caf::replies_to<plot_atom, std::string, uint32_t>::with<version_points>,
  caf::replies_to<list_atom, std::string>::with<version_list>,
  caf::replies_to<count_atom>::with<uint64_t>>;

/// Spawns a shard whose series actors use `readers[hash(id) % readers.size()]`.
router_actor spawn_router_shard(caf::actor_system& sys, series_settings base,
                                std::vector<store_reader_actor> readers);

} // namespace actors
