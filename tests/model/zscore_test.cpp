#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "model/zscore.hpp"

using model::fit;
using model::training_data;

TEST_CASE("zscore: mean and population std as numpy computes them") {
  // numpy: np.mean([10,10.2,10.1,9.9,10.3,10.15,9.95,10.25]) and np.std(...)
  training_data d{{1, 2, 3, 4, 5, 6, 7, 8}, {10.0, 10.2, 10.1, 9.9, 10.3, 10.15, 9.95, 10.25}};
  auto r = fit(d, 3);
  REQUIRE(r.ok());
  CHECK(r.value().points_used == 8);
  CHECK(r.value().mean == doctest::Approx(10.106250000000001).epsilon(1e-15));
  CHECK(r.value().std == doctest::Approx(0.13564084008881702).epsilon(1e-14));
  CHECK(r.value().threshold() == doctest::Approx(10.513172520266451).epsilon(1e-15));
}

TEST_CASE("zscore: anomaly is strictly above mean + 3 std") {
  model::fit_stats s{4, 10.0, 1.0};
  CHECK_FALSE(model::is_anomaly(s, 13.0));
  CHECK(model::is_anomaly(s, 13.000001));
  CHECK_FALSE(model::is_anomaly(s, -100.0));
}

TEST_CASE("zscore: integer-like values and two points") {
  auto r = fit(training_data{{0, 1}, {1, 3}}, 2);
  REQUIRE(r.ok());
  CHECK(r.value().mean == 2.0);
  CHECK(r.value().std == 1.0);
}

TEST_CASE("zscore: rejects input that breaks the contract, naming the field") {
  auto problem = [](training_data d, std::size_t min = 3) {
    auto r = fit(d, min);
    REQUIRE_FALSE(r.ok());
    return r.detail();
  };
  SUBCASE("lengths differ") {
    CHECK(problem({{1, 2, 3}, {1, 2}}).find("same length") != std::string::npos);
  }
  SUBCASE("too few points") {
    CHECK(problem({{1, 2}, {1, 2}}).find("at least 3") != std::string::npos);
    CHECK(problem({{1, 2, 3, 4}, {1, 2, 3, 4}}, 5).find("at least 5") != std::string::npos);
  }
  SUBCASE("negative timestamp") {
    CHECK(problem({{-1, 2, 3}, {1, 2, 3}}).find("timestamps[0]") != std::string::npos);
  }
  SUBCASE("timestamps not strictly increasing") {
    CHECK(problem({{1, 2, 2}, {1, 2, 3}}).find("strictly increasing") != std::string::npos);
    CHECK(problem({{3, 2, 1}, {1, 2, 3}}).find("strictly increasing") != std::string::npos);
  }
  SUBCASE("non-finite value") {
    auto inf = std::numeric_limits<double>::infinity();
    CHECK(problem({{1, 2, 3}, {1, inf, 3}}).find("values[1]") != std::string::npos);
    CHECK(problem({{1, 2, 3}, {1, 2, std::nan("")}}).find("values[2]") != std::string::npos);
  }
  SUBCASE("all values equal") {
    CHECK(problem({{1, 2, 3}, {5, 5, 5}}).find("not all be equal") != std::string::npos);
  }
  SUBCASE("values too large for a finite spread") {
    CHECK(problem({{1, 2, 3}, {1.7e308, -1.7e308, 1.7e308}}).find("too large")
          != std::string::npos);
  }
}

TEST_CASE("zscore: large values fit while their statistics stay finite") {
  auto r = fit(training_data{{1, 2, 3}, {1e150, 2e150, 3e150}}, 3);
  REQUIRE(r.ok());
  CHECK(r.value().mean == doctest::Approx(2e150));
  // numpy gives std = inf here; the server refuses rather than store an infinite threshold
  CHECK_FALSE(fit(training_data{{1, 2, 3}, {1e307, 1.2e308, 1e307}}, 3).ok());
}
