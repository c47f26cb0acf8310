#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support.hpp"

TEST_CASE("concurrency: 20 parallel fits of one series get 20 distinct consecutive versions") {
  testing::live_server server;
  std::vector<std::future<std::pair<int, std::string>>> calls;
  for (int i = 0; i < 20; ++i)
    calls.push_back(std::async(std::launch::async, [&server, i] {
      auto r = server.client().Post("/fit/shared", testing::fit_body(6, i), "application/json");
      return r ? std::make_pair(r->status, r->body) : std::make_pair(-1, std::string{});
    }));
  std::set<int> versions;
  for (auto& f : calls) {
    auto [status, body] = f.get();
    REQUIRE(status == 200);
    versions.insert(testing::version_in(body));
  }
  CHECK(versions.size() == 20);
  CHECK(*versions.begin() == 1);
  CHECK(*versions.rbegin() == 20);
}

TEST_CASE("concurrency: 100 series fitted in parallel all succeed and all predict") {
  testing::live_server server;
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 100; ++i)
    calls.push_back(std::async(std::launch::async, [&server, i] {
      auto c = server.client();
      auto id = "/s" + std::to_string(i);
      auto fit = c.Post(("/fit" + id).c_str(), testing::fit_body(6, 10 + i % 5),
                        "application/json");
      if (!fit || fit->status != 200)
        return fit ? fit->status : -1;
      auto p = c.Post(("/predict" + id + "?version=1").c_str(),
                      R"({"timestamp":"1705001000","value":10.5})", "application/json");
      return p ? p->status : -1;
    }));
  int ok = 0;
  for (auto& f : calls)
    ok += f.get() == 200;
  CHECK(ok == 100);
  auto h = testing::answer(server.client().Get("/healthcheck"));
  CHECK(h.body.find(R"("series_trained":100)") != std::string::npos);
}

TEST_CASE("concurrency: a refused commit fails only its own fit; versions stay contiguous") {
  testing::live_server server;
  REQUIRE(testing::answer(server.client().Post("/fit/p", testing::fit_body(), "application/json"))
            .status
          == 200);
  // The database refuses every version trained on 7 points (a trigger stands
  // in for any per-item failure), while 8 clients fit one series at once.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((server.dir.path + "/data/models.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TRIGGER refuse_seven BEFORE INSERT ON versions "
                       "WHEN NEW.points_used = 7 BEGIN SELECT RAISE(ABORT, 'refused'); END",
                       nullptr, nullptr, nullptr)
          == SQLITE_OK);
  sqlite3_close(db);
  std::mutex mtx;
  std::vector<int> versions;
  std::atomic<int> poison_ok{0}, poison_refused{0}, good_failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      auto c = server.client();
      for (int i = 0; i < 20; ++i) {
        bool poison = (t + i) % 4 == 0;
        auto r = c.Post("/fit/p", testing::fit_body(poison ? 7 : 6, t * 100 + i), "application/json");
        int status = testing::status_of(r);
        if (poison) {
          (status == 200 ? poison_ok : poison_refused)++;
        } else if (status != 200) {
          ++good_failed;
        } else {
          std::lock_guard<std::mutex> g{mtx};
          versions.push_back(testing::version_in(r->body));
        }
      }
    });
  for (auto& t : clients)
    t.join();
  CHECK(poison_ok == 0);
  CHECK(poison_refused == 40);
  CHECK(good_failed == 0); // no fit behind a failed one is failed with it
  std::sort(versions.begin(), versions.end());
  REQUIRE(versions.size() == 120);
  for (std::size_t i = 0; i < versions.size(); ++i)
    CHECK(versions[i] == static_cast<int>(i) + 2); // distinct, contiguous after version 1
  auto listing = testing::answer(server.client().Get("/series/p?limit=10000"));
  CHECK(listing.body.find(R"("version":"121")") != std::string::npos);
  CHECK(listing.body.find(R"("version":"122")") == std::string::npos);
}
