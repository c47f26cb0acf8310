#include <doctest/doctest.h>

#include <future>

#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

std::string predict(httplib::Client& c, const std::string& id, int version) {
  auto r = c.Post(("/predict/" + id + "?version=" + std::to_string(version)).c_str(),
                  R"({"timestamp":"1","value":25.05})", json);
  return r ? std::to_string(r->status) + " " + r->body : "no answer";
}

} // namespace

TEST_CASE("passivation: active series stay at max-active-series; every series still answers") {
  http::server_config cfg;
  cfg.router_shards = 2;
  cfg.max_active_series = 8; // 4 per shard
  testing::live_server server{cfg};
  auto c = server.client();
  const auto& counters = server.svc->context().series;
  for (int i = 0; i < 40; ++i) {
    auto id = "p" + std::to_string(i);
    REQUIRE(testing::answer(c.Post(("/fit/" + id).c_str(), testing::fit_body(6, 10), json)).status == 200);
    REQUIRE(testing::answer(c.Post(("/fit/" + id).c_str(), testing::fit_body(6, 25), json)).status == 200);
    CHECK(counters.active.load() <= 8 + 1); // + at most one draining per shard momentarily
  }
  CHECK(counters.passivations.load() >= 30);
  for (int i = 0; i < 40; ++i) {
    auto id = "p" + std::to_string(i);
    CHECK(predict(c, id, 1) == R"(200 {"anomaly":true,"model_version":"1"})");
    CHECK(predict(c, id, 2) == R"(200 {"anomaly":false,"model_version":"2"})");
  }
  CHECK(counters.active.load() <= 8 + 2);
  // Reactivated series continue their numbering.
  auto r = testing::answer(c.Post("/fit/p0", testing::fit_body(), json));
  CHECK(r.body == R"({"series_id":"p0","version":"3","points_used":6})");
}

TEST_CASE("passivation: concurrent requests while series are evicted are neither lost nor errored") {
  http::server_config cfg;
  cfg.router_shards = 1;
  cfg.max_active_series = 2;
  testing::live_server server{cfg};
  for (int i = 0; i < 6; ++i)
    REQUIRE(testing::answer(server.client().Post(("/fit/q" + std::to_string(i)).c_str(), testing::fit_body(6, 25),
                                 json)).status == 200);
  std::vector<std::future<int>> calls;
  for (int t = 0; t < 12; ++t)
    calls.push_back(std::async(std::launch::async, [&server, t] {
      auto c = server.client();
      int ok = 0;
      for (int i = 0; i < 30; ++i) {
        auto id = "q" + std::to_string((t + i) % 6);
        if (i % 5 == 0)
          ok += testing::status_of(c.Post(("/fit/" + id).c_str(), testing::fit_body(6, 25), json))
                == 200;
        else
          ok += predict(c, id, 1).rfind("200 ", 0) == 0;
      }
      return ok;
    }));
  for (auto& f : calls)
    CHECK(f.get() == 30);
  // 6 series x (1 + 12*6/6 fits) versions in total, each series numbered without gaps
  int total = 0;
  auto c = server.client();
  for (int i = 0; i < 6; ++i) {
    auto r = testing::answer(c.Post(("/fit/q" + std::to_string(i)).c_str(), testing::fit_body(), json));
    REQUIRE(r.status == 200);
    total += std::stoi(r.body.substr(r.body.find("\"version\":\"") + 11));
  }
  CHECK(total == 6 + 12 * 6 + 6);
}

TEST_CASE("passivation: idle series leave memory and come back on the next request") {
  http::server_config cfg;
  cfg.idle_timeout_s = 1;
  testing::live_server server{cfg};
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/idle", testing::fit_body(6, 25), json)).status == 200);
  const auto& counters = server.svc->context().series;
  CHECK(counters.active.load() == 1);
  for (int i = 0; i < 100 && counters.active.load() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(counters.active.load() == 0);
  CHECK(predict(c, "idle", 1) == R"(200 {"anomaly":false,"model_version":"1"})");
  CHECK(counters.active.load() == 1);
}
