// Timestamps of the Anomaly Detector API: ISO 8601 text to microseconds since
// the Unix epoch (UTC), and the position of a timestamp on the grid a
// granularity draws from the series' first timestamp (calendar months for
// monthly and yearly, fixed steps otherwise). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/azure/request.hpp"

namespace model::azure {

/// Parses an ISO 8601 date or date-time: `YYYY-MM-DD`, optionally followed by
/// `T` (or a space) and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`, and a zone
/// (`Z`, `±HH`, `±HH:MM`, `±HHMM`; none means UTC). Years 0001-9999. Digits of
/// a fraction past microseconds are dropped. Nothing for any other text.
std::optional<int64_t> parse_iso8601(std::string_view text);

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

/// The step between grid positions: `count` units of `g` (g is not none).
struct grid_step {
  granularity gran;
  int64_t count = 1;
};

/// The grid position of `t` counted from `origin` (both microseconds since the
/// epoch, t >= origin): k when t is origin plus k steps (for months and years,
/// the origin's day of the month, clamped to the month's last day, and its
/// time of day), nothing when t lies between positions.
std::optional<int64_t> grid_position(const grid_step& step, int64_t origin, int64_t t);

/// The length of one step in seconds (a month counts 30.436875 days, a year
/// 365.2425): how the candidate periods of a granularity are found.
double step_seconds(const grid_step& step);

} // namespace model::azure
