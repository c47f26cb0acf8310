// The store's data lifecycle: numbering that survives deletions, pruning
// and the series quota inside a fit's transaction, deleting a series or one
// version, finding series past their time to live, and online backups. Part of
// the SQLite backend (sqlite_store.hpp); the same threading rules.
#include "actors/persistence/sqlite_store.hpp"
#include "actors/persistence/statement.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace persistence {

namespace {

using stmt_ptr = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

/// A one-off statement (deletions are rare: not worth a prepared handle).
stmt_ptr prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    return {nullptr, sqlite3_finalize};
  return {s, sqlite3_finalize};
}

/// Runs `sql` on (`id`, `version` when not 0); the rows it changed, or -1.
int run(sqlite3* db, const char* sql, const std::string& id, uint32_t version = 0) {
  auto s = prepare(db, sql);
  if (!s)
    return -1;
  bind_text(s.get(), 1, id);
  if (version != 0)
    sqlite3_bind_int64(s.get(), 2, version);
  if (sqlite3_step(s.get()) != SQLITE_DONE)
    return -1;
  return sqlite3_changes(db);
}

/// fsync of `path` (a file or a directory); false with errno set.
bool sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0)
    return false;
  bool ok = ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

void sqlite_store::set_max_pages_for_tests(uint64_t pages) {
  sqlite3_exec(db_, ("PRAGMA max_page_count=" + std::to_string(pages)).c_str(), nullptr, nullptr,
               nullptr);
}

/// Numbers the first version of a series that holds none: 1, or after the
/// numbers it used before its versions were deleted one by one. Refused past
/// max_series.
uint32_t sqlite_store::first_version(const commit_item& item) {
  if (max_series_ > 0 && trained_ + new_series_ >= max_series_)
    return over_quota;
  int64_t before = 0;
  {
    stmt_guard g{select_numbering_};
    bind_text(select_numbering_, 1, item.series_id);
    int rc = sqlite3_step(select_numbering_);
    if (rc == SQLITE_ROW)
      before = sqlite3_column_int64(select_numbering_, 0);
    else if (rc != SQLITE_DONE)
      return refused_or_throw();
  }
  if (before > 0) {
    stmt_guard g{delete_numbering_};
    bind_text(delete_numbering_, 1, item.series_id);
    if (sqlite3_step(delete_numbering_) != SQLITE_DONE)
      return refused_or_throw();
  }
  stmt_guard g{insert_series_};
  bind_text(insert_series_, 1, item.series_id);
  sqlite3_bind_int64(insert_series_, 2, before + 1);
  if (sqlite3_step(insert_series_) != SQLITE_DONE)
    return refused_or_throw();
  created_ = true;
  return static_cast<uint32_t>(before + 1);
}

/// Deletes the versions of `series_id` older than its max_versions newest.
void sqlite_store::prune(const std::string& series_id) {
  for (auto* s : {prune_points_, prune_versions_}) {
    stmt_guard g{s};
    bind_text(s, 1, series_id);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(max_versions_));
    if (sqlite3_step(s) != SQLITE_DONE)
      throw failure("cannot prune old versions: ");
  }
}

/// Runs `body` (true: done, false: nothing to do, throws store_failure) in
/// one write transaction; the freed pages go back to the file system before
/// the commit, so both are one fsync.
template <class F>
expected<bool, store_failure> sqlite_store::in_transaction(const char* what, F body) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return failure(std::string{"cannot begin a transaction to "} + what + ": ");
  bool done = false;
  try {
    done = body();
    if (done && sqlite3_exec(db_, "PRAGMA incremental_vacuum", nullptr, nullptr, nullptr) != SQLITE_OK)
      throw failure("cannot give freed pages back: ");
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
      throw failure("cannot commit: ");
  } catch (const store_failure& failed) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return store_failure{std::string{"cannot "} + what + ": " + failed.detail, failed.full};
  }
  // The file itself shrinks when the WAL is checkpointed: try now, without
  // waiting for readers (one that holds an older snapshot defers it to a
  // later checkpoint).
  if (done)
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return done;
}

expected<std::optional<uint32_t>, store_failure>
sqlite_store::delete_series(const std::string& series_id, uint64_t) {
  int versions = 0;
  bool trained = false;
  auto done = in_transaction("delete a series", [&] {
    int points = run(db_, "DELETE FROM points WHERE series_id = ?1", series_id);
    versions = run(db_, "DELETE FROM versions WHERE series_id = ?1", series_id);
    int row = run(db_, "DELETE FROM series WHERE series_id = ?1", series_id);
    int numbering = run(db_, "DELETE FROM numbering WHERE series_id = ?1", series_id);
    int keys = run(db_, "DELETE FROM fit_keys WHERE series_id = ?1", series_id);
    if (points < 0 || versions < 0 || row < 0 || numbering < 0 || keys < 0)
      throw failure("");
    trained = row > 0;
    return row > 0 || numbering > 0;
  });
  if (!done)
    return done.error();
  if (!done.value())
    return std::optional<uint32_t>{};
  if (trained)
    --trained_;
  return std::optional<uint32_t>{static_cast<uint32_t>(versions)};
}

expected<uint32_t, store_failure> sqlite_store::delete_version(const std::string& series_id,
                                                             uint32_t version, uint64_t) {
  bool emptied = false;
  auto done = in_transaction("delete a version", [&] {
    int points = run(db_, "DELETE FROM points WHERE series_id = ?1 AND version = ?2", series_id,
                     version);
    int rows = run(db_, "DELETE FROM versions WHERE series_id = ?1 AND version = ?2", series_id,
                   version);
    if (points < 0 || rows < 0)
      throw failure("");
    if (rows == 0)
      return false;
    // A series left without versions is no longer trained; its numbering
    // moves aside, so that its next fit continues it.
    int moved = run(db_,
                    "INSERT INTO numbering SELECT series_id, latest_version FROM series AS s "
                    "WHERE series_id = ?1 AND NOT EXISTS (SELECT 1 FROM versions AS v "
                    "WHERE v.series_id = s.series_id)",
                    series_id);
    if (moved < 0 || (moved > 0 && run(db_, "DELETE FROM series WHERE series_id = ?1", series_id) < 0))
      throw failure("");
    emptied = moved > 0;
    return true;
  });
  if (!done)
    return done.error();
  if (done.value() && emptied)
    --trained_;
  return done.value() ? 1u : 0u;
}

expected<std::vector<std::string>, store_failure>
sqlite_store::expired(int64_t cutoff_ms, const std::string& after, std::size_t limit) {
  auto* s = select_expired_;
  bind_text(s, 1, after);
  sqlite3_bind_int64(s, 2, cutoff_ms);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(limit));
  std::vector<std::string> ids;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  auto why = rc == SQLITE_DONE ? std::string{} : last_error();
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (!why.empty())
    return store_failure{"cannot list expired series: " + why};
  return ids;
}

expected<uint64_t, store_failure> sqlite_store::backup_to(const std::string& dest) {
  auto part = dest + ".part";
  std::remove(part.c_str());
  auto s = prepare(db_, "VACUUM INTO ?1");
  if (!s)
    return store_failure{"cannot prepare the backup: " + last_error()};
  bind_text(s.get(), 1, part);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    auto why = failure("cannot write the backup: ");
    std::remove(part.c_str());
    return why;
  }
  // VACUUM INTO does not sync what it wrote.
  struct stat st {};
  if (!sync_path(part, false) || ::stat(part.c_str(), &st) != 0
      || std::rename(part.c_str(), dest.c_str()) != 0 || !sync_path(directory_of(dest), true)) {
    int err = errno;
    std::remove(part.c_str());
    return store_failure{"cannot finish the backup " + dest + ": " + std::strerror(err),
                         err == ENOSPC || err == EDQUOT};
  }
  return static_cast<uint64_t>(st.st_size);
}

} // namespace persistence
