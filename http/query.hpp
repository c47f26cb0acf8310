// The syntax of query parameters: the `version` parameter of predict, /plot
// and /series. Pure functions, callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/expected.hpp"

namespace http {

/// Parses the `version` query parameter: "N", "vN" or "VN" (N >= 1) select
/// version N; "", "0" and "latest" select `model::latest_version`. Anything
/// else fails, with a sentence naming the parameter.
model::expected<uint32_t> parse_version(std::string_view text);

} // namespace http
