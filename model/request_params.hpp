// The contract's rules for small request values: the version meaning "latest"
// and a predict timestamp given as digits. (The `version` query parameter's
// syntax is HTTP's: http/api/query.hpp.) Pure functions, callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/expected.hpp"

namespace model {

/// Version number meaning "the latest stored version".
constexpr uint32_t latest_version = 0;

/// Parses a non-negative Unix timestamp written as decimal digits (int64 range).
expected<int64_t> parse_timestamp_digits(std::string_view text);

} // namespace model
