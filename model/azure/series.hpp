// From a request's points to the series the models see: the options checked
// (granularity, customInterval, period), the points checked (count, values,
// timestamps ascending, unique and on the granularity's grid) and placed on
// that grid, and the gaps filled as the impute mode says. Every refusal is an
// api_error with the specification's code. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

#include "model/azure/request.hpp"
#include "model/azure/timestamps.hpp"

namespace model::azure {

constexpr std::size_t min_points = 12;   ///< fewer is InvalidSeries
constexpr std::size_t max_points = 8640; ///< more is InvalidSeries (as the service had)

/// The options of series_options, checked.
struct series_settings {
  granularity gran = granularity::none;
  int64_t interval = 1;             ///< customInterval
  std::optional<std::size_t> period; ///< given by the client (0 or 1: no period)
};

/// Checks granularity (required or not), customInterval (a positive integer:
/// InvalidCustomInterval) and period (a non-negative integer: InvalidPeriod).
/// `changepoint`: the granularity is required (RequiredGranularity) and may
/// not be none (InvalidGranularity).
result<series_settings> check_settings(const series_options& options, bool changepoint);

/// How gaps are filled, with the fixed value of impute mode `fixed`.
struct fill_rule {
  impute_mode mode = impute_mode::auto_fill;
  double fixed = 0;
};

/// The series the models see and where each input point lies in it.
struct model_series {
  std::vector<double> values;        ///< the grid from the first to the last point, filled
  std::vector<std::size_t> position; ///< values index of each input point, ascending
};

/// Checks the points: min_points to max_points of them, finite values within
/// the float range, ISO 8601 timestamps (required unless the granularity is
/// none) strictly ascending and on the grid. With a granularity, places them on
/// the grid and fills the gaps (`fill`; notFill keeps the points as they are);
/// at most as many points may be filled as were given. A given period of 2 or
/// more needs 4 periods of points. All failures are InvalidSeries.
result<model_series> prepare(const std::vector<point>& series, const series_settings& settings,
                             fill_rule fill);

/// True for a finite double with no fractional part.
bool is_whole(double x);

} // namespace model::azure
