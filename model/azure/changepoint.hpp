// Change points: where the series' level or trend shifts and the new one holds
// for `window` points (stableTrendWindow). At every point i with `window`
// points on each side, a line is fitted to the points before i and one to the
// points from i on (after the seasonal part is removed and spikes are clipped);
// the jump between the lines at i and the change of slope, each divided by its
// standard error under the series' noise, give a score z. A change point is
// the highest z within `window` points on either side, at least
// change_score / threshold, where both windows hold to their lines (residuals'
// robust sd at most 2.5 times the noise) and a level change persists (the
// median departure of the later points from the earlier line has the jump's
// sign and at least half its size). Pure functions; O(n log window); any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace model::azure {

constexpr std::size_t default_stable_window = 10;
constexpr double default_threshold = 0.99;
/// The score a change point needs at threshold 1 (noise alone stays under it).
constexpr double change_score = 5.5;

struct change_points {
  std::vector<double> score;      ///< z per point (0 without a full window on each side)
  std::vector<bool> change;       ///< the change points
  std::vector<double> confidence; ///< z^2 / (z^2 + change_score^2), in [0, 1)
};

/// Finds the change points of `x` (period < 2: none; window >= 3 and
/// 2 * window <= x.size(); 0 < threshold <= 1).
change_points find_change_points(const std::vector<double>& x, std::size_t period,
                                 std::size_t window, double threshold);

} // namespace model::azure
