// The store's data lifecycle on real SQLite files: deletions and numbering,
// pruning, the series quota, a full file, reclaimed space, expiry, backups.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "actors/persistence/store.hpp"
#include "tests/temp_dir.hpp"

using model::commit_item;
using model::sync_mode;
using persistence::store;

namespace {

/// A fit of `n` points around `mean` (8 + 8 bytes each in the points table).
commit_item item(const std::string& id, double mean = 1.0, std::size_t n = 3,
                 int64_t created_at_ms = 1700000000000) {
  commit_item c{id, {0, {static_cast<uint32_t>(n), mean, 0.5}, created_at_ms, {}, {}}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    c.data.timestamps.push_back(static_cast<int64_t>(i + 1));
    c.data.values.push_back(mean + (i % 3) - 1.0);
  }
  return c;
}

std::unique_ptr<store> open_rw(const std::string& path) {
  auto s = store::open(path, sync_mode::full, false);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.detail()));
  return std::move(s.value());
}

std::vector<uint32_t> numbers(store& db, const std::string& id) {
  std::vector<uint32_t> out;
  auto versions = db.versions(id);
  REQUIRE_MESSAGE(versions.ok(), (versions.ok() ? "" : versions.detail()));
  for (const auto& r : versions.value())
    out.push_back(r.version);
  return out;
}

/// Rows of `table` for `id`, through a separate connection.
int rows(const std::string& path, const std::string& table, const std::string& id) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  auto sql = "SELECT COUNT(*) FROM " + table + " WHERE series_id = ?1";
  REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  sqlite3_bind_text(s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int n = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return n;
}

int pragma(const std::string& path, const char* name) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, (std::string{"PRAGMA "} + name).c_str(), -1, &s, nullptr)
          == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return v;
}

/// The size of the store's file and its WAL together.
long long bytes_on_disk(const std::string& path) {
  long long total = 0;
  for (auto p : {path, path + "-wal"}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0)
      total += st.st_size;
  }
  return total;
}

} // namespace

TEST_CASE("store lifecycle: deleting a series removes every row; its next fit is version 1") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  REQUIRE(db->commit({item("a"), item("a"), item("b")}).ok());
  CHECK(db->trained_series() == 2);
  auto gone = db->delete_series("a");
  REQUIRE(gone.ok());
  REQUIRE(gone.value().has_value());
  CHECK(*gone.value() == 2);
  CHECK(db->trained_series() == 1);
  CHECK(db->series_count().value() == 1);
  for (const char* table : {"series", "versions", "points"})
    CHECK_MESSAGE(rows(path, table, "a") == 0, table);
  CHECK(rows(path, "versions", "b") == 1);
  CHECK_FALSE(db->delete_series("a").value().has_value()); // nothing left to delete
  CHECK_FALSE(db->delete_series("never").value().has_value());
  CHECK(db->commit({item("a")}).value() == std::vector<uint32_t>{1});
  db.reset();
  CHECK(numbers(*open_rw(path), "a") == std::vector<uint32_t>{1});
}

TEST_CASE("store lifecycle: deleting versions keeps the others' numbers and never reuses one") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  REQUIRE(db->commit({item("s", 1), item("s", 2), item("s", 3)}).ok());
  CHECK(db->delete_version("s", 2).value());
  CHECK_FALSE(db->delete_version("s", 2).value());
  CHECK_FALSE(db->delete_version("s", 9).value());
  CHECK(rows(path, "points", "s") == 2);
  CHECK(numbers(*db, "s") == std::vector<uint32_t>{1, 3});
  CHECK(db->delete_version("s", 3).value()); // the latest: its number stays used
  CHECK(db->commit({item("s")}).value() == std::vector<uint32_t>{4});
  // Emptied one version at a time: no longer trained, numbering kept.
  CHECK(db->delete_version("s", 1).value());
  CHECK(db->delete_version("s", 4).value());
  CHECK(db->trained_series() == 0);
  CHECK(db->series_count().value() == 0);
  CHECK(numbers(*db, "s").empty());
  db.reset();
  db = open_rw(path); // across a reopen too
  CHECK(db->trained_series() == 0);
  CHECK(db->commit({item("s")}).value() == std::vector<uint32_t>{5});
  CHECK(db->trained_series() == 1);
  // Deleting the whole series resets it.
  CHECK(*db->delete_series("s").value() == 1);
  CHECK(db->commit({item("s")}).value() == std::vector<uint32_t>{1});
}

TEST_CASE("store lifecycle: a series emptied one version at a time can be deleted whole") {
  testing::temp_dir dir;
  auto db = open_rw(dir.path + "/m.db");
  REQUIRE(db->commit({item("e"), item("e")}).ok());
  REQUIRE(db->delete_version("e", 1).value());
  REQUIRE(db->delete_version("e", 2).value());
  auto gone = db->delete_series("e").value();
  REQUIRE(gone.has_value()); // it existed (its numbering)
  CHECK(*gone == 0);
  CHECK(db->commit({item("e")}).value() == std::vector<uint32_t>{1});
}

TEST_CASE("store lifecycle: max_versions prunes the oldest versions in the fit's transaction") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  db->set_limits(3, 0);
  for (int i = 1; i <= 5; ++i)
    REQUIRE(db->commit({item("p", i)}).ok());
  CHECK(numbers(*db, "p") == std::vector<uint32_t>{3, 4, 5});
  CHECK(rows(path, "points", "p") == 3);
  CHECK(db->versions("p").value().front().stats.mean == 3);
  // Several fits of one series in one transaction, and with gaps from deletions.
  REQUIRE(db->delete_version("p", 4).value());
  REQUIRE(db->commit({item("p", 6), item("p", 7), item("q")}).ok());
  CHECK(numbers(*db, "p") == std::vector<uint32_t>{5, 6, 7});
  CHECK(rows(path, "points", "p") == 3);
  CHECK(numbers(*db, "q") == std::vector<uint32_t>{1});
}

TEST_CASE("store lifecycle: past max_series a new series is refused; existing ones go on") {
  testing::temp_dir dir;
  auto db = open_rw(dir.path + "/m.db");
  db->set_limits(0, 2);
  // The limit holds inside one transaction too.
  auto r = db->commit({item("a"), item("b"), item("c"), item("a")});
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<uint32_t>{1, 1, store::over_quota, 2});
  CHECK(db->trained_series() == 2);
  CHECK(rows(dir.path + "/m.db", "series", "c") == 0);
  REQUIRE(db->delete_series("b").ok());
  CHECK(db->commit({item("c")}).value() == std::vector<uint32_t>{1});
  CHECK(db->commit({item("d")}).value() == std::vector<uint32_t>{store::over_quota});
}

TEST_CASE("store lifecycle: a full file fails the transaction as full; nothing committed is lost") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  REQUIRE(db->commit({item("a", 1, 100)}).ok());
  db->set_max_pages_for_tests(static_cast<uint64_t>(pragma(path, "page_count")) + 40);
  std::vector<uint32_t> stored;
  bool full = false;
  for (int i = 0; i < 50 && !full; ++i) {
    auto r = db->commit({item("a", 2 + i, 2000)}); // 32 KB of points each
    if (r.ok()) {
      stored.push_back(r.value()[0]);
      continue;
    }
    full = true;
    CHECK(r.error().full);
    CHECK(r.detail().find("full") != std::string::npos);
  }
  REQUIRE(full);
  REQUIRE(!stored.empty());
  std::vector<uint32_t> expected{1};
  expected.insert(expected.end(), stored.begin(), stored.end());
  CHECK(numbers(*db, "a") == expected);
  // A deletion still commits, and gives its pages back: fits go on.
  REQUIRE(db->delete_series("a").ok());
  CHECK(db->commit({item("b", 1, 100)}).ok());
  db.reset();
  auto again = open_rw(path);
  CHECK(numbers(*again, "a").empty());
  CHECK(numbers(*again, "b") == std::vector<uint32_t>{1});
  MESSAGE(stored.size(), " fits stored before the file was full");
}

TEST_CASE("store lifecycle: a new store gives deleted pages back; an old one is converted once") {
  testing::temp_dir dir;
  auto fill = [](store& db, int series) {
    for (int i = 0; i < series; ++i)
      REQUIRE(db.commit({item("s" + std::to_string(i), i, 4000)}).ok()); // 64 KB each
  };
  SUBCASE("new") {
    auto path = dir.path + "/new.db";
    auto db = open_rw(path);
    CHECK(pragma(path, "auto_vacuum") == 2);
    fill(*db, 100);
    db.reset();
    auto before = bytes_on_disk(path); // closed: the WAL is checkpointed into the file
    db = open_rw(path);
    for (int i = 0; i < 50; ++i)
      REQUIRE(db->delete_series("s" + std::to_string(i)).ok());
    db.reset();
    auto after = bytes_on_disk(path);
    MESSAGE("100 series of 4,000 points: ", before, " bytes; after deleting 50: ", after);
    CHECK(after < before * 6 / 10);
  }
  SUBCASE("written before auto_vacuum") {
    auto path = dir.path + "/old.db";
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
      REQUIRE(sqlite3_exec(raw, "PRAGMA auto_vacuum=NONE; CREATE TABLE x(y)", nullptr, nullptr,
                           nullptr) == SQLITE_OK);
      sqlite3_close(raw);
    }
    CHECK(pragma(path, "auto_vacuum") == 0);
    open_rw(path);
    CHECK(pragma(path, "auto_vacuum") == 2);
  }
}

TEST_CASE("store lifecycle: expired lists series not used since a cutoff, a page at a time") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  REQUIRE(db->commit({item("old1", 1, 3, 1000), item("old2", 1, 3, 2000),
                      item("new", 1, 3, 9000)}).ok());
  // A predict's checkpoint moves a series' last activity.
  REQUIRE(db->save_states({{"old2", 1, {}, false, 9500, 3, 1.0}}).ok());
  auto reader = store::open(path, sync_mode::full, true);
  REQUIRE(reader.ok());
  CHECK(reader.value()->expired(5000, "", 10).value() == std::vector<std::string>{"old1"});
  CHECK(reader.value()->expired(9800, "", 10).value()
        == std::vector<std::string>{"new", "old1", "old2"});
  CHECK(reader.value()->expired(9800, "", 1).value() == std::vector<std::string>{"new"});
  CHECK(reader.value()->expired(9800, "new", 1).value() == std::vector<std::string>{"old1"});
}

TEST_CASE("store lifecycle: a backup is a consistent store that opens with every version") {
  testing::temp_dir dir;
  auto path = dir.path + "/m.db";
  auto db = open_rw(path);
  REQUIRE(db->commit({item("a", 1), item("a", 2), item("b", 3)}).ok());
  auto reader = store::open(path, sync_mode::full, true);
  REQUIRE(reader.ok());
  // Written while the writer holds an open transaction of its own.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE; DELETE FROM versions;", nullptr, nullptr, nullptr)
          == SQLITE_OK);
  auto copy_path = dir.path + "/copy.db";
  auto size = reader.value()->backup_to(copy_path);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  REQUIRE_MESSAGE(size.ok(), (size.ok() ? "" : size.detail()));
  CHECK(size.value() > 0);
  struct stat st {};
  CHECK(::stat((copy_path + ".part").c_str(), &st) != 0); // renamed into place
  auto copy = open_rw(copy_path);
  CHECK(numbers(*copy, "a") == std::vector<uint32_t>{1, 2});
  CHECK(copy->versions("b").value().at(0).stats.mean == 3);
  CHECK(copy->points("a", 2).value()->values.size() == 3);
  CHECK(copy->commit({item("a")}).value() == std::vector<uint32_t>{3});
}
