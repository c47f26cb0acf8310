#include <doctest/doctest.h>

#include "actors/absent_series.hpp"

using actors::absent_series;

TEST_CASE("absent series: remembers ids up to its capacity, oldest forgotten first") {
  absent_series absent{3};
  for (auto id : {"a", "b", "c"})
    absent.add(id);
  CHECK(absent.contains("a"));
  absent.add("d");
  CHECK_FALSE(absent.contains("a"));
  CHECK(absent.contains("b"));
  CHECK(absent.contains("d"));
  CHECK(absent.size() == 3);
}

TEST_CASE("absent series: a forgotten id (fitted) is not absent; re-adding it is safe") {
  absent_series absent{2};
  absent.add("x");
  absent.forget("x");
  CHECK_FALSE(absent.contains("x"));
  absent.add("x");
  absent.add("y");
  absent.add("z"); // x is the oldest: out
  CHECK_FALSE(absent.contains("x"));
  CHECK(absent.contains("y"));
  CHECK(absent.contains("z"));
}

TEST_CASE("absent series: many add/forget cycles keep it bounded") {
  absent_series absent{4};
  for (int i = 0; i < 100000; ++i) {
    absent.add("id" + std::to_string(i % 7));
    absent.forget("id" + std::to_string((i + 3) % 7));
  }
  CHECK(absent.size() <= 4);
  absent_series none{0};
  none.add("a");
  CHECK_FALSE(none.contains("a"));
}
