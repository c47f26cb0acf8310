// The SQLite backend of persistence::store: one file in WAL mode.
#include "actors/persistence/sqlite_store.hpp"
#include "actors/persistence/schema.hpp"
#include "actors/persistence/statement.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>

namespace persistence {

namespace {

template <class T>
void bind_array(sqlite3_stmt* s, int index, const std::vector<T>& xs) {
  sqlite3_bind_blob(s, index, xs.data(), static_cast<int>(xs.size() * sizeof(T)),
                    SQLITE_STATIC);
}

template <class T>
std::vector<T> column_array(sqlite3_stmt* s, int index) {
  auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(s, index));
  std::vector<T> out(bytes / sizeof(T));
  if (!out.empty())
    std::memcpy(out.data(), sqlite3_column_blob(s, index), out.size() * sizeof(T));
  return out;
}

/// A row of (series_id, last_seen_ms, last_timestamp, interval_s).
series_liveness liveness_of(sqlite3_stmt* s) {
  return {std::string{reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                      static_cast<std::size_t>(sqlite3_column_bytes(s, 0))},
          sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), sqlite3_column_double(s, 3)};
}

int exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}


int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

expected<std::unique_ptr<store>, store_failure>
store::open(const std::string& path, sync_mode sync, bool read_only) {
  return sqlite_store::open(path, sync, read_only);
}

sqlite_store::~sqlite_store() {
  // A clean stop leaves one file: the WAL checkpointed into it (and a file
  // that deletions shrank, shrunk). A read-only connection cannot.
  if (writable_)
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  for (auto* s : {insert_series_, bump_series_, insert_version_, insert_points_,
                  select_versions_, select_points_, count_series_, save_state_, save_cadence_,
                  select_cadence_, select_silent_, select_numbering_, delete_numbering_,
                  prune_points_, prune_versions_, select_expired_, select_key_, insert_key_,
                  purge_keys_})
    sqlite3_finalize(s);
  sqlite3_close(db_);
}

std::string sqlite_store::last_error() const {
  return sqlite3_errmsg(db_);
}

bool sqlite_store::no_room(int os_errno) const {
  // SQLite says SQLITE_FULL for ENOSPC and short writes; a write refused by
  // the file-size limit (EFBIG) or a quota (EDQUOT) is the same for us. A
  // failed WAL write leaves sqlite3_system_errno at 0: then errno, read just
  // after the failed call, tells.
  int rc = sqlite3_extended_errcode(db_) & 0xff;
  int err = sqlite3_system_errno(db_);
  if (err == 0)
    err = os_errno;
  return rc == SQLITE_FULL
         || (rc == SQLITE_IOERR && (err == ENOSPC || err == EFBIG || err == EDQUOT));
}

store_failure sqlite_store::failure(const std::string& what) const {
  int os_errno = errno; // first: nothing else may touch it
  bool full = no_room(os_errno);
  return store_failure{what + last_error(), full};
}

expected<std::unique_ptr<store>, store_failure>
sqlite_store::open(const std::string& path, sync_mode sync, bool read_only) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX
              | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<sqlite_store> self{new sqlite_store(db, path)};
  auto fail = [&](const std::string& what) {
    return store_failure{"cannot open store " + path + ": " + what};
  };
  if (rc != SQLITE_OK)
    return fail(db ? self->last_error() : "out of memory");
  sqlite3_busy_timeout(db, 10000);
  // Reading the schema version forces SQLite to read and check the header.
  sqlite3_stmt* probe = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &probe, nullptr) != SQLITE_OK)
    return fail(self->last_error());
  rc = sqlite3_step(probe);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(probe, 0) : -1;
  sqlite3_finalize(probe);
  if (rc != SQLITE_ROW)
    return fail(self->last_error());
  if (version > schema::version)
    return fail("written by a newer schema (" + std::to_string(version) + ")");
  if (!read_only) {
    // Pages freed by deletions go back to the file system (schema.hpp); on a
    // new file this must come before its first table.
    if (version == 0 && exec(db, "PRAGMA auto_vacuum=INCREMENTAL") != SQLITE_OK)
      return fail(self->last_error());
    // The WAL is truncated back to 64 MiB after each checkpoint, so a burst of
    // large fits does not leave a file of its size behind.
    std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=67108864; "
                          "PRAGMA synchronous=";
    pragmas += sync == sync_mode::full ? "FULL;" : "NORMAL;";
    if (exec(db, pragmas.c_str()) != SQLITE_OK)
      return fail(self->last_error());
    if (auto why = schema::upgrade(db, version))
      return fail(*why);
  }
  if (auto problem = self->prepare_all(read_only))
    return fail(*problem);
  if (!read_only) {
    self->writable_ = true;
    auto count = self->series_count();
    if (!count)
      return fail(count.detail());
    self->trained_ = count.value();
  }
  return std::unique_ptr<store>{std::move(self)};
}

std::optional<std::string> sqlite_store::prepare_all(bool read_only) {
  struct entry {
    sqlite3_stmt** target;
    const char* sql;
    bool writes;
  };
  const entry entries[] = {
    {&insert_series_, "INSERT INTO series(series_id, latest_version) VALUES(?1, ?2)", true},
    {&select_numbering_, "SELECT latest_version FROM numbering WHERE series_id = ?1", true},
    {&delete_numbering_, "DELETE FROM numbering WHERE series_id = ?1", true},
    // Every version at or below the (max_versions + 1)-th newest; none when
    // the series holds fewer (the subquery is NULL).
    {&prune_points_,
     "DELETE FROM points WHERE series_id = ?1 AND version <= (SELECT version FROM versions "
     "WHERE series_id = ?1 ORDER BY version DESC LIMIT 1 OFFSET ?2)",
     true},
    {&prune_versions_,
     "DELETE FROM versions WHERE series_id = ?1 AND version <= (SELECT version FROM versions "
     "WHERE series_id = ?1 ORDER BY version DESC LIMIT 1 OFFSET ?2)",
     true},
    // A series saved before cadences existed counts from its latest fit.
    {&select_expired_,
     "SELECT series_id FROM series AS s WHERE series_id > ?1 AND COALESCE(last_seen_ms, "
     "(SELECT MAX(created_at_ms) FROM versions AS v WHERE v.series_id = s.series_id), 0) < ?2 "
     "ORDER BY series_id LIMIT ?3",
     false},
    {&bump_series_,
     "UPDATE series SET latest_version = latest_version + 1 WHERE series_id = ?1 "
     "RETURNING latest_version",
     true},
    {&insert_version_,
     "INSERT INTO versions(series_id, version, points_used, mean, std, created_at_ms, detector,"
     " state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
     true},
    {&insert_points_, "INSERT INTO points VALUES(?1, ?2, ?3, ?4)", true},
    {&select_versions_,
     "SELECT version, points_used, mean, std, created_at_ms, detector, state FROM versions "
     "WHERE series_id = ?1 ORDER BY version",
     false},
    {&select_points_,
     "SELECT timestamps, \"values\" FROM points WHERE series_id = ?1 AND version = ?2",
     false},
    {&count_series_, "SELECT COUNT(*) FROM series", false},
    {&save_state_,
     "UPDATE versions SET state = ?3 WHERE series_id = ?1 AND version = ?2 AND detector IS NOT NULL",
     true},
    {&save_cadence_,
     "UPDATE series SET last_seen_ms = ?2, last_timestamp = ?3, interval_s = ?4 WHERE series_id = ?1",
     true},
    {&select_cadence_,
     "SELECT series_id, last_seen_ms, last_timestamp, interval_s FROM series WHERE series_id = ?1 "
     "AND last_seen_ms IS NOT NULL",
     false},
    {&select_key_,
     "SELECT version FROM fit_keys WHERE series_id = ?1 AND key = ?2 AND created_ms >= ?3",
     true},
    {&insert_key_,
     "INSERT OR REPLACE INTO fit_keys(series_id, key, version, created_ms) VALUES(?1, ?2, ?3, ?4)",
     true},
    {&purge_keys_, "DELETE FROM fit_keys WHERE created_ms < ?1", true},
    {&select_silent_,
     "SELECT series_id, last_seen_ms, last_timestamp, interval_s FROM series WHERE series_id > ?1 "
     "AND interval_s > 0 AND ?2 - last_seen_ms > ?3 * interval_s * 1000 + ?4 "
     "ORDER BY series_id LIMIT ?5",
     false},
  };
  for (const auto& e : entries) {
    if (read_only && e.writes)
      continue;
    if (sqlite3_prepare_v3(db_, e.sql, -1, SQLITE_PREPARE_PERSISTENT, e.target, nullptr)
        != SQLITE_OK)
      return last_error();
  }
  return std::nullopt;
}

/// Numbers and writes one item; 0 when the database refused it (the caller
/// rolls its savepoint back). Throws store_failure on I/O errors.
uint32_t sqlite_store::commit_one(const commit_item& item) {
  if (auto original = replayed(item))
    return original;
  const auto& r = item.record;
  uint32_t version = 0;
  {
    stmt_guard g{bump_series_};
    bind_text(bump_series_, 1, item.series_id);
    int rc = sqlite3_step(bump_series_);
    if (rc == SQLITE_ROW)
      version = static_cast<uint32_t>(sqlite3_column_int64(bump_series_, 0));
    else if (rc != SQLITE_DONE)
      return refused_or_throw();
  }
  if (version == 0) { // the series holds no version yet
    version = first_version(item);
    if (version == refused || version == over_quota)
      return version;
  }
  stmt_guard g{insert_version_};
  bind_text(insert_version_, 1, item.series_id);
  sqlite3_bind_int64(insert_version_, 2, version);
  sqlite3_bind_int64(insert_version_, 3, r.stats.points_used);
  sqlite3_bind_double(insert_version_, 4, r.stats.mean);
  sqlite3_bind_double(insert_version_, 5, r.stats.std);
  sqlite3_bind_int64(insert_version_, 6, r.created_at_ms);
  std::string text, blob; // bound without a copy: must outlive the step
  if (!model::is_contract(r.detector)) { // NULLs: the contract's rule
    text = model::to_text(r.detector);
    blob = model::encode_state(r.detector, r.state);
    bind_text(insert_version_, 7, text);
    sqlite3_bind_blob(insert_version_, 8, blob.data(), static_cast<int>(blob.size()),
                      SQLITE_STATIC);
  }
  if (sqlite3_step(insert_version_) != SQLITE_DONE)
    return refused_or_throw();
  stmt_guard c{save_cadence_};
  bind_text(save_cadence_, 1, item.series_id);
  sqlite3_bind_int64(save_cadence_, 2, r.created_at_ms);
  sqlite3_bind_int64(save_cadence_, 3, item.last_timestamp);
  sqlite3_bind_double(save_cadence_, 4, item.interval_s);
  if (sqlite3_step(save_cadence_) != SQLITE_DONE)
    return refused_or_throw();
  stmt_guard p{insert_points_};
  bind_text(insert_points_, 1, item.series_id);
  sqlite3_bind_int64(insert_points_, 2, version);
  bind_array(insert_points_, 3, item.data.timestamps);
  bind_array(insert_points_, 4, item.data.values);
  if (sqlite3_step(insert_points_) != SQLITE_DONE)
    return refused_or_throw();
  if (!item.idempotency_key.empty()) {
    stmt_guard k{insert_key_};
    bind_text(insert_key_, 1, item.series_id);
    bind_text(insert_key_, 2, item.idempotency_key);
    sqlite3_bind_int64(insert_key_, 3, version);
    sqlite3_bind_int64(insert_key_, 4, unix_ms());
    if (sqlite3_step(insert_key_) != SQLITE_DONE)
      return refused_or_throw();
  }
  if (max_versions_ > 0)
    prune(item.series_id);
  return version;
}

/// The version an earlier fit with the item's idempotency key stored (with
/// `replayed_flag`), or 0 when there is none (or the key expired).
uint32_t sqlite_store::replayed(const commit_item& item) {
  if (item.idempotency_key.empty())
    return 0;
  stmt_guard g{select_key_};
  bind_text(select_key_, 1, item.series_id);
  bind_text(select_key_, 2, item.idempotency_key);
  sqlite3_bind_int64(select_key_, 3, unix_ms() - key_ttl_.count() * 1000);
  int rc = sqlite3_step(select_key_);
  if (rc == SQLITE_ROW)
    return static_cast<uint32_t>(sqlite3_column_int64(select_key_, 0)) | replayed_flag;
  if (rc != SQLITE_DONE)
    throw store_failure{last_error()};
  return 0;
}

/// Deletes expired idempotency keys, at most once a minute (inside a commit's
/// transaction: no transaction of its own).
void sqlite_store::purge_keys() {
  auto now = unix_ms();
  if (now - purged_at_ms_ < 60000)
    return;
  purged_at_ms_ = now;
  stmt_guard g{purge_keys_};
  sqlite3_bind_int64(purge_keys_, 1, now - key_ttl_.count() * 1000);
  if (sqlite3_step(purge_keys_) != SQLITE_DONE)
    throw store_failure{last_error()};
}

uint32_t sqlite_store::refused_or_throw() {
  // A constraint (or a trigger's RAISE) refuses this item only; anything else
  // (I/O, full disk, corruption) fails the whole transaction.
  if ((sqlite3_extended_errcode(db_) & 0xff) == SQLITE_CONSTRAINT)
    return refused;
  throw failure("");
}

expected<std::vector<uint32_t>, store_failure>
sqlite_store::commit(const std::vector<commit_item>& items) {
  if (exec(db_, "BEGIN IMMEDIATE") != SQLITE_OK)
    return store_failure{"cannot begin a transaction: " + last_error()};
  std::vector<uint32_t> assigned;
  assigned.reserve(items.size());
  new_series_ = 0;
  try {
    purge_keys();
    for (const auto& item : items) {
      if (exec(db_, "SAVEPOINT item") != SQLITE_OK)
        throw failure("");
      created_ = false;
      auto version = commit_one(item);
      bool left_out = version == refused || version == over_quota;
      if (left_out && exec(db_, "ROLLBACK TO item") != SQLITE_OK)
        throw failure("");
      if (exec(db_, "RELEASE item") != SQLITE_OK)
        throw failure("");
      if (created_ && !left_out)
        ++new_series_;
      assigned.push_back(version);
    }
  } catch (const store_failure& failed) {
    exec(db_, "ROLLBACK");
    return store_failure{"cannot write a version: " + failed.detail, failed.full};
  }
  if (commit_delay_.count() > 0)
    std::this_thread::sleep_for(commit_delay_);
  if (exec(db_, "COMMIT") != SQLITE_OK) {
    auto why = failure("cannot commit: ");
    exec(db_, "ROLLBACK");
    return why;
  }
  trained_ += new_series_;
  return assigned;
}

expected<bool, store_failure> sqlite_store::save_states(const std::vector<checkpoint_item>& items) {
  if (exec(db_, "BEGIN IMMEDIATE") != SQLITE_OK)
    return store_failure{"cannot begin a transaction: " + last_error()};
  for (const auto& item : items) {
    if (auto why = save_one(item)) {
      exec(db_, "ROLLBACK");
      return store_failure{"cannot save a detector's state: " + *why};
    }
  }
  if (exec(db_, "COMMIT") != SQLITE_OK) {
    auto why = last_error();
    exec(db_, "ROLLBACK");
    return store_failure{"cannot commit detector states: " + why};
  }
  return true;
}

std::optional<std::string> sqlite_store::save_one(const checkpoint_item& item) {
  if (item.has_state) {
    stmt_guard g{save_state_};
    bind_text(save_state_, 1, item.series_id);
    sqlite3_bind_int64(save_state_, 2, item.version);
    sqlite3_bind_blob(save_state_, 3, item.state.data(), static_cast<int>(item.state.size()),
                      SQLITE_STATIC);
    if (sqlite3_step(save_state_) != SQLITE_DONE)
      return last_error();
  }
  stmt_guard c{save_cadence_};
  bind_text(save_cadence_, 1, item.series_id);
  sqlite3_bind_int64(save_cadence_, 2, item.last_seen_ms);
  sqlite3_bind_int64(save_cadence_, 3, item.last_timestamp);
  sqlite3_bind_double(save_cadence_, 4, item.interval_s);
  if (sqlite3_step(save_cadence_) != SQLITE_DONE)
    return last_error();
  return std::nullopt;
}

expected<std::vector<version_record>, store_failure>
sqlite_store::versions(const std::string& series_id) {
  stmt_guard g{select_versions_};
  bind_text(select_versions_, 1, series_id);
  std::vector<version_record> out;
  int rc;
  while ((rc = sqlite3_step(select_versions_)) == SQLITE_ROW) {
    version_record r;
    r.version = static_cast<uint32_t>(sqlite3_column_int64(select_versions_, 0));
    r.stats.points_used = static_cast<uint32_t>(sqlite3_column_int64(select_versions_, 1));
    r.stats.mean = sqlite3_column_double(select_versions_, 2);
    r.stats.std = sqlite3_column_double(select_versions_, 3);
    r.created_at_ms = sqlite3_column_int64(select_versions_, 4);
    r.detector.server_default = false;
    if (sqlite3_column_type(select_versions_, 5) == SQLITE_TEXT) {
      std::string_view text{reinterpret_cast<const char*>(sqlite3_column_text(select_versions_, 5)),
                            static_cast<std::size_t>(sqlite3_column_bytes(select_versions_, 5))};
      auto spec = model::from_text(text);
      if (!spec)
        return store_failure{"version " + std::to_string(r.version) + " of " + series_id
                             + " names an unknown detector: " + std::string{text}};
      std::string_view blob{static_cast<const char*>(sqlite3_column_blob(select_versions_, 6)),
                            static_cast<std::size_t>(sqlite3_column_bytes(select_versions_, 6))};
      auto state = model::decode_state(*spec, blob);
      if (!state)
        return store_failure{"version " + std::to_string(r.version) + " of " + series_id
                             + " has a detector state that cannot be read (" + std::string{text}
                             + ")"};
      r.detector = *spec;
      r.state = std::move(*state);
    }
    out.push_back(r);
  }
  if (rc != SQLITE_DONE)
    return store_failure{"cannot read versions: " + last_error()};
  return out;
}

expected<std::optional<training_data>, store_failure>
sqlite_store::points(const std::string& series_id, uint32_t version) {
  stmt_guard g{select_points_};
  bind_text(select_points_, 1, series_id);
  sqlite3_bind_int64(select_points_, 2, version);
  int rc = sqlite3_step(select_points_);
  if (rc == SQLITE_DONE)
    return std::optional<training_data>{};
  if (rc != SQLITE_ROW)
    return store_failure{"cannot read training points: " + last_error()};
  training_data out{column_array<int64_t>(select_points_, 0),
                    column_array<double>(select_points_, 1)};
  return std::optional<training_data>{std::move(out)};
}

expected<std::vector<std::string>, store_failure> sqlite_store::series_ids(const std::string& after,
                                                                     std::size_t limit) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT series_id FROM series WHERE series_id > ?1 "
                              "ORDER BY series_id LIMIT ?2", -1, &s, nullptr) != SQLITE_OK)
    return store_failure{"cannot list series: " + last_error()};
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned{s, sqlite3_finalize};
  bind_text(s, 1, after);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(limit));
  std::vector<std::string> ids;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  if (rc != SQLITE_DONE)
    return store_failure{"cannot list series: " + last_error()};
  return ids;
}

expected<std::optional<series_liveness>, store_failure>
sqlite_store::cadence(const std::string& series_id) {
  stmt_guard g{select_cadence_};
  bind_text(select_cadence_, 1, series_id);
  int rc = sqlite3_step(select_cadence_);
  if (rc == SQLITE_DONE)
    return std::optional<series_liveness>{};
  if (rc != SQLITE_ROW)
    return store_failure{"cannot read a series' cadence: " + last_error()};
  return std::optional<series_liveness>{liveness_of(select_cadence_)};
}

expected<std::vector<series_liveness>, store_failure>
sqlite_store::silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
              std::size_t limit) {
  stmt_guard g{select_silent_};
  bind_text(select_silent_, 1, after);
  sqlite3_bind_int64(select_silent_, 2, now_ms);
  sqlite3_bind_double(select_silent_, 3, factor);
  sqlite3_bind_int64(select_silent_, 4, slack_ms);
  sqlite3_bind_int64(select_silent_, 5, static_cast<sqlite3_int64>(limit));
  std::vector<series_liveness> out;
  int rc;
  while ((rc = sqlite3_step(select_silent_)) == SQLITE_ROW)
    out.push_back(liveness_of(select_silent_));
  if (rc != SQLITE_DONE)
    return store_failure{"cannot list silent series: " + last_error()};
  return out;
}

expected<uint64_t, store_failure> sqlite_store::series_count() {
  stmt_guard g{count_series_};
  if (sqlite3_step(count_series_) != SQLITE_ROW)
    return store_failure{"cannot count series: " + last_error()};
  return static_cast<uint64_t>(sqlite3_column_int64(count_series_, 0));
}

} // namespace persistence
