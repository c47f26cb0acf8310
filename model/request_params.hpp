// Parsing of the small scalar request parameters whose rules the contract fixes:
// the `version` query parameter and a predict timestamp given as digits.
// Pure functions, callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/expected.hpp"

namespace model {

/// Version number meaning "the latest stored version".
constexpr uint32_t latest_version = 0;

/// Parses the `version` query parameter: "N", "vN" or "VN" (N >= 1) select
/// version N; "", "0" and "latest" select `latest_version`. Anything else fails.
expected<uint32_t> parse_version(std::string_view text);

/// Parses a non-negative Unix timestamp written as decimal digits (int64 range).
expected<int64_t> parse_timestamp_digits(std::string_view text);

} // namespace model
