// A store reader: answers loads of a series' versions and of one version's
// training points from its own read-only SQLite connection. Runs detached
// (blocking I/O); a small pool of them reads in parallel with the writer (WAL).
#pragma once

#include <memory>

#include "actors/messages.hpp"
#include "actors/persistence/store.hpp"

namespace actors {

/// `load` answers every version of a series (empty when never trained);
/// `points` answers one version's training points, or `not_found`.
using store_reader_actor = caf::typed_actor<
  caf::replies_to<load_atom, std::string>::with<version_list>,
  caf::replies_to<points_atom, std::string, uint32_t>::with<model::training_data>>;

/// Spawns a reader (detached) owning the read-only connection `db`.
store_reader_actor spawn_store_reader(caf::actor_system& sys, std::unique_ptr<persistence::store> db);

} // namespace actors
