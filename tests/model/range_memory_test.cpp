#include <doctest/doctest.h>

#include "model/range_memory.hpp"

using namespace model::range;

namespace {

std::vector<double> learned(const shape& s, std::vector<double> values) {
  auto m = empty(s);
  for (double v : values)
    add(s, m, v);
  return m;
}

} // namespace

TEST_CASE("range memory: blocks of highs and lows, the most extreme block left out") {
  shape s{3, 2, 3}; // 3 blocks of 2 points, a 3-point mean
  auto m = empty(s);
  CHECK(fits(s, m));
  CHECK(m.size() == 5 + 2 * (2 + 2 * 3) + 2);
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
  // 11 closes block C (11, 10); 0, 0 close block D, which replaces A.
  for (double x : {11.0, 0.0, 0.0})
    add(s, m, x);
  CHECK(fits(s, m));
  v = range_of(s, m, value_view);
  CHECK(v->high == 3); // highs 11, 3, 0
  CHECK(v->low == 2);  // lows 0, 2, 10
}

TEST_CASE("range memory: one block is its own range; two far apart give their inner edges") {
  shape s{4, 2, 1};
  auto one = learned(s, {4, 7});
  CHECK(range_of(s, one, value_view)->high == 7);
  CHECK(range_of(s, one, value_view)->low == 4);
  CHECK(mean_with(s, one, 9) == 9); // smooth 1: the value itself
  auto two = learned(s, {0, 1, 10, 11});
  CHECK(range_of(s, two, value_view)->high == 10);
  CHECK(range_of(s, two, value_view)->low == 1);
}

TEST_CASE("range memory: its size is bounded whatever is learned, and a foreign one does not fit") {
  shape s{16, 187, 10};
  auto m = empty(s);
  auto size = m.size();
  for (int i = 0; i < 100000; ++i)
    add(s, m, i % 97);
  CHECK(m.size() == size);
  CHECK(fits(s, m));
  CHECK(range_of(s, m, value_view)->high == 96);
  CHECK_FALSE(fits(shape{8, 187, 10}, m));
  auto bad = m;
  bad[0] = 1e9; // a block count past its size
  CHECK_FALSE(fits(s, bad));
}
