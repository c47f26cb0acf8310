#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <rapidjson/document.h>

#include "http/azure/routes.hpp"
#include "tests/support.hpp"

namespace {

using http::azure::handle_changepoint;
using http::azure::handle_entire;
using http::azure::handle_last;

/// `n` hourly points from 2021-01-01T00:00:00Z: 10 + a little wave.
std::string series_json(int n, int first_hour = 0) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    int h = first_hour + i;
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2021-01-%02dT%02d:00:00Z", 1 + h / 24, h % 24);
    s += (i ? "," : "") + std::string{R"({"timestamp":")"} + stamp + R"(","value":)"
         + std::to_string(10 + (i % 3) * 0.1) + "}";
  }
  return s + "]";
}

std::string body(const std::string& extra = "", int n = 30) {
  return R"({"series":)" + series_json(n) + R"(,"granularity":"hourly")" + extra + "}";
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

/// The error code of a 400 answer ("status N" for any other).
std::string code_of(const http::azure::reply& r) {
  if (r.status != 400)
    return "status " + std::to_string(r.status);
  auto d = parse(r.body);
  REQUIRE(d.IsObject());
  CHECK(d.MemberCount() == 2);
  CHECK(d["message"].GetStringLength() > 0);
  CHECK(r.error_code == d["code"].GetString());
  return d["code"].GetString();
}

const char* const v11 = "v1.1";

} // namespace

TEST_CASE("azure api: every error code of the specification has a request that gets it") {
  CHECK(code_of(handle_entire(v11, "{not json")) == "InvalidJsonFormat");
  CHECK(code_of(handle_entire(v11, "[1,2]")) == "InvalidJsonFormat");
  CHECK(code_of(handle_entire(v11, "{}")) == "RequiredSeries");
  CHECK(code_of(handle_last(v11, R"({"series":null})")) == "RequiredSeries");
  CHECK(code_of(handle_entire(v11, R"({"series":{}})")) == "InvalidSeries");
  CHECK(code_of(handle_entire(v11, body("", 11))) == "InvalidSeries");             // too few
  CHECK(code_of(handle_entire(v11, body(R"(,"period":8)", 31))) == "InvalidSeries"); // < 4 periods
  std::string many = R"({"series":[)";
  for (int i = 0; i < 8641; ++i)
    many += std::string{i ? "," : ""} + R"({"value":1})";
  CHECK(code_of(handle_entire(v11, many + "]}")) == "InvalidSeries"); // too many
  auto s = series_json(20);
  auto swapped = s;
  swapped.replace(swapped.find("T05:00"), 6, "T07:00");
  swapped.replace(swapped.rfind("T07:00"), 6, "T05:00");
  CHECK(code_of(handle_entire(v11, R"({"series":)" + swapped + R"(,"granularity":"hourly"})")) == "InvalidSeries");
  auto repeated = s;
  repeated.replace(repeated.find("T05:00"), 6, "T04:00");
  CHECK(code_of(handle_entire(v11, R"({"series":)" + repeated + R"(,"granularity":"hourly"})")) == "InvalidSeries");
  auto off_grid = s;
  off_grid.replace(off_grid.find("T05:00"), 6, "T05:30");
  CHECK(code_of(handle_entire(v11, R"({"series":)" + off_grid + R"(,"granularity":"hourly"})")) == "InvalidSeries");
  CHECK(code_of(handle_entire(v11, R"({"series":)" + s + R"(,"granularity":"fortnightly"})")) == "InvalidGranularity");
  CHECK(code_of(handle_entire(v11, R"({"series":)" + s + R"(,"granularity":7})")) == "InvalidGranularity");
  CHECK(code_of(handle_changepoint(v11, R"({"series":)" + s + "}")) == "RequiredGranularity");
  CHECK(code_of(handle_changepoint(v11, R"({"series":)" + s + R"(,"granularity":"none"})")) == "InvalidGranularity");
  CHECK(code_of(handle_entire(v11, body(R"(,"customInterval":0)"))) == "InvalidCustomInterval");
  CHECK(code_of(handle_entire(v11, body(R"(,"period":-2)"))) == "InvalidPeriod");
  CHECK(code_of(handle_entire(v11, body(R"(,"period":"daily")"))) == "InvalidPeriod");
  CHECK(code_of(handle_entire(v11, body(R"(,"sensitivity":100)"))) == "BadArgument");
  CHECK(code_of(handle_last(v11, body(R"(,"sensitivity":"high")"))) == "BadArgument");
  CHECK(code_of(handle_entire(v11, body(R"(,"maxAnomalyRatio":0.5)"))) == "BadArgument");
  CHECK(code_of(handle_changepoint(v11, body(R"(,"stableTrendWindow":1)"))) == "BadArgument");
  CHECK(code_of(handle_changepoint(v11, body(R"(,"threshold":0)"))) == "BadArgument");
  CHECK(code_of(handle_entire(v11, body(R"(,"imputeMode":"mean")"))) == "InvalidImputeMode");
  CHECK(code_of(handle_entire(v11, body(R"(,"imputeMode":"fixed")"))) == "InvalidImputeFixedValue");
  CHECK(code_of(handle_entire(v11, body(R"(,"imputeMode":"fixed","imputeFixedValue":"x")"))) == "InvalidImputeFixedValue");
}

TEST_CASE("azure api: points are checked: values numbers, timestamps ISO 8601 strings") {
  CHECK(code_of(handle_entire(v11, R"({"series":[1,2,3]})")) == "InvalidSeries");
  auto no_value = body();
  no_value.replace(no_value.find("\"value\":"), 8, "\"valu\":");
  CHECK(code_of(handle_entire(v11, no_value)) == "InvalidSeries");
  std::string text_value = R"({"series":[{"value":"10"})";
  for (int i = 1; i < 12; ++i)
    text_value += R"(,{"value":10})";
  auto r1 = handle_entire(v11, text_value + "]}");
  CHECK(code_of(r1) == "InvalidSeries");
  CHECK(r1.body.find("series[0].value must be a number") != std::string::npos);
  auto bad_time = body();
  bad_time.replace(bad_time.find("2021-01-01T03"), 13, "yesterday 3am");
  auto r = handle_entire(v11, bad_time);
  CHECK(code_of(r) == "InvalidSeries");
  CHECK(r.body.find("series[3].timestamp") != std::string::npos);
}

TEST_CASE("azure api: answers carry exactly the specification's keys") {
  auto entire = handle_entire(v11, body());
  REQUIRE(entire.status == 200);
  auto e = parse(entire.body);
  for (const char* key : {"period", "expectedValues", "upperMargins", "lowerMargins", "isAnomaly",
                          "isNegativeAnomaly", "isPositiveAnomaly", "severity"}) {
    REQUIRE_MESSAGE(e.HasMember(key), key);
    if (std::string{key} != "period")
      CHECK(e[key].Size() == 30);
  }
  CHECK(e.MemberCount() == 8);
  auto last = parse(handle_last(v11, body()).body);
  for (const char* key : {"period", "suggestedWindow", "expectedValue", "upperMargin", "lowerMargin",
                          "isAnomaly", "isNegativeAnomaly", "isPositiveAnomaly", "severity"})
    CHECK_MESSAGE(last.HasMember(key), key);
  CHECK(last.MemberCount() == 9);
  auto cp = parse(handle_changepoint(v11, body()).body);
  CHECK(cp.MemberCount() == 3);
  CHECK(cp["isChangePoint"].Size() == 30);
  CHECK(cp["confidenceScores"].Size() == 30);
  CHECK(cp["period"].IsInt());
}

TEST_CASE("azure api: every version with the univariate shapes is answered; others are 404") {
  for (const char* v : {"v1.0", "v1.1-preview", "v1.1-preview.1", "v1.1-preview.2", "v1.1", "v1.2-preview"})
    CHECK_MESSAGE(handle_entire(v, body()).status == 200, v);
  for (const char* v : {"v2.0", "1.1", "", "v1.1-preview.9"}) {
    auto r = handle_last(v, body());
    CHECK(r.status == 404);
    CHECK(r.error_code == "NotFound");
    CHECK(parse(r.body)["message"].GetStringLength() > 0);
  }
}

TEST_CASE("azure api: any body gets 200 or 400 with a JSON error, never anything else") {
  std::mt19937 rng{42};
  const std::string pieces[] = {"{", "}", "[", "]", ",", ":", "\"series\"", "\"value\"", "\"timestamp\"",
                                "\"2021-01-01T00:00:00Z\"", "1e308", "-1e400", "null", "true", "0",
                                "\"granularity\"", "\"hourly\"", "\"period\"", "99999999999", "-3",
                                "\"imputeMode\"", "\"fixed\"", "\"sensitivity\"", "0.5", "\"\\u0000\""};
  std::uniform_int_distribution<std::size_t> pick{0, std::size(pieces) - 1};
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = trial % 2 ? body() : "";
    std::uniform_int_distribution<std::size_t> at{0, text.size()};
    for (int k = 0; k < 1 + trial % 7; ++k)
      text.insert(at(rng) % (text.size() + 1), pieces[pick(rng)]);
    for (auto handle : {handle_entire, handle_last, handle_changepoint}) {
      auto r = handle(v11, text);
      REQUIRE_MESSAGE((r.status == 200 || r.status == 400), text);
      CHECK_FALSE(parse(r.body).HasParseError());
    }
  }
}

TEST_CASE("azure api: the endpoints answer through the real server, API key header accepted") {
  testing::live_server server;
  auto c = server.client();
  httplib::Headers key{{"Ocp-Apim-Subscription-Key", "any key"}};
  for (const char* op : {"entire", "last", "changepoint"}) {
    auto path = std::string{"/anomalydetector/v1.1/timeseries/"} + op + "/detect";
    auto r = testing::answer(c.Post(path.c_str(), key, body(), "application/json"));
    CHECK_MESSAGE(r.status == 200, r.body);
    CHECK(r.get_header_value("Content-Type").find("application/json") == 0);
    auto bad = testing::answer(c.Post(path.c_str(), key, "{}", "application/json"));
    CHECK(bad.status == 400);
    CHECK(bad.get_header_value("x-ms-error-code") == "RequiredSeries");
    CHECK(bad.body.find(R"("code":"RequiredSeries")") != std::string::npos);
    auto get = testing::answer(c.Get(path.c_str()));
    CHECK(get.status == 405);
    CHECK(get.get_header_value("Allow") == "POST");
    CHECK(get.body.find(R"("code":"MethodNotAllowed")") != std::string::npos);
  }
  auto old = testing::answer(c.Post("/anomalydetector/v1.0/timeseries/last/detect", body(), "application/json"));
  CHECK(old.status == 200);
  auto unknown = testing::answer(c.Post("/anomalydetector/v3/timeseries/last/detect", body(), "application/json"));
  CHECK(unknown.status == 404);
  CHECK(unknown.body.find(R"("code":"NotFound")") != std::string::npos);
  // nothing was stored: the server still has no series
  auto h = testing::answer(c.Get("/healthcheck"));
  CHECK(parse(h.body)["series_trained"].GetInt() == 0);
}

TEST_CASE("azure api: /openapi.json describes the three endpoints and the versions answered") {
  testing::live_server server;
  auto doc = parse(testing::answer(server.client().Get("/openapi.json")).body);
  for (const char* op : {"entire", "last", "changepoint"}) {
    auto path = std::string{"/anomalydetector/{apiVersion}/timeseries/"} + op + "/detect";
    REQUIRE_MESSAGE(doc["paths"].HasMember(path.c_str()), path);
    const auto& post = doc["paths"][path.c_str()]["post"];
    CHECK(post["responses"].HasMember("200"));
    CHECK(post["responses"].HasMember("400"));
  }
  const auto& versions = doc["components"]["parameters"]["AzureApiVersion"]["schema"]["enum"];
  CHECK(versions.Size() == 6);
  for (const auto& v : versions.GetArray())
    CHECK_MESSAGE(http::azure::known_version(v.GetString()), v.GetString());
  const auto& codes = doc["components"]["schemas"]["AzureError"]["properties"]["code"]["enum"];
  CHECK(codes.Size() == 13);
  CHECK(doc["components"]["securitySchemes"]["AzureApiKey"]["name"] == "Ocp-Apim-Subscription-Key");
}
