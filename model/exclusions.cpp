#include "model/exclusions.hpp"

#include <algorithm>

namespace model {

namespace {

/// Sorted, overlapping windows merged: disjoint and increasing.
std::vector<time_window> merged(std::vector<time_window> windows) {
  std::sort(windows.begin(), windows.end());
  std::vector<time_window> out;
  for (const auto& w : windows) {
    if (!out.empty() && w.first <= out.back().second)
      out.back().second = std::max(out.back().second, w.second);
    else
      out.push_back(w);
  }
  return out;
}

bool inside(const std::vector<time_window>& windows, int64_t t) {
  // The last window starting at or before t.
  auto it = std::upper_bound(windows.begin(), windows.end(), t,
                             [](int64_t x, const time_window& w) { return x < w.first; });
  return it != windows.begin() && t <= std::prev(it)->second;
}

} // namespace

training_data without_windows(training_data data, std::vector<time_window> windows) {
  if (windows.empty() || data.timestamps.size() != data.values.size())
    return data;
  auto m = merged(std::move(windows));
  std::size_t kept = 0;
  for (std::size_t i = 0; i < data.values.size(); ++i) {
    if (inside(m, data.timestamps[i]))
      continue;
    data.timestamps[kept] = data.timestamps[i];
    data.values[kept] = data.values[i];
    ++kept;
  }
  data.timestamps.resize(kept);
  data.values.resize(kept);
  return data;
}

} // namespace model
