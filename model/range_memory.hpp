// The learned memory of the `range` detector, a flat array of doubles (what
// the store keeps, inside the detector's state). Three views of the series,
// each kept as the highest and lowest value of `blocks` blocks that together
// hold exactly the last `window` points (block sizes differ by at most one):
// the value itself, the mean of the last `smooth` values, and, when a period
// is set, the value minus the value at the same phase of the previous period
// (a day before, say: the series' own seasonal difference). The seasonal
// reference is kept per phase of the period, by timestamp: the mean of the
// points that fell in that phase during the previous period. A phase not seen
// during the previous period has no reference (after a gap of more than a
// period the seasonal view is silent until a period has passed).
//
// A view's range skips its single most extreme block on each side (the
// second highest block maximum, the second lowest block minimum), so that one
// spike does not widen the range for a whole window. (With only two blocks
// far apart, those two are the blocks' inner edges.) Bounded: size_of(shape)
// doubles whatever is learned. Pure functions; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace model::range {

/// The sizes a memory is laid out by.
struct shape {
  std::size_t blocks = 16;   ///< blocks per view (at most `window`)
  std::size_t window = 3000; ///< points the blocks hold together
  std::size_t smooth = 10;   ///< points in the moving mean (1: the value itself)
  int64_t period = 0;        ///< seconds of the seasonal view's period; 0: no seasonal view
  std::size_t phases = 96;   ///< phases of the period with a reference each
};

enum view : std::size_t { value_view = 0, mean_view = 1, season_view = 2 };

/// Doubles a memory of `s` holds.
std::size_t size_of(const shape& s);

/// A fresh memory of `s`: no point learned.
std::vector<double> empty(const shape& s);

/// Whether `m` is a memory of `s`: its size, finite figures, counts in range
/// (a stored one may not be).
bool fits(const shape& s, const std::vector<double>& m);

/// Learns one point: every view moves, a block closes when it holds its
/// share of the window, and the oldest leaves once `blocks` are kept.
void add(const shape& s, std::vector<double>& m, int64_t timestamp, double value);

/// The mean of the last smooth - 1 learned values and `value`.
double mean_with(const shape& s, const std::vector<double>& m, double value);

/// The seasonal reference for a point at `timestamp`: the mean of the points
/// in its phase during the previous period, if any.
std::optional<double> reference(const shape& s, const std::vector<double>& m, int64_t timestamp);

/// A view's range (high, low), or nothing before its first point.
struct span {
  double high, low;
};
std::optional<span> range_of(const shape& s, const std::vector<double>& m, view v);

} // namespace model::range
