#include <doctest/doctest.h>

#include "http/api/query.hpp"
#include "model/request_params.hpp"

using http::parse_version;
using model::latest_version;

TEST_CASE("query: version selects N, vN, VN or the latest") {
  CHECK(parse_version("").value() == latest_version);
  CHECK(parse_version("0").value() == latest_version);
  CHECK(parse_version("latest").value() == latest_version);
  CHECK(parse_version("3").value() == 3);
  CHECK(parse_version("v3").value() == 3);
  CHECK(parse_version("V12").value() == 12);
}

TEST_CASE("query: version rejects anything else") {
  for (const char* bad : {"v0", "V0", "v", "-1", "+1", "1.0", "abc", "v-2", "3v", " 1", "1 ",
                          "99999999999", "LATEST!", "0x1"})
    CHECK_FALSE_MESSAGE(parse_version(bad).ok(), bad);
  CHECK(parse_version("x").detail().find("version") != std::string::npos);
}

