// The SQLite backend of persistence::store: one file in WAL mode. Internal to
// persistence (sqlite_store.cpp, lifecycle.cpp); others open it through
// store::open.
#pragma once

#include "actors/persistence/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace persistence {

class sqlite_store final : public store {
public:
  explicit sqlite_store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~sqlite_store() override;

  static expected<std::unique_ptr<store>, store_failure>
  open(const std::string& path, sync_mode sync, bool read_only);

  expected<std::vector<uint32_t>, store_failure> commit(const std::vector<commit_item>& items) override;
  expected<std::optional<uint32_t>, store_failure> delete_series(const std::string& series_id,
                                                                 uint64_t epoch = 0) override;
  expected<uint32_t, store_failure> delete_version(const std::string& series_id, uint32_t version,
                                                   uint64_t epoch = 0) override;
  expected<std::vector<std::string>, store_failure>
  expired(int64_t cutoff_ms, const std::string& after, std::size_t limit) override;
  expected<uint64_t, store_failure> backup_to(const std::string& dest) override;
  expected<bool, store_failure> save_states(const std::vector<checkpoint_item>& items) override;
  expected<std::vector<version_record>, store_failure> versions(const std::string& series_id) override;
  expected<std::optional<training_data>, store_failure> points(const std::string& series_id,
                                                               uint32_t version) override;
  expected<std::vector<std::string>, store_failure> series_ids(const std::string& after,
                                                                std::size_t limit) override;
  expected<std::optional<series_liveness>, store_failure> cadence(const std::string& series_id) override;
  expected<std::vector<series_liveness>, store_failure>
  silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
         std::size_t limit) override;
  expected<uint64_t, store_failure> series_count() override;
  void set_max_pages_for_tests(uint64_t pages) override;

private:
  std::optional<std::string> prepare_all(bool read_only);
  uint32_t commit_one(const commit_item& item);
  uint32_t replayed(const commit_item& item);
  void purge_keys();
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
  std::string path_;
  bool writable_ = false;    ///< opened read-write (checkpoints the WAL when closed)
  uint64_t new_series_ = 0;  ///< series the running commit created
  bool created_ = false;     ///< the item being committed created its series
  int64_t purged_at_ms_ = 0; ///< when expired idempotency keys were last purged
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
  sqlite3_stmt* select_key_ = nullptr;
  sqlite3_stmt* insert_key_ = nullptr;
  sqlite3_stmt* purge_keys_ = nullptr;
};

} // namespace persistence
