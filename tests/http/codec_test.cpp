#include <doctest/doctest.h>

#include "http/api/codec.hpp"

using namespace http;

TEST_CASE("codec: decodes a fit body; extra fields are ignored") {
  auto r = decode_fit(R"({"timestamps":[1,2,3.0],"values":[1,2.5,-3e2],"extra":{"x":1}})");
  REQUIRE(r.ok());
  CHECK(r.value().data.timestamps == std::vector<int64_t>{1, 2, 3});
  CHECK(r.value().data.values == std::vector<double>{1, 2.5, -300});
  CHECK(model::is_contract(r.value().detector));
  CHECK(r.value().detector.server_default); // the server's default applies
}

TEST_CASE("codec: fit body type errors name the field") {
  auto detail = [](const char* body) {
    auto r = decode_fit(body);
    REQUIRE_FALSE(r.ok());
    return r.detail();
  };
  CHECK(detail("").find("not valid JSON") != std::string::npos);
  CHECK(detail("[1,2]") == "body must be a JSON object");
  CHECK(detail(R"({"values":[1]})") == "timestamps is required");
  CHECK(detail(R"({"timestamps":[1]})") == "values is required");
  CHECK(detail(R"({"timestamps":"1,2","values":[1]})") == "timestamps must be an array of integers");
  CHECK(detail(R"({"timestamps":[1,"2"],"values":[1,2]})") == "timestamps[1] must be an integer");
  CHECK(detail(R"({"timestamps":[1,2.5],"values":[1,2]})") == "timestamps[1] must be an integer");
  CHECK(detail(R"({"timestamps":[1,2],"values":[1,true]})") == "values[1] must be a number");
  CHECK(detail(R"({"timestamps":[1,2],"values":[1,null]})") == "values[1] must be a number");
  CHECK(detail(R"({"timestamps":[1],"values":[NaN]})").find("not valid JSON") != std::string::npos);
  CHECK(detail(R"({"timestamps":[1],"values":[1e999]})").find("not valid JSON") != std::string::npos);
  CHECK(detail(R"({"timestamps":[99999999999999999999],"values":[1]})")
        == "timestamps[0] must be an integer");
}

TEST_CASE("codec: deeply nested JSON is rejected without exhausting the stack") {
  std::string deep(1 << 20, '[');
  CHECK_FALSE(decode_fit(deep).ok());
}

TEST_CASE("codec: predict timestamp as digits or integer; value a number") {
  auto a = decode_predict(R"({"timestamp":"1705001000","value":10.5})");
  REQUIRE(a.ok());
  CHECK(a.value().timestamp == 1705001000);
  CHECK(a.value().value == 10.5);
  auto b = decode_predict(R"({"timestamp":1705001000,"value":3})");
  REQUIRE(b.ok());
  CHECK(b.value().value == 3.0);
  auto detail = [](const char* body) {
    auto r = decode_predict(body);
    REQUIRE_FALSE(r.ok());
    return r.detail();
  };
  CHECK(detail(R"({"value":1})") == "timestamp is required");
  CHECK(detail(R"({"timestamp":"1"})") == "value is required");
  CHECK(detail(R"({"timestamp":"12ab","value":1})").find("timestamp") != std::string::npos);
  CHECK(detail(R"({"timestamp":-5,"value":1})").find("timestamp") != std::string::npos);
  CHECK(detail(R"({"timestamp":1.5,"value":1})").find("timestamp") != std::string::npos);
  CHECK(detail(R"({"timestamp":"1","value":"10"})") == "value must be a number");
}

TEST_CASE("codec: responses carry exactly the contract's keys") {
  model::version_record r{3, {6, 1.5, 0.5}, 0, {}, {}};
  CHECK(encode_fit("s1", r) == R"({"series_id":"s1","version":"3","points_used":6})");
  CHECK(encode_prediction({true, 2}) == R"({"anomaly":true,"model_version":"2"})");
  latency_histogram empty;
  CHECK(encode_healthcheck(4, empty, empty)
        == R"({"series_trained":4,"inference_latency_ms":{"avg":0.0,"p95":0.0},)"
           R"("training_latency_ms":{"avg":0.0,"p95":0.0}})");
  CHECK(encode_error("x \"y\"") == R"({"detail":"x \"y\""})");
}

TEST_CASE("latency: mean is exact, quantiles within a bucket") {
  latency_histogram h;
  for (int i = 1; i <= 100; ++i)
    h.record(static_cast<uint64_t>(i) * 1000); // 1..100 ms
  CHECK(h.count() == 100);
  CHECK(h.mean_ms() == doctest::Approx(50.5));
  CHECK(h.quantile_ms(0.95) == doctest::Approx(95).epsilon(0.125));
  CHECK(h.quantile_ms(0.5) == doctest::Approx(50).epsilon(0.125));
  CHECK(h.count_at_or_below(10'000) >= 9);
}
