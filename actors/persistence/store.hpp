// The durable store of model versions, behind one interface with two
// backends: one SQLite file in WAL mode (the default, one node) and a shared
// PostgreSQL database (pg_store.hpp, any number of nodes). Its own library
// (persistence), below the actors and beside the model: it links the model's
// value types, SQLite and libpq, no CAF. A `store` object owns one connection
// and is used by one thread at a time (the store actors in actors/ each own
// one); every call blocks on I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/expected.hpp"
#include "model/version.hpp"

namespace persistence {

using model::checkpoint_item;
using model::commit_item;
using model::expected;
using model::store_failure;
using model::sync_mode;
using model::training_data;
using model::series_liveness;
using model::version_record;

/// What `store::commit` answers for an item instead of a version: refused by
/// the database (a constraint), fenced (its epoch is stale: another node owns
/// the series now, or this node was declared dead), or in doubt (the
/// connection broke while the transaction was committing: it may or may not
/// have committed). A replayed fit (its idempotency key was committed before)
/// answers the original version with `replayed_flag` set.
constexpr uint32_t refused = 0;
constexpr uint32_t fenced = 0xFFFFFFFFu;
constexpr uint32_t in_doubt = 0xFFFFFFFEu;
/// The first version of a series the store has no room for (`max_series`).
constexpr uint32_t over_quota = 0xFFFFFFFDu;
constexpr uint32_t replayed_flag = 0x80000000u;

/// Whether `code` from `store::commit` is a stored (or replayed) version.
constexpr bool is_version(uint32_t code) {
  return code != refused && code < over_quota;
}

/// The durable store's interface; two backends implement it: the embedded
/// SQLite file (`store::open`, this file) and PostgreSQL (pg_store.hpp).
class store {
public:
  static constexpr uint32_t refused = persistence::refused;
  static constexpr uint32_t over_quota = persistence::over_quota;

  /// Opens (creating when `read_only` is false) the SQLite store at `path`.
  /// Fails when the file is unreadable, corrupt, not a store or from a newer schema.
  static expected<std::unique_ptr<store>, store_failure>
  open(const std::string& path, sync_mode sync, bool read_only);

  virtual ~store() = default;
  store() = default;
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Commits every item in one transaction, numbering each as its series'
  /// stored highest number so far + 1 there (items of one series in order;
  /// `record.version` is ignored): numbers are never reused, not even after a
  /// deletion, whatever failed before. An item whose idempotency key was
  /// committed before (for its series, within the key's lifetime) stores
  /// nothing and answers that version with `replayed_flag`. One the database
  /// refuses is left out (`refused`, `fenced` for a stale epoch, `over_quota`
  /// for the first version of a series past `max_series`) and the others
  /// commit. A series past `max_versions` loses its oldest versions with the
  /// item. The result holds each item's code. Fails, committing nothing, when
  /// the transaction could not run (`full` when the disk or the file's size
  /// limit left no room).
  virtual expected<std::vector<uint32_t>, store_failure>
  commit(const std::vector<commit_item>& items) = 0;

  /// Limits `commit` applies: each series keeps its `max_versions` newest
  /// versions, and a new series is refused once `max_series` series hold a
  /// version (0: no limit, for either).
  void set_limits(std::size_t max_versions, std::size_t max_series) {
    max_versions_ = max_versions;
    max_series_ = max_series;
  }

  /// Deletes everything stored of `series_id` (versions, points, cadence,
  /// numbering: its next fit is version 1) in one transaction, then gives
  /// the freed pages back to the file system. Returns how many versions it
  /// held; nothing when the store did not know the series; `fenced` when
  /// `epoch` (the deleting owner's, shared store only) is stale.
  virtual expected<std::optional<uint32_t>, store_failure>
  delete_series(const std::string& series_id, uint64_t epoch = 0) = 0;

  /// Deletes one version and its points in one transaction; the series keeps
  /// its numbering (a series left without versions keeps it too). 1 when it
  /// was deleted, 0 when it was not stored; `fenced` when `epoch` is stale
  /// (as above).
  virtual expected<uint32_t, store_failure>
  delete_version(const std::string& series_id, uint32_t version, uint64_t epoch = 0) = 0;

  /// Series holding at least one version, kept by this connection's commits
  /// and deletions (counted once when the store opened read-write).
  uint64_t trained_series() const { return trained_; }

  /// Up to `limit` series after `after` (byte order) whose last fit or
  /// predict (as last saved) came before `cutoff_ms` (Unix ms).
  virtual expected<std::vector<std::string>, store_failure>
  expired(int64_t cutoff_ms, const std::string& after, std::size_t limit) = 0;

  /// Writes a consistent, compacted copy of the store to the new file `dest`
  /// (VACUUM INTO a temporary name, fsync, rename, fsync of the directory),
  /// from a snapshot: writers go on meanwhile. Returns its size in bytes.
  /// SQLite only: a shared PostgreSQL store fails (pg_dump backs it up).
  virtual expected<uint64_t, store_failure> backup_to(const std::string& dest) = 0;

  /// Saves online detectors' states (opaque blobs) over their version rows
  /// and series' cadences, in one transaction (a version or series that does
  /// not exist, or an item with a stale epoch, is skipped). Fails, saving
  /// nothing, when the transaction could not run.
  virtual expected<bool, store_failure> save_states(const std::vector<checkpoint_item>& items) = 0;

  /// All versions of `series_id`, oldest first (empty when never trained).
  virtual expected<std::vector<version_record>, store_failure>
  versions(const std::string& series_id) = 0;

  /// The training points of one version, or nothing when it does not exist.
  virtual expected<std::optional<training_data>, store_failure>
  points(const std::string& series_id, uint32_t version) = 0;

  /// Up to `limit` series ids greater than `after`, in byte order (a page of
  /// all series; start with "").
  virtual expected<std::vector<std::string>, store_failure>
  series_ids(const std::string& after, std::size_t limit) = 0;

  /// The cadence last saved for `series_id`, if any.
  virtual expected<std::optional<series_liveness>, store_failure>
  cadence(const std::string& series_id) = 0;

  /// Up to `limit` series after `after` (byte order) whose last point came
  /// more than `factor` typical intervals plus `slack_ms` before `now_ms`
  /// (Unix ms): the series gone silent. A scan of the series table.
  virtual expected<std::vector<series_liveness>, store_failure>
  silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
         std::size_t limit) = 0;

  /// Number of series with at least one stored version.
  virtual expected<uint64_t, store_failure> series_count() = 0;

  /// Test hook: every transaction sleeps this long before its COMMIT (a slow
  /// disk). Zero, the default, in every real configuration.
  void set_commit_delay_for_tests(std::chrono::milliseconds delay) { commit_delay_ = delay; }
  /// Test hook: the file may hold at most `pages` pages; past it writes fail
  /// with SQLITE_FULL, as on a full disk (SQLite only).
  virtual void set_max_pages_for_tests(uint64_t pages) { (void)pages; }

  /// How long an idempotency key is remembered (default a day); expired keys
  /// are purged by later commits, a batch at a time.
  void set_key_ttl(std::chrono::seconds ttl) { key_ttl_ = ttl; }

  /// Whether every node of a cluster shares this store (PostgreSQL): then
  /// `trained_series` counts only this connection's own changes.
  virtual bool shared() const { return false; }

protected:
  std::chrono::milliseconds commit_delay_{0};
  std::chrono::seconds key_ttl_{86400};
  std::size_t max_versions_ = 0;
  std::size_t max_series_ = 0;
  uint64_t trained_ = 0; ///< series holding a version (committed)
};

/// Calls `each(id)` for every series id of `db`, in byte order, reading a page
/// of ids at a time; the store's failure when a read fails.
template <class Each>
expected<bool, store_failure> for_each_series_id(store& db, Each each) {
  constexpr std::size_t page_size = 10000;
  std::string after;
  for (;;) {
    auto page = db.series_ids(after, page_size);
    if (!page)
      return page.error();
    for (const auto& id : page.value())
      each(id);
    if (page.value().size() < page_size)
      return true;
    after = page.value().back();
  }
}

} // namespace persistence
