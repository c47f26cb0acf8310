#include "model/azure/series.hpp"

#include <cfloat>
#include <cmath>
#include <limits>

namespace model::azure {

namespace {

constexpr double int32_max = std::numeric_limits<int32_t>::max();

api_error fail(error_code code, std::string detail) {
  return {code, std::move(detail)};
}

api_error bad_series(std::string detail) {
  return {error_code::invalid_series, std::move(detail)};
}

std::string at(std::size_t i) {
  return "series[" + std::to_string(i) + "]";
}

/// Values and, when timestamps matter, their presence and order.
std::optional<api_error> check_points(const std::vector<point>& series, bool need_time) {
  if (series.size() < min_points)
    return bad_series("the series has " + std::to_string(series.size())
                      + " points; at least " + std::to_string(min_points) + " are needed");
  if (series.size() > max_points)
    return bad_series("the series has " + std::to_string(series.size())
                      + " points; at most " + std::to_string(max_points) + " are allowed");
  std::optional<int64_t> last;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& p = series[i];
    if (!std::isfinite(p.value) || std::fabs(p.value) > FLT_MAX)
      return bad_series(at(i) + ".value must be a finite number within the float range");
    if (!p.time_us) {
      if (need_time)
        return bad_series(at(i) + ".timestamp is required when granularity is not none");
      continue;
    }
    if (last && *p.time_us == *last)
      return bad_series(at(i) + ".timestamp repeats the timestamp before it");
    if (last && *p.time_us < *last)
      return bad_series(at(i) + ".timestamp is earlier than the one before it; "
                                "points must be in ascending order of timestamp");
    last = p.time_us;
  }
  return std::nullopt;
}

/// Grid positions of every point, or the first point off the grid.
result<std::vector<int64_t>> positions(const std::vector<point>& series, const grid_step& step) {
  std::vector<int64_t> pos(series.size());
  int64_t origin = *series.front().time_us;
  for (std::size_t i = 0; i < series.size(); ++i) {
    auto k = grid_position(step, origin, *series[i].time_us);
    if (!k)
      return bad_series(at(i) + ".timestamp is not on the grid of " + std::to_string(step.count)
                        + " x the granularity from the first timestamp");
    pos[i] = *k;
  }
  return pos;
}

double fill_value(const fill_rule& fill, double before, double after, double share) {
  switch (fill.mode) {
    case impute_mode::previous: return before;
    case impute_mode::fixed: return fill.fixed;
    case impute_mode::zero: return 0;
    default: return before + (after - before) * share; // auto, linear
  }
}

model_series fill_grid(const std::vector<point>& series, const std::vector<int64_t>& pos,
                       fill_rule fill) {
  model_series out;
  out.values.reserve(static_cast<std::size_t>(pos.back() + 1));
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i > 0) {
      int64_t gap = pos[i] - pos[i - 1];
      for (int64_t k = 1; k < gap; ++k)
        out.values.push_back(fill_value(fill, series[i - 1].value, series[i].value,
                                        static_cast<double>(k) / static_cast<double>(gap)));
    }
    out.position.push_back(out.values.size());
    out.values.push_back(series[i].value);
  }
  return out;
}

model_series as_given(const std::vector<point>& series) {
  model_series out;
  for (std::size_t i = 0; i < series.size(); ++i) {
    out.position.push_back(i);
    out.values.push_back(series[i].value);
  }
  return out;
}

} // namespace

bool is_whole(double x) {
  return std::isfinite(x) && std::trunc(x) == x;
}

result<series_settings> check_settings(const series_options& o, bool changepoint) {
  series_settings s;
  if (!o.gran && changepoint)
    return fail(error_code::required_granularity, "granularity is required");
  if (o.gran && *o.gran == granularity::none && changepoint)
    return fail(error_code::invalid_granularity,
                "granularity must be one of yearly, monthly, weekly, daily, hourly, minutely, "
                "secondly or microsecond for change point detection");
  s.gran = o.gran.value_or(granularity::none);
  if (o.custom_interval) {
    double c = *o.custom_interval;
    if (!is_whole(c) || c < 1 || c > int32_max)
      return fail(error_code::invalid_custom_interval, "customInterval must be a positive integer");
    s.interval = static_cast<int64_t>(c);
  }
  if (o.period) {
    double p = *o.period;
    if (!is_whole(p) || p < 0 || p > int32_max)
      return fail(error_code::invalid_period, "period must be a non-negative integer");
    s.period = static_cast<std::size_t>(p);
  }
  return s;
}

result<model_series> prepare(const std::vector<point>& series, const series_settings& s,
                             fill_rule fill) {
  bool timed = s.gran != granularity::none;
  if (auto problem = check_points(series, timed))
    return *problem;
  model_series out = as_given(series);
  if (timed) {
    auto pos = positions(series, grid_step{s.gran, s.interval});
    if (!pos)
      return pos.error();
    auto missing = static_cast<uint64_t>(pos.value().back()) + 1 - series.size();
    if (fill.mode != impute_mode::not_fill && missing > series.size())
      return bad_series("the series leaves " + std::to_string(missing)
                        + " points of its grid missing; at most as many as it has ("
                        + std::to_string(series.size()) + ") can be filled");
    if (fill.mode != impute_mode::not_fill)
      out = fill_grid(series, pos.value(), fill);
  }
  if (s.period && *s.period >= 2 && out.values.size() < 4 * *s.period)
    return bad_series("a period of " + std::to_string(*s.period) + " needs at least "
                      + std::to_string(4 * *s.period) + " points (4 periods); the series has "
                      + std::to_string(out.values.size()));
  return out;
}

} // namespace model::azure
