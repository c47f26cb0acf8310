// The ticks of a chart's time axis: round UTC times (seconds, minutes, hours,
// days, weeks, months or years, whichever gives at most eight over the
// span), each with its label and, where it changes, its context (the date
// under times of day, the year under days and months). Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace http {

struct time_tick {
  int64_t t;           ///< Unix seconds, a round UTC time
  std::string label;   ///< "19:07", "19:07:30", "Jan 12", "Jul" or "2025"
  std::string context; ///< "2024-01-11" or "2024" on the first tick and where it changes; else empty
};

/// Ticks at round UTC times in [t0, t1] (Unix seconds), in order, at most
/// nine. Empty when the span is outside 1970..9999 or not a span.
std::vector<time_tick> time_ticks(double t0, double t1);

} // namespace http
