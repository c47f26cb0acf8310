#include <doctest/doctest.h>

#include <cmath>

#include "model/detector.hpp"

using namespace model;

namespace {

training_data data_of(std::vector<double> values) {
  training_data d;
  for (std::size_t i = 0; i < values.size(); ++i)
    d.timestamps.push_back(static_cast<int64_t>(1000 + i));
  d.values = std::move(values);
  return d;
}

detector_spec spec(std::string_view type, std::vector<detector_param> params = {}) {
  auto s = make_detector(type, params);
  REQUIRE_MESSAGE(s, (s ? "" : s.detail()));
  return s.value();
}

detector_param num(std::string name, double x) {
  return {std::move(name), x, std::nullopt};
}

detector_param text(std::string name, std::string x) {
  return {std::move(name), std::nullopt, std::move(x)};
}

} // namespace

TEST_CASE("detector: defaults come from the catalogue") {
  auto z = spec("zscore");
  CHECK(z.type == detector_type::zscore);
  CHECK(z.k == 3);
  CHECK(z.dir == direction::both);
  CHECK(z.min_deviation == 0);
  auto m = spec("mad");
  CHECK(m.k == 3.5);
  CHECK(m.min_scale == 1e-9);
  CHECK(spec("contract").type == detector_type::contract);
  CHECK(detector_catalogue().size() == 6);
  auto r = spec("range");
  CHECK(r.window == 3000);
  CHECK(r.blocks == 16);
  CHECK(r.margin == 0.05);
  CHECK(r.smooth == 10);
  CHECK(r.cooldown == 100);
  CHECK(r.dir == direction::both);
  CHECK(is_online(detector_type::range));
  CHECK(spec("ewma").alpha == 0.01);
  CHECK(spec("ewma").k == 5);
  CHECK(spec("ewma").cooldown == 100);
  CHECK(is_online(detector_type::ewma));
  CHECK_FALSE(is_online(detector_type::mad));
}

TEST_CASE("detector: bad specs are refused naming what is wrong") {
  auto problem = [](std::string_view type, std::vector<detector_param> params) {
    auto s = make_detector(type, params);
    REQUIRE_FALSE(s);
    return s.detail();
  };
  CHECK(problem("holt", {}).find("detector.type") != std::string::npos);
  CHECK(problem("ewma", {num("alpha", 0)}).find("detector.alpha") != std::string::npos);
  CHECK(problem("ewma", {num("alpha", 1.5)}).find("detector.alpha") != std::string::npos);
  CHECK(problem("zscore", {num("kk", 3)}).find("\"kk\"") != std::string::npos);
  CHECK(problem("contract", {num("k", 3)}).find("takes none") != std::string::npos);
  CHECK(problem("zscore", {num("k", 0)}).find("detector.k must be between") != std::string::npos);
  CHECK(problem("zscore", {num("k", NAN)}).find("detector.k") != std::string::npos);
  CHECK(problem("zscore", {text("k", "3")}).find("detector.k must be a number") != std::string::npos);
  CHECK(problem("mad", {text("direction", "up")}).find("detector.direction") != std::string::npos);
  CHECK(problem("mad", {num("direction", 1)}).find("detector.direction") != std::string::npos);
  CHECK(problem("mad", {num("min_scale", -1)}).find("detector.min_scale") != std::string::npos);
}

TEST_CASE("detector: the contract detector is the contract's rule, bit for bit") {
  auto d = data_of({1, 2, 3, 4, 5.5});
  auto f = fit_detector(spec("contract"), d, 3);
  REQUIRE(f);
  auto stats = fit(d, 3).value();
  for (double v : {0.0, 3.0, stats.threshold(), std::nextafter(stats.threshold(), 1e9), 100.0}) {
    auto j = judge(spec("contract"), f.value().stats, f.value().params, v);
    CHECK(j.anomaly == is_anomaly(stats, v));
    CHECK(j.upper == stats.threshold());
    CHECK_FALSE(j.lower);
  }
  // Still the contract's rules: flat values and repeated timestamps are refused.
  CHECK_FALSE(fit_detector(spec("contract"), data_of({2, 2, 2}), 3));
}

TEST_CASE("detector: zscore bounds, directions and the absolute floor") {
  // numpy: mean([1,2,3,4,5]) = 3, std = 1.4142135623730951
  auto d = data_of({1, 2, 3, 4, 5});
  auto both = spec("zscore", {num("k", 2)});
  auto f = fit_detector(both, d, 3).value();
  CHECK(f.params.center == doctest::Approx(3));
  CHECK(f.params.scale == doctest::Approx(1.4142135623730951));
  auto j = judge(both, f.stats, f.params, 6);
  CHECK(*j.upper == doctest::Approx(3 + 2 * 1.4142135623730951));
  CHECK(*j.lower == doctest::Approx(3 - 2 * 1.4142135623730951));
  CHECK(j.anomaly); // 6 > 5.83
  CHECK(j.score == doctest::Approx(3 / 1.4142135623730951));
  CHECK(judge(both, f.stats, f.params, 0).anomaly); // 0 < 0.17
  auto upper = spec("zscore", {num("k", 2), text("direction", "upper")});
  CHECK_FALSE(judge(upper, f.stats, f.params, 0).anomaly);
  CHECK_FALSE(judge(upper, f.stats, f.params, 0).lower);
  auto lower = spec("zscore", {num("k", 2), text("direction", "lower")});
  CHECK_FALSE(judge(lower, f.stats, f.params, 6).anomaly);
  CHECK(judge(lower, f.stats, f.params, 0).anomaly);
  auto floored = spec("zscore", {num("k", 2), num("min_deviation", 10)});
  CHECK_FALSE(judge(floored, f.stats, f.params, 12.9).anomaly);
  CHECK(judge(floored, f.stats, f.params, 13.1).anomaly);
}

TEST_CASE("detector: mad is robust to outliers and fits flat series") {
  // median([1,2,3,4,100]) = 3; |x-3| = [2,1,0,1,97], median 1; scale 1.4826
  auto d = data_of({1, 2, 3, 4, 100});
  auto m = spec("mad");
  auto f = fit_detector(m, d, 3).value();
  CHECK(f.params.center == 3);
  CHECK(f.params.scale == doctest::Approx(1.4826));
  CHECK(judge(m, f.stats, f.params, 9).anomaly);        // 9 > 3 + 3.5 * 1.4826 = 8.19
  CHECK_FALSE(judge(m, f.stats, f.params, 8).anomaly);
  auto even = fit_detector(m, data_of({1, 2, 3, 4}), 3).value(); // median 2.5, MAD 1
  CHECK(even.params.center == 2.5);
  CHECK(even.params.scale == doctest::Approx(1.4826));
  auto flat = fit_detector(m, data_of({7, 7, 7, 7}), 3);
  REQUIRE(flat);
  CHECK(flat.value().params.scale == 1e-9);
  CHECK_FALSE(judge(m, flat.value().stats, flat.value().params, 7).anomaly);
  CHECK(judge(m, flat.value().stats, flat.value().params, 7.001).anomaly);
  // Without a floor a flat series cannot be judged.
  CHECK_FALSE(fit_detector(spec("mad", {num("min_scale", 0)}), data_of({7, 7, 7}), 3));
  CHECK(fit_detector(spec("zscore", {num("min_deviation", 1)}), data_of({7, 7, 7}), 3));
}

TEST_CASE("detector: non-contract detectors accept repeated timestamps, not decreasing ones") {
  training_data d{{1, 2, 2, 3}, {1, 2, 3, 4}};
  CHECK(fit_detector(spec("mad"), d, 3));
  CHECK_FALSE(fit_detector(spec("contract"), d, 3));
  training_data back{{1, 3, 2}, {1, 2, 3}};
  auto f = fit_detector(spec("mad"), back, 3);
  REQUIRE_FALSE(f);
  CHECK(f.detail().find("must not decrease") != std::string::npos);
}

TEST_CASE("detector: every number parameter of the catalogue reads back by its name") {
  // Each type's parameters, set to a value of their range other than the
  // default, read back as set: what /series shows.
  for (const auto& doc : detector_catalogue()) {
    std::vector<detector_param> given;
    for (const auto& p : doc.params)
      if (std::string_view{p.kind} == "number")
        given.push_back(num(p.name, p.min + (p.default_value == p.min ? 1 : 0)));
    auto s = spec(name_of(doc.type), given);
    for (const auto& g : given) {
      CAPTURE(g.name);
      CHECK(number_param(s, g.name) == *g.number);
    }
  }
  CHECK(number_param(spec("range"), "window") == 3000);
  CHECK(number_param(spec("ewma"), "alpha") == 0.01);
}

TEST_CASE("detector: specs round-trip through their text form") {
  for (auto s : {spec("contract"), spec("zscore", {num("k", 2.25), text("direction", "lower")}),
                 spec("mad", {num("min_deviation", 0.1), num("min_scale", 1e-3)})}) {
    auto back = from_text(to_text(s));
    REQUIRE(back);
    CHECK(back->type == s.type);
    CHECK(back->k == s.k);
    CHECK(back->dir == s.dir);
    CHECK(back->min_deviation == s.min_deviation);
    CHECK(back->min_scale == s.min_scale);
  }
  auto e = from_text(to_text(spec("ewma", {num("alpha", 0.25), num("cooldown", 7)})));
  REQUIRE(e);
  CHECK(e->alpha == 0.25);
  CHECK(e->cooldown == 7);
  auto r = from_text(to_text(spec("range", {num("window", 500), num("blocks", 5),
                                             num("margin", 0.125), num("smooth", 3)})));
  REQUIRE(r);
  CHECK(r->type == detector_type::range);
  CHECK(r->window == 500);
  CHECK(r->blocks == 5);
  CHECK(r->margin == 0.125);
  CHECK(r->smooth == 3);
  CHECK_FALSE(from_text("holt k=1"));
  CHECK_FALSE(from_text("mad k=x"));
}

TEST_CASE("detector: ewma starts on the training values, then learns each point") {
  // alpha 0.5 over [1, 2, 3]: center 1 -> 1.5 -> 2.25; var 0 -> 0.25 -> 0.6875.
  auto e = spec("ewma", {num("alpha", 0.5), num("k", 2)});
  auto f = fit_detector(e, data_of({1, 2, 3}), 3);
  REQUIRE(f);
  auto state = f.value().params;
  CHECK(state.center == doctest::Approx(2.25));
  CHECK(state.scale == doctest::Approx(std::sqrt(0.6875)));
  CHECK(state.learned == 0);
  // judge alone changes nothing
  auto j = judge(e, f.value().stats, state, 10);
  CHECK(j.anomaly);
  CHECK(*j.upper == doctest::Approx(2.25 + 2 * std::sqrt(0.6875)));
  CHECK(state.center == doctest::Approx(2.25));
  // judge_and_learn judges by the state before the point, then learns it:
  // d = 7.75, center 6.125, var 0.5 * (0.6875 + 0.5 * 60.0625) = 15.359375
  auto learned = judge_and_learn(e, f.value().stats, state, 10);
  CHECK(learned.anomaly);
  CHECK(state.center == doctest::Approx(6.125));
  CHECK(state.scale == doctest::Approx(std::sqrt(15.359375)));
  CHECK(state.learned == 1);
  // A level shift is followed: after a few points at 10, 10 is normal.
  for (int i = 0; i < 20; ++i)
    judge_and_learn(e, f.value().stats, state, 10);
  CHECK_FALSE(judge(e, f.value().stats, state, 10).anomaly);
}

TEST_CASE("detector: range judges by the range of its window and of its moving mean") {
  // window 6 in 3 blocks of 2, a 3-point mean, margin 0.5 (model/range_memory's
  // test computes the ranges): after [1, 5, 2, 3, 10] the value range is
  // [2, 5], widened by 1.5 to [0.5, 6.5]; the mean's range [8/3, 10/3],
  // widened by 1/3 to [7/3, 11/3].
  std::vector<detector_param> base{num("window", 6), num("blocks", 3), num("smooth", 3),
                                   num("margin", 0.5), num("cooldown", 0)};
  auto r = spec("range", base);
  auto f = fit_detector(r, data_of({1, 5, 2, 3, 10}), 3);
  REQUIRE(f);
  auto state = f.value().params;
  CHECK(state.center == doctest::Approx(3.5));
  CHECK(state.scale == doctest::Approx(3));
  auto j = judge(r, f.value().stats, state, 7);
  CHECK(j.anomaly); // above 6.5
  CHECK(*j.upper == doctest::Approx(6.5));
  CHECK(*j.lower == doctest::Approx(0.5));
  CHECK(j.expected == doctest::Approx(3.5));
  CHECK(j.score == doctest::Approx((7 - 3.5) / 3));
  CHECK(judge(r, f.value().stats, state, -1).anomaly); // below 0.5
  // 6 is inside the value's bounds, but the mean (3 + 10 + 6) / 3 is above 11/3.
  CHECK(judge(r, f.value().stats, state, 6).anomaly);
  // With direction upper the low side is never checked: -10 (mean 1) is
  // normal, as long as the mean stays below its upper bound.
  auto up = base;
  up.push_back(text("direction", "upper"));
  auto u = spec("range", up);
  auto fu = fit_detector(u, data_of({1, 5, 2, 3, 10}), 3).value();
  CHECK(judge(r, f.value().stats, state, -10).anomaly);
  CHECK_FALSE(judge(u, fu.stats, fu.params, -10).anomaly);
  CHECK_FALSE(judge(u, fu.stats, fu.params, -10).lower);
  CHECK(judge(u, fu.stats, fu.params, 7).anomaly);
  // min_deviation: nothing within 100 of the middle is anomalous.
  auto floor = base;
  floor.push_back(num("min_deviation", 100));
  auto fl = spec("range", floor);
  auto ff = fit_detector(fl, data_of({1, 5, 2, 3, 10}), 3).value();
  CHECK_FALSE(judge(fl, ff.stats, ff.params, 50).anomaly);
  CHECK(judge(fl, ff.stats, ff.params, 200).anomaly);
  // Learning moves the window: judge_and_learn counts, and a new level
  // becomes normal once it fills the window.
  CHECK(judge_and_learn(r, f.value().stats, state, 7).anomaly);
  CHECK(state.learned == 1);
  for (int i = 0; i < 8; ++i)
    judge_and_learn(r, f.value().stats, state, 50 + i % 2);
  CHECK_FALSE(judge(r, f.value().stats, state, 50.5).anomaly);
  CHECK(state.learned == 9);
}

TEST_CASE("detector: the online detectors' cooldown suppresses the alarms right after one; "
          "flat training is accepted") {
  struct online_case {
    detector_spec spec;
    double suppressed[2]; ///< points that would alarm, within the cooldown
    double after;         ///< alarms again once it has run
  };
  for (const auto& [d, suppressed, after] :
       {online_case{spec("ewma", {num("alpha", 0.01), num("k", 3), num("cooldown", 2)}), {50, 50}, 500},
        online_case{spec("range", {num("window", 10), num("blocks", 2), num("cooldown", 2)}),
                    {-50, 500}, 5000}}) {
    CAPTURE(name_of(d.type));
    auto f = fit_detector(d, data_of({1, 2, 1, 2, 1, 2}), 3).value();
    auto state = f.params;
    CHECK(judge_and_learn(d, f.stats, state, 50).anomaly);
    CHECK(state.quiet == 2);
    for (double v : suppressed)
      CHECK_FALSE(judge_and_learn(d, f.stats, state, v).anomaly);
    CHECK(state.quiet == 0);
    CHECK(judge_and_learn(d, f.stats, state, after).anomaly);
    // Flat training is accepted: the first differing point is news.
    auto flat = fit_detector(d, data_of({5, 5, 5}), 3);
    REQUIRE(flat);
    CHECK(judge(d, flat.value().stats, flat.value().params, 5.5).anomaly);
    CHECK_FALSE(judge(d, flat.value().stats, flat.value().params, 5).anomaly);
  }
}

TEST_CASE("detector: seasonal keeps a median and scale per phase of the period") {
  // Period 100 s in 4 phases of 25 s; phase p holds 10 p - 2 .. 10 p + 2 (MAD 1).
  training_data d;
  for (int64_t t = 0; t < 400; t += 5) {
    d.timestamps.push_back(t);
    int phase = static_cast<int>((t % 100) / 25);
    d.values.push_back(10.0 * phase + static_cast<double>((t % 25) / 5 - 2)); // -2..2
  }
  auto s = spec("seasonal", {num("period_s", 100), num("phases", 4), num("k", 3)});
  CHECK(phase_of(s, 0) == 0);
  CHECK(phase_of(s, 24) == 0);
  CHECK(phase_of(s, 25) == 1);
  CHECK(phase_of(s, 199) == 3);
  CHECK(phase_of(s, -1) == 3); // before 1970: still a phase
  auto f = fit_detector(s, d, 3);
  REQUIRE(f);
  const auto& p = f.value().params;
  REQUIRE(p.phase_center.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(p.phase_center[i] == doctest::Approx(10.0 * i));
    CHECK(p.phase_scale[i] == doctest::Approx(1.4826));    // MAD 1
  }
  // 30 is normal at phase 3 (t = 80) and anomalous at phase 0 (t = 5).
  CHECK_FALSE(judge(s, f.value().stats, p, 30, int64_t{80}).anomaly);
  CHECK(judge(s, f.value().stats, p, 30, int64_t{5}).anomaly);
  CHECK(judge(s, f.value().stats, p, 30, int64_t{5}).expected == doctest::Approx(0));
  // Bad parameters.
  auto bad = make_detector("seasonal", {num("phases", 1)});
  CHECK_FALSE(bad);
  CHECK_FALSE(make_detector("seasonal", {num("period_s", 10)}));
}
