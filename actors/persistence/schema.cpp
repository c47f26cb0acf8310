#include "actors/persistence/schema.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "model/detector.hpp"

namespace persistence::schema {

namespace {

/// Schema 2 keeps the training points apart from the version rows, so that
/// loading a series' versions (every activation) reads statistics only.
/// Schema 3 adds each version's detector (NULL: the contract's rule), what it
/// learned (center, scale) and, for an online detector, how many points it has
/// learned since (its checkpoints overwrite center, scale and learned).
/// Schema 5 keeps a detector's state as one opaque, versioned blob (the model
/// encodes and checks it; the store knows no layout) and each series' cadence.

const std::string versions_columns =
  "(series_id TEXT NOT NULL, version INTEGER NOT NULL, points_used INTEGER NOT NULL,"
  " mean REAL NOT NULL, std REAL NOT NULL, created_at_ms INTEGER NOT NULL,"
  " PRIMARY KEY (series_id, version)) WITHOUT ROWID;";
const std::string points_columns =
  "(series_id TEXT NOT NULL, version INTEGER NOT NULL, timestamps BLOB NOT NULL,"
  " \"values\" BLOB NOT NULL, PRIMARY KEY (series_id, version)) WITHOUT ROWID;";

/// Schema 2 to 3: three nullable columns, no rows rewritten.
const std::string migrate_2_to_3 =
  "BEGIN IMMEDIATE;"
  "ALTER TABLE versions ADD COLUMN detector TEXT;"
  "ALTER TABLE versions ADD COLUMN center REAL;"
  "ALTER TABLE versions ADD COLUMN scale REAL;"
  "ALTER TABLE versions ADD COLUMN learned INTEGER;"
  "ALTER TABLE versions ADD COLUMN phases BLOB;"
  "PRAGMA user_version=3;"
  "COMMIT;";

/// Schema 3 to 4: an online detector's cooldown count, saved with its state.
const std::string migrate_3_to_4 =
  "BEGIN IMMEDIATE;"
  "ALTER TABLE versions ADD COLUMN quiet INTEGER;"
  "PRAGMA user_version=4;"
  "COMMIT;";

/// Schema 4 to 5, first step: the new columns (the rows are converted by
/// migrate_states, then the old columns dropped, in the same transaction).
const std::string migrate_4_to_5_columns =
  "ALTER TABLE versions ADD COLUMN state BLOB;"
  "ALTER TABLE series ADD COLUMN last_seen_ms INTEGER;"
  "ALTER TABLE series ADD COLUMN last_timestamp INTEGER;"
  "ALTER TABLE series ADD COLUMN interval_s REAL;";
const std::string migrate_4_to_5_drop =
  "ALTER TABLE versions DROP COLUMN center;"
  "ALTER TABLE versions DROP COLUMN scale;"
  "ALTER TABLE versions DROP COLUMN learned;"
  "ALTER TABLE versions DROP COLUMN phases;"
  "ALTER TABLE versions DROP COLUMN quiet;"
  "PRAGMA user_version=5;";

const std::string schema_sql =
  "CREATE TABLE IF NOT EXISTS series (series_id TEXT PRIMARY KEY,"
  " latest_version INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS versions " + versions_columns
  + "CREATE TABLE IF NOT EXISTS points " + points_columns;

/// Schema 1 kept the points inline in `versions`: move them out, in one
/// transaction (a crash leaves schema 1, migrated again at the next start).
const std::string migrate_1_to_2 =
  "BEGIN IMMEDIATE;"
  "CREATE TABLE points " + points_columns
  + "INSERT INTO points SELECT series_id, version, timestamps, \"values\" FROM versions;"
    "CREATE TABLE versions_2 " + versions_columns
  + "INSERT INTO versions_2 SELECT series_id, version, points_used, mean, std, created_at_ms"
    " FROM versions;"
    "DROP TABLE versions;"
    "ALTER TABLE versions_2 RENAME TO versions;"
    "PRAGMA user_version=2;"
    "COMMIT;";

/// Schema 5 to 6: the highest number of series that hold no version (all
/// deleted one by one); such a series has no row in `series`, so the series
/// count stays one COUNT(*) of it.
const std::string migrate_5_to_6 =
  "BEGIN IMMEDIATE;"
  "CREATE TABLE IF NOT EXISTS numbering (series_id TEXT PRIMARY KEY,"
  " latest_version INTEGER NOT NULL) WITHOUT ROWID;"
  "PRAGMA user_version=6;"
  "COMMIT;";

int exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

/// 0 none, 1 full, 2 incremental; -1 when it cannot be read.
int auto_vacuum_mode(sqlite3* db) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA auto_vacuum", -1, &s, nullptr) != SQLITE_OK)
    return -1;
  int mode = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  return mode;
}

/// Puts a store written without it in auto_vacuum=INCREMENTAL mode, which
/// takes a VACUUM (a rewrite of the file). Best effort: see schema.hpp.
void reclaim_freed_pages(sqlite3* db) {
  if (auto_vacuum_mode(db) == 2)
    return;
  if (exec(db, "PRAGMA auto_vacuum=INCREMENTAL") == SQLITE_OK)
    exec(db, "VACUUM");
}

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::vector<double> column_doubles(sqlite3_stmt* s, int index) {
  auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(s, index));
  std::vector<double> out(bytes / sizeof(double));
  if (!out.empty())
    std::memcpy(out.data(), sqlite3_column_blob(s, index), out.size() * sizeof(double));
  return out;
}

/// Rewrites every schema 4 detector row as its text and state blob (through
/// the model, which knows the old layouts). A row it cannot read stops the
/// migration, naming it.
std::optional<std::string> migrate_states(sqlite3* db) {
  sqlite3_stmt* read = nullptr;
  sqlite3_stmt* write = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT series_id, version, detector, center, scale, learned, "
                             "phases, quiet FROM versions WHERE detector IS NOT NULL", -1, &read,
                         nullptr) != SQLITE_OK
      || sqlite3_prepare_v2(db, "UPDATE versions SET detector = ?3, state = ?4 WHERE "
                                "series_id = ?1 AND version = ?2", -1, &write, nullptr) != SQLITE_OK) {
    sqlite3_finalize(read);
    return std::string{sqlite3_errmsg(db)};
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> r{read, sqlite3_finalize};
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> w{write, sqlite3_finalize};
  int rc;
  while ((rc = sqlite3_step(read)) == SQLITE_ROW) {
    std::string_view text{reinterpret_cast<const char*>(sqlite3_column_text(read, 2)),
                          static_cast<std::size_t>(sqlite3_column_bytes(read, 2))};
    model::legacy_row row;
    row.center = sqlite3_column_double(read, 3);
    row.scale = sqlite3_column_double(read, 4);
    row.learned = static_cast<uint64_t>(std::max<sqlite3_int64>(0, sqlite3_column_int64(read, 5)));
    row.quiet = static_cast<uint32_t>(std::clamp<sqlite3_int64>(
      sqlite3_column_int64(read, 7), 0, std::numeric_limits<uint32_t>::max()));
    row.arrays = column_doubles(read, 6);
    auto now = model::from_schema4(text, row);
    if (!now)
      return "version " + std::to_string(sqlite3_column_int64(read, 1)) + " of "
             + reinterpret_cast<const char*>(sqlite3_column_text(read, 0))
             + " has a detector that cannot be read: " + std::string{text};
    auto new_text = model::to_text(now->first);
    auto blob = model::encode_state(now->first, now->second);
    sqlite3_bind_value(write, 1, sqlite3_column_value(read, 0));
    sqlite3_bind_int64(write, 2, sqlite3_column_int64(read, 1));
    bind_text(write, 3, new_text);
    sqlite3_bind_blob(write, 4, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    int step = sqlite3_step(write);
    sqlite3_reset(write);
    if (step != SQLITE_DONE)
      return std::string{sqlite3_errmsg(db)};
  }
  return rc == SQLITE_DONE ? std::nullopt : std::optional<std::string>{sqlite3_errmsg(db)};
}

/// Schema 4 to 5 in one transaction: new columns, rows converted, old columns
/// dropped. A crash leaves schema 4, migrated again at the next start.
std::optional<std::string> migrate_4_to_5(sqlite3* db) {
  if (exec(db, ("BEGIN IMMEDIATE;" + migrate_4_to_5_columns).c_str()) != SQLITE_OK)
    return std::string{sqlite3_errmsg(db)};
  auto problem = migrate_states(db);
  if (!problem && exec(db, (migrate_4_to_5_drop + "COMMIT;").c_str()) != SQLITE_OK)
    problem = sqlite3_errmsg(db);
  if (problem)
    exec(db, "ROLLBACK");
  return problem;
}

/// Schema 6 to 7: the idempotency keys of fits (series, key) -> version.
const std::string migrate_6_to_7 =
  "BEGIN IMMEDIATE;"
  "CREATE TABLE IF NOT EXISTS fit_keys (series_id TEXT NOT NULL, key TEXT NOT NULL,"
  " version INTEGER NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (series_id, key))"
  " WITHOUT ROWID;"
  "PRAGMA user_version=7;"
  "COMMIT;";

/// Runs one step's SQL; on failure rolls back and says which step.
std::optional<std::string> step(sqlite3* db, const std::string& sql, const char* what) {
  if (exec(db, sql.c_str()) == SQLITE_OK)
    return std::nullopt;
  std::string why = sqlite3_errmsg(db);
  exec(db, "ROLLBACK");
  return std::string{what} + ": " + why;
}

} // namespace

std::optional<std::string> upgrade(sqlite3* db, int from) {
  if (from == 1)
    if (auto why = step(db, migrate_1_to_2, "cannot move the training points to their own table"))
      return why;
  // A new file gets schema 2's tables, then the same steps as an old one.
  if (exec(db, schema_sql.c_str()) != SQLITE_OK)
    return std::string{sqlite3_errmsg(db)};
  if (from < 3)
    if (auto why = step(db, migrate_2_to_3, "cannot add the detector columns"))
      return why;
  if (from < 4)
    if (auto why = step(db, migrate_3_to_4, "cannot add the cooldown column"))
      return why;
  if (from < 5)
    if (auto why = migrate_4_to_5(db))
      return "cannot move detector states to their blobs: " + *why;
  if (from < 6)
    if (auto why = step(db, migrate_5_to_6, "cannot add the numbering table"))
      return why;
  if (from < 7)
    if (auto why = step(db, migrate_6_to_7, "cannot add the idempotency keys table"))
      return why;
  reclaim_freed_pages(db);
  return std::nullopt;
}

} // namespace persistence::schema
