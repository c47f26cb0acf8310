// The filter of ids the store holds (actors/known_series.hpp): never "no" for
// an id added, rarely "maybe" for one not added, growing in stages.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "actors/known_series.hpp"

using actors::known_series;

TEST_CASE("known series: every id added is held, across stages; few others are") {
  known_series known{1000}; // a first stage of 65,536 ids
  CHECK(known.stages() == 1);
  CHECK_FALSE(known.may_hold("a"));
  for (int i = 0; i < 300000; ++i)
    known.add("series-" + std::to_string(i));
  CHECK(known.added() == 300000);
  CHECK(known.stages() == 3); // 65,536, then 131,072, then 262,144 ids
  int missed = 0;
  for (int i = 0; i < 300000; ++i)
    missed += known.may_hold("series-" + std::to_string(i)) ? 0 : 1;
  CHECK(missed == 0);
  int maybe = 0;
  for (int i = 0; i < 100000; ++i)
    maybe += known.may_hold("other-" + std::to_string(i)) ? 1 : 0;
  CHECK(maybe < 2000); // under 2 % (each stage at most ~0.8 %)
  // 2 to 5 bytes per id: stages of 2^20, 2^21 and 2^22 bits.
  CHECK(known.bytes() == (std::size_t{1} << 17) + (std::size_t{1} << 18) + (std::size_t{1} << 19));
}

TEST_CASE("known series: sized for the ids a store holds at start, it starts no stage for them") {
  known_series known{200000};
  for (int i = 0; i < 199999; ++i)
    known.add(std::to_string(i));
  CHECK(known.stages() == 1);
  CHECK(known.may_hold("0"));
}

TEST_CASE("known series: adds from two threads while a third reads lose nothing") {
  known_series known{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t)
    writers.emplace_back([&known, t] {
      for (int i = 0; i < 100000; ++i)
        known.add(std::to_string(t) + ":" + std::to_string(i));
    });
  std::thread reader{[&known] {
    for (int i = 0; i < 100000; ++i)
      (void)known.may_hold("x" + std::to_string(i));
  }};
  for (auto& w : writers)
    w.join();
  reader.join();
  int missed = 0;
  for (int t = 0; t < 2; ++t)
    for (int i = 0; i < 100000; ++i)
      missed += known.may_hold(std::to_string(t) + ":" + std::to_string(i)) ? 0 : 1;
  CHECK(missed == 0);
  CHECK(known.added() == 200000);
}
