#include <doctest/doctest.h>

#include "model/downsample.hpp"

using model::min_max_buckets;

TEST_CASE("downsample: short series are returned unchanged") {
  auto out = min_max_buckets({1, 2, 3}, {5, 6, 7}, 10);
  REQUIRE(out.size() == 3);
  CHECK(out[1].t == 2);
  CHECK(out[1].v == 6);
}

TEST_CASE("downsample: long series keep each bucket's min and max, in time order") {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 1000; ++i) {
    ts.push_back(i);
    vs.push_back(i % 10 == 3 ? -1.0 : 1.0);
  }
  vs[500] = 100; // a spike survives
  auto out = min_max_buckets(ts, vs, 20); // 10 buckets of 100 points
  CHECK(out.size() == 20);
  bool spike = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i)
      CHECK(out[i - 1].t < out[i].t);
    spike = spike || out[i].v == 100;
  }
  CHECK(spike);
  CHECK(out.front().t == 0); // bucket 0: max at t=0 (first of the 1.0s), min at t=3
  CHECK(out[1].t == 3);
  CHECK(out[1].v == -1.0);
}

TEST_CASE("downsample: a million points become at most the limit") {
  std::vector<int64_t> ts(1000000);
  std::vector<double> vs(1000000);
  for (std::size_t i = 0; i < ts.size(); ++i) {
    ts[i] = static_cast<int64_t>(i) * 60;
    vs[i] = static_cast<double>(i % 97);
  }
  auto out = min_max_buckets(ts, vs, 2000);
  CHECK(out.size() <= 2000);
  CHECK(out.size() >= 1990);
}
