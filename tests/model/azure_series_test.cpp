#include <doctest/doctest.h>

#include <cmath>

#include "model/azure/series.hpp"
#include "model/azure/timestamps.hpp"

using namespace model::azure;

namespace {

constexpr int64_t us = 1000000;

/// n points `step_s` seconds apart from 2021-01-01T00:00:00Z, values 0, 1, 2, ...
std::vector<point> points(std::size_t n, int64_t step_s = 60) {
  std::vector<point> out;
  int64_t t0 = 1609459200 * us;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({t0 + static_cast<int64_t>(i) * step_s * us, static_cast<double>(i)});
  return out;
}

series_settings minutely(int64_t interval = 1) {
  series_settings s;
  s.gran = granularity::minutely;
  s.interval = interval;
  return s;
}

api_error refusal(const std::vector<point>& p, const series_settings& s,
                  fill_rule f = {impute_mode::auto_fill, 0}) {
  auto r = prepare(p, s, f);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

} // namespace

TEST_CASE("azure timestamps: ISO 8601 forms parse to UTC microseconds") {
  CHECK(parse_iso8601("1972-01-01T00:00:00Z") == 63072000 * us);
  CHECK(parse_iso8601("1972-01-01T00:00:00.000Z") == 63072000 * us); // what JavaScript's toISOString sends
  CHECK(parse_iso8601("1972-01-01") == 63072000 * us);
  CHECK(parse_iso8601("1972-01-01 01:00:00+01:00") == 63072000 * us);
  CHECK(parse_iso8601("1971-12-31T19:00-05:00") == 63072000 * us);
  CHECK(parse_iso8601("1972-01-01T05:30:00+0530") == 63072000 * us);
  CHECK(parse_iso8601("2017-01-01T06:45:00.25Z") == (1483253100 * us + 250000));
  CHECK(parse_iso8601("2017-01-01T06:45:00.1234567Z") == (1483253100 * us + 123456));
  CHECK(parse_iso8601("2020-02-29T00:00:00Z").has_value());
  for (const char* bad : {"", "2019-02-29", "2021-13-01", "2021-01-01T24:00:00Z", "2021-01-01T10:61",
                          "2021-01-01T10:00:00Q", "2021-01-01T10:00:00.Z", "21-01-01", "2021-01-01T",
                          "2021-01-01T10:00:00Z trailing", "0000-01-01", "1e9"})
    CHECK_MESSAGE(!parse_iso8601(bad), bad);
}

TEST_CASE("azure timestamps: grid positions count calendar months and fixed steps") {
  int64_t jan31 = *parse_iso8601("2021-01-31T10:00:00Z");
  grid_step monthly{granularity::monthly, 1};
  CHECK(grid_position(monthly, jan31, *parse_iso8601("2021-02-28T10:00:00Z")) == 1);
  CHECK(grid_position(monthly, jan31, *parse_iso8601("2021-03-31T10:00:00Z")) == 2);
  CHECK(grid_position(monthly, jan31, *parse_iso8601("2022-01-31T10:00:00Z")) == 12);
  CHECK_FALSE(grid_position(monthly, jan31, *parse_iso8601("2021-02-27T10:00:00Z")));
  CHECK_FALSE(grid_position(monthly, jan31, *parse_iso8601("2021-03-31T10:00:01Z")));
  CHECK(grid_position({granularity::monthly, 3}, jan31, *parse_iso8601("2021-07-31T10:00:00Z")) == 2);
  CHECK_FALSE(grid_position({granularity::monthly, 3}, jan31, *parse_iso8601("2021-06-30T10:00:00Z")));
  CHECK(grid_position({granularity::yearly, 1}, jan31, *parse_iso8601("2024-01-31T10:00:00Z")) == 3);
  int64_t t0 = 1609459200 * us;
  CHECK(grid_position({granularity::minutely, 5}, t0, t0 + 600 * us) == 2);
  CHECK_FALSE(grid_position({granularity::minutely, 5}, t0, t0 + 420 * us));
  CHECK(grid_position({granularity::weekly, 1}, t0, t0 + 14 * 86400 * us) == 2);
  CHECK(grid_position({granularity::microsecond, 1}, t0, t0 + 7) == 7);
  CHECK_FALSE(grid_position({granularity::daily, 2000000000}, t0, t0 + 86400 * us)); // no overflow
}

TEST_CASE("azure series: fewer than 12 or more than 8640 points are InvalidSeries") {
  CHECK(refusal(points(11), minutely()).code == error_code::invalid_series);
  CHECK(refusal(points(11), minutely()).detail.find("at least 12") != std::string::npos);
  CHECK(refusal(points(8641), minutely()).detail.find("at most 8640") != std::string::npos);
  CHECK(prepare(points(12), minutely(), {}).ok());
  CHECK(prepare(points(8640), minutely(), {}).ok());
}

TEST_CASE("azure series: timestamps out of order, repeated or off the grid are InvalidSeries") {
  auto p = points(20);
  std::swap(p[5].time_us, p[6].time_us);
  CHECK(refusal(p, minutely()).detail.find("series[6].timestamp is earlier") != std::string::npos);
  p = points(20);
  p[7].time_us = p[6].time_us;
  CHECK(refusal(p, minutely()).detail.find("series[7].timestamp repeats") != std::string::npos);
  p = points(20);
  *p[9].time_us += 30 * us;
  auto off = refusal(p, minutely());
  CHECK(off.code == error_code::invalid_series);
  CHECK(off.detail.find("series[9].timestamp is not on the grid") != std::string::npos);
  CHECK(refusal(points(20, 60), minutely(5)).detail.find("series[1]") != std::string::npos);
  p = points(20);
  p[3].time_us.reset();
  CHECK(refusal(p, minutely()).detail.find("series[3].timestamp is required") != std::string::npos);
}

TEST_CASE("azure series: values must be finite and within the float range") {
  auto p = points(20);
  p[4].value = NAN;
  CHECK(refusal(p, minutely()).detail.find("series[4].value") != std::string::npos);
  p[4].value = 1e39;
  CHECK(refusal(p, minutely()).code == error_code::invalid_series);
  p[4].value = -3.4e38;
  CHECK(prepare(p, minutely(), {}).ok());
}

TEST_CASE("azure series: without a granularity the points are taken as they are") {
  auto p = points(15);
  for (auto& x : p)
    x.time_us.reset();
  auto r = prepare(p, series_settings{}, {});
  REQUIRE(r.ok());
  CHECK(r.value().values.size() == 15);
  CHECK(r.value().position[14] == 14);
}

TEST_CASE("azure series: each impute mode fills a gap its own way") {
  auto p = points(14); // values 0..13, one minute apart; drop minutes 5 and 6
  p.erase(p.begin() + 5, p.begin() + 7);
  auto filled = [&](impute_mode m, double fixed = 0) {
    auto r = prepare(p, minutely(), {m, fixed});
    REQUIRE(r.ok());
    return r.value();
  };
  auto linear = filled(impute_mode::linear);
  CHECK(linear.values.size() == 14);
  CHECK(linear.values[5] == doctest::Approx(5));
  CHECK(linear.values[6] == doctest::Approx(6));
  CHECK(linear.position == std::vector<std::size_t>{0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13});
  CHECK(filled(impute_mode::auto_fill).values[6] == doctest::Approx(6));
  CHECK(filled(impute_mode::previous).values[5] == 4);
  CHECK(filled(impute_mode::previous).values[6] == 4);
  CHECK(filled(impute_mode::fixed, 800).values[6] == 800);
  CHECK(filled(impute_mode::zero).values[5] == 0);
  auto kept = filled(impute_mode::not_fill);
  CHECK(kept.values.size() == 12);
  CHECK(kept.values[5] == 7);
  CHECK(kept.position[5] == 5);
}

TEST_CASE("azure series: at most as many points are filled as were given") {
  auto p = points(12);
  *p.back().time_us += 12 * 60 * us; // 12 missing minutes before the last point
  CHECK(prepare(p, minutely(), {}).ok());
  *p.back().time_us += 60 * us; // 13
  CHECK(refusal(p, minutely()).detail.find("13 points of its grid missing") != std::string::npos);
  CHECK(prepare(p, minutely(), {impute_mode::not_fill, 0}).ok());
}

TEST_CASE("azure series: options are checked with their own codes") {
  series_options o;
  CHECK(check_settings(o, true).error().code == error_code::required_granularity);
  o.gran = granularity::none;
  CHECK(check_settings(o, true).error().code == error_code::invalid_granularity);
  CHECK(check_settings(o, false).ok());
  o.gran = granularity::hourly;
  for (double c : {0.0, -1.0, 2.5, 3e9}) {
    o.custom_interval = c;
    CHECK(check_settings(o, false).error().code == error_code::invalid_custom_interval);
  }
  o.custom_interval = 5;
  CHECK(check_settings(o, false).value().interval == 5);
  for (double p : {-1.0, 1.5}) {
    o.period = p;
    CHECK(check_settings(o, false).error().code == error_code::invalid_period);
  }
  o.period = 0;
  CHECK(check_settings(o, false).value().period == std::size_t{0});
}

TEST_CASE("azure series: a given period needs four periods of points") {
  series_settings s = minutely();
  s.period = 5;
  CHECK(prepare(points(20), s, {}).ok());
  auto e = refusal(points(19), s);
  CHECK(e.code == error_code::invalid_series);
  CHECK(e.detail.find("needs at least 20 points") != std::string::npos);
}
