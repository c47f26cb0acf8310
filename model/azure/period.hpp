// Period detection for the Anomaly Detector operations: the candidate periods
// a granularity implies (a minute, an hour, a day, a week or a year of steps),
// judged by the autocorrelation of the detrended series; without a granularity
// (or when no candidate holds) every lag up to a quarter of the series is
// searched, through an FFT. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

#include "model/azure/timestamps.hpp"

namespace model::azure {

/// Periods (in points) the step implies: 60 s, 1 h, 1 day, 1 week and 1 year
/// divided by the step's length, when whole (a year's: rounded) and between 2
/// and n / 2 (two cycles: the granularity vouches for them; a period found by
/// search needs four); for monthly steps 12 months. Ascending, no repeats.
std::vector<std::size_t> candidate_periods(const grid_step& step, std::size_t n);

/// The autocorrelation of `x` after its least-squares line is removed and its
/// values are clipped to the median -/+ 3 robust standard deviations: r[k] for
/// k = 0..max_lag (r[0] = 1; all 0 for a constant series), each lag's sum
/// divided by its number of pairs. O(n log n).
std::vector<double> autocorrelation(const std::vector<double>& x, std::size_t max_lag);

/// The period of `x` (0: none). A candidate holds when its autocorrelation is
/// at least 0.3, a local maximum, and at least 0.2 above the lowest value at a
/// shorter lag; of those holding, the shortest within 0.05 of the best. When
/// none holds, every lag from 2 to n / 4 is a candidate under stricter bounds
/// (0.5 and a dip of 0.3).
std::size_t detect_period(const std::vector<double>& x, const std::vector<std::size_t>& candidates);

} // namespace model::azure
