#include "http/pages/time_axis.hpp"

#include <cmath>
#include <ctime>

namespace http {

namespace {

/// Steps of the time axis, in seconds: round seconds, minutes, hours, days
/// and weeks. Longer spans step by calendar months, then years.
constexpr int64_t time_steps[] = {1,     2,     5,     10,    15,     30,     60,     120,
                                  300,   600,   900,   1800,  3600,   7200,   10800,  21600,
                                  43200, 86400, 172800, 604800, 1209600};
constexpr int max_time_ticks = 8;
/// The time axis is drawn for times from 1970 to 9999 (gmtime's safe range).
constexpr double last_drawn_time = 253402300799.0;

std::tm utc_tm(int64_t ts) {
  std::time_t t = static_cast<std::time_t>(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string format_tm(const std::tm& tm, const char* format) {
  char buf[32] = {};
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

/// Round times in [t0, t1] (UTC): multiples of a step from time_steps
/// (`step_s`), or the first days of every `months` months.
std::vector<int64_t> time_tick_values(double t0, double t1, int64_t& step_s, int& months) {
  std::vector<int64_t> out;
  double span = t1 - t0;
  step_s = 0;
  months = 0;
  for (int64_t step : time_steps)
    if (span / static_cast<double>(step) <= max_time_ticks) {
      step_s = step;
      break;
    }
  if (step_s > 0) {
    auto first = static_cast<int64_t>(std::ceil(t0 / static_cast<double>(step_s))) * step_s;
    for (int64_t t = first; t <= t1 && out.size() <= max_time_ticks + 1; t += step_s)
      out.push_back(t);
    return out;
  }
  double span_months = span / (30.44 * 86400);
  for (int m : {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400})
    if (span_months / m <= max_time_ticks) {
      months = m;
      break;
    }
  if (months == 0)
    months = 12000;
  auto tm = utc_tm(static_cast<int64_t>(std::ceil(t0)));
  int index = (tm.tm_year + 1900) * 12 + tm.tm_mon;
  if (tm.tm_mday != 1 || tm.tm_hour != 0 || tm.tm_min != 0 || tm.tm_sec != 0)
    ++index; // the next month's first day
  index = (index + months - 1) / months * months;
  for (int k = 0; k <= max_time_ticks + 1; ++k, index += months) {
    std::tm at{};
    at.tm_year = index / 12 - 1900;
    at.tm_mon = index % 12;
    at.tm_mday = 1;
    auto t = static_cast<int64_t>(timegm(&at));
    if (static_cast<double>(t) > t1)
      break;
    out.push_back(t);
  }
  return out;
}

} // namespace

std::vector<time_tick> time_ticks(double t0, double t1) {
  std::vector<time_tick> out;
  if (!(t0 >= 0 && t1 >= t0 && t1 <= last_drawn_time))
    return out;
  int64_t step = 0;
  int months = 0;
  auto ticks = time_tick_values(t0, t1, step, months);
  const char* label_format = months >= 12 ? "%Y" : months > 0 ? "%b" : step >= 86400 ? "%b %d"
                           : step >= 60 ? "%H:%M" : "%H:%M:%S";
  const char* context_format = months >= 12 ? "" : months > 0 || step >= 86400 ? "%Y" : "%Y-%m-%d";
  std::string last_context;
  for (auto t : ticks) {
    auto tm = utc_tm(t);
    auto context = format_tm(tm, context_format);
    out.push_back({t, format_tm(tm, label_format), context != last_context ? context : ""});
    last_context = context;
  }
  return out;
}

} // namespace http
