#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "tests/support.hpp"

namespace {

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

const char* const json = "application/json";

} // namespace

TEST_CASE("api: the user's flow - fit, predict by version and latest, healthcheck, plot") {
  testing::live_server server;
  auto c = server.client();
  auto fit1 = testing::answer(c.Post("/fit/benchmark_predict_1", R"({"timestamps":[1705000000,1705000001,)"
                                                  R"(1705000002,1705000003,1705000004,)"
                                                  R"(1705000005,1705000006,1705000007],)"
                                                  R"("values":[10.0,10.2,10.1,9.9,10.3,)"
                                                  R"(10.15,9.95,10.25]})",
                     json));
  CHECK(fit1.status == 200);
  CHECK(fit1.get_header_value("Content-Type") == json);
  CHECK(fit1.body == R"({"series_id":"benchmark_predict_1","version":"1","points_used":8})");
  auto fit2 = testing::answer(c.Post("/fit/benchmark_predict_1", testing::fit_body(6, 100.0), json));
  CHECK(fit2.body == R"({"series_id":"benchmark_predict_1","version":"2","points_used":6})");

  // threshold of version 1 is 10.10625 + 3 * 0.1346 = 10.51
  auto p = testing::answer(c.Post("/predict/benchmark_predict_1?version=1",
                  R"({"timestamp":"1705001000","value":10.6})", json));
  CHECK(p.status == 200);
  CHECK(p.body == R"({"anomaly":true,"model_version":"1"})");
  for (const char* v : {"v1", "V1", "1"}) {
    auto r = testing::answer(c.Post((std::string{"/predict/benchmark_predict_1?version="} + v).c_str(),
                    R"({"timestamp":1705001000,"value":10.4})", json));
    CHECK(r.body == R"({"anomaly":false,"model_version":"1"})");
  }
  for (const char* q : {"", "?version=0", "?version=latest", "?version="}) {
    auto r = testing::answer(c.Post((std::string{"/predict/benchmark_predict_1"} + q).c_str(),
                    R"({"timestamp":"1705001000","value":10.6})", json));
    CHECK_MESSAGE(r.body == R"({"anomaly":false,"model_version":"2"})", q);
  }

  auto h = testing::answer(c.Get("/healthcheck"));
  CHECK(h.status == 200);
  auto doc = parse(h.body);
  CHECK(doc.MemberCount() == 3);
  CHECK(doc["series_trained"].GetInt() == 1);
  CHECK(doc["inference_latency_ms"]["avg"].GetDouble() > 0);
  CHECK(doc["inference_latency_ms"]["p95"].GetDouble() > 0);
  CHECK(doc["training_latency_ms"]["avg"].GetDouble() > 0);
  CHECK(doc["training_latency_ms"].MemberCount() == 2);

  auto plot = testing::answer(c.Get("/plot?series_id=benchmark_predict_1&version=v1"));
  CHECK(plot.status == 200);
  CHECK(plot.get_header_value("Content-Type").find("text/html") == 0);
  CHECK(plot.body.find("Series benchmark_predict_1 &mdash; version 1") != std::string::npos);
  CHECK(plot.body.find("<svg") != std::string::npos);
  CHECK(plot.body.find("<script") == std::string::npos);
  CHECK(plot.body.find("http://") == plot.body.find("http://www.w3.org/2000/svg"));
  CHECK(plot.body.find("10.1062") != std::string::npos); // mean shown
  auto latest_plot = testing::answer(c.Get("/plot?series_id=benchmark_predict_1"));
  CHECK(latest_plot.body.find("version 2") != std::string::npos);
}

TEST_CASE("api: healthcheck before any request reports zeros") {
  testing::live_server server;
  auto h = testing::answer(server.client().Get("/healthcheck"));
  CHECK(h.body == R"({"series_trained":0,"inference_latency_ms":{"avg":0.0,"p95":0.0},)"
                   R"("training_latency_ms":{"avg":0.0,"p95":0.0}})");
}

TEST_CASE("api: fits survive a restart of the whole server (same store file)") {
  testing::live_server server;
  auto c = server.client();
  for (int i = 0; i < 3; ++i)
    REQUIRE(testing::answer(c.Post("/fit/keep", testing::fit_body(5, 10.0 * (i + 1)), json)).status == 200);
  server.restart();
  auto c2 = server.client();
  auto h = testing::answer(c2.Get("/healthcheck"));
  CHECK(parse(h.body)["series_trained"].GetInt() == 1);
  auto p = testing::answer(c2.Post("/predict/keep?version=2", R"({"timestamp":1,"value":20.05})", json));
  CHECK(p.body == R"({"anomaly":false,"model_version":"2"})");
  auto next = testing::answer(c2.Post("/fit/keep", testing::fit_body(), json));
  CHECK(next.body == R"({"series_id":"keep","version":"4","points_used":6})");
}

TEST_CASE("api: /plot of a large version draws a bounded number of points") {
  testing::live_server server;
  auto c = server.client();
  const int n = 200000;
  std::string ts = "[", vs = "[";
  for (int i = 0; i < n; ++i) {
    ts += (i ? "," : "") + std::to_string(1700000000 + i);
    vs += (i ? "," : "") + std::to_string(i == 123456 ? 500.0 : (i % 7) * 0.5);
  }
  auto body = R"({"timestamps":)" + ts + R"(],"values":)" + vs + "]}";
  REQUIRE(testing::answer(c.Post("/fit/big", body, "application/json")).status == 200);
  auto page = testing::answer(c.Get("/plot?series_id=big"));
  CHECK(page.status == 200);
  MESSAGE("plot of ", n, " points: ", page.body.size(), " bytes");
  CHECK(page.body.size() < 600 * 1000); // 2,000 points at most, ~200 bytes each
  CHECK(page.body.find("points summarising 200000 training points") != std::string::npos);
  // the spike is drawn, in the colour of points outside the bounds
  CHECK(page.body.find("UTC: 500 (outside the bounds)</title>") != std::string::npos);
}
