#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include <sqlite3.h>

#include "actors/persistence/store.hpp"
#include "model/detector.hpp"
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

int user_version(const std::string& path) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return v;
}

const std::string schema4_versions_table = R"sql(
      CREATE TABLE versions (series_id TEXT NOT NULL, version INTEGER NOT NULL,
        points_used INTEGER NOT NULL, mean REAL NOT NULL, std REAL NOT NULL,
        created_at_ms INTEGER NOT NULL, detector TEXT, center REAL, scale REAL,
        learned INTEGER, phases BLOB, quiet INTEGER, PRIMARY KEY (series_id, version)) WITHOUT ROWID;
      )sql";

/// A blob literal of doubles, as SQLite's x'...' (little-endian).
std::string doubles_literal(const std::vector<double>& xs) {
  std::string out = "x'";
  char hex[3];
  for (double x : xs) {
    unsigned char bytes[8];
    std::memcpy(bytes, &x, 8);
    for (unsigned char b : bytes) {
      std::snprintf(hex, sizeof hex, "%02X", b);
      out += hex;
    }
  }
  return out + "'";
}

TEST_CASE("store: a schema 2 store is migrated to the current schema; its versions keep the contract's rule") {
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
  CHECK(model::is_contract(old[0].detector));
  CHECK(old[0].stats.mean == 1.5);
  // A new version with a detector keeps it, and what it learned, across a reopen.
  auto with = item("old", 0);
  with.record.detector = model::make_detector("mad", {{"k", 2.0, std::nullopt}}).value();
  with.record.state.numbers = {3.25, 0.75};
  REQUIRE(db->commit({with}).value() == std::vector<uint32_t>{2});
  db.reset();
  auto versions = open_rw(path)->versions("old").value();
  REQUIRE(versions.size() == 2);
  CHECK(std::string{model::name_of(versions[1].detector)} == "mad");
  CHECK(model::number_param(versions[1].detector, "k") == 2);
  CHECK(versions[1].state.numbers == std::vector<double>{3.25, 0.75});
  CHECK(user_version(path) == 7);
}

TEST_CASE("store: a schema 4 store's detector rows become text and state blobs, in place") {
  // One row per layout the old columns held: center and scale (ewma), the
  // phases' centers then scales (seasonal), and range memory (format 1:
  // window 4 in 2 blocks of 2, a 2-point mean, after learning 1, 2, 3).
  testing::temp_dir dir;
  auto path = dir.path + "/v4.db";
  std::vector<double> memory{1, 1, 1, 0, 1,                   // open 1, closed 1, slot 1, recent
                             3, 3, 2, 1, 0, 0,                // value view: open (3, 3), {2, 1}
                             2.5, 2.5, 1.5, 1, 0, 0,          // mean view: open, {1.5, 1}
                             3};                               // the last value
  write_old_store(path, old_series_table + schema4_versions_table + old_points_table + R"sql(
      INSERT INTO series VALUES('s', 4);
      INSERT INTO versions VALUES('s', 1, 3, 1.5, 0.5, 1700000000000, NULL, NULL, NULL, NULL, NULL, NULL);
      INSERT INTO versions VALUES('s', 2, 3, 1.5, 0.5, 1700000000001,
        'ewma k=5 direction=both min_deviation=0 alpha=0.25 cooldown=100', 2.5, 0.25, 7, NULL, 4);
      INSERT INTO versions VALUES('s', 3, 3, 1.5, 0.5, 1700000000002,
        'seasonal k=3 direction=both min_deviation=0 min_scale=0.001 period_s=100 phases=2',
        1, 2, 0, )sql" + doubles_literal({10, 20, 1, 2}) + R"sql(, 0);
      INSERT INTO versions VALUES('s', 4, 3, 1.5, 0.5, 1700000000003,
        'range window=4 blocks=2 margin=0.5 smooth=2 direction=both min_deviation=0 cooldown=9',
        2, 1, 3, )sql" + doubles_literal(memory) + R"sql(, 2);
      PRAGMA user_version=4;)sql");
  auto db = open_rw(path);
  CHECK(user_version(path) == 7);
  auto v = db->versions("s").value();
  REQUIRE(v.size() == 4);
  CHECK(model::is_contract(v[0].detector));
  CHECK(model::number_param(v[1].detector, "alpha") == 0.25);
  CHECK(v[1].state.numbers == std::vector<double>{2.5, 0.25});
  CHECK(v[1].state.learned == 7);
  CHECK(v[1].state.quiet == 4);
  CHECK(v[2].state.numbers == std::vector<double>{1, 2, 10, 20, 1, 2});
  CHECK(model::number_param(v[3].detector, "period_s") == 0); // no seasonal view then
  CHECK(v[3].state.learned == 3);
  // The migrated range judges as it did: blocks {1, 2} and {3} give the
  // inner edges [2, 3], widened by half of it on each side; 4.5 is outside,
  // but the cooldown it was in (2 points) still runs.
  auto j = model::judge(v[3].detector, v[3].stats, v[3].state, {10, 4.5});
  CHECK(*j.upper == doctest::Approx(3.5));
  CHECK(*j.lower == doctest::Approx(1.5));
  CHECK_FALSE(j.anomaly);
  CHECK(v[3].state.quiet == 2);
  // Learning goes on from the migrated memory.
  auto state = v[3].state;
  model::judge_and_learn(v[3].detector, v[3].stats, state, {11, 2});
  CHECK(state.learned == 4);
  // The old columns are gone: the store keeps one opaque blob.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  CHECK(sqlite3_exec(raw, "SELECT center FROM versions", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(sqlite3_exec(raw, "SELECT state FROM versions", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
}

TEST_CASE("store: a schema 4 row it cannot read stops the migration, naming it, and changes nothing") {
  testing::temp_dir dir;
  auto path = dir.path + "/bad.db";
  write_old_store(path, old_series_table + schema4_versions_table + old_points_table + R"sql(
      INSERT INTO series VALUES('s', 1);
      INSERT INTO versions VALUES('s', 1, 3, 1.5, 0.5, 1700000000000,
        'range window=4 blocks=2 margin=0.5 smooth=2 direction=both min_deviation=0 cooldown=9',
        2, 1, 3, x'00', 2);
      PRAGMA user_version=4;)sql");
  auto s = store::open(path, sync_mode::full, false);
  REQUIRE_FALSE(s.ok());
  CHECK(s.detail().find("version 1 of s") != std::string::npos);
  CHECK(user_version(path) == 4);
}

TEST_CASE("store: a checkpoint saves an opaque state and the series' cadence; silent series are listed") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  auto e = item("e", 0);
  e.record.detector = model::make_detector("ewma", {}).value();
  e.record.state.numbers = {2.5, 0.25};
  REQUIRE(db->commit({e, item("quiet", 0), item("busy", 0)}).ok());
  model::detector_state learned;
  learned.numbers = {3.5, 0.5};
  learned.quiet = 42;
  learned.learned = 8;
  auto blob = model::encode_state(e.record.detector, learned);
  REQUIRE(db->save_states({model::checkpoint_item{"e", 1, blob, true, 1000, 50, 10},
                           model::checkpoint_item{"quiet", 1, {}, false, 1000, 50, 10},
                           model::checkpoint_item{"busy", 1, {}, false, 95000, 9000, 10}})
            .value());
  db.reset();
  auto reopened = open_rw(path);
  auto v = reopened->versions("e").value();
  CHECK(v[0].state.numbers == learned.numbers);
  CHECK(v[0].state.quiet == 42);
  auto c = reopened->cadence("quiet").value();
  REQUIRE(c);
  CHECK(c->last_seen_ms == 1000);
  CHECK(c->last_timestamp == 50);
  CHECK(c->interval_s == 10);
  // At 100 s: "e" and "quiet" last saw a point 99 s ago (more than 3 x 10 s);
  // "busy" 5 s ago.
  auto silent = reopened->silent(100000, 3, 0, "", 10).value();
  REQUIRE(silent.size() == 2);
  CHECK(silent[0].series_id == "e");
  CHECK(silent[1].series_id == "quiet");
  CHECK(reopened->silent(100000, 3, 0, "e", 10).value().size() == 1); // paged
  CHECK(reopened->silent(100000, 3, 90000, "", 10).value().empty());  // the saved cadence's lag
  CHECK(reopened->silent(100000, 100, 0, "", 10).value().empty());
}
