// The durable store of model versions: one SQLite file in WAL mode. Its own
// library (persistence), below the actors and beside the model: it links the
// model's value types and SQLite, no CAF. A `store` object owns one connection
// and is used by one thread at a time (the store actors in actors/ each own
// one); every call blocks on disk I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/expected.hpp"
#include "model/version.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace persistence {

using model::checkpoint_item;
using model::commit_item;
using model::expected;
using model::store_failure;
using model::sync_mode;
using model::training_data;
using model::series_liveness;
using model::version_record;

class store {
public:
  /// What `commit` gives as the version of an item it did not store.
  static constexpr uint32_t refused = 0; ///< the database refused the item (a constraint)
  /// The first version of a series the store has no room for (`max_series`).
  static constexpr uint32_t over_quota = UINT32_MAX;

  /// Opens (creating when `read_only` is false) the store at `path`. Fails when
  /// the file is unreadable, corrupt, not a store or from a newer schema.
  static expected<std::unique_ptr<store>, store_failure>
  open(const std::string& path, sync_mode sync, bool read_only);

  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Commits every item in one transaction, numbering each as its series'
  /// highest number so far + 1 there (items of one series in order;
  /// `record.version` is ignored): numbers are never reused, not even after a
  /// deletion, whatever failed before. Each item has its own savepoint: one
  /// the database refuses (a constraint, say) is left out, with `refused` as
  /// its version, and the others commit; the first version of a series past
  /// `max_series` gets `over_quota`. A series past `max_versions` loses its
  /// oldest versions in the same savepoint. The result holds each item's
  /// version. Fails, committing nothing, on I/O errors (`full` when the disk
  /// or the file's size limit left no room).
  expected<std::vector<uint32_t>, store_failure> commit(const std::vector<commit_item>& items);

  /// Limits `commit` applies: each series keeps its `max_versions` newest
  /// versions, and a new series is refused once `max_series` series hold a
  /// version (0: no limit, for either).
  void set_limits(std::size_t max_versions, std::size_t max_series);

  /// Deletes everything stored of `series_id` (versions, points, cadence,
  /// numbering: its next fit is version 1) in one transaction, then gives
  /// the freed pages back to the file system. Returns how many versions it
  /// held; nothing when the store did not know the series.
  expected<std::optional<uint32_t>, store_failure> delete_series(const std::string& series_id);

  /// Deletes one version and its points in one transaction; the series keeps
  /// its numbering (a series left without versions keeps it too). False when
  /// that version was not stored.
  expected<bool, store_failure> delete_version(const std::string& series_id, uint32_t version);

  /// Series holding at least one version, kept by this connection's commits
  /// and deletions (counted once when the store opened read-write).
  uint64_t trained_series() const { return trained_; }

  /// Up to `limit` series after `after` (byte order) whose last fit or
  /// predict (as last saved) came before `cutoff_ms` (Unix ms).
  expected<std::vector<std::string>, store_failure>
  expired(int64_t cutoff_ms, const std::string& after, std::size_t limit);

  /// Writes a consistent, compacted copy of the store to the new file `dest`
  /// (VACUUM INTO a temporary name, fsync, rename, fsync of the directory),
  /// from a snapshot: writers go on meanwhile. Returns its size in bytes.
  expected<uint64_t, store_failure> backup_to(const std::string& dest);

  /// Saves online detectors' states (opaque blobs) over their version rows
  /// and series' cadences, in one transaction (a version or series that does
  /// not exist is skipped). Fails, saving nothing, on I/O errors.
  expected<bool, store_failure> save_states(const std::vector<checkpoint_item>& items);

  /// All versions of `series_id`, oldest first (empty when never trained).
  expected<std::vector<version_record>, store_failure> versions(const std::string& series_id);

  /// The training points of one version, or nothing when it does not exist.
  expected<std::optional<training_data>, store_failure>
  points(const std::string& series_id, uint32_t version);

  /// Up to `limit` series ids greater than `after`, in byte order (a page of
  /// all series; start with "").
  expected<std::vector<std::string>, store_failure> series_ids(const std::string& after,
                                                                std::size_t limit);

  /// The cadence last saved for `series_id`, if any.
  expected<std::optional<series_liveness>, store_failure> cadence(const std::string& series_id);

  /// Up to `limit` series after `after` (byte order) whose last point came
  /// more than `factor` typical intervals plus `slack_ms` before `now_ms`
  /// (Unix ms): the series gone silent. A scan of the series table.
  expected<std::vector<series_liveness>, store_failure>
  silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
         std::size_t limit);

  /// Number of series with at least one stored version.
  expected<uint64_t, store_failure> series_count();

  /// Test hook: every transaction sleeps this long before its COMMIT (a slow
  /// disk). Zero, the default, in every real configuration.
  void set_commit_delay_for_tests(std::chrono::milliseconds delay) { commit_delay_ = delay; }
  /// Test hook: the file may hold at most `pages` pages; past it writes fail
  /// with SQLITE_FULL, as on a full disk.
  void set_max_pages_for_tests(uint64_t pages);

private:
  explicit store(sqlite3* db, std::string path);
  std::optional<std::string> prepare_all(bool read_only);
  uint32_t commit_one(const commit_item& item);
  uint32_t refused_or_throw();
  uint32_t first_version(const commit_item& item);
  void prune(const std::string& series_id);
  bool no_room(int os_errno) const;
  /// The failure of the call that just failed: `what` and SQLite's message;
  /// `full` when it failed for want of space. Call it right after the call.
  store_failure failure(const std::string& what) const;
  template <class F>
  expected<bool, store_failure> in_transaction(const char* what, F body);
  std::optional<std::string> save_one(const model::checkpoint_item& item);
  std::string last_error() const;

  sqlite3* db_;
  std::chrono::milliseconds commit_delay_{0};
  std::size_t max_versions_ = 0;
  std::size_t max_series_ = 0;
  bool writable_ = false;     ///< opened read-write (checkpoints the WAL when closed)
  uint64_t trained_ = 0;      ///< series holding a version (committed)
  uint64_t new_series_ = 0;   ///< series the running commit created
  bool created_ = false;      ///< the item being committed created its series
  std::string path_;
  sqlite3_stmt* insert_series_ = nullptr;
  sqlite3_stmt* bump_series_ = nullptr; ///< latest + 1, RETURNING it
  sqlite3_stmt* insert_version_ = nullptr;
  sqlite3_stmt* insert_points_ = nullptr;
  sqlite3_stmt* select_versions_ = nullptr;
  sqlite3_stmt* select_points_ = nullptr;
  sqlite3_stmt* count_series_ = nullptr;
  sqlite3_stmt* save_state_ = nullptr;
  sqlite3_stmt* save_cadence_ = nullptr;
  sqlite3_stmt* select_cadence_ = nullptr;
  sqlite3_stmt* select_silent_ = nullptr;
  sqlite3_stmt* select_numbering_ = nullptr;
  sqlite3_stmt* delete_numbering_ = nullptr;
  sqlite3_stmt* prune_points_ = nullptr;
  sqlite3_stmt* prune_versions_ = nullptr;
  sqlite3_stmt* select_expired_ = nullptr;
};

} // namespace persistence
