#include "model/azure/timestamps.hpp"

#include <cctype>
#include <limits>

namespace model::azure {

namespace {

constexpr int64_t us_per_second = 1000000;
constexpr int64_t us_per_day = 86400 * us_per_second;

/// Reads exactly `n` digits at `pos`; advances it.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size())
    return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool take(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

struct civil {
  int64_t year;
  unsigned month, day;
};

/// Howard Hinnant's civil_from_days.
civil civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The time zone suffix in microseconds east of UTC, or nothing when malformed.
std::optional<int64_t> zone_offset(std::string_view s, std::size_t& pos) {
  if (pos == s.size())
    return 0;
  if (take(s, pos, 'Z') || take(s, pos, 'z'))
    return 0;
  int sign = take(s, pos, '+') ? 1 : take(s, pos, '-') ? -1 : 0;
  auto hh = sign ? digits(s, pos, 2) : std::nullopt;
  if (!hh || *hh > 23)
    return std::nullopt;
  int mm = 0;
  if (pos < s.size()) {
    take(s, pos, ':');
    auto m = digits(s, pos, 2);
    if (!m || *m > 59)
      return std::nullopt;
    mm = *m;
  }
  return sign * (*hh * 3600 + mm * 60) * us_per_second;
}

/// `HH:MM[:SS[.fraction]]` in microseconds since midnight.
std::optional<int64_t> time_of_day(std::string_view s, std::size_t& pos) {
  auto hh = digits(s, pos, 2);
  if (!hh || *hh > 23 || !take(s, pos, ':'))
    return std::nullopt;
  auto mm = digits(s, pos, 2);
  if (!mm || *mm > 59)
    return std::nullopt;
  int64_t us = (*hh * 3600 + *mm * 60) * us_per_second;
  if (!take(s, pos, ':'))
    return us;
  auto ss = digits(s, pos, 2);
  if (!ss || *ss > 59)
    return std::nullopt;
  us += *ss * us_per_second;
  if (take(s, pos, '.') || take(s, pos, ',')) {
    int64_t scale = us_per_second / 10;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      us += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  return us;
}

/// Microseconds since the epoch of `t`'s month start, its month index
/// (year * 12 + month - 1) and its microseconds into the month.
struct month_split {
  int64_t month_index;
  unsigned day;
  int64_t time_us; ///< microseconds into the day
};

month_split split(int64_t t) {
  int64_t days = floor_div(t, us_per_day);
  civil c = civil_from_days(days);
  return {c.year * 12 + (c.month - 1), c.day, t - days * us_per_day};
}

int64_t unsplit(int64_t month_index, unsigned day, int64_t time_us) {
  int64_t year = floor_div(month_index, 12);
  auto month = static_cast<unsigned>(month_index - year * 12 + 1);
  unsigned d = std::min(day, days_in_month(year, month));
  return days_from_civil(year, month, d) * us_per_day + time_us;
}

int64_t unit_us(granularity g) {
  switch (g) {
    case granularity::weekly: return 7 * us_per_day;
    case granularity::daily: return us_per_day;
    case granularity::hourly: return 3600 * us_per_second;
    case granularity::minutely: return 60 * us_per_second;
    case granularity::secondly: return us_per_second;
    default: return 1;
  }
}

} // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  std::size_t pos = 0;
  auto y = digits(s, pos, 4);
  if (!y || *y < 1 || !take(s, pos, '-'))
    return std::nullopt;
  auto mo = digits(s, pos, 2);
  if (!mo || *mo < 1 || *mo > 12 || !take(s, pos, '-'))
    return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d || *d < 1 || static_cast<unsigned>(*d) > days_in_month(*y, static_cast<unsigned>(*mo)))
    return std::nullopt;
  int64_t us = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * us_per_day;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    auto tod = time_of_day(s, pos);
    if (!tod)
      return std::nullopt;
    us += *tod;
    auto zone = zone_offset(s, pos);
    if (!zone)
      return std::nullopt;
    us -= *zone;
  }
  if (pos != s.size())
    return std::nullopt;
  return us;
}

std::optional<int64_t> grid_position(const grid_step& step, int64_t origin, int64_t t) {
  if (t < origin || step.count < 1)
    return std::nullopt;
  if (step.gran == granularity::monthly || step.gran == granularity::yearly) {
    int64_t months = step.gran == granularity::yearly ? 12 : 1;
    if (step.count > std::numeric_limits<int64_t>::max() / 12 / months)
      return t == origin ? std::optional<int64_t>{0} : std::nullopt;
    int64_t per = months * step.count;
    auto o = split(origin), x = split(t);
    int64_t diff = x.month_index - o.month_index;
    if (diff % per != 0)
      return std::nullopt;
    if (unsplit(x.month_index, o.day, o.time_us) != t)
      return std::nullopt;
    return diff / per;
  }
  int64_t unit = unit_us(step.gran);
  if (step.count > std::numeric_limits<int64_t>::max() / unit)
    return t == origin ? std::optional<int64_t>{0} : std::nullopt;
  int64_t per = unit * step.count;
  int64_t diff = t - origin; // both within years 1-9999: no overflow
  if (diff % per != 0)
    return std::nullopt;
  return diff / per;
}

double step_seconds(const grid_step& step) {
  double unit = 0;
  switch (step.gran) {
    case granularity::yearly: unit = 365.2425 * 86400; break;
    case granularity::monthly: unit = 365.2425 * 86400 / 12; break;
    case granularity::none: unit = 0; break;
    default: unit = static_cast<double>(unit_us(step.gran)) / us_per_second;
  }
  return unit * static_cast<double>(step.count);
}

} // namespace model::azure
