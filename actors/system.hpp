// Assembly of the actor side of the server: opens the store (SQLite, or the
// shared PostgreSQL database), spawns the store writer and readers, the router
// shards and, in a cluster, its actors. Called once by main (and tests).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/cluster.hpp"
#include "actors/series_router.hpp"
#include "actors/store_backup.hpp"
#include "actors/store_reader.hpp"
#include "actors/store_writer.hpp"
#include "model/expected.hpp"

namespace actors {

/// The part of the configuration the actors need.
struct actors_settings {
  bool postgres = false;                       ///< store.backend = postgres
  persistence::pg_settings pg;                 ///< its connection (store.postgres)
  std::chrono::seconds key_ttl{86400};         ///< idempotency keys are kept this long
  std::string store_path = "./data/models.db"; ///< SQLite file, created if missing
  model::sync_mode sync = model::sync_mode::full;
  std::size_t store_batch_max = 256;   ///< most commits per transaction
  std::size_t store_batch_max_bytes = std::size_t{64} << 20; ///< most training-point bytes per transaction
  std::size_t store_readers = 2;       ///< read-only connections for loads
  std::size_t store_writers = 1;       ///< writer connections (PostgreSQL; router shard i uses i % n)
  std::size_t router_shards = 4;       ///< router shard actors
  std::size_t min_training_points = 3; ///< fewer points are rejected
  std::size_t max_active_series = 100000; ///< series actors in memory, over all shards
  std::size_t idle_timeout_s = 600;    ///< passivate series idle this long (0: never)
  std::size_t park_after_ms = 2000;    ///< park series idle this long: state kept, actor gone (0: never)
  std::size_t checkpoint_points = 100; ///< online learning saved every this many points
  std::chrono::milliseconds checkpoint_interval{5000}; ///< ... or at the first point after this
  std::chrono::milliseconds test_commit_delay{0}; ///< test hook: slow transactions (0 always in production)
  uint64_t test_max_pages = 0; ///< test hook: the store file's page limit (0: none), a full disk
  std::size_t max_versions_per_series = 0; ///< newest versions kept per series (0: all)
  std::size_t max_series = 0;  ///< fits of new series refused (507) past this many (0: no limit)
  std::chrono::milliseconds series_ttl{0}; ///< series unused this long are deleted (0: never)
  std::string backup_dir = "./data/backups"; ///< where online backups go
  model::detector_spec default_detector; ///< of fits that name none (the contract's rule)
  cluster_settings cluster; ///< neither a node list nor postgres: a single node
};

/// The running actors; handles stay valid while the actor_system lives.
struct runtime {
  std::unique_ptr<series_router> router;
  store_writer_actor writer;                ///< the first writer
  std::vector<store_writer_actor> writers;  ///< all of them (PostgreSQL may have several)
  std::vector<store_reader_actor> readers;
  std::shared_ptr<store_counters> counters;
  std::shared_ptr<series_counters> series;
  cluster_parts cluster; ///< empty on a single node
  std::shared_ptr<persistence::writer_identity> identity; ///< PostgreSQL mode
  caf::actor retention;  ///< deletes expired series; null without a time to live
  store_backup_actor backup; ///< online backups
  caf::actor_system* sys = nullptr; ///< whose registry names the liveness reader
};

/// Opens the store (creating its directory's file, or the database's schema,
/// if needed) and spawns every actor. Fails, spawning nothing, when the store
/// cannot be opened; in a static cluster also when the store holds series
/// another node owns; in a cluster when the node-to-node port cannot be opened.
///
/// Supervision: the store actors answer every failure they can handle (an I/O
/// error, an exception in a batch) with an error, and live on. If one exits
/// anyway, `counters->down` turns true: series actors monitoring the writer
/// answer the fits it held, and later ones, with 503 at once; /health/ready
/// answers 503; and main stops the process with exit status 4, so that its
/// supervisor restarts it on the durable store (~0.1 s). The process restarts
/// rather than the actor because every series actor holds the writer's handle
/// and the state of a connection that died mid-transaction is unknown; a new
/// process opens the store afresh.
model::expected<runtime, model::store_failure> start(caf::actor_system& sys,
                                                     const actors_settings& cfg);

/// Tells every actor of `rt` to exit (series actors go with their shard), in
/// a cluster after closing the node-to-node port. Call after the HTTP side
/// has drained; the actor_system then shuts down.
void stop(runtime& rt);

} // namespace actors
