#include <doctest/doctest.h>

#include <cmath>

#include "model/range_memory.hpp"

using namespace model::range;

namespace {

std::vector<double> learned(const shape& s, std::vector<double> values) {
  auto m = empty(s);
  int64_t t = 0;
  for (double v : values)
    add(s, m, t++, v);
  return m;
}

} // namespace

TEST_CASE("range memory: blocks of highs and lows, the most extreme block left out") {
  shape s{3, 6, 3, 0, 1}; // 3 blocks of 2 points, a 3-point mean, no season
  auto m = empty(s);
  CHECK(fits(s, m));
  CHECK(m.size() == 3 + 2 * (5 + 2 * 3) + 2);
  CHECK_FALSE(range_of(s, m, value_view));
  // Block A: 1, 5 (means 1, 3); block B: 2, 3 (means 8/3, 10/3); open: 10 (mean 5).
  m = learned(s, {1, 5, 2, 3, 10});
  auto v = range_of(s, m, value_view);
  REQUIRE(v);
  CHECK(v->high == 5); // highs 10, 5, 3: the second
  CHECK(v->low == 2);  // lows 1, 2, 10: the second
  auto mean = range_of(s, m, mean_view);
  REQUIRE(mean);
  CHECK(mean->high == doctest::Approx(10.0 / 3));
  CHECK(mean->low == doctest::Approx(8.0 / 3));
  CHECK(mean_with(s, m, 4) == doctest::Approx((3 + 10 + 4) / 3.0));
}

TEST_CASE("range memory: the blocks hold exactly window points, not blocks * floor(window / blocks)") {
  // window 4 in 3 blocks: sizes 1, 1, 2. After [0, 10, 10, 0, 0] the blocks are
  // {0}, {10}, {10, 0}: the last 4 points, and the second highest is 10. Blocks
  // of floor(4 / 3) = 1 point held only the last 3, {0}, {0}, {10}: 0.
  shape s{3, 4, 1, 0, 1};
  auto m = learned(s, {0, 10, 10, 0, 0});
  REQUIRE(range_of(s, m, value_view));
  CHECK(range_of(s, m, value_view)->high == 10);
}

TEST_CASE("range memory: one block is its own range; two far apart give their inner edges") {
  shape s{4, 8, 1, 0, 1};
  auto one = learned(s, {4, 7});
  CHECK(range_of(s, one, value_view)->high == 7);
  CHECK(range_of(s, one, value_view)->low == 4);
  CHECK(mean_with(s, one, 9) == 9);
  auto two = learned(s, {0, 1, 10, 11});
  CHECK(range_of(s, two, value_view)->high == 10);
  CHECK(range_of(s, two, value_view)->low == 1);
}

TEST_CASE("range memory: the seasonal reference is the previous period's mean at the phase") {
  shape s{4, 40, 1, 100, 4}; // a period of 100 s in 4 phases of 25 s
  auto m = empty(s);
  add(s, m, 0, 3);
  add(s, m, 10, 5); // phase 0 of period 0: mean 4
  CHECK_FALSE(reference(s, m, 5));       // the same period: no reference yet
  CHECK(*reference(s, m, 105) == 4);     // period 1
  add(s, m, 110, 20);                    // period 1 starts its own mean, keeps period 0's
  CHECK(*reference(s, m, 120) == 4);
  CHECK(*reference(s, m, 205) == 20);    // period 2 sees period 1's
  CHECK_FALSE(reference(s, m, 305));     // a gap of a period: stale
  CHECK_FALSE(reference(s, m, 150));     // a phase never seen
  REQUIRE(range_of(s, m, season_view));  // 20 - 4 learned
  CHECK(range_of(s, m, season_view)->high == 16);
}

TEST_CASE("range memory: its size is bounded whatever is learned; what does not fit is refused") {
  shape s{16, 3000, 10, 86400, 96};
  auto m = empty(s);
  auto size = m.size();
  for (int i = 0; i < 100000; ++i)
    add(s, m, i * 60, i % 97);
  CHECK(m.size() == size);
  CHECK(fits(s, m));
  CHECK(range_of(s, m, value_view)->high == 96);
  CHECK_FALSE(fits(shape{8, 3000, 10, 86400, 96}, m));
  auto bad = m;
  bad[4] = 1e9; // a block count past its size
  CHECK_FALSE(fits(s, bad));
  bad = m;
  bad[5] = NAN;
  CHECK_FALSE(fits(s, bad));
}
