// Data that can be deleted, against the real in-process server and its SQLite
// file: deletion of series and versions, numbering, durability, pruning, the
// series quota, time to live, a full store, reclaimed space, online backup.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>

#include <rapidjson/document.h>

#include "actors/persistence/store.hpp"
#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

/// The version numbers GET /series/{id} lists (all of them), or {} on a 404.
std::vector<int> listed(httplib::Client& c, const std::string& id) {
  auto r = testing::answer(c.Get(("/series/" + id + "?limit=10000").c_str()));
  if (r.status == 404)
    return {};
  REQUIRE(r.status == 200);
  std::vector<int> out;
  for (const auto& v : parse(r.body)["versions"].GetArray())
    out.push_back(std::stoi(v["version"].GetString()));
  return out;
}

int fit(httplib::Client& c, const std::string& id, int points = 6, double base = 10) {
  auto r = testing::answer(c.Post(("/fit/" + id).c_str(), testing::fit_body(points, base), json));
  return r.status == 200 ? testing::version_in(r.body) : -r.status;
}

int status(httplib::Result r) {
  return testing::answer(r).status;
}

int series_trained(httplib::Client& c) {
  return parse(testing::answer(c.Get("/healthcheck")).body)["series_trained"].GetInt();
}

long long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}

std::string store_path(const testing::live_server& s) {
  return s.cfg.values.data_dir + "/models.db";
}

/// Polls `done` every 50 ms for at most 30 s.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 600; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace

TEST_CASE("lifecycle: DELETE /series/{id} removes every version; it answers 404 and its next fit is version 1") {
  testing::live_server server;
  auto c = server.client();
  for (int i = 0; i < 3; ++i)
    REQUIRE(fit(c, "gone") == i + 1);
  REQUIRE(fit(c, "kept") == 1);
  CHECK(series_trained(c) == 2);
  auto deleted = testing::answer(c.Delete("/series/gone"));
  CHECK(deleted.status == 200);
  CHECK(deleted.body == R"({"series_id":"gone","deleted_versions":3})");
  CHECK(series_trained(c) == 1);
  for (auto* path : {"/series/gone", "/plot?series_id=gone", "/plot?series_id=gone&version=2"})
    CHECK_MESSAGE(status(c.Get(path)) == 404, path);
  CHECK(status(c.Post("/predict/gone", R"({"timestamp":"1","value":1})", json)) == 404);
  CHECK(status(c.Delete("/series/gone")) == 404);
  CHECK(status(c.Delete("/series/never")) == 404);
  // Gone from the store file too: versions, points, cadence.
  {
    auto db = persistence::store::open(store_path(server), model::sync_mode::full, true);
    REQUIRE(db.ok());
    CHECK(db.value()->versions("gone").value().empty());
    CHECK_FALSE(db.value()->points("gone", 1).value().has_value());
    CHECK_FALSE(db.value()->cadence("gone").value().has_value());
    CHECK(db.value()->versions("kept").value().size() == 1);
  }
  CHECK(fit(c, "gone") == 1);
  CHECK(listed(c, "gone") == std::vector<int>{1});
  CHECK(series_trained(c) == 2);
}

TEST_CASE("lifecycle: deleting one version keeps the others' numbers; the next fit is the highest + 1") {
  testing::live_server server;
  auto c = server.client();
  for (int i = 1; i <= 4; ++i)
    REQUIRE(fit(c, "v", 6, 10.0 * i) == i);
  auto deleted = testing::answer(c.Delete("/series/v/versions/2"));
  CHECK(deleted.status == 200);
  CHECK(deleted.body == R"({"series_id":"v","version":"2","deleted_versions":1})");
  CHECK(listed(c, "v") == std::vector<int>{1, 3, 4});
  CHECK(status(c.Post("/predict/v?version=2", R"({"timestamp":"1","value":1})", json)) == 404);
  CHECK(status(c.Get("/plot?series_id=v&version=2")) == 404);
  CHECK(status(c.Delete("/series/v/versions/2")) == 404);
  // Version 3 is still version 3 (its own statistics), across the gap.
  auto p = testing::answer(c.Post("/predict/v?version=v3", R"({"timestamp":"1","value":30.1})", json));
  CHECK(p.body == R"({"anomaly":false,"model_version":"3"})");
  CHECK(testing::answer(c.Get("/plot?series_id=v&version=3")).body.find("version 3")
        != std::string::npos);
  // Pages run across the gap.
  auto page = parse(testing::answer(c.Get("/series/v?limit=1&after=1")).body);
  CHECK(std::string{page["versions"][0]["version"].GetString()} == "3");
  CHECK(std::string{page["next"].GetString()} == "3");
  // Deleting the latest: the one before becomes latest, the number is not reused.
  REQUIRE(status(c.Delete("/series/v/versions/4")) == 200);
  p = testing::answer(c.Post("/predict/v", R"({"timestamp":"1","value":30.1})", json));
  CHECK(p.body == R"({"anomaly":false,"model_version":"3"})");
  CHECK(fit(c, "v") == 5);
  // Every version deleted one by one: the series answers 404, the numbering goes on.
  for (int v : {1, 3, 5})
    REQUIRE(status(c.Delete(("/series/v/versions/" + std::to_string(v)).c_str())) == 200);
  CHECK(status(c.Get("/series/v")) == 404);
  CHECK(series_trained(c) == 0);
  CHECK(fit(c, "v") == 6);
  CHECK(series_trained(c) == 1);
  for (auto* bad : {"/series/v/versions/0", "/series/v/versions/latest", "/series/v/versions/x",
                    "/series/v/versions/-1", "/series/bad%20id/versions/1"})
    CHECK_MESSAGE(status(c.Delete(bad)) == 422, bad);
}

TEST_CASE("lifecycle: a deletion answered 200 is durable; the numbering survives a restart") {
  testing::live_server server;
  auto c = server.client();
  for (int i = 0; i < 3; ++i)
    REQUIRE(fit(c, "d") > 0);
  REQUIRE(fit(c, "e") == 1);
  REQUIRE(status(c.Delete("/series/d/versions/3")) == 200);
  REQUIRE(status(c.Delete("/series/e")) == 200);
  server.restart();
  auto c2 = server.client();
  CHECK(listed(c2, "d") == std::vector<int>{1, 2});
  CHECK(status(c2.Get("/series/e")) == 404);
  CHECK(fit(c2, "d") == 4);
  CHECK(fit(c2, "e") == 1);
}

TEST_CASE("lifecycle: store.max-versions-per-series prunes the oldest in the fit's transaction") {
  http::server_config v;
  v.max_versions_per_series = 3;
  testing::live_server server{v};
  auto c = server.client();
  for (int i = 1; i <= 5; ++i)
    REQUIRE(fit(c, "p", 6, i) == i);
  CHECK(listed(c, "p") == std::vector<int>{3, 4, 5});
  CHECK(status(c.Post("/predict/p?version=2", R"({"timestamp":"1","value":1})", json)) == 404);
  CHECK(status(c.Get("/plot?series_id=p&version=2")) == 404);
  {
    auto db = persistence::store::open(store_path(server), model::sync_mode::full, true);
    REQUIRE(db.ok());
    CHECK(db.value()->versions("p").value().size() == 3);
    CHECK_FALSE(db.value()->points("p", 2).value().has_value());
  }
  server.restart();
  auto c2 = server.client();
  CHECK(listed(c2, "p") == std::vector<int>{3, 4, 5});
  CHECK(fit(c2, "p") == 6);
  CHECK(listed(c2, "p") == std::vector<int>{4, 5, 6});
}

TEST_CASE("lifecycle: store.max-series refuses a new series with 507; existing series keep working") {
  http::server_config v;
  v.max_series = 2;
  testing::live_server server{v};
  auto c = server.client();
  REQUIRE(fit(c, "a") == 1);
  REQUIRE(fit(c, "b") == 1);
  auto refused = testing::answer(c.Post("/fit/c", testing::fit_body(), json));
  CHECK(refused.status == 507);
  CHECK(parse(refused.body)["detail"].GetString() != std::string{});
  CHECK(refused.body.find("store.max-series") != std::string::npos);
  CHECK(status(c.Get("/series/c")) == 404);
  CHECK(fit(c, "a") == 2);
  CHECK(status(c.Post("/predict/b", R"({"timestamp":"1","value":1})", json)) == 200);
  REQUIRE(status(c.Delete("/series/b")) == 200);
  CHECK(fit(c, "c") == 1);
  CHECK(fit(c, "d") == -507);
}

TEST_CASE("lifecycle: server.series-ttl-s deletes a series with no fit and no predict for that long") {
  http::server_config v;
  v.series_ttl_s = 2;
  testing::live_server server{v};
  auto c = server.client();
  REQUIRE(fit(c, "idle") == 1);
  REQUIRE(fit(c, "busy") == 1);
  // "busy" is predicted all along: only in memory, the store's copy of its
  // last activity is older (checkpoints come every 5 s), so the series actor
  // must be the one that says no.
  std::atomic<bool> go{true};
  std::atomic<int> failed{0};
  std::thread predictor{[&] {
    auto pc = server.client();
    while (go) {
      if (testing::status_of(pc.Post("/predict/busy", R"({"timestamp":"1","value":10})", json)) != 200)
        ++failed;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }};
  bool expired = eventually([&] { return status(c.Get("/series/idle")) == 404; });
  // Two more sweeps: "busy" is still there.
  auto deleted = [&] {
    auto m = testing::answer(c.Get("/metrics")).body;
    auto at = m.find("\nmodel_server_series_deleted_total ");
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + 35));
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  go = false;
  predictor.join();
  CHECK(expired);
  CHECK(failed == 0);
  CHECK(listed(c, "busy") == std::vector<int>{1});
  CHECK(deleted() == 1);
  CHECK(series_trained(c) == 1);
}

TEST_CASE("lifecycle: a full store answers 507 to fits; predicts and reads go on; nothing acknowledged is lost") {
  http::server_config v;
  v.test_max_pages = 200; // 800 KB with SQLite's 4 KB pages
  testing::live_server server{v};
  auto c = server.client();
  std::map<std::string, int> acked; // series -> its version 1 was acknowledged
  int refused = 0;
  for (int i = 0; i < 40 && refused < 3; ++i) {
    auto id = "big" + std::to_string(i);
    auto r = testing::answer(c.Post(("/fit/" + id).c_str(), testing::fit_body(4000, i), json));
    if (r.status == 200) {
      acked[id] = i;
      continue;
    }
    CHECK(r.status == 507);
    CHECK(r.body.find("no space") != std::string::npos);
    ++refused;
  }
  REQUIRE(refused == 3);
  REQUIRE(acked.size() >= 2);
  MESSAGE(acked.size(), " fits of 4,000 points stored before the store was full");
  for (const auto& [id, base] : acked) {
    CHECK(status(c.Post(("/predict/" + id).c_str(), R"({"timestamp":"1","value":1})", json)) == 200);
    CHECK(listed(c, id) == std::vector<int>{1});
  }
  CHECK(status(c.Get(("/plot?series_id=" + acked.begin()->first).c_str())) == 200);
  CHECK(status(c.Get("/healthcheck")) == 200);
  // Deleting makes room again: the freed pages go back at once.
  auto first = acked.begin()->first;
  REQUIRE(status(c.Delete(("/series/" + first).c_str())) == 200);
  acked.erase(first);
  CHECK(fit(c, "after", 4000) == 1);
  acked["after"] = 0;
  // Restarted without the limit: every acknowledged fit is there.
  auto values = server.cfg.values;
  values.test_max_pages = 0;
  server.shutdown();
  server.start(values);
  auto c2 = server.client();
  for (const auto& [id, base] : acked)
    CHECK_MESSAGE(listed(c2, id) == std::vector<int>{1}, id);
  CHECK(status(c2.Get(("/series/" + first).c_str())) == 404);
}

TEST_CASE("lifecycle: deleting half the series gives their space back to the file system") {
  testing::live_server server;
  auto c = server.client();
  constexpr int n = 200, points = 4000; // 64 KB of points per series
  for (int i = 0; i < n; ++i)
    REQUIRE(fit(c, "s" + std::to_string(i), points) == 1);
  auto path = store_path(server);
  server.restart(); // a clean stop checkpoints the WAL into the file
  auto before = file_size(path);
  auto c2 = server.client();
  for (int i = 0; i < n; i += 2)
    REQUIRE(status(c2.Delete(("/series/s" + std::to_string(i)).c_str())) == 200);
  auto live = file_size(path) + file_size(path + "-wal");
  auto values = server.cfg.values;
  server.shutdown();
  auto after = file_size(path);
  MESSAGE(n, " series of ", points, " points: ", before, " bytes; after deleting ", n / 2,
          " (server stopped): ", after, " bytes (", 100.0 * after / before,
          " %); while serving, file + WAL: ", live, " bytes");
  CHECK(after < before * 6 / 10);
  server.start(values);
  auto c3 = server.client();
  CHECK(series_trained(c3) == n / 2);
  CHECK(listed(c3, "s1") == std::vector<int>{1});
}

TEST_CASE("lifecycle: an online backup taken under a fit load holds every fit acknowledged before it") {
  testing::live_server server;
  struct ack {
    int version;
    double base;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::pair<std::string, int>, ack> acked;
  std::mutex mtx;
  std::atomic<bool> go{true};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      auto c = server.client();
      for (int i = 0; go; ++i) {
        auto id = "b" + std::to_string(t) + "_" + std::to_string(i % 5);
        double base = t * 1000 + i;
        auto r = c.Post(("/fit/" + id).c_str(), testing::fit_body(50, base), json);
        if (!r || r->status != 200)
          continue;
        auto now = std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> g{mtx};
        int version = testing::version_in(r->body);
        acked[{id, version}] = ack{version, base, now};
      }
    });
  auto c = server.client();
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> g{mtx};
    return acked.size() >= 50;
  }));
  auto started = std::chrono::steady_clock::now();
  auto taken = testing::answer(c.Post("/admin/backup", "", json));
  REQUIRE(taken.status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(200)); // fits go on after it
  go = false;
  for (auto& t : clients)
    t.join();
  auto d = parse(taken.body);
  std::string file = d["file"].GetString();
  MESSAGE("backup ", file, ": ", d["bytes"].GetUint64(), " bytes, ", d["series"].GetUint64(),
          " series, ", d["took_ms"].GetInt64(), " ms, taken under a load of 4 fitting clients");
  auto copy = server.cfg.values.data_dir + "/backups/" + file;
  REQUIRE(file_size(copy) == static_cast<long long>(d["bytes"].GetUint64()));
  // A second server on the copy.
  testing::live_server restored;
  auto values = restored.cfg.values;
  restored.shutdown();
  for (auto suffix : {"", "-wal", "-shm"})
    std::remove((values.data_dir + "/models.db" + suffix).c_str());
  {
    std::ifstream in{copy, std::ios::binary};
    std::ofstream out{values.data_dir + "/models.db", std::ios::binary};
    out << in.rdbuf();
  }
  restored.start(values);
  auto rc = restored.client();
  int before = 0, after = 0;
  for (const auto& [key, a] : acked) {
    if (a.at >= started) {
      ++after;
      continue;
    }
    ++before;
    auto p = testing::answer(rc.Post(("/predict/" + key.first + "?version=" + std::to_string(a.version)).c_str(),
                                     R"({"timestamp":"1","value":-1})", json));
    CHECK_MESSAGE(p.status == 200, key.first, " v", a.version, " missing from the backup");
  }
  // Every series in the copy is whole: its versions have their points (the plot draws them).
  for (int t = 0; t < 4; ++t)
    CHECK(status(rc.Get(("/plot?series_id=b" + std::to_string(t) + "_0").c_str())) == 200);
  MESSAGE(before, " fits acknowledged before the backup all answer on the copy (", after,
          " came after it)");
  CHECK(before >= 50);
  CHECK(parse(testing::answer(rc.Get("/healthcheck")).body)["series_trained"].GetInt()
        == static_cast<int>(d["series"].GetUint64()));
}
