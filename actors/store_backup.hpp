// Online backups: copies the store, while the server serves, into the backup
// directory, from a snapshot of its own read-only connection (VACUUM INTO:
// the writer goes on meanwhile; the copy is compacted and synced). Runs
// detached: a copy blocks on disk I/O for seconds per gigabyte. One backup at
// a time (its mailbox queues the next).
//
//   HTTP (POST /admin/backup) --backup--> store_backup --VACUUM INTO--> backups/models-<UTC>.db
#pragma once

#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/persistence/store.hpp"

namespace actors {

/// Answers with the finished backup (`backup_done.file` relative to the
/// backup directory), `no_space` when the disk filled up (nothing is left
/// behind), or `store_failed`.
using store_backup_actor = caf::typed_actor<caf::replies_to<backup_atom>::with<backup_done>>;

/// Spawns the backup actor (detached) owning the read-only connection `db`;
/// backups go to directory `dir`, created when missing.
store_backup_actor spawn_store_backup(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::string dir);

/// The backup actor, for the HTTP side (which holds no handle): registered
/// by actors::start under a name; null when none runs.
void register_store_backup(caf::actor_system& sys, const store_backup_actor& actor);
caf::strong_actor_ptr store_backup_of(caf::actor_system& sys);
void unregister_store_backup(caf::actor_system& sys);

} // namespace actors
