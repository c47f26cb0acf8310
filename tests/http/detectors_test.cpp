// Detectors chosen at fit time, through the real server (HTTP, actors, SQLite).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include <rapidjson/document.h>

#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

/// A fit body with values 1, 2, 3, 4, 5 (mean 3, std 1.41421356) and `detector`.
std::string body_with(const std::string& detector) {
  return R"({"timestamps":[1,2,3,4,5],"values":[1,2,3,4,5],"detector":)" + detector + "}";
}

std::string predict(httplib::Client& c, const std::string& path, double value) {
  auto r = testing::answer(c.Post(path.c_str(), R"({"timestamp":"9","value":)" + std::to_string(value) + "}", json));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.body;
}

/// The points learned, as the state blob of version 1 in the store file says
/// (bytes 2..9, little-endian); -1 when unreadable.
int64_t learned_in_store(const std::string& path) {
  sqlite3* db = nullptr;
  int64_t learned = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT state FROM versions WHERE version = 1", -1, &s, nullptr)
          == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) >= 10) {
      auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(s, 0));
      learned = 0;
      for (int i = 0; i < 8; ++i)
        learned |= static_cast<int64_t>(b[2 + i]) << (8 * i);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return learned;
}

} // namespace

TEST_CASE("detectors: a fit chooses its detector; predicts judge by it, with explanations") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/z", body_with(R"({"type":"zscore","k":2,"direction":"lower"})"), json)).status == 200);
  // lower only: 3 - 2 * 1.414 = 0.17
  CHECK(predict(c, "/predict/z", 0) == R"({"anomaly":true,"model_version":"1"})");
  CHECK(predict(c, "/predict/z", 100) == R"({"anomaly":false,"model_version":"1"})");
  auto explained = parse(predict(c, "/predict/z?explain=true", 0));
  CHECK(explained["anomaly"].GetBool());
  CHECK(explained["model_version"] == "1");
  CHECK(explained["expected"].GetDouble() == doctest::Approx(3));
  CHECK(explained["score"].GetDouble() == doctest::Approx(-3 / 1.4142135623730951));
  CHECK(explained["lower"].GetDouble() == doctest::Approx(3 - 2 * 1.4142135623730951));
  CHECK(explained["upper"].IsNull());
  CHECK(explained["anomaly_score"].GetDouble() >= 1);
  CHECK(explained["side"] == "lower");
  CHECK(explained.MemberCount() == 8);
  auto normal = parse(predict(c, "/predict/z?explain=true", 100));
  CHECK(normal["anomaly_score"].GetDouble() < 1);
  CHECK_FALSE(normal.HasMember("side")); // only for an anomalous point
  // No detector: the contract's rule, and exactly the contract's keys.
  REQUIRE(testing::answer(c.Post("/fit/plain", testing::fit_body(6, 10), json)).status == 200);
  CHECK(predict(c, "/predict/plain", 100) == R"({"anomaly":true,"model_version":"1"})");
  auto plain = parse(predict(c, "/predict/plain?explain=1", 100));
  CHECK(plain["lower"].IsNull());
  CHECK(plain["upper"].IsNumber());
  CHECK(predict(c, "/predict/plain?explain=false", 100) == R"({"anomaly":true,"model_version":"1"})");
  auto bad = testing::answer(c.Post("/predict/plain?explain=maybe", R"({"timestamp":"9","value":1})", json));
  CHECK(bad.status == 422);
  CHECK(bad.body.find("explain") != std::string::npos);
}

TEST_CASE("detectors: mad fits flat series and repeated timestamps; the contract still refuses them") {
  testing::live_server server;
  auto c = server.client();
  const std::string flat = R"({"timestamps":[1,2,2,3],"values":[7,7,7,7])";
  auto refused = testing::answer(c.Post("/fit/f", flat + "}", json));
  CHECK(refused.status == 422);
  auto ok = testing::answer(c.Post("/fit/f", flat + R"(,"detector":{"type":"mad"}})", json));
  REQUIRE_MESSAGE(ok.status == 200, ok.body);
  CHECK(predict(c, "/predict/f", 7) == R"({"anomaly":false,"model_version":"1"})");
  CHECK(predict(c, "/predict/f", 7.5) == R"({"anomaly":true,"model_version":"1"})");
  auto floored = testing::answer(
    c.Post("/fit/f", flat + R"(,"detector":{"type":"mad","min_deviation":1}})", json));
  REQUIRE(floored.status == 200);
  CHECK(predict(c, "/predict/f", 7.5) == R"({"anomaly":false,"model_version":"2"})");
}

TEST_CASE("detectors: bad specs get 422 naming what is wrong, and store nothing") {
  testing::live_server server;
  auto c = server.client();
  struct bad_case {
    const char* detector;
    const char* needle;
  };
  for (auto [detector, needle] : {bad_case{R"("zscore")", "detector must be an object"},
                                  bad_case{R"({"k":2})", "string \\\"type"},
                                  bad_case{R"({"type":"holt"})", "detector.type"},
                                  bad_case{R"({"type":"zscore","kk":2})", "kk"},
                                  bad_case{R"({"type":"zscore","k":0})", "detector.k"},
                                  bad_case{R"({"type":"zscore","k":"2"})", "detector.k"},
                                  bad_case{R"({"type":"mad","direction":"up"})", "detector.direction"},
                                  bad_case{R"({"type":"mad","min_scale":-1})", "detector.min_scale"},
                                  bad_case{R"({"type":"contract","k":3})", "takes none"},
                                  bad_case{R"({"type":"range","window":1})", "detector.window must be between 2"},
                                  bad_case{R"({"type":"range","blocks":65})", "detector.blocks"},
                                  bad_case{R"({"type":"range","margin":-0.1})", "detector.margin"},
                                  bad_case{R"({"type":"range","smooth":0})", "detector.smooth"},
                                  bad_case{R"({"type":"range","k":3})", "detector range has no parameter"}}) {
    CAPTURE(detector);
    auto r = testing::answer(c.Post("/fit/bad", body_with(detector), json));
    CHECK(r.status == 422);
    CHECK(r.body.find(needle) != std::string::npos);
  }
  CHECK(testing::answer(c.Get("/series/bad")).status == 404);
}

TEST_CASE("detectors: /series shows each version's detector and bounds, across a restart") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/s", testing::fit_body(6, 10), json)).status == 200);
  REQUIRE(testing::answer(c.Post("/fit/s", body_with(R"({"type":"mad","k":2,"direction":"upper","min_deviation":0.5})"), json)).status == 200);
  auto check = [&](httplib::Client& client) {
    auto doc = parse(testing::answer(client.Get("/series/s")).body);
    const auto& v = doc["versions"];
    REQUIRE(v.Size() == 2);
    CHECK(v[0]["detector"]["type"] == "contract");
    CHECK(v[0]["detector"].MemberCount() == 1);
    CHECK(v[0]["upper"].GetDouble() == doctest::Approx(v[0]["threshold"].GetDouble()));
    CHECK(v[0]["lower"].IsNull());
    const auto& d = v[1]["detector"];
    CHECK(d["type"] == "mad");
    CHECK(d["k"].GetDouble() == 2);
    CHECK(d["direction"] == "upper");
    CHECK(d["min_deviation"].GetDouble() == 0.5);
    CHECK(d["min_scale"].GetDouble() == 1e-9);
    // median 3, MAD 1: 3 + max(2 * 1.4826, 0.5)
    CHECK(v[1]["upper"].GetDouble() == doctest::Approx(3 + 2 * 1.4826));
    CHECK(v[1]["lower"].IsNull());
    CHECK(predict(client, "/predict/s?version=2", 5.9) == R"({"anomaly":false,"model_version":"2"})");
    CHECK(predict(client, "/predict/s?version=2", 6.0) == R"({"anomaly":true,"model_version":"2"})");
  };
  check(c);
  server.restart();
  auto again = server.client();
  check(again);
}

TEST_CASE("detectors: GET /detectors lists every type with its parameters") {
  testing::live_server server;
  auto c = server.client();
  auto r = testing::answer(c.Get("/detectors"));
  REQUIRE(r.status == 200);
  auto doc = parse(r.body);
  const auto& list = doc["detectors"];
  REQUIRE(list.Size() == 6);
  CHECK(list[5]["type"] == "range");
  CHECK(list[5]["online"].IsTrue());
  CHECK(list[5]["params"]["window"]["default"].GetDouble() == 3000);
  CHECK(list[4]["type"] == "seasonal");
  CHECK(list[4]["params"]["period_s"]["default"].GetDouble() == 86400);
  CHECK(list[3]["type"] == "ewma");
  CHECK(list[3]["online"].IsTrue());
  CHECK(list[0]["type"] == "contract");
  CHECK(list[0]["params"].MemberCount() == 0);
  CHECK(list[1]["type"] == "zscore");
  CHECK(list[1]["online"].IsFalse());
  CHECK(list[1]["params"]["k"]["default"].GetDouble() == 3);
  CHECK(list[1]["params"]["k"]["min"].GetDouble() == 0.1);
  CHECK(list[1]["params"]["direction"]["default"] == "both");
  CHECK(list[1]["params"]["direction"]["choices"].Size() == 3);
  CHECK(list[2]["params"].HasMember("min_scale"));
  for (const auto& d : list.GetArray())
    CHECK(d["doc"].GetStringLength() > 20);
  auto openapi = testing::answer(c.Get("/openapi.json")).body;
  CHECK(openapi.find("/detectors") != std::string::npos);
  for (const auto& d : list.GetArray()) // every type is in the fit body's enum
    CHECK(openapi.find("\"" + std::string{d["type"].GetString()} + "\"") != std::string::npos);
  CHECK(testing::answer(c.Post("/detectors", "", json)).status == 405);
}

TEST_CASE("detectors: ewma learns on the latest version only, and not with learn=false") {
  testing::live_server server;
  auto c = server.client();
  const std::string body =
    R"({"timestamps":[1,2,3,4,5,6],"values":[10,11,10,11,10,11],"detector":{"type":"ewma","alpha":0.3}})";
  REQUIRE(testing::answer(c.Post("/fit/e", body, json)).status == 200);
  auto expected_now = [&](const std::string& path) {
    return parse(predict(c, path + (path.find('?') == std::string::npos ? "?" : "&") + "explain=true&learn=false", 10.5))["expected"].GetDouble();
  };
  double before = expected_now("/predict/e");
  CHECK(predict(c, "/predict/e?learn=false", 30) == R"({"anomaly":true,"model_version":"1"})");
  CHECK(expected_now("/predict/e") == before); // learn=false changed nothing
  CHECK(predict(c, "/predict/e", 30) == R"({"anomaly":true,"model_version":"1"})");
  double after = expected_now("/predict/e");
  CHECK(after == doctest::Approx(before + 0.3 * (30 - before))); // learned the point
  // A second version: predicts on version 1 no longer learn.
  REQUIRE(testing::answer(c.Post("/fit/e", body, json)).status == 200);
  predict(c, "/predict/e?version=1", 30);
  CHECK(expected_now("/predict/e?version=1") == after);
  double v2 = expected_now("/predict/e");
  predict(c, "/predict/e", 30);
  CHECK(expected_now("/predict/e") > v2);
}

TEST_CASE("detectors: online learning survives a restart (checkpointed)") {
  for (std::string type : {"ewma", "range"}) {
    CAPTURE(type);
    http::server_config cfg;
    cfg.checkpoint_points = 1; // every learned point is saved
    testing::live_server server{cfg};
    auto c = server.client();
    auto detector = type == "ewma" ? R"({"type":"ewma","alpha":0.5})"
                                   : R"({"type":"range","window":4,"blocks":2,"smooth":2})";
    REQUIRE(testing::answer(c.Post("/fit/r", std::string{R"({"timestamps":[1,2,3],"values":[1,2,1],"detector":)"} + detector + "}", json)).status == 200);
    auto fitted = parse(predict(c, "/predict/r?explain=true&learn=false", 0));
    for (double v : {5.0, 9.0, 12.0, 13.0, 12.5})
      predict(c, "/predict/r", v);
    auto state = parse(predict(c, "/predict/r?explain=true&learn=false", 0));
    CHECK(state["upper"].GetDouble() != fitted["upper"].GetDouble()); // it learned
    auto series = parse(testing::answer(c.Get("/series/r")).body);
    const auto& shown = series["versions"][0]["detector"];
    CHECK(shown["type"].GetString() == type);
    if (type == "ewma")
      CHECK(shown["alpha"].GetDouble() == 0.5);
    else
      CHECK((shown["window"].GetDouble() == 4 && shown["blocks"].GetDouble() == 2
             && shown["smooth"].GetDouble() == 2 && shown["margin"].GetDouble() == 0.08));
    // The checkpoints were sent; wait until the writer has stored the fifth
    // learned point (a stop drops what the writer has not flushed yet).
    bool stored = false;
    for (int i = 0; i < 500 && !stored; ++i) {
      stored = learned_in_store(server.dir.path + "/data/models.db") == 5;
      if (!stored)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(stored);
    const std::vector<double> probes{0.0, 11.0, 12.75, 30.0};
    std::vector<std::string> before;
    for (double probe : probes)
      before.push_back(predict(c, "/predict/r?explain=true&learn=false", probe));
    server.restart();
    auto again = server.client();
    for (std::size_t i = 0; i < probes.size(); ++i) {
      // The learned bounds and the cooldown still to run come back.
      CAPTURE(probes[i]);
      CHECK(predict(again, "/predict/r?explain=true&learn=false", probes[i]) == before[i]);
    }
  }
}

TEST_CASE("detectors: a batch predict equals the same points predicted one by one") {
  testing::live_server server;
  auto c = server.client();
  for (std::string detector : {R"({"type":"ewma","alpha":0.2,"cooldown":1})",
                               R"({"type":"range","window":4,"blocks":2,"cooldown":1})"}) {
  CAPTURE(detector);
  // A pair of series per detector: "one" predicted point by point, "many" in a batch.
  const std::string single = detector.find("ewma") != std::string::npos ? "one" : "one_r";
  const std::string many = detector.find("ewma") != std::string::npos ? "many" : "many_r";
  const std::string fit =
    R"({"timestamps":[1,2,3,4,5,6],"values":[10,11,10,11,10,11],"detector":)" + detector + "}";
  REQUIRE(testing::answer(c.Post(("/fit/" + single).c_str(), fit, json)).status == 200);
  REQUIRE(testing::answer(c.Post(("/fit/" + many).c_str(), fit, json)).status == 200);
  std::vector<double> values{10.5, 30, 31, 12, 9, 40, 10, 10.2, -20, 11};
  std::string ts = "[", vs = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    ts += (i ? "," : "") + std::to_string(100 + i);
    vs += (i ? "," : "") + std::to_string(values[i]);
  }
  auto batch = testing::answer(c.Post(("/predict/" + many + "/batch?explain=true").c_str(),
                                      R"({"timestamps":)" + ts + R"(],"values":)" + vs + "]}", json));
  REQUIRE_MESSAGE(batch.status == 200, batch.body);
  auto b = parse(batch.body);
  CHECK(b["model_version"] == "1");
  REQUIRE(b["anomalies"].Size() == values.size());
  int alarms = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto one = parse(predict(c, "/predict/" + single + "?explain=true", values[i]));
    CAPTURE(i);
    CHECK(b["anomalies"][i].GetBool() == one["anomaly"].GetBool());
    CHECK(b["score"][i].GetDouble() == one["score"].GetDouble());
    CHECK(b["expected"][i].GetDouble() == one["expected"].GetDouble());
    CHECK(b["lower"][i].GetDouble() == one["lower"].GetDouble());
    CHECK(b["upper"][i].GetDouble() == one["upper"].GetDouble());
    alarms += one["anomaly"].GetBool() ? 1 : 0;
  }
  CHECK(alarms > 0);
  }
  // Without explain: exactly the two keys.
  auto plain = parse(testing::answer(c.Post("/predict/many/batch?learn=false",
                                            R"({"timestamps":[1,2],"values":[1,2]})", json)).body);
  CHECK(plain.MemberCount() == 2);
  // Errors.
  auto status = [&](const std::string& path, const std::string& body) {
    return testing::answer(c.Post(path.c_str(), body, json)).status;
  };
  CHECK(status("/predict/many/batch", R"({"timestamps":[1],"values":[1,2]})") == 422);
  CHECK(status("/predict/many/batch", R"({"timestamps":[],"values":[]})") == 422);
  CHECK(status("/predict/many/batch?version=9", R"({"timestamps":[1],"values":[1]})") == 404);
  CHECK(status("/predict/never/batch", R"({"timestamps":[1],"values":[1]})") == 404);
  CHECK(status("/predict/bad$id/batch", R"({"timestamps":[1],"values":[1]})") == 422);
  CHECK(testing::answer(c.Get("/predict/many/batch")).status == 405);
}

TEST_CASE("detectors: /plot draws the version's bounds and marks the points outside them") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/p", R"({"timestamps":[1,2,3,4,5,6],"values":[1,2,3,4,5,40],"detector":{"type":"mad","k":2}})", json)).status == 200);
  auto page = testing::answer(c.Get("/plot?series_id=p")).body;
  CHECK(page.find("upper bound") != std::string::npos);
  CHECK(page.find("lower bound") != std::string::npos);
  CHECK(page.find("fill-opacity") != std::string::npos); // the band
  CHECK(page.find("UTC: 40 (outside the bounds)") != std::string::npos);
  CHECK(page.find("UTC: 3</title>") != std::string::npos); // inside
  CHECK(page.find("mad k=2 direction=both") != std::string::npos);
  // The summary gives the detector's bounds, not the contract's threshold.
  CHECK(page.find("<dt>upper bound</dt>") != std::string::npos);
  CHECK(page.find("anomaly threshold") == std::string::npos);
  REQUIRE(testing::answer(c.Post("/fit/q", R"({"timestamps":[1,2,3],"values":[1,2,9],"detector":{"type":"ewma"}})", json)).status == 200);
  // The y axis has round ticks: values 1..40 (padded) get 0, 10, 20, 30, 40.
  for (const char* tick : {">0</text>", ">10</text>", ">20</text>", ">30</text>", ">40</text>"})
    CHECK(page.find(tick) != std::string::npos);
  // An online detector: its bounds as learned over the training points, one
  // step per drawn point, and its band now.
  auto online = testing::answer(c.Get("/plot?series_id=q")).body;
  CHECK(online.find("bounds as learned over the training points") != std::string::npos);
  auto upper_path = online.find("<path d='M");
  REQUIRE(upper_path != std::string::npos);
  auto line = online.substr(upper_path, online.find('\'', upper_path + 9) - upper_path);
  CHECK(std::count(line.begin(), line.end(), 'L') == 2); // 3 training points
  CHECK(online.find("fill-opacity") != std::string::npos);
  // A series far from zero that moves by one ulp: the ticks' step is below the values'
  // precision; the page is still drawn, with a bounded number of ticks.
  REQUIRE(testing::answer(c.Post("/fit/far", R"({"timestamps":[1,2,3],"values":[1e20,1.0000000000000002e20,1e20],"detector":{"type":"range"}})", json)).status == 200);
  auto far = testing::answer(c.Get("/plot?series_id=far"));
  CHECK(far.status == 200);
  CHECK(far.body.size() < 100000);
}

TEST_CASE("detectors: seasonal judges each point by its phase; /series and /plot show the phases") {
  testing::live_server server;
  auto c = server.client();
  // Period 100 s in 2 phases: 0..49 s around 0, 50..99 s around 100.
  std::string ts = "[", vs = "[";
  for (int t = 0; t < 400; t += 5) {
    ts += (t ? "," : "") + std::to_string(t);
    vs += (t ? "," : "") + std::to_string((t % 100 < 50 ? 0 : 100) + (t % 10 ? 1 : -1));
  }
  auto fit = testing::answer(c.Post("/fit/season", R"({"timestamps":)" + ts + R"(],"values":)" + vs
                                                     + R"(],"detector":{"type":"seasonal","period_s":100,"phases":2}})", json));
  REQUIRE_MESSAGE(fit.status == 200, fit.body);
  auto at = [&](int t, double v) {
    auto r = testing::answer(c.Post("/predict/season", R"({"timestamp":")" + std::to_string(t) + R"(","value":)" + std::to_string(v) + "}", json));
    REQUIRE(r.status == 200);
    return parse(r.body)["anomaly"].GetBool();
  };
  CHECK_FALSE(at(1010, 0));
  CHECK(at(1010, 100));
  CHECK(at(1060, 0));
  CHECK_FALSE(at(1060, 100));
  auto batch = parse(testing::answer(c.Post("/predict/season/batch", R"({"timestamps":[1010,1060],"values":[100,100]})", json)).body);
  CHECK(batch["anomalies"][0].GetBool());
  CHECK_FALSE(batch["anomalies"][1].GetBool());
  auto series = parse(testing::answer(c.Get("/series/season")).body);
  const auto& phases = series["versions"][0]["phases"];
  REQUIRE(phases.Size() == 2);
  CHECK(phases[0]["expected"].GetDouble() == doctest::Approx(0));
  CHECK(phases[1]["expected"].GetDouble() == doctest::Approx(100));
  CHECK(testing::answer(c.Get("/plot?series_id=season")).body.find("bounds per phase") != std::string::npos);
}

TEST_CASE("detectors: values near the double range keep answers valid JSON and states finite") {
  testing::live_server server;
  auto c = server.client();
  for (std::string type : {"ewma", "range", "zscore"}) {
    CAPTURE(type);
    REQUIRE(testing::answer(c.Post(("/fit/" + type).c_str(), R"({"timestamps":[1,2,3],"values":[1,2,3],"detector":{"type":")" + type + R"("}})", json)).status == 200);
    for (double v : {1.7e308, -1.7e308, 1.7e308, -1.7e308, 5.0}) {
      CAPTURE(v);
      auto answer = predict(c, "/predict/" + type + "?explain=true", v);
      rapidjson::Document doc;
      doc.Parse(answer.c_str());
      REQUIRE_MESSAGE(!doc.HasParseError(), answer); // null where a figure is not finite
      for (const char* key : {"score", "expected", "lower", "upper"})
        CHECK((doc[key].IsNull() || std::isfinite(doc[key].GetDouble())));
    }
    auto batch = testing::answer(c.Post(("/predict/" + type + "/batch?explain=true").c_str(),
                                        R"({"timestamps":[1,2],"values":[1.7e308,-1.7e308]})", json));
    rapidjson::Document b;
    b.Parse(batch.body.c_str());
    CHECK_FALSE(b.HasParseError());
    auto series = testing::answer(c.Get(("/series/" + type).c_str()));
    rapidjson::Document s;
    s.Parse(series.body.c_str());
    CHECK_FALSE(s.HasParseError());
    CHECK(testing::answer(c.Get(("/plot?series_id=" + type).c_str())).status == 200);
  }
  // ewma did not learn the points that would overflow it: its center is still near 3.
  auto e = parse(predict(c, "/predict/ewma?explain=true&learn=false", 3));
  CHECK(std::fabs(e["expected"].GetDouble()) < 10);
}

TEST_CASE("detectors: a fit's exclude windows keep those points out of training and the count") {
  testing::live_server server;
  auto c = server.client();
  // An incident at t = 4..5 (values 100) would have widened the contract's band.
  auto fit = testing::answer(c.Post("/fit/x", R"({"timestamps":[1,2,3,4,5,6,7],"values":[1,2,1,100,100,2,1],"exclude":[[4,5]]})", json));
  REQUIRE_MESSAGE(fit.status == 200, fit.body);
  CHECK(fit.body == R"({"series_id":"x","version":"1","points_used":5})");
  CHECK(predict(c, "/predict/x", 50) == R"({"anomaly":true,"model_version":"1"})");
  // Excluded points do not count toward the minimum.
  auto few = testing::answer(c.Post("/fit/x", R"({"timestamps":[1,2,3],"values":[1,2,3],"exclude":[[2,3]]})", json));
  CHECK(few.status == 422);
  CHECK(few.body.find("at least 3") != std::string::npos);
  for (const char* bad : {R"("exclude":[[5,4]])", R"("exclude":[5])", R"("exclude":{"a":1})",
                          R"("exclude":[[1,"2"]])"}) {
    CAPTURE(bad);
    auto r = testing::answer(c.Post("/fit/x", std::string{R"({"timestamps":[1,2,3],"values":[1,2,3],)"} + bad + "}", json));
    CHECK(r.status == 422);
    CHECK(r.body.find("exclude") != std::string::npos);
  }
}

TEST_CASE("detectors: the server's default detector applies to fits that name none") {
  http::server_config cfg;
  cfg.default_detector = R"({"type":"mad","k":2})";
  testing::live_server server{cfg};
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/d", testing::fit_body(6, 10), json)).status == 200);
  REQUIRE(testing::answer(c.Post("/fit/d", body_with(R"({"type":"contract"})"), json)).status == 200);
  auto doc = parse(testing::answer(c.Get("/series/d")).body);
  CHECK(doc["versions"][0]["detector"]["type"] == "mad");
  CHECK(doc["versions"][0]["detector"]["k"].GetDouble() == 2);
  CHECK(doc["versions"][1]["detector"]["type"] == "contract"); // named: kept
}

TEST_CASE("detectors: /series shows when the series last got a point; silent series are listed") {
  http::server_config cfg;
  cfg.checkpoint_interval_ms = 10; // the saved cadence lags by at most this
  testing::live_server server{cfg};
  auto c = server.client();
  // One point a second; fitted now, its last point at t = 5.
  REQUIRE(testing::answer(c.Post("/fit/live", body_with(R"({"type":"range"})"), json)).status == 200);
  REQUIRE(testing::answer(c.Post("/fit/gone", body_with(R"({"type":"range"})"), json)).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // "live" gets a point after a gap (judged on its merits: 3 is normal).
  CHECK(predict(c, "/predict/live", 3) == R"({"anomaly":false,"model_version":"1"})");
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the checkpoint lands
  auto doc = parse(testing::answer(c.Get("/series/live")).body);
  CHECK(doc["last_seen"]["timestamp"].GetInt64() == 9);
  CHECK(doc["last_seen"]["server_ms"].GetInt64() > 0);
  CHECK(doc["interval_s"].GetDouble() == 1);
  auto silent = parse(testing::answer(c.Get("/series/?silent_for=1")).body);
  REQUIRE(silent["series"].Size() == 1);
  CHECK(silent["series"][0]["series_id"] == "gone");
  CHECK(silent["series"][0]["silent_s"].GetDouble() >= 1);
  CHECK(silent["next"].IsNull());
  CHECK(parse(testing::answer(c.Get("/series/?silent_for=1000")).body)["series"].Size() == 0);
  for (const char* bad : {"/series/?silent_for=0", "/series/?silent_for=x",
                          "/series/?silent_for=1&limit=0", "/series/?silent_for=1&after=a..b"})
    CHECK(testing::answer(c.Get(bad)).status == 422);
}
