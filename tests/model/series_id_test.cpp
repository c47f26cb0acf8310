#include <doctest/doctest.h>

#include <string>

#include "model/series_id.hpp"

using model::series_id_problem;

TEST_CASE("series_id: accepts the allowed alphabet up to 128 bytes") {
  CHECK_FALSE(series_id_problem("a"));
  CHECK_FALSE(series_id_problem("benchmark_stress_20260218_222137_0"));
  CHECK_FALSE(series_id_problem("host-1.cpu:load_avg"));
  CHECK_FALSE(series_id_problem(std::string(128, 'x')));
  CHECK_FALSE(series_id_problem("a.b"));
}

TEST_CASE("series_id: rejects empty, long, foreign characters and '..'") {
  CHECK(series_id_problem("")->find("empty") != std::string::npos);
  CHECK(series_id_problem(std::string(129, 'x'))->find("128") != std::string::npos);
  for (const char* bad : {"a b", "a/b", "a%2F", "ü", "a\nb", "a?b", "a#b"})
    CHECK_MESSAGE(series_id_problem(bad).has_value(), bad);
  CHECK(series_id_problem("..")->find("..") != std::string::npos);
  CHECK(series_id_problem("a..b").has_value());
}
