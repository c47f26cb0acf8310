#include "model/downsample.hpp"

#include <algorithm>

namespace model {

std::vector<time_point_value> min_max_buckets(const std::vector<int64_t>& timestamps,
                                              const std::vector<double>& values,
                                              std::size_t max_points) {
  std::vector<time_point_value> out;
  auto n = std::min(timestamps.size(), values.size());
  max_points = std::max<std::size_t>(max_points, 2);
  if (n <= max_points) {
    for (std::size_t i = 0; i < n; ++i)
      out.push_back({timestamps[i], values[i]});
    return out;
  }
  auto buckets = max_points / 2;
  double t0 = static_cast<double>(timestamps.front());
  double span = static_cast<double>(timestamps[n - 1]) - t0 + 1;
  std::size_t i = 0;
  while (i < n) {
    auto b = static_cast<std::size_t>((static_cast<double>(timestamps[i]) - t0) / span
                                      * static_cast<double>(buckets));
    std::size_t lo = i, hi = i;
    for (; i < n; ++i) {
      auto bi = static_cast<std::size_t>((static_cast<double>(timestamps[i]) - t0) / span
                                         * static_cast<double>(buckets));
      if (bi != b)
        break;
      if (values[i] < values[lo])
        lo = i;
      if (values[i] > values[hi])
        hi = i;
    }
    auto first = std::min(lo, hi), second = std::max(lo, hi);
    out.push_back({timestamps[first], values[first]});
    if (second != first)
      out.push_back({timestamps[second], values[second]});
  }
  return out;
}

} // namespace model
