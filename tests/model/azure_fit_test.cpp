#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/azure/fit.hpp"
#include "model/azure/period.hpp"
#include "model/azure/robust.hpp"

using namespace model::azure;

namespace {

std::vector<double> gaussian(std::size_t n, unsigned seed, double sd = 1) {
  std::mt19937 rng{seed};
  std::normal_distribution<double> d{0, sd};
  std::vector<double> x(n);
  for (auto& v : x)
    v = d(rng);
  return x;
}

/// A daily wave of `period` points with amplitude 10 around 100, and noise.
std::vector<double> wave(std::size_t n, std::size_t period, unsigned seed) {
  auto x = gaussian(n, seed);
  for (std::size_t i = 0; i < n; ++i)
    x[i] += 100 + 10 * std::sin(2 * M_PI * static_cast<double>(i) / static_cast<double>(period));
  return x;
}

} // namespace

TEST_CASE("azure robust: the running median equals the sorted window's middle value") {
  auto x = gaussian(300, 3);
  for (int i = 0; i < 300; i += 7)
    x[static_cast<std::size_t>(i)] = std::round(x[static_cast<std::size_t>(i)]); // repeated values
  for (std::size_t w : {1, 3, 4, 25, 101, 299, 1000}) {
    auto got = running_median(x, w);
    std::size_t odd = std::min<std::size_t>(w, x.size()); // made odd by dropping one
    odd -= odd % 2 == 0 ? 1 : 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::size_t start = std::min(i > odd / 2 ? i - odd / 2 : 0, x.size() - odd);
      std::vector<double> win(x.begin() + static_cast<long>(start),
                              x.begin() + static_cast<long>(start + odd));
      std::sort(win.begin(), win.end());
      REQUIRE_MESSAGE(got[i] == win[odd / 2], "w=" << w << " i=" << i);
    }
  }
  CHECK(median({3, 1, 2, 10}) == 2.5);
  CHECK(median({}) == 0);
}

TEST_CASE("azure robust: the scale ignores a spike and falls back to the mean deviation") {
  auto x = gaussian(2000, 5, 2.0);
  double clean = robust_scale(x, 0);
  CHECK(clean == doctest::Approx(2.0).epsilon(0.1));
  x[100] = 1e6;
  CHECK(robust_scale(x, 0) == doctest::Approx(clean).epsilon(0.01));
  std::vector<double> mostly_flat(100, 5.0);
  mostly_flat[3] = 7; // MAD is 0: 1.2533 * mean |deviation|
  CHECK(robust_scale(mostly_flat, 5) == doctest::Approx(1.2533 * 2 / 100));
  CHECK(robust_scale(std::vector<double>(50, 5.0), 5) == 0);
}

TEST_CASE("azure robust: the local level follows a linear trend to both ends") {
  std::vector<double> x(200);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = 3 + 0.5 * static_cast<double>(i);
  x[199] += 1000; // a spike at the end does not bend the level
  auto level = local_level(x, 25);
  CHECK(level[0] == doctest::Approx(3));
  CHECK(level[100] == doctest::Approx(53));
  CHECK(level[199] == doctest::Approx(102.5));
  CHECK(end_slope(x, 25) == doctest::Approx(0.5));
}

TEST_CASE("azure period: the granularity's candidates are whole numbers of steps") {
  using v = std::vector<std::size_t>;
  CHECK(candidate_periods({granularity::minutely, 5}, 8640) == v{12, 288, 2016});
  CHECK(candidate_periods({granularity::minutely, 5}, 1000) == v{12, 288}); // two days suffice
  CHECK(candidate_periods({granularity::minutely, 5}, 500) == v{12});
  CHECK(candidate_periods({granularity::hourly, 1}, 8640) == v{24, 168});
  CHECK(candidate_periods({granularity::daily, 1}, 2000) == v{7, 365});
  CHECK(candidate_periods({granularity::weekly, 1}, 400) == v{52});
  CHECK(candidate_periods({granularity::monthly, 1}, 48) == v{12});
  CHECK(candidate_periods({granularity::monthly, 1}, 24) == v{12});
  CHECK(candidate_periods({granularity::monthly, 1}, 23).empty());
  CHECK(candidate_periods({granularity::monthly, 5}, 480).empty());
  CHECK(candidate_periods({granularity::yearly, 1}, 100).empty());
  CHECK(candidate_periods({granularity::secondly, 1}, 8640) == v{60, 3600});
}

TEST_CASE("azure period: a wave is found among the candidates or by search; noise has none") {
  CHECK(detect_period(wave(4000, 288, 1), {12, 288, 2016}) == 288);
  CHECK(detect_period(wave(4000, 288, 2), {}) == 288);
  CHECK(detect_period(wave(600, 17, 3), {}) == 17);
  CHECK(detect_period(gaussian(4000, 4), {12, 288}) == 0);
  CHECK(detect_period(gaussian(4000, 4), {}) == 0);
  std::vector<double> ramp(1000);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<double>(i) + (i > 500 ? 300 : 0);
  CHECK(detect_period(ramp, {}) == 0); // a trend and a level shift are not seasons
  auto r = autocorrelation(std::vector<double>(100, 4.0), 10);
  CHECK(r == std::vector<double>(11, 0.0));
}

TEST_CASE("azure fit: a seasonal series splits into its wave and level") {
  auto x = wave(288 * 6, 288, 7);
  auto fit = decompose(x, 288);
  REQUIRE(fit.seasonal.size() == 288);
  CHECK(fit.seasonal[72] == doctest::Approx(10).epsilon(0.08));   // the wave's top
  CHECK(fit.seasonal[216] == doctest::Approx(-10).epsilon(0.08)); // and bottom
  CHECK(fit.level[500] == doctest::Approx(100).epsilon(0.01));
  CHECK(fit.expected(x.size()) == doctest::Approx(100).epsilon(0.02)); // extends past the end
}

TEST_CASE("azure fit: sensitivity sets the margin factor") {
  CHECK(margin_factor(0) == doctest::Approx(20));
  CHECK(margin_factor(95) == doctest::Approx(2 * std::sqrt(5.0)));
  CHECK(margin_factor(99) == doctest::Approx(2));
  CHECK(margin_factor(50) > margin_factor(90));
}

TEST_CASE("azure fit: judging widens the margin to keep within maxAnomalyRatio") {
  auto r = gaussian(1000, 9);
  auto b = judge(r, 3, 0.25, 1);
  CHECK(b.margin == doctest::Approx(3).epsilon(0.1));
  auto flagged = std::count(b.anomaly.begin(), b.anomaly.end(), true);
  CHECK(flagged < 10);
  auto capped = judge(r, 0.1, 0.01, 1); // a tiny factor: the ratio decides
  CHECK(std::count(capped.anomaly.begin(), capped.anomaly.end(), true) <= 10);
  CHECK(capped.margin > 0.1 * 1.0);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(capped.anomaly[i] == (std::fabs(r[i]) > capped.margin));
    CHECK((capped.severity[i] > 0) == capped.anomaly[i]);
  }
  CHECK(severity_of(4, 2) == doctest::Approx(0.5));
  CHECK(severity_of(-2, 2) == 0);
}

TEST_CASE("azure fit: a noiseless square wave is fitted exactly wherever its cycle starts") {
  for (std::size_t offset : {0, 100, 286}) { // 286: the step falls on the last phases
    std::vector<double> x(288 * 7);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] = ((i + offset) % 288) < 144 ? 20 : 68;
    auto fit = decompose(x, 288);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      worst = std::max(worst, std::fabs(x[i] - fit.expected(i)));
    CHECK_MESSAGE(worst < 1e-9, "offset " << offset);
  }
}

TEST_CASE("azure fit: heavy tails widen the residual scale; the floor is 1 % of the spread") {
  auto normal = gaussian(5000, 12);
  CHECK(residual_scale(normal) == doctest::Approx(1).epsilon(0.1));
  std::mt19937 rng{13};
  std::student_t_distribution<double> t{2};
  std::vector<double> heavy(5000);
  for (auto& v : heavy)
    v = t(rng);
  double mad_only = robust_scale(heavy, median(heavy));
  CHECK(residual_scale(heavy) > 1.5 * mad_only); // the 99th percentile of t(2) is far out
  std::vector<double> ramp(401);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<double>(i);
  CHECK(scale_floor(ramp) == doctest::Approx(0.01 * 200 / 1.349).epsilon(0.01));
  CHECK(scale_floor(std::vector<double>(50, 7.0)) == doctest::Approx(7e-12));
}
