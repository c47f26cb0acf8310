// Every row of the contract's error table, against the real server.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <sqlite3.h>

#include <atomic>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

/// Checks status and that the body is {"detail": "..."} mentioning `needle`.
void expect_error(const httplib::Response& r, int status, const std::string& needle) {
  CHECK(r.status == status);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE_MESSAGE(!d.HasParseError(), r.body);
  REQUIRE(d.IsObject());
  CHECK(d.MemberCount() == 1);
  REQUIRE(d.HasMember("detail"));
  REQUIRE(d["detail"].IsString());
  CHECK_MESSAGE(std::string{d["detail"].GetString()}.find(needle) != std::string::npos,
                d["detail"].GetString(), " lacks ", needle);
  CHECK(r.get_header_value("Content-Type") == json);
}

void expect_error(const httplib::Result& r, int status, const std::string& needle) {
  expect_error(testing::answer(r), status, needle);
}

} // namespace

TEST_CASE("errors: invalid bodies, fields and rules get 422 naming the field") {
  testing::live_server server;
  auto c = server.client();
  SUBCASE("fit") {
    expect_error(c.Post("/fit/s", "{not json", json), 422, "not valid JSON");
    expect_error(c.Post("/fit/s", "", json), 422, "not valid JSON");
    expect_error(c.Post("/fit/s", R"({"values":[1,2,3]})", json), 422, "timestamps");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2,3]})", json), 422, "values");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2,3],"values":["a",2,3]})", json), 422,
                 "values[0]");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2],"values":[1,2,3]})", json), 422,
                 "same length");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2],"values":[1,2]})", json), 422,
                 "at least 3");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,3,2],"values":[1,2,3]})", json), 422,
                 "strictly increasing");
    expect_error(c.Post("/fit/s", R"({"timestamps":[-1,2,3],"values":[1,2,3]})", json), 422,
                 "negative");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2,3],"values":[4,4,4]})", json), 422,
                 "equal");
    expect_error(c.Post("/fit/s", R"({"timestamps":[1,2,3],"values":[1,Infinity,3]})", json),
                 422, "not valid JSON");
  }
  SUBCASE("predict") {
    REQUIRE(testing::answer(c.Post("/fit/s", testing::fit_body(), json)).status == 200);
    expect_error(c.Post("/predict/s", "nope", json), 422, "not valid JSON");
    expect_error(c.Post("/predict/s", R"({"value":1})", json), 422, "timestamp");
    expect_error(c.Post("/predict/s", R"({"timestamp":"x1","value":1})", json), 422, "timestamp");
    expect_error(c.Post("/predict/s", R"({"timestamp":"1"})", json), 422, "value");
    expect_error(c.Post("/predict/s", R"({"timestamp":"1","value":"high"})", json), 422, "value");
    for (const char* v : {"v0", "abc", "-1", "1.5", "v", "V-1"})
      expect_error(c.Post((std::string{"/predict/s?version="} + v).c_str(),
                          R"({"timestamp":"1","value":1})", json),
                   422, "version");
  }
}

TEST_CASE("errors: bad series ids get 422") {
  testing::live_server server;
  auto c = server.client();
  const std::string body = testing::fit_body();
  expect_error(c.Post("/fit/", body, json), 422, "empty");
  expect_error(c.Post(("/fit/" + std::string(129, 'a')).c_str(), body, json), 422, "128");
  expect_error(c.Post("/fit/a%20b", body, json), 422, "may only contain");
  expect_error(c.Post("/fit/a%2Fb", body, json), 422, "may only contain");
  expect_error(c.Post("/fit/a..b", body, json), 422, "..");
  expect_error(c.Post("/predict/..", R"({"timestamp":"1","value":1})", json), 422, "..");
  expect_error(c.Get("/plot?series_id=a%20b"), 422, "may only contain");
  expect_error(c.Get("/plot"), 422, "series_id");
  CHECK(testing::answer(c.Post(("/fit/" + std::string(128, 'a')).c_str(), body, json)).status == 200);
}

TEST_CASE("errors: untrained series and missing versions get 404") {
  testing::live_server server;
  auto c = server.client();
  expect_error(c.Post("/predict/never", R"({"timestamp":"1","value":1})", json), 404,
               "not been trained");
  expect_error(c.Get("/plot?series_id=never"), 404, "not been trained");
  REQUIRE(testing::answer(c.Post("/fit/once", testing::fit_body(), json)).status == 200);
  expect_error(c.Post("/predict/once?version=2", R"({"timestamp":"1","value":1})", json), 404,
               "version 2");
  expect_error(c.Get("/plot?series_id=once&version=v7"), 404, "version 7");
}

TEST_CASE("errors: bodies over max_body_bytes get 413") {
  http::server_config cfg;
  cfg.max_body_bytes = 1024;
  testing::live_server server{cfg};
  auto c = server.client();
  std::string big = R"({"timestamps":[1,2,3],"values":[1,2,3],"pad":")" + std::string(2000, 'x')
                    + "\"}";
  expect_error(c.Post("/fit/s", big, json), 413, "larger than");
  CHECK(testing::answer(c.Post("/fit/s", testing::fit_body(), json)).status == 200);
}

TEST_CASE("errors: unknown paths get 404, wrong methods 405") {
  testing::live_server server;
  auto c = server.client();
  expect_error(c.Get("/nowhere"), 404, "no such endpoint");
  expect_error(c.Post("/healthcheck", "{}", json), 405, "GET");
  expect_error(c.Get("/fit/s"), 405, "POST");
  expect_error(c.Delete("/predict/s"), 405, "POST");
  expect_error(c.Put("/plot", "{}", json), 405, "GET");
  CHECK(testing::answer(c.Get("/fit/s")).get_header_value("Allow") == "POST");
}

TEST_CASE("errors: the store failing answers 503 with Retry-After, and predicts go on") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/ro", testing::fit_body(), json)).status == 200);
  // Another connection holds the write lock: the writer's transaction fails
  // once its busy timeout (10 s) runs out, as it would on a broken disk.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((server.dir.path + "/data/models.db").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto failed = testing::answer(c.Post("/fit/ro", testing::fit_body(6, 50), json));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  expect_error(failed, 503, "store");
  CHECK(failed.get_header_value("Retry-After") == "1");
  auto p = testing::answer(c.Post("/predict/ro", R"({"timestamp":"1","value":1})", json));
  CHECK(p.status == 200);
  // Versions continue without a gap once the store works again.
  auto next = testing::answer(c.Post("/fit/ro", testing::fit_body(), json));
  CHECK(next.body == R"({"series_id":"ro","version":"2","points_used":6})");
}

TEST_CASE("errors: work past its deadline is refused, not done late") {
  http::server_config cfg;
  cfg.request_timeout_ms = 2000;
  testing::live_server server{cfg};
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/late", testing::fit_body(), json)).status == 200);
  // Hold the store's write lock: fit A enters the transaction at once, well
  // before its deadline, and waits; fit B queues behind it, and the lock is
  // held until B's deadline has surely passed. No sleep races a deadline: the
  // waits are for states the server reports (A inside its transaction, B at
  // the server), then for B's deadline to pass.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((server.dir.path + "/data/models.db").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto a = std::async(std::launch::async, [&server] {
    return server.client().Post("/fit/late", testing::fit_body(6, 1), json);
  });
  REQUIRE(testing::wait_for_in_flight(c, 1));
  REQUIRE(testing::wait_for_metric_at_least(c, "model_server_store_transaction_fits", 1)); // A is in
  auto b = std::async(std::launch::async, [&server] {
    return server.client().Post("/fit/late", testing::fit_body(6, 2), json);
  });
  REQUIRE(testing::wait_for_in_flight(c, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500)); // past B's deadline
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  auto ra = a.get();
  auto rb = b.get();
  REQUIRE(ra);
  CHECK(ra->status == 200); // started in time: answered after its commit
  CHECK(ra->body == R"({"series_id":"late","version":"2","points_used":6})");
  expect_error(rb, 503, "deadline");
  // B never became a version: the next fit is 3, and the listing holds 1 and 2 only.
  auto list = testing::answer(c.Get("/series/late"));
  CHECK(list.body.find(R"("version":"3")") == std::string::npos);
  CHECK(testing::answer(c.Post("/fit/late", testing::fit_body(), json)).body
        == R"({"series_id":"late","version":"3","points_used":6})");
}

TEST_CASE("errors: a fit whose transaction outlasts its deadline is answered 504 (in doubt), "
          "never 503") {
  // Every transaction takes 3 s (a test hook: a slow disk), longer than the
  // 300 ms deadline plus the 1 s grace: the client is answered at that bound,
  // not later, and the answer says the outcome is unknown. It must not be 503,
  // which promises that nothing was stored: this fit is stored.
  http::server_config cfg;
  cfg.request_timeout_ms = 300;
  cfg.test_commit_delay_ms = 3000;
  testing::live_server server{cfg};
  auto c = server.client();
  c.set_keep_alive(true); // the late reply must not answer the next request on this connection
  auto start = std::chrono::steady_clock::now();
  auto fit = testing::answer(c.Post("/fit/slow", testing::fit_body(), json));
  MESSAGE("slow transaction answered after ",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          " s with ", fit.status);
  CHECK(fit.status == 504);
  CHECK(fit.body.find("may or may not be stored") != std::string::npos);
  // The transaction goes on and commits: version 1 is there once it has.
  bool stored = false;
  for (int i = 0; i < 300 && !stored; ++i) {
    stored = testing::answer(c.Get("/series/slow")).status == 200;
    if (!stored)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(stored);
  CHECK(testing::answer(c.Get("/series/slow")).body.find(R"("version":"1")") != std::string::npos);
}

TEST_CASE("errors: under random store stalls, 200 always means stored and 503 never does") {
  http::server_config cfg;
  cfg.request_timeout_ms = 400;
  testing::live_server server{cfg};
  std::atomic<bool> go{true};
  std::atomic<int> unavailable{0}, other{0};
  std::vector<std::map<std::string, int>> acked(6);
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t)
    clients.emplace_back([&, t] {
      auto c = server.client();
      for (int i = 0; go; ++i) {
        auto id = "stall" + std::to_string(t) + "_" + std::to_string(i % 3);
        int status = testing::status_of(c.Post(("/fit/" + id).c_str(), testing::fit_body(), json));
        if (status == 200)
          ++acked[static_cast<std::size_t>(t)][id];
        else
          (status == 503 ? unavailable : other)++;
      }
    });
  std::mt19937 rng{7};
  for (int stall = 0; stall < 6; ++stall) { // hold the write lock 0.2-1.2 s, six times
    testing::store_lock lock{server.dir.path + "/data/models.db"};
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1000));
    lock.release();
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
  }
  go = false;
  for (auto& t : clients)
    t.join();
  CHECK(other == 0);
  CHECK(unavailable > 0); // the stalls did refuse work
  auto c = server.client();
  int total = 0;
  for (const auto& per_client : acked)
    for (const auto& [id, k] : per_client) {
      total += k;
      auto listing = testing::answer(c.Get(("/series/" + id + "?limit=10000").c_str()));
      // Stored versions are exactly 1..K, K the number of 200 answers.
      CHECK_MESSAGE(listing.body.find("\"version\":\"" + std::to_string(k) + "\"")
                      != std::string::npos, id);
      CHECK_MESSAGE(listing.body.find("\"version\":\"" + std::to_string(k + 1) + "\"")
                      == std::string::npos, id);
    }
  MESSAGE(total, " fits acknowledged, ", unavailable.load(), " answered 503");
}
