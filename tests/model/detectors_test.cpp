// Each detector's math, through the catalogue (model/detectors/*.cpp).
#include <doctest/doctest.h>

#include <cmath>

#include "model/detector.hpp"
#include "tests/model/detector_support.hpp"

using namespace model;
using testing::at;
using testing::data_of;
using testing::fitted_on;
using testing::num;
using testing::spec;
using testing::text;

TEST_CASE("contract detector: the contract's rule, bit for bit") {
  auto d = data_of({1, 2, 3, 4, 5.5});
  auto f = fitted_on(spec("contract"), d);
  auto stats = fit(d, 3).value();
  for (double v : {0.0, 3.0, stats.threshold(), std::nextafter(stats.threshold(), 1e9), 100.0}) {
    auto j = judge(detector_spec{}, f.stats, f.state, at(v));
    CHECK(j.anomaly == is_anomaly(stats, v));
    CHECK(j.upper == stats.threshold());
    CHECK_FALSE(j.lower);
  }
  CHECK_FALSE(fit_detector(detector_spec{}, data_of({2, 2, 2}), 3));
  CHECK_FALSE(fit_detector(detector_spec{}, training_data{{1, 2, 2}, {1, 2, 3}}, 3));
}

TEST_CASE("zscore detector: bounds, directions and the absolute floor") {
  // numpy: mean([1,2,3,4,5]) = 3, std = 1.4142135623730951
  auto both = spec("zscore", {num("k", 2)});
  auto f = fitted_on(both, data_of({1, 2, 3, 4, 5}));
  auto j = judge(both, f.stats, f.state, at(6));
  CHECK(*j.upper == doctest::Approx(3 + 2 * 1.4142135623730951));
  CHECK(*j.lower == doctest::Approx(3 - 2 * 1.4142135623730951));
  CHECK(j.anomaly);
  CHECK(j.score == doctest::Approx(3 / 1.4142135623730951));
  CHECK(j.anomaly_score == doctest::Approx(3 / (2 * 1.4142135623730951)));
  CHECK(judge(both, f.stats, f.state, at(0)).side == side::lower);
  auto upper = spec("zscore", {num("k", 2), text("direction", "upper")});
  CHECK_FALSE(judge(upper, f.stats, f.state, at(0)).anomaly);
  CHECK_FALSE(judge(upper, f.stats, f.state, at(0)).lower);
  auto floored = spec("zscore", {num("k", 2), num("min_deviation", 10)});
  CHECK_FALSE(judge(floored, f.stats, f.state, at(12.9)).anomaly);
  CHECK(judge(floored, f.stats, f.state, at(13.1)).anomaly);
  CHECK_FALSE(fit_detector(both, data_of({7, 7, 7}), 3));
  CHECK(fit_detector(floored, data_of({7, 7, 7}), 3));
}

TEST_CASE("mad detector: robust to outliers; its floor follows the values' magnitude") {
  // median([1,2,3,4,100]) = 3; |x-3| = [2,1,0,1,97], median 1; scale 1.4826
  auto m = spec("mad");
  auto f = fitted_on(m, data_of({1, 2, 3, 4, 100}));
  CHECK(f.state.numbers[0] == 3);
  CHECK(f.state.numbers[1] == doctest::Approx(1.4826));
  CHECK(judge(m, f.stats, f.state, at(9)).anomaly); // 9 > 3 + 3.5 * 1.4826 = 8.19
  CHECK_FALSE(judge(m, f.stats, f.state, at(8)).anomaly);
  auto flat = fitted_on(m, data_of({7, 7, 7, 7}));
  CHECK(flat.state.numbers[1] == doctest::Approx(7e-9)); // 1e-9 * |7|
  CHECK(judge(m, flat.stats, flat.state, at(7.001)).anomaly);
  // A flat series at 1e8: one ulp there is 1.5e-8, above an absolute 1e-9
  // floor; relative to the magnitude the floor is 0.1, so the last bit's
  // noise is not an alarm, a real move is.
  auto big = fitted_on(m, data_of({1e8, 1e8, 1e8}));
  CHECK_FALSE(judge(m, big.stats, big.state, at(std::nextafter(std::nextafter(1e8, 2e8), 2e8))).anomaly);
  CHECK(judge(m, big.stats, big.state, at(1e8 + 1)).anomaly);
  CHECK_FALSE(fit_detector(spec("mad", {num("min_scale", 0), num("min_scale_relative", 0)}),
                           data_of({7, 7, 7}), 3));
  CHECK(fit_detector(spec("mad", {num("min_scale", 0)}), data_of({7, 7, 7}), 3)); // relative floor
}

TEST_CASE("ewma detector: starts from the training statistics, then learns each point") {
  // Three training points: before, the variance started at 0 and the first
  // predict alarmed almost surely; from the training std it does not.
  auto e = spec("ewma");
  auto three = fitted_on(e, data_of({10, 11, 10}));
  CHECK_FALSE(judge(e, three.stats, three.state, at(10.6)).anomaly);
  CHECK(judge(e, three.stats, three.state, at(20)).anomaly);
  // alpha 0.5 over [1, 2, 3] from mean 2, var 2/3: 1.5, 1.75, 2.375.
  auto half = spec("ewma", {num("alpha", 0.5), num("k", 2)});
  auto f = fitted_on(half, data_of({1, 2, 3}));
  CHECK(f.state.numbers[0] == doctest::Approx(2.375));
  CHECK(f.state.learned == 0);
  auto state = f.state;
  double before = state.numbers[0];
  auto j = judge_and_learn(half, f.stats, state, at(10));
  CHECK(j.expected == doctest::Approx(before)); // judged by the state before the point
  CHECK(state.numbers[0] == doctest::Approx(before + 0.5 * (10 - before)));
  CHECK(state.learned == 1);
  for (int i = 0; i < 20; ++i)
    judge_and_learn(half, f.stats, state, at(10));
  CHECK_FALSE(judge(half, f.stats, state, at(10)).anomaly); // a level shift is followed
}

TEST_CASE("range detector: the ranges of its window, of its moving mean and of its season") {
  // window 6 in 3 blocks of 2, a 3-point mean, margin 0.5, no season: after
  // [1, 5, 2, 3, 10] the value range is [2, 5], widened by 1.5 to [0.5, 6.5].
  std::vector<detector_param> base{num("window", 6), num("blocks", 3), num("smooth", 3),
                                   num("margin", 0.5), num("cooldown", 0), num("period_s", 0)};
  auto r = spec("range", base);
  auto f = fitted_on(r, data_of({1, 5, 2, 3, 10}));
  auto j = judge(r, f.stats, f.state, at(7));
  CHECK(j.anomaly);
  CHECK(*j.upper == doctest::Approx(6.5));
  CHECK(*j.lower == doctest::Approx(0.5));
  CHECK(j.expected == doctest::Approx(3.5));
  CHECK(judge(r, f.stats, f.state, at(-1)).anomaly);
  // 6 is inside the value's bounds, but the mean (3 + 10 + 6) / 3 is above 11/3.
  CHECK(judge(r, f.stats, f.state, at(6)).anomaly);
  auto floor = base;
  floor.push_back(num("min_deviation", 100));
  auto fl = spec("range", floor);
  auto ff = fitted_on(fl, data_of({1, 5, 2, 3, 10}));
  CHECK_FALSE(judge(fl, ff.stats, ff.state, at(50)).anomaly);
  CHECK(judge(fl, ff.stats, ff.state, at(200)).anomaly);
  auto state = f.state;
  for (int i = 0; i < 8; ++i)
    judge_and_learn(r, f.stats, state, at(50 + i % 2));
  CHECK_FALSE(judge(r, f.stats, state, at(50.5)).anomaly); // a new level, once it fills the window
  CHECK(state.learned == 8);
}

TEST_CASE("range detector: its seasonal view flags a value unusual for its phase, by timestamp") {
  // A period of 100 s in 10 phases: a square wave, 0 in the first half of
  // each period and 10 in the second, one point per 10 s, for 20 periods.
  auto r = spec("range", {num("period_s", 100), num("phases", 10), num("cooldown", 0),
                          num("window", 200), num("smooth", 1), num("season_margin", 0.5)});
  training_data d;
  for (int64_t t = 0; t < 2000; t += 10) {
    d.timestamps.push_back(t);
    d.values.push_back(t % 100 < 50 ? 0 : 10);
  }
  auto f = fitted_on(r, d);
  // 10 in the first half is within the value range [0, 10] but a day-on-day jump.
  CHECK_FALSE(judge(r, f.stats, f.state, at(10, 2050)).anomaly);
  auto j = judge(r, f.stats, f.state, at(10, 2000));
  CHECK(j.anomaly);
  CHECK(j.side == side::upper);
  // After a gap of more than a period there is no reference: no seasonal verdict.
  CHECK_FALSE(judge(r, f.stats, f.state, at(10, 2500)).anomaly);
}

TEST_CASE("seasonal detector: a median and scale per phase of the period") {
  training_data d;
  for (int64_t t = 0; t < 400; t += 5) {
    d.timestamps.push_back(t);
    int phase = static_cast<int>((t % 100) / 25);
    d.values.push_back(10.0 * phase + static_cast<double>((t % 25) / 5 - 2)); // -2..2
  }
  auto s = spec("seasonal", {num("period_s", 100), num("phases", 4), num("k", 3)});
  auto f = fitted_on(s, d);
  REQUIRE(f.state.numbers.size() == 2 + 2 * 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(f.state.numbers[2 + i] == doctest::Approx(10.0 * i));
    CHECK(f.state.numbers[6 + i] == doctest::Approx(1.4826));
  }
  CHECK(detector_of(s).phases(s) == 4);
  CHECK_FALSE(judge(s, f.stats, f.state, at(30, 80)).anomaly);
  CHECK(judge(s, f.stats, f.state, at(30, 5)).anomaly);
  CHECK(judge(s, f.stats, f.state, at(30, -20)).expected == doctest::Approx(30)); // before 1970: a phase
}

TEST_CASE("detectors: all but the contract accept repeated timestamps, not decreasing ones") {
  training_data d{{1, 2, 2, 3}, {1, 2, 3, 4}};
  for (const char* type : {"zscore", "mad", "ewma", "seasonal", "range"})
    CHECK(fit_detector(spec(type), d, 3));
  auto f = fit_detector(spec("mad"), training_data{{1, 3, 2}, {1, 2, 3}}, 3);
  REQUIRE_FALSE(f);
  CHECK(f.detail().find("must not decrease") != std::string::npos);
}
