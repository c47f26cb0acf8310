#include <doctest/doctest.h>

#include <fstream>

#include <sqlite3.h>

#include "actors/persistence/store.hpp"
#include "tests/temp_dir.hpp"

using model::commit_item;
using persistence::store;
using model::sync_mode;

namespace {

commit_item item(const std::string& id, uint32_t version, double mean = 1.0) {
  return commit_item{id, {version, {3, mean, 0.5}, 1700000000000 + version, {}, {}},
                     {{1, 2, 3}, {mean - 1, mean, mean + 1}}};
}

/// Tables older schemas share: `series` (schemas 1 to 3) and `points` (2 and 3).
const std::string old_series_table =
  "CREATE TABLE series (series_id TEXT PRIMARY KEY, latest_version INTEGER NOT NULL)"
  " WITHOUT ROWID;";
const std::string old_points_table =
  "CREATE TABLE points (series_id TEXT NOT NULL, version INTEGER NOT NULL,"
  " timestamps BLOB NOT NULL, \"values\" BLOB NOT NULL, PRIMARY KEY (series_id, version))"
  " WITHOUT ROWID;";

/// Writes a store file of an older schema by hand, from its SQL.
void write_old_store(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

std::unique_ptr<store> open_rw(const std::string& path) {
  auto s = store::open(path, sync_mode::full, false);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.detail()));
  return std::move(s.value());
}

} // namespace

TEST_CASE("store: commits versions and reads them back after reopening") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  {
    auto db = open_rw(path);
    auto r = db->commit({item("a", 1, 1.0), item("b", 1), item("a", 2, 2.0)});
    REQUIRE(r.ok());
    CHECK(r.value() == std::vector<uint32_t>{1, 1, 2});
  }
  auto db = open_rw(path);
  auto versions = db->versions("a");
  REQUIRE(versions.ok());
  REQUIRE(versions.value().size() == 2);
  CHECK(versions.value()[0].version == 1);
  CHECK(versions.value()[1].stats.mean == 2.0);
  CHECK(versions.value()[1].created_at_ms == 1700000000002);
  CHECK(db->series_count().value() == 2);
  auto pts = db->points("a", 2);
  REQUIRE(pts.ok());
  REQUIRE(pts.value().has_value());
  CHECK(pts.value()->timestamps == std::vector<int64_t>{1, 2, 3});
  CHECK(pts.value()->values == std::vector<double>{1.0, 2.0, 3.0});
  CHECK_FALSE(db->points("a", 3).value().has_value());
  CHECK(db->versions("missing").value().empty());
}

TEST_CASE("store: versions are numbered in the transaction; a refused item leaves no gap") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  // The numbers callers put in record.version do not matter: the store counts.
  auto r = db->commit({item("s", 7), item("s", 7), item("t", 3), item("s", 1)});
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<uint32_t>{1, 2, 1, 3});
  // The database refuses one item (a trigger stands in for any constraint):
  // only that item is left out, the ones after it in the same transaction
  // commit, and numbering goes on without a gap.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other,
                       "CREATE TRIGGER refuse_nine BEFORE INSERT ON versions "
                       "WHEN NEW.points_used = 9 BEGIN SELECT RAISE(ABORT, 'refused'); END",
                       nullptr, nullptr, nullptr)
          == SQLITE_OK);
  sqlite3_close(other);
  auto nine = item("s", 0);
  nine.record.stats.points_used = 9;
  auto r2 = db->commit({item("s", 0), nine, item("s", 0)});
  REQUIRE(r2.ok());
  CHECK(r2.value() == std::vector<uint32_t>{4, 0, 5});
  auto versions = db->versions("s").value();
  REQUIRE(versions.size() == 5);
  for (std::size_t i = 0; i < versions.size(); ++i)
    CHECK(versions[i].version == i + 1);
}

TEST_CASE("store: a read-only connection sees committed data") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto writer = open_rw(path);
  auto reader = store::open(path, sync_mode::full, true);
  REQUIRE(reader.ok());
  REQUIRE(writer->commit({item("x", 1)}).ok());
  CHECK(reader.value()->versions("x").value().size() == 1);
}

TEST_CASE("store: a corrupt or unreadable file is a clear error, not a crash") {
  testing::temp_dir dir;
  SUBCASE("not a database") {
    auto path = dir.path + "/garbage.db";
    std::ofstream{path} << std::string(8192, 'x');
    auto s = store::open(path, sync_mode::full, false);
    REQUIRE_FALSE(s.ok());
    CHECK(s.detail().find("cannot open store") != std::string::npos);
    CHECK(s.detail().find("not a database") != std::string::npos);
  }
  SUBCASE("directory that does not exist") {
    auto s = store::open(dir.path + "/no/such/dir/m.db", sync_mode::full, false);
    REQUIRE_FALSE(s.ok());
    CHECK(s.detail().find("cannot open store") != std::string::npos);
  }
}

TEST_CASE("store: a schema 1 store (points inline) is migrated, its versions and points kept") {
  testing::temp_dir dir;
  auto path = dir.path + "/old.db";
  write_old_store(path, old_series_table + R"sql(
      CREATE TABLE versions (series_id TEXT NOT NULL, version INTEGER NOT NULL,
        points_used INTEGER NOT NULL, mean REAL NOT NULL, std REAL NOT NULL,
        created_at_ms INTEGER NOT NULL, timestamps BLOB NOT NULL, "values" BLOB NOT NULL,
        PRIMARY KEY (series_id, version)) WITHOUT ROWID;
      INSERT INTO series VALUES('old', 1);
      INSERT INTO versions VALUES('old', 1, 2, 1.5, 0.5, 1700000000000,
        x'01000000000000000200000000000000', x'000000000000F03F0000000000000040');
      PRAGMA user_version=1;)sql");
  auto db = open_rw(path);
  auto versions = db->versions("old").value();
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].stats.mean == 1.5);
  auto pts = db->points("old", 1).value();
  REQUIRE(pts.has_value());
  CHECK(pts->timestamps == std::vector<int64_t>{1, 2});
  CHECK(pts->values == std::vector<double>{1.0, 2.0});
  CHECK(db->commit({item("old", 0)}).value() == std::vector<uint32_t>{2}); // numbering goes on
}

TEST_CASE("store: series_ids pages through every series in byte order") {
  testing::temp_dir dir;
  auto db = open_rw(dir.path + "/m.db");
  CHECK(db->series_ids("", 10).value().empty());
  REQUIRE(db->commit({item("b", 1), item("a", 1), item("c", 1), item("a", 2), item("d", 1)}).ok());
  auto first = db->series_ids("", 2);
  REQUIRE(first.ok());
  CHECK(first.value() == std::vector<std::string>{"a", "b"});
  auto second = db->series_ids(first.value().back(), 2);
  CHECK(second.value() == std::vector<std::string>{"c", "d"});
  CHECK(db->series_ids("d", 2).value().empty());
}

TEST_CASE("store: a schema 2 store gains the detector columns; its versions keep the contract's rule") {
  testing::temp_dir dir;
  auto path = dir.path + "/v2.db";
  write_old_store(path, old_series_table + R"sql(
      CREATE TABLE versions (series_id TEXT NOT NULL, version INTEGER NOT NULL,
        points_used INTEGER NOT NULL, mean REAL NOT NULL, std REAL NOT NULL,
        created_at_ms INTEGER NOT NULL, PRIMARY KEY (series_id, version)) WITHOUT ROWID;
      )sql" + old_points_table + R"sql(
      INSERT INTO series VALUES('old', 1);
      INSERT INTO versions VALUES('old', 1, 3, 1.5, 0.5, 1700000000000);
      PRAGMA user_version=2;)sql");
  auto db = open_rw(path);
  auto old = db->versions("old").value();
  REQUIRE(old.size() == 1);
  CHECK(old[0].detector.type == model::detector_type::contract);
  CHECK(old[0].params.center == 1.5);
  CHECK(old[0].params.scale == 0.5);
  // A new version with a detector keeps it, and what it learned, across a reopen.
  auto with = item("old", 0);
  with.record.detector = model::make_detector("mad", {{"k", 2.0, std::nullopt}}).value();
  with.record.params = model::detector_fit::of(3.25, 0.75);
  REQUIRE(db->commit({with}).value() == std::vector<uint32_t>{2});
  db.reset();
  auto reopened = open_rw(path);
  auto versions = reopened->versions("old").value();
  REQUIRE(versions.size() == 2);
  CHECK(versions[1].detector.type == model::detector_type::mad);
  CHECK(versions[1].detector.k == 2);
  CHECK(versions[1].params.center == 3.25);
  CHECK(versions[1].params.scale == 0.75);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(sqlite3_column_int(s, 0) == 4);
  sqlite3_finalize(s);
  sqlite3_close(raw);
}

TEST_CASE("store: a schema 3 store gains the cooldown column; a checkpoint keeps the count") {
  testing::temp_dir dir;
  auto path = dir.path + "/v3.db";
  write_old_store(path, old_series_table + R"sql(
      CREATE TABLE versions (series_id TEXT NOT NULL, version INTEGER NOT NULL,
        points_used INTEGER NOT NULL, mean REAL NOT NULL, std REAL NOT NULL,
        created_at_ms INTEGER NOT NULL, detector TEXT, center REAL, scale REAL,
        learned INTEGER, phases BLOB, PRIMARY KEY (series_id, version)) WITHOUT ROWID;
      )sql" + old_points_table + R"sql(
      INSERT INTO series VALUES('e', 1);
      INSERT INTO versions VALUES('e', 1, 3, 1.5, 0.5, 1700000000000,
        'ewma k=5 direction=both min_deviation=0 min_scale=0 alpha=0.01 cooldown=100', 2.5, 0.25,
        7, NULL);
      PRAGMA user_version=3;)sql");
  auto db = open_rw(path);
  auto old = db->versions("e").value();
  REQUIRE(old.size() == 1);
  CHECK(old[0].detector.type == model::detector_type::ewma);
  CHECK(old[0].params.center == 2.5);
  CHECK(old[0].params.learned == 7);
  CHECK(old[0].params.quiet == 0); // none was kept before
  auto state = old[0].params;
  state.quiet = 42;
  state.learned = 8;
  REQUIRE(db->save_states({model::checkpoint_item{"e", 1, state}}).value());
  db.reset();
  auto reopened = open_rw(path)->versions("e").value();
  CHECK(reopened[0].params.quiet == 42);
  CHECK(reopened[0].params.learned == 8);
}
