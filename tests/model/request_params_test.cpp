#include <doctest/doctest.h>

#include "model/request_params.hpp"

using model::latest_version;
using model::parse_timestamp_digits;
using model::parse_version;

TEST_CASE("request_params: version selects N, vN, VN or the latest") {
  CHECK(parse_version("").value() == latest_version);
  CHECK(parse_version("0").value() == latest_version);
  CHECK(parse_version("latest").value() == latest_version);
  CHECK(parse_version("3").value() == 3);
  CHECK(parse_version("v3").value() == 3);
  CHECK(parse_version("V12").value() == 12);
}

TEST_CASE("request_params: version rejects anything else") {
  for (const char* bad : {"v0", "V0", "v", "-1", "+1", "1.0", "abc", "v-2", "3v", " 1", "1 ",
                          "99999999999", "LATEST!", "0x1"})
    CHECK_FALSE_MESSAGE(parse_version(bad).ok(), bad);
  CHECK(parse_version("x").detail().find("version") != std::string::npos);
}

TEST_CASE("request_params: timestamps as digits") {
  CHECK(parse_timestamp_digits("1705001000").value() == 1705001000);
  CHECK(parse_timestamp_digits("0").value() == 0);
  for (const char* bad : {"", "-1", "+1", "1.5", "12a", " 1", "99999999999999999999"})
    CHECK_FALSE_MESSAGE(parse_timestamp_digits(bad).ok(), bad);
}
