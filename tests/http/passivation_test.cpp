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

/// What series `id` has learned, as an explained predict that teaches nothing.
std::string learned_state(httplib::Client& c, const std::string& id) {
  return testing::answer(c.Post(("/predict/" + id + "?explain=true&learn=false").c_str(),
                                R"({"timestamp":"9","value":0})", json)).body;
}

/// Fits `id` with an online detector (ewma), teaches it three points, and
/// returns what it learned.
std::string fit_and_teach(httplib::Client& c, const std::string& id) {
  REQUIRE(testing::answer(c.Post(("/fit/" + id).c_str(), R"({"timestamps":[1,2,3,4],"values":[10,11,10,12],"detector":{"type":"ewma","alpha":0.5}})", json)).status == 200);
  for (double v : {20.0, 25.0, 30.0})
    REQUIRE(testing::answer(c.Post(("/predict/" + id).c_str(), R"({"timestamp":"9","value":)" + std::to_string(v) + "}", json)).status == 200);
  return learned_state(c, id);
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
  // Passivated actors exit once their last checkpoint is stored: the count
  // settles back to the cap.
  for (int i = 0; i < 500 && counters.active.load() > 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(counters.active.load() <= 8);
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

TEST_CASE("passivation: predicts on never-trained ids push no trained series out") {
  // 60 series fill a server that holds at most 100; then 3,000 predicts on
  // ids nobody trained. Each unknown id is answered 404, remembered as
  // absent, and never takes the place of a trained series.
  http::server_config cfg;
  cfg.router_shards = 1;
  cfg.max_active_series = 100;
  cfg.park_after_ms = 0; // "starts no actor" below: parked series would start one
  testing::live_server server{cfg};
  auto c = server.client();
  const auto& counters = server.svc->context().series;
  for (int i = 0; i < 60; ++i)
    REQUIRE(testing::answer(c.Post(("/fit/real" + std::to_string(i)).c_str(),
                                   testing::fit_body(6, 25), json)).status == 200);
  auto activations = counters.activations.load();
  for (int i = 0; i < 3000; ++i)
    REQUIRE(testing::answer(c.Post(("/predict/ghost" + std::to_string(i)).c_str(),
                                   R"({"timestamp":"1","value":1})", json)).status == 404);
  auto ghost_actors = counters.activations.load() - activations;
  MESSAGE("actors started for 3,000 unknown ids: ", ghost_actors);
  // Asked again, they are answered from the shard's memory: no actor at all.
  activations = counters.activations.load();
  for (int i = 0; i < 3000; i += 10)
    CHECK(testing::answer(c.Post(("/predict/ghost" + std::to_string(i)).c_str(),
                                 R"({"timestamp":"1","value":1})", json)).status == 404);
  CHECK(counters.activations.load() == activations);
  // Every trained series is still in memory: predicting them starts no actor.
  for (int i = 0; i < 60; ++i)
    CHECK(predict(c, "real" + std::to_string(i), 1) == R"(200 {"anomaly":false,"model_version":"1"})");
  CHECK(counters.activations.load() == activations);
  // A fit of a remembered id is not refused, and the id then exists.
  REQUIRE(testing::answer(c.Post("/fit/ghost7", testing::fit_body(6, 25), json)).status == 200);
  CHECK(predict(c, "ghost7", 1) == R"(200 {"anomaly":false,"model_version":"1"})");
}

TEST_CASE("passivation: a series started again while its last checkpoint is still on its way "
          "reads that checkpoint, not an older state") {
  // One shard holding two series; every transaction takes 1.5 s (a test hook).
  // Series "a" learns (ewma) without periodic checkpoints. A fit of "slow"
  // keeps the writer inside its transaction; meanwhile a fit of "b" passes the
  // cap and "a", least recently used, is passivated: its checkpoint waits
  // behind that transaction. Were "a" to exit before its checkpoint is stored,
  // the actor started by the next request would load the state of the fit,
  // and the learning would be lost.
  http::server_config cfg;
  cfg.router_shards = 1;
  cfg.max_active_series = 2;
  cfg.checkpoint_points = 1000000;
  cfg.checkpoint_interval_ms = 86400000;
  cfg.test_commit_delay_ms = 1500;
  cfg.park_after_ms = 0; // passivated by the cap, not parked (parking keeps the state in memory)
  testing::live_server server{cfg};
  auto c = server.client();
  auto learned = fit_and_teach(c, "a");
  const auto& counters = server.svc->context().series;
  auto fit = [&server](const char* path) {
    return std::async(std::launch::async, [&server, path] {
      return testing::status_of(server.client().Post(path, testing::fit_body(), json));
    });
  };
  auto slow = fit("/fit/slow");
  REQUIRE(testing::wait_for_in_flight(c, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // inside its transaction
  auto b = fit("/fit/b");
  // Wait until "a" has exited (slow and b remain), then ask for it again.
  for (int i = 0; i < 5000 && !(counters.passivations.load() >= 1 && counters.active.load() == 2); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(learned_state(c, "a") == learned);
  CHECK(slow.get() == 200);
  CHECK(b.get() == 200);
}

namespace {

template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) { // 20 s: parking waits 2 s, then a tick
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

} // namespace

TEST_CASE("passivation: an idle series is parked: its actor exits, its state stays, and the "
          "next request starts an actor from it without a store read") {
  http::server_config cfg;
  cfg.router_shards = 1;
  cfg.park_after_ms = 2000;
  cfg.checkpoint_points = 1000000; // the learning below is stored only when the series parks
  cfg.checkpoint_interval_ms = 86400000;
  testing::live_server server{cfg};
  auto c = server.client();
  const auto& counters = server.svc->context().series;
  auto learned = fit_and_teach(c, "pk");
  REQUIRE(eventually([&] { return counters.parked.load() == 1 && counters.active.load() == 0; }));
  auto activations = counters.activations.load();
  auto unparked = counters.unparked.load();
  // The learning since the fit is kept, and the actor started from the parked state.
  CHECK(learned_state(c, "pk") == learned);
  CHECK(counters.activations.load() == activations + 1);
  CHECK(counters.unparked.load() == unparked + 1);
  CHECK(counters.parked.load() == 0);
  CHECK(counters.active.load() == 1);
  // Fits continue the numbering; the series parks again once idle.
  CHECK(testing::answer(c.Post("/fit/pk", testing::fit_body(), json)).body
        == R"({"series_id":"pk","version":"2","points_used":6})");
  CHECK(eventually([&] { return counters.parked.load() == 1 && counters.active.load() == 0; }));
  CHECK(predict(c, "pk", 1).rfind("200 ", 0) == 0);
}

TEST_CASE("passivation: parked series count under max-active-series; past it parked series "
          "leave memory before live ones, and still answer from the store") {
  http::server_config cfg;
  cfg.router_shards = 1;
  cfg.max_active_series = 4;
  cfg.park_after_ms = 2000;
  testing::live_server server{cfg};
  auto c = server.client();
  const auto& counters = server.svc->context().series;
  for (int i = 0; i < 4; ++i)
    REQUIRE(testing::answer(c.Post(("/fit/s" + std::to_string(i)).c_str(), testing::fit_body(6, 25), json)).status == 200);
  REQUIRE(eventually([&] { return counters.parked.load() == 4; }));
  // s0..s2 start again from their parked state; s3 stays parked.
  auto unparked = counters.unparked.load();
  for (int i = 0; i < 3; ++i)
    CHECK(predict(c, "s" + std::to_string(i), 1) == R"(200 {"anomaly":false,"model_version":"1"})");
  CHECK(counters.unparked.load() == unparked + 3);
  // A fifth series passes the cap: parked s3 leaves memory, no live series is passivated.
  auto passivations = counters.passivations.load();
  REQUIRE(testing::answer(c.Post("/fit/s4", testing::fit_body(6, 25), json)).status == 200);
  CHECK(eventually([&] { return counters.parked.load() == 0; }));
  CHECK(counters.passivations.load() == passivations);
  CHECK(counters.active.load() == 4);
  // s3 is read from the store again, not from a parked state.
  CHECK(predict(c, "s3", 1) == R"(200 {"anomaly":false,"model_version":"1"})");
  CHECK(counters.unparked.load() == unparked + 3);
}
