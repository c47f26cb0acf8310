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

/// A page of a series' versions: those after version `after`, at most `limit`.
struct page {
  uint32_t after = 0;
  uint32_t limit = 1000;
};

/// Most versions one page of /series/{id} holds.
constexpr uint32_t max_page = 10000;

/// Parses `limit` (1..max_page, default 1000) and `after` (a version number,
/// default 0) of /series/{id}; fails with a sentence naming the parameter.
model::expected<page> parse_page(std::string_view limit, std::string_view after);

/// Parses a yes/no query parameter such as `explain`: "true" or "1" is yes;
/// absent (""), "false" or "0" is no; anything else fails naming `name`.
model::expected<bool> parse_flag(std::string_view name, std::string_view text);

} // namespace http
