#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/azure/changepoint.hpp"
#include "model/azure/detect.hpp"
#include "model/azure/series.hpp"
#include "model/azure/timestamps.hpp"

using namespace model::azure;

namespace {

constexpr int64_t minute_us = 60 * 1000000LL;

/// n five-minute points: 100 + a daily wave of amplitude `amp` + noise (sd 1).
detect_request seasonal(std::size_t n, double amp, unsigned seed) {
  std::mt19937 rng{seed};
  std::normal_distribution<double> noise{0, 1};
  detect_request r;
  r.options.gran = granularity::minutely;
  r.options.custom_interval = 5;
  int64_t t0 = *parse_iso8601("2021-03-01T00:00:00Z");
  for (std::size_t i = 0; i < n; ++i)
    r.series.push_back({t0 + static_cast<int64_t>(i) * 5 * minute_us,
                        100 + amp * std::sin(2 * M_PI * static_cast<double>(i) / 288) + noise(rng)});
  return r;
}

std::vector<std::size_t> flagged(const entire_result& r) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < r.anomaly.size(); ++i)
    if (r.anomaly[i])
      out.push_back(i);
  return out;
}

changepoint_request as_changepoint(const detect_request& d) {
  changepoint_request c;
  c.series = d.series;
  c.options = d.options;
  return c;
}

} // namespace

TEST_CASE("azure entire: a seasonal series with spikes: the spikes, and nothing else, are anomalies") {
  auto r = seasonal(288 * 8, 10, 1);
  r.series[500].value += 12;
  r.series[1500].value -= 12;
  auto res = detect_entire(r);
  REQUIRE(res.ok());
  const auto& e = res.value();
  CHECK(e.period == 288);
  CHECK(flagged(e) == std::vector<std::size_t>{500, 1500});
  CHECK(e.positive[500]);
  CHECK_FALSE(e.negative[500]);
  CHECK(e.negative[1500]);
  CHECK(e.severity[500] > 0.3); // 1 - margin / |residual|: a 12 sd spike, a margin of ~6 sd
  CHECK(e.severity[501] == 0);
  CHECK(e.expected[500] == doctest::Approx(100 + 10 * std::sin(2 * M_PI * 500 / 288)).epsilon(0.02));
  CHECK(e.upper_margin[0] == e.lower_margin[0]);
  CHECK(e.upper_margin[0] == doctest::Approx(2 * std::sqrt(5.0)).epsilon(0.15)); // noise sd 1
}

TEST_CASE("azure entire: a flat series has no anomalies and zero margins; a spike on it is one") {
  auto r = seasonal(100, 0, 2);
  for (auto& p : r.series)
    p.value = 42;
  auto flat = detect_entire(r);
  REQUIRE(flat.ok());
  CHECK(flat.value().period == 0);
  CHECK(flagged(flat.value()).empty());
  CHECK(flat.value().upper_margin[50] < 1e-9); // 1e-12 of the values: rounding is not news
  CHECK(flat.value().expected[99] == 42);
  r.series[60].value = 43;
  auto spike = detect_entire(r);
  CHECK(flagged(spike.value()) == std::vector<std::size_t>{60});
}

TEST_CASE("azure entire: a lower sensitivity widens the margins") {
  auto r = seasonal(1000, 0, 3);
  r.series[300].value += 6;
  r.sensitivity = 95;
  auto sensitive = detect_entire(r).value();
  r.sensitivity = 10;
  auto dull = detect_entire(r).value();
  CHECK(dull.upper_margin[0] > 3 * sensitive.upper_margin[0]);
  CHECK(sensitive.anomaly[300]);
  CHECK_FALSE(dull.anomaly[300]);
}

TEST_CASE("azure entire: answers one entry per input point when gaps are filled") {
  auto r = seasonal(400, 5, 4);
  r.series.erase(r.series.begin() + 100, r.series.begin() + 130);
  for (auto mode : {impute_mode::auto_fill, impute_mode::previous, impute_mode::linear,
                    impute_mode::fixed, impute_mode::zero, impute_mode::not_fill}) {
    r.impute = mode;
    r.impute_fixed_value = 100;
    auto res = detect_entire(r);
    REQUIRE(res.ok());
    CHECK(res.value().expected.size() == 370);
    CHECK(res.value().anomaly.size() == 370);
  }
}

TEST_CASE("azure last: a spike at the end is anomalous, an ordinary last point is not") {
  auto r = seasonal(288 * 5, 10, 5);
  auto normal = detect_last(r);
  REQUIRE(normal.ok());
  CHECK(normal.value().period == 288);
  CHECK(normal.value().suggested_window == 4 * 288 + 1);
  CHECK_FALSE(normal.value().anomaly);
  CHECK(normal.value().severity == 0);
  double wave_end = 100 + 10 * std::sin(2 * M_PI * (288 * 5 - 1) / 288);
  CHECK(normal.value().expected == doctest::Approx(wave_end).epsilon(0.02));
  r.series.back().value -= 15;
  auto dip = detect_last(r).value();
  CHECK(dip.anomaly);
  CHECK(dip.negative);
  CHECK_FALSE(dip.positive);
  CHECK(dip.severity > 0);
}

TEST_CASE("azure last: a linear trend is followed to the last point") {
  auto r = seasonal(200, 0, 6);
  for (std::size_t i = 0; i < r.series.size(); ++i)
    r.series[i].value += 2.0 * static_cast<double>(i);
  auto last = detect_last(r).value();
  CHECK(last.period == 0);
  CHECK(last.suggested_window == 14); // the level's window, and the point
  CHECK(last.expected == doctest::Approx(100 + 2.0 * 199).epsilon(0.005));
  CHECK_FALSE(last.anomaly);
}

TEST_CASE("azure last: the service's monthly example finds its yearly period") {
  const double values[] = {826, 799, 890, 900, 961, 935, 894, 855, 809, 810, 766, 805,
                           821, 773, 883, 898, 957, 924, 881, 837, 784, 791, 760, 802,
                           828, 1030, 889, 902, 969, 947, 908, 867, 815, 812, 773, 813,
                           834, 782, 892, 903, 966, 937, 896, 858, 817, 827, 797, 843};
  detect_request r;
  r.options.gran = granularity::monthly;
  r.sensitivity = 95;
  r.max_anomaly_ratio = 0.25;
  for (int i = 0; i < 48; ++i)
    r.series.push_back({days_from_civil(1972 + i / 12, static_cast<unsigned>(i % 12 + 1), 1)
                          * 86400 * 1000000LL, values[i]});
  auto last = detect_last(r).value();
  CHECK(last.period == 12);
  CHECK(last.suggested_window == 49); // as the service answered
  CHECK_FALSE(last.anomaly);
  auto entire = detect_entire(r).value();
  CHECK(entire.anomaly[25]); // 1030 in February 1974
}

TEST_CASE("azure changepoint: a level shift is found at its first point, and nothing else") {
  auto r = seasonal(2000, 0, 7);
  for (std::size_t i = 1200; i < r.series.size(); ++i)
    r.series[i].value += 6;
  auto res = detect_change_points(as_changepoint(r));
  REQUIRE(res.ok());
  std::vector<std::size_t> changes;
  for (std::size_t i = 0; i < res.value().change_point.size(); ++i)
    if (res.value().change_point[i])
      changes.push_back(i);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] >= 1198);
  CHECK(changes[0] <= 1202);
  CHECK(res.value().confidence[changes[0]] > 0.5);
  CHECK(res.value().confidence[600] < 0.5);
}

TEST_CASE("azure changepoint: a change of trend is found; noise, a spike and a short bump are not") {
  auto noise = seasonal(3000, 10, 8); // seasonal noise only
  noise.series[700].value += 30;      // a spike
  for (std::size_t i = 1500; i < 1504; ++i)
    noise.series[i].value += 8; // shorter than stableTrendWindow
  auto quiet = detect_change_points(as_changepoint(noise)).value();
  CHECK(quiet.period == 288);
  CHECK(std::count(quiet.change_point.begin(), quiet.change_point.end(), true) == 0);
  auto r = seasonal(1000, 0, 9);
  for (std::size_t i = 600; i < r.series.size(); ++i)
    r.series[i].value += 0.5 * static_cast<double>(i - 600);
  auto c = as_changepoint(r);
  c.stable_trend_window = 30;
  auto kink = detect_change_points(c).value();
  std::size_t found = 0;
  for (std::size_t i = 0; i < kink.change_point.size(); ++i)
    if (kink.change_point[i])
      found = i;
  CHECK(found >= 590);
  CHECK(found <= 610);
}

TEST_CASE("azure detect: model arguments out of range are refused with their codes") {
  auto r = seasonal(100, 0, 10);
  auto code = [](const auto& res) { return res.ok() ? error_code::invalid_model_argument : res.error().code; };
  for (double s : {-1.0, 100.0, 50.5}) {
    r.sensitivity = s;
    CHECK(code(detect_entire(r)) == error_code::bad_argument);
  }
  r.sensitivity.reset();
  for (double ratio : {0.0, 0.5, -0.1}) {
    r.max_anomaly_ratio = ratio;
    CHECK(code(detect_last(r)) == error_code::bad_argument);
  }
  r.max_anomaly_ratio.reset();
  r.impute = impute_mode::fixed;
  CHECK(code(detect_entire(r)) == error_code::invalid_impute_fixed_value);
  r.impute_fixed_value = 1;
  CHECK(detect_entire(r).ok());
  auto c = as_changepoint(r);
  for (double w : {2.0, 51.0, 10.5}) {
    c.stable_trend_window = w;
    CHECK(code(detect_change_points(c)) == error_code::bad_argument);
  }
  c.stable_trend_window.reset();
  for (double t : {0.0, 1.5}) {
    c.threshold = t;
    CHECK(code(detect_change_points(c)) == error_code::bad_argument);
  }
  c.threshold.reset();
  c.options.gran.reset();
  CHECK(code(detect_change_points(c)) == error_code::required_granularity);
}

TEST_CASE("azure detect: 8,640 points, periodic or not, are answered for every operation") {
  for (double amp : {0.0, 10.0}) {
    auto r = seasonal(max_points, amp, 11);
    auto entire = detect_entire(r);
    REQUIRE(entire.ok());
    CHECK(entire.value().period == (amp > 0 ? 288 : 0));
    CHECK(detect_last(r).ok());
    CHECK(detect_change_points(as_changepoint(r)).ok());
  }
}

TEST_CASE("azure detect: values at the float range's edge give finite answers") {
  auto r = seasonal(500, 10, 12);
  for (std::size_t i = 0; i < r.series.size(); ++i)
    r.series[i].value = (i % 2 ? 3.4e38 : -3.4e38) * (i % 7 == 0 ? 1 : 0.5);
  auto e = detect_entire(r);
  REQUIRE(e.ok());
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    REQUIRE(std::isfinite(e.value().expected[i]));
    REQUIRE(std::isfinite(e.value().upper_margin[i]));
    REQUIRE(std::isfinite(e.value().severity[i]));
  }
  auto l = detect_last(r);
  REQUIRE(l.ok());
  CHECK(std::isfinite(l.value().expected + l.value().upper_margin));
  auto c = detect_change_points(as_changepoint(r));
  REQUIRE(c.ok());
  for (double v : c.value().confidence)
    REQUIRE(std::isfinite(v));
}
