// A store reader: answers loads of a series' versions and of one version's
// training points from its own read-only SQLite connection. Runs detached
// (blocking I/O); a small pool of them reads in parallel with the writer (WAL).
#pragma once

#include <chrono>
#include <memory>

#include "actors/messages.hpp"
#include "actors/persistence/store.hpp"

namespace actors {

/// `load` answers every version of a series (empty when never trained) and
/// its saved cadence;
/// `points` answers one version's training points, or `not_found`;
/// `cadence` the series' saved cadence (an empty id when none was saved);
/// `silent` a page of the series gone silent (persistence::store::silent);
/// `expire` (cutoff_ms, after, limit) a page of the series with no fit or
/// predict since cutoff_ms (persistence::store::expired).
using store_reader_actor = caf::typed_actor<
  caf::replies_to<expire_atom, int64_t, std::string, uint32_t>::with<series_ids>,
  caf::replies_to<load_atom, std::string>::with<version_page>,
  caf::replies_to<points_atom, std::string, uint32_t>::with<model::training_data>,
  caf::replies_to<cadence_atom, std::string>::with<model::series_liveness>,
  caf::replies_to<silent_atom, silent_query>::with<liveness_list>>;

/// Spawns a reader (detached) owning the read-only connection `db`. A saved
/// cadence may lag the series by up to `cadence_lag` (the checkpoint
/// interval): the silent query waits that much longer before naming a series.
store_reader_actor spawn_store_reader(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::chrono::milliseconds cadence_lag = {});

/// The store reader that answers the silent-series query and a series'
/// saved cadence (`silent_atom`, `cadence_atom`) for the HTTP side, which
/// holds no reader handle: registered by actors::start under a name.
void register_liveness_reader(caf::actor_system& sys, const store_reader_actor& reader);
caf::strong_actor_ptr liveness_reader(caf::actor_system& sys);

} // namespace actors
