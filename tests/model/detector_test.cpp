// The catalogue and what it does for every detector: specs, text, state
// blobs, the cooldown and the one score convention.
#include <doctest/doctest.h>

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <random>

#include "model/detector.hpp"
#include "tests/model/detector_support.hpp"
#include "tests/temp_dir.hpp"

using namespace model;
using testing::at;
using testing::data_of;
using testing::fitted_on;
using testing::num;
using testing::spec;
using testing::text;

TEST_CASE("detector catalogue: one entry per detector, defaults from each detector's file") {
  const auto& all = detector_catalogue();
  REQUIRE(all.size() == 6);
  CHECK(std::string{all[0]->info().name} == "contract");
  CHECK(is_contract(detector_spec{}));
  auto z = spec("zscore");
  CHECK(number_param(z, "k") == 3);
  CHECK(number_param(z, "direction") == static_cast<double>(direction::both));
  CHECK(number_param(spec("mad"), "k") == 3.5);
  CHECK(number_param(spec("mad"), "min_scale") == 1e-9);
  auto r = spec("range");
  CHECK(number_param(r, "window") == 3000);
  CHECK(number_param(r, "smooth") == 30);
  CHECK(number_param(r, "margin") == 0.08);
  CHECK(number_param(r, "period_s") == 86400);
  CHECK(number_param(r, "cooldown") == 100);
  CHECK(is_online(r));
  CHECK(is_online(spec("ewma")));
  CHECK_FALSE(is_online(spec("mad")));
  CHECK_FALSE(spec("mad").server_default);
  CHECK(detector_spec{}.server_default);
  CHECK(number_param(r, "no_such") == 0);
}

TEST_CASE("detector catalogue: bad specs are refused naming what is wrong") {
  auto problem = [](std::string_view type, std::vector<detector_param> params) {
    auto s = make_detector(type, params);
    REQUIRE_FALSE(s);
    return s.detail();
  };
  CHECK(problem("holt", {}).find("detector.type") != std::string::npos);
  CHECK(problem("ewma", {num("alpha", 0)}).find("detector.alpha") != std::string::npos);
  CHECK(problem("zscore", {num("kk", 3)}).find("\"kk\"") != std::string::npos);
  CHECK(problem("contract", {num("k", 3)}).find("takes none") != std::string::npos);
  CHECK(problem("zscore", {num("k", NAN)}).find("detector.k") != std::string::npos);
  CHECK(problem("zscore", {text("k", "3")}).find("detector.k must be a number") != std::string::npos);
  CHECK(problem("mad", {text("direction", "up")}).find("detector.direction") != std::string::npos);
  CHECK(problem("mad", {num("direction", 1)}).find("detector.direction") != std::string::npos);
  CHECK(problem("seasonal", {num("phases", 1)}).find("detector.phases") != std::string::npos);
  CHECK(problem("range", {num("window", 1)}).find("detector.window") != std::string::npos);
  // A spec whose values do not match its type (a message from another build) is refused.
  auto short_spec = spec("range");
  short_spec.values.pop_back();
  CHECK_FALSE(fit_detector(short_spec, data_of({1, 2, 3}), 3));
  detector_spec unknown;
  unknown.type = 99;
  CHECK_FALSE(fit_detector(unknown, data_of({1, 2, 3}), 3));
}

TEST_CASE("detector catalogue: every parameter round-trips through the text form") {
  for (const auto* d : detector_catalogue()) {
    std::vector<detector_param> given;
    for (const auto& p : d->info().params)
      if (std::string_view{p.kind} == "number")
        given.push_back(num(p.name, p.min + (p.default_value == p.min ? 1 : 0) + 0.25 * !p.whole));
    auto s = spec(d->info().name, given);
    auto back = from_text(to_text(s));
    CAPTURE(to_text(s));
    REQUIRE(back);
    CHECK(back->type == s.type);
    CHECK(back->values == s.values);
  }
  auto lower = from_text(to_text(spec("zscore", {text("direction", "lower")})));
  CHECK(number_param(*lower, "direction") == static_cast<double>(direction::lower));
}

TEST_CASE("detector catalogue: a text starts from the catalogue's defaults and is range-checked") {
  // A text that names only its type takes the catalogue's defaults (mad's k is 3.5).
  auto mad = from_text("mad");
  REQUIRE(mad);
  CHECK(number_param(*mad, "k") == 3.5);
  CHECK(number_param(*mad, "min_scale") == 1e-9);
  // A range text written before the seasonal view existed keeps it off.
  auto old_range = from_text("range window=500 blocks=5 margin=0.1 smooth=3 direction=both "
                             "min_deviation=0 cooldown=7");
  REQUIRE(old_range);
  CHECK(number_param(*old_range, "period_s") == 0);
  CHECK(number_param(*old_range, "window") == 500);
  for (const char* bad : {"holt k=1", "mad k=x", "zscore k=-1", "zscore k=1e400", "mad k=nan",
                          "range window=0", "range blocks=2.5", "zscore direction=up",
                          "zscore kk=1", "zscore k", "zscore k=3 "})
    CHECK_MESSAGE(!from_text(bad), bad);
}

TEST_CASE("detector catalogue: texts are the same whatever the C locale") {
  // A locale whose decimal separator is a comma, built into a temporary
  // folder (glibc reads LOCPATH): printf and strtod would write and read 0,25.
  testing::temp_dir dir;
  std::string cmd = "localedef -i de_DE -f UTF-8 " + dir.path + "/de_DE.UTF-8 2>/dev/null";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "localedef (libc-bin, locales) is needed");
  setenv("LOCPATH", dir.path.c_str(), 1);
  REQUIRE(std::setlocale(LC_NUMERIC, "de_DE.UTF-8"));
  auto s = spec("ewma", {num("alpha", 0.25), num("k", 2.5)});
  auto text_form = to_text(s);
  auto back = from_text(text_form);
  std::setlocale(LC_NUMERIC, "C");
  unsetenv("LOCPATH");
  CHECK(text_form.find("alpha=0.25") != std::string::npos);
  REQUIRE(back);
  CHECK(number_param(*back, "alpha") == 0.25);
}

TEST_CASE("detector state: blobs round-trip, and what does not fit is refused") {
  auto r = spec("range", {num("window", 20), num("blocks", 4), num("smooth", 3),
                          num("period_s", 100), num("phases", 4)});
  auto f = fitted_on(r, data_of({1, 5, 2, 3, 10, 4, 4, 6}, 10));
  f.state.quiet = 7;
  f.state.learned = 12;
  auto blob = encode_state(r, f.state);
  auto back = decode_state(r, blob);
  REQUIRE(back);
  CHECK(back->numbers == f.state.numbers);
  CHECK(back->quiet == 7);
  CHECK(back->learned == 12);
  CHECK_FALSE(decode_state(r, blob.substr(0, blob.size() - 8))); // short
  CHECK_FALSE(decode_state(r, blob + "x"));                     // long
  CHECK_FALSE(decode_state(spec("range"), blob));                // another shape
  CHECK_FALSE(decode_state(spec("ewma"), blob));                 // another layout version
  auto bad = f.state;
  bad.numbers[0] = NAN;
  CHECK_FALSE(decode_state(r, encode_state(r, bad)));
  bad = f.state;
  bad.quiet = 101; // past the cooldown of 100
  CHECK_FALSE(decode_state(r, encode_state(r, bad)));
  auto mad = spec("mad");
  detector_state negative;
  negative.numbers = {1, -2}; // a negative scale
  CHECK_FALSE(decode_state(mad, encode_state(mad, negative)));
  CHECK(decode_state(detector_spec{}, encode_state(detector_spec{}, {})));
}

TEST_CASE("detector judge: anomaly_score >= 1 exactly when anomalous, for every detector") {
  std::mt19937 rng{7};
  std::normal_distribution<double> noise{10, 2};
  std::vector<double> training;
  for (int i = 0; i < 200; ++i)
    training.push_back(noise(rng));
  for (const auto* d : detector_catalogue()) {
    auto s = spec(d->info().name, d->param_index("cooldown") >= 0
                                    ? std::vector<detector_param>{num("cooldown", 0)}
                                    : std::vector<detector_param>{});
    auto f = fitted_on(s, data_of(training, 60));
    int alarms = 0;
    for (int i = 0; i < 300; ++i) {
      double v = noise(rng) * (i % 10 == 0 ? 3 : 1);
      auto j = judge_and_learn(s, f.stats, f.state, at(v, 20000 + i * 60));
      CAPTURE(d->info().name);
      CHECK((j.anomaly_score >= 1) == j.anomaly);
      CHECK((j.side != side::none) == j.anomaly);
      if (j.anomaly && j.upper && v > *j.upper)
        CHECK(j.side == side::upper);
      alarms += j.anomaly;
    }
    CHECK(alarms > 0);
  }
}

TEST_CASE("detector judge: an online cooldown runs its points, or as long in time after a gap") {
  auto e = spec("ewma", {num("alpha", 0.01), num("k", 3), num("cooldown", 3)});
  auto f = fitted_on(e, data_of({1, 2, 1, 2, 1, 2}, 60));
  cadence pace;
  pace.seed(data_of({1, 2, 1, 2, 1, 2}, 60).timestamps, 0); // one point a minute
  auto state = f.state;
  CHECK(judge_and_learn(e, f.stats, state, at(50, 2000), &pace).anomaly);
  CHECK(state.quiet == 3);
  CHECK_FALSE(judge_and_learn(e, f.stats, state, at(60, 2060), &pace).anomaly); // within it
  // A gap of an hour: three typical intervals have passed, the next alarm is news.
  auto j = judge_and_learn(e, f.stats, state, at(500, 5660), &pace);
  CHECK(j.anomaly);
  CHECK(j.side == side::upper);
  // Without a cadence the cooldown counts points only.
  auto counted = f.state;
  judge_and_learn(e, f.stats, counted, at(50, 2000));
  CHECK_FALSE(judge_and_learn(e, f.stats, counted, at(500, 9000)).anomaly);
}
