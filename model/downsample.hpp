// Summarising a long series for drawing: at most a fixed number of points,
// the minimum and maximum of each equal time bucket, so spikes stay visible.
// Pure function, callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace model {

struct time_point_value {
  int64_t t;
  double v;
};

/// The points of (`timestamps`, `values`) (same length, timestamps
/// increasing) reduced to at most `max_points` (at least 2): when there are
/// more, the time span is cut into max_points / 2 equal buckets and each
/// non-empty bucket contributes its minimum and its maximum, in time order
/// (one point when they coincide). Fewer points are returned unchanged.
std::vector<time_point_value> min_max_buckets(const std::vector<int64_t>& timestamps,
                                              const std::vector<double>& values,
                                              std::size_t max_points);

} // namespace model
