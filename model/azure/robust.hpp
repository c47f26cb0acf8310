// Robust statistics the Anomaly Detector models are built from: medians, a
// scale that spikes do not inflate, a running median over a sliding window
// (O(n log w)), and a local level that follows a linear trend up to the ends
// of the series. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace model::azure {

/// The median of `v` (the mean of the two middle values for an even count); 0 when empty.
double median(std::vector<double> v);

/// A robust standard deviation of `v` around `center`: 1.4826 * MAD, or, when
/// more than half of the values equal the center, 1.2533 * the mean absolute
/// deviation (both equal the standard deviation for normal data). 0 when all
/// values equal the center.
double robust_scale(const std::vector<double>& v, double center);

/// For every i, the median of the `w` consecutive values of `x` centred on i
/// (at the ends, the first or last `w`). `w` is made odd and at most x.size().
std::vector<double> running_median(const std::vector<double>& x, std::size_t w);

/// A robust slope of `x` around its end (`at_end`) or its start: the median of
/// (x[j + h] - x[j]) / h over the h pairs nearest that end. 0 when x has fewer
/// than 2h points or h is 0.
double edge_slope(const std::vector<double>& x, std::size_t h, bool at_end);

/// The local level of `x`: the running median of window `w` where the window
/// fits, extended from there to both ends along the edge slope of x (so that a
/// linear trend is followed to the last point).
std::vector<double> local_level(const std::vector<double>& x, std::size_t w);

/// The slope local_level extends the series' end with (the same edge slope).
double end_slope(const std::vector<double>& x, std::size_t w);

} // namespace model::azure
