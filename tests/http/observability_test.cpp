#include <doctest/doctest.h>

#include <future>
#include <regex>

#include <rapidjson/document.h>

#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

using testing::metric;

} // namespace

TEST_CASE("observability: /metrics counts requests by endpoint and status, without series ids") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/m1", testing::fit_body(), json)).status == 200);
  REQUIRE(testing::answer(c.Post("/fit/m2", testing::fit_body(), json)).status == 200);
  REQUIRE(testing::answer(c.Post("/predict/m1", R"({"timestamp":"1","value":1})", json)).status == 200);
  REQUIRE(testing::answer(c.Post("/predict/zz", R"({"timestamp":"1","value":1})", json)).status == 404);
  REQUIRE(testing::answer(c.Post("/fit/m1", "{", json)).status == 422);
  auto r = testing::answer(c.Get("/metrics"));
  CHECK(r.status == 200);
  CHECK(r.get_header_value("Content-Type").find("text/plain") == 0);
  const auto& m = r.body;
  CHECK(metric(m, R"(model_server_requests_total{endpoint="fit",status="200"})") == 2);
  CHECK(metric(m, R"(model_server_requests_total{endpoint="fit",status="422"})") == 1);
  CHECK(metric(m, R"(model_server_requests_total{endpoint="predict",status="404"})") == 1);
  CHECK(metric(m, R"(model_server_request_duration_seconds_count{endpoint="fit"})") == 3);
  CHECK(metric(m, R"(model_server_request_duration_seconds_bucket{endpoint="fit",le="+Inf"})")
        == 3);
  // /metrics itself is answered on the event loop: only requests waiting on actors count.
  CHECK(metric(m, "model_server_in_flight_requests") == 0);
  // m1 and m2 (live, or parked if idle for 2 s); the probed zz is remembered
  // as absent and its actor stops.
  CHECK(testing::wait_for_metric_at_most(c, "model_server_active_series", 2));
  auto now = testing::answer(c.Get("/metrics")).body;
  CHECK(metric(now, "model_server_active_series") + metric(now, "model_server_parked_series") == 2);
  CHECK(metric(m, "model_server_series_stored") == 2);
  CHECK(metric(m, "model_server_versions_committed_total") == 2);
  CHECK(metric(m, "model_server_store_commits_total") >= 1);
  CHECK(metric(m, "model_server_rejected_requests_total") == 0);
  CHECK(m.find("m1") == std::string::npos); // no label per series
  // Buckets are cumulative.
  std::regex bucket{R"re(endpoint="fit",le="[^"]+"\} (\d+))re"};
  double last = 0;
  for (auto it = std::sregex_iterator(m.begin(), m.end(), bucket); it != std::sregex_iterator();
       ++it) {
    double v = std::stod((*it)[1]);
    CHECK(v >= last);
    last = v;
  }
}

TEST_CASE("observability: liveness and readiness; readiness turns 503 while draining") {
  testing::live_server server;
  auto c = server.client();
  CHECK(testing::answer(c.Get("/health/live")).body == R"({"status":"live"})");
  auto ready = testing::answer(c.Get("/health/ready"));
  CHECK(ready.status == 200);
  CHECK(ready.body == R"({"status":"ready"})");
  server.svc->drain();
  auto draining = testing::answer(c.Get("/health/ready"));
  CHECK(draining.status == 503);
  CHECK(draining.get_header_value("Retry-After") == "1");
  CHECK(draining.body.find("draining") != std::string::npos);
  CHECK(testing::answer(c.Get("/health/live")).status == 200);
}

TEST_CASE("observability: /series/{id} lists every version with its statistics") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/listed", R"({"timestamps":[1,2],"values":[1,3]})", json)).status == 422);
  REQUIRE(testing::answer(c.Post("/fit/listed", R"({"timestamps":[1,2,3,4],"values":[1,3,1,3]})", json)).status
          == 200);
  REQUIRE(testing::answer(c.Post("/fit/listed", testing::fit_body(), json)).status == 200);
  auto r = testing::answer(c.Get("/series/listed"));
  CHECK(r.status == 200);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(d.IsObject());
  CHECK(std::string{d["series_id"].GetString()} == "listed");
  REQUIRE(d["versions"].Size() == 2);
  const auto& v1 = d["versions"][0];
  CHECK(std::string{v1["version"].GetString()} == "1");
  CHECK(v1["points_used"].GetInt() == 4);
  CHECK(v1["mean"].GetDouble() == 2.0);
  CHECK(v1["std"].GetDouble() == 1.0);
  CHECK(v1["threshold"].GetDouble() == 5.0);
  CHECK(v1["created_at_ms"].GetInt64() > 1700000000000);
  CHECK(testing::answer(c.Get("/series/unknown")).status == 404);
  CHECK(testing::answer(c.Get("/series/a..b")).status == 422);
  CHECK(testing::answer(c.Post("/series/listed", "{}", json)).status == 405);
}

TEST_CASE("observability: /openapi.json is an OpenAPI 3 document covering every endpoint") {
  testing::live_server server;
  auto r = testing::answer(server.client().Get("/openapi.json"));
  CHECK(r.status == 200);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string{d["openapi"].GetString()}.rfind("3.", 0) == 0);
  for (const char* path : {"/fit/{series_id}", "/predict/{series_id}", "/healthcheck", "/plot",
                           "/series/{series_id}", "/metrics", "/health/live", "/health/ready",
                           "/openapi.json"})
    CHECK_MESSAGE(d["paths"].HasMember(path), path);
  CHECK(std::string{d["paths"]["/fit/{series_id}"]["post"]["operationId"].GetString()} == "fit");
  // Every local $ref points at a defined component.
  std::regex ref{R"re("\$ref": "#/components/(\w+)/(\w+)")re"};
  const auto& body = r.body;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), ref);
       it != std::sregex_iterator(); ++it) {
    auto kind = (*it)[1].str(), name = (*it)[2].str();
    CHECK_MESSAGE(d["components"][kind.c_str()].HasMember(name.c_str()), kind, "/", name);
  }
}

TEST_CASE("overload: beyond max-in-flight requests get 503 with Retry-After at once, never hang") {
  http::server_config cfg;
  cfg.max_in_flight = 2;
  testing::live_server server{cfg};
  auto c = server.client();
  REQUIRE(testing::answer(c.Post("/fit/o", testing::fit_body(), json)).status == 200);
  // Two fits stalled on the store's write lock fill max-in-flight.
  testing::store_lock lock{server.dir.path + "/data/models.db"};
  std::vector<std::future<int>> fits;
  for (int i = 0; i < 2; ++i)
    fits.push_back(std::async(std::launch::async, [&server] {
      return testing::status_of(server.client().Post("/fit/o", testing::fit_body(), json));
    }));
  REQUIRE(testing::wait_for_in_flight(c, 2));
  auto predict = testing::answer(c.Post("/predict/o", R"({"timestamp":"1","value":1})", json));
  CHECK(predict.status == 503);
  CHECK(predict.get_header_value("Retry-After") == "1");
  auto fit = testing::answer(c.Post("/fit/o", testing::fit_body(), json));
  CHECK(fit.status == 503);
  auto m = testing::answer(c.Get("/metrics")).body;
  CHECK(metric(m, "model_server_rejected_requests_total") == 2);
  lock.release();
  for (auto& f : fits)
    CHECK(f.get() == 200);
  // Once below the limit, requests are served again.
  CHECK(testing::answer(c.Post("/predict/o", R"({"timestamp":"1","value":1})", json)).status
        == 200);
}

TEST_CASE("series listing: versions come a page at a time, with a cursor") {
  testing::live_server server;
  auto c = server.client();
  for (int i = 0; i < 25; ++i)
    REQUIRE(testing::answer(c.Post("/fit/paged", testing::fit_body(), json)).status == 200);
  auto versions_in = [](const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    std::vector<std::string> out;
    for (const auto& v : d["versions"].GetArray())
      out.push_back(v["version"].GetString());
    return std::make_pair(out, d["next"].IsNull() ? std::string{"null"} : d["next"].GetString());
  };
  auto first = versions_in(testing::answer(c.Get("/series/paged?limit=10")).body);
  CHECK(first.first.size() == 10);
  CHECK(first.first.front() == "1");
  CHECK(first.second == "10");
  auto second = versions_in(testing::answer(c.Get("/series/paged?limit=10&after=10")).body);
  CHECK(second.first.front() == "11");
  CHECK(second.second == "20");
  auto last = versions_in(testing::answer(c.Get("/series/paged?limit=10&after=20")).body);
  CHECK(last.first == std::vector<std::string>{"21", "22", "23", "24", "25"});
  CHECK(last.second == "null");
  auto all = versions_in(testing::answer(c.Get("/series/paged")).body);
  CHECK(all.first.size() == 25);
  for (const char* bad : {"/series/paged?limit=0", "/series/paged?limit=10001",
                          "/series/paged?limit=x", "/series/paged?after=-1"})
    CHECK_MESSAGE(testing::answer(c.Get(bad)).status == 422, bad);
}
