// The store writer: the one actor that writes the SQLite store. Runs detached
// (its own thread), because every commit blocks on disk I/O.
//
//   series actors --commit--> store_writer --(one transaction per batch)--> SQLite
//
// Group commit: commits that arrive while a transaction is running wait in the
// mailbox; the next flush writes all of them (up to `max_batch`) in one
// transaction, so N concurrent fits cost one fsync, not N.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "actors/known_series.hpp"
#include "actors/messages.hpp"
#include "actors/persistence/store.hpp"

namespace actors {

/// Counters the writer keeps for /healthcheck and /metrics; read from any thread.
struct store_counters {
  std::atomic<uint64_t> series{0};       ///< series with at least one version
  std::atomic<uint64_t> versions{0};     ///< versions committed since start
  std::atomic<uint64_t> batches{0};      ///< transactions committed since start
  std::atomic<uint64_t> failures{0};     ///< transactions that failed
  std::atomic<uint64_t> commit_us_sum{0};///< total time spent in transactions
  std::atomic<uint64_t> series_deleted{0};  ///< series deleted since start (by request or expiry)
  std::atomic<uint64_t> versions_deleted{0};///< versions deleted since start (with their series or alone)
  std::atomic<bool> down{false};         ///< a store actor died: the store is unusable
  std::atomic<int64_t> committing{0};    ///< fits in the transaction running now (0: none)
};

/// Replies with the version the store gave the item inside its transaction
/// (its series' latest + 1), `store_failed` when it was not stored (the
/// transaction failed, or the database refused this item alone), or
/// `overloaded` when the transaction would start after the item's deadline
/// (Unix ms, 0 none). `record.version` of the item is ignored.
/// `no_space` when the disk is full or a new series is past store.max-series.
/// An idempotent retry answers the original version with
/// persistence::replayed_flag set; `fenced` when a shared store refused the
/// item's epoch, `in_doubt` when its commit's outcome is unknown.
/// (save_atom, checkpoint): an online detector's state, saved with the next
/// flush (the latest per version wins). Sent, it gets no reply (a lost
/// checkpoint costs learning, never a fit); asked, it is answered once stored
/// (true) or failed (false), so that a passivating series exits only then.
/// (delete_atom, id, version, deadline, epoch): deletes version `version` of
/// the series, or the whole series when it is 0, in its own transaction after
/// everything sent before it, and answers after the commit with the number
/// of versions deleted; `not_found` when there was nothing to delete,
/// `fenced` when `epoch` is stale in a shared store (0 elsewhere).
using store_writer_actor = caf::typed_actor<
  caf::replies_to<commit_atom, model::commit_item, int64_t>::with<uint32_t>,
  caf::replies_to<delete_atom, std::string, uint32_t, int64_t, uint64_t>::with<uint32_t>,
  caf::replies_to<save_atom, model::checkpoint_item>::with<bool>,
  caf::reacts_to<flush_atom>>;

/// Spawns the writer (detached) owning `db`. A transaction holds at most
/// `max_batch` fits and, past the first, at most `max_batch_bytes` of training
/// points (16 bytes each). `counters` must outlive it. Each series it stores
/// a version of is added to `known` (when not null) before the fit is answered.
store_writer_actor spawn_store_writer(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::size_t max_batch,
                                      std::shared_ptr<store_counters> counters,
                                      std::size_t max_batch_bytes = std::size_t{64} << 20,
                                      std::shared_ptr<known_series> known = nullptr);

} // namespace actors
