#include <doctest/doctest.h>

#include "model/request_params.hpp"

using model::parse_timestamp_digits;

TEST_CASE("request_params: timestamps as digits") {
  CHECK(parse_timestamp_digits("1705001000").value() == 1705001000);
  CHECK(parse_timestamp_digits("0").value() == 0);
  for (const char* bad : {"", "-1", "+1", "1.5", "12a", " 1", "99999999999999999999"})
    CHECK_FALSE_MESSAGE(parse_timestamp_digits(bad).ok(), bad);
}
