// The learned memory of the `range` detector, a flat array of doubles (what
// the store keeps): the highest and lowest values of the last `window`
// points, kept per block of window / blocks points, for two views of the
// series, the value itself and the mean of the last `smooth` values; and the
// last smooth - 1 values, for that mean. Bounded: 5 + 4 * (blocks + 1) +
// smooth - 1 doubles, whatever the number of points learned.
//
// A view's range skips its single most extreme block on each side (the
// second highest block maximum, the second lowest block minimum), so that
// one spike in the memory does not widen the range for a whole window. (With
// only two blocks far apart, those two are the blocks' inner edges.) Pure
// functions; callable from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace model::range {

/// The sizes a memory is laid out by.
struct shape {
  std::size_t blocks = 16;       ///< blocks kept per view
  std::size_t block_size = 187;  ///< points per block (window / blocks, at least 1)
  std::size_t smooth = 10;       ///< points in the moving mean (1: the value itself)
};

enum view : std::size_t { value_view = 0, mean_view = 1 };

/// A fresh memory of `s`: no point learned.
std::vector<double> empty(const shape& s);

/// Whether `m` has the size a memory of `s` has (a stored one may not).
bool fits(const shape& s, const std::vector<double>& m);

/// Learns one point: both views move, a block closes every block_size points
/// and the oldest leaves once `blocks` are kept.
void add(const shape& s, std::vector<double>& m, double value);

/// The mean of the last smooth - 1 learned values and `value`.
double mean_with(const shape& s, const std::vector<double>& m, double value);

/// A view's range (high, low), or nothing before the first point.
struct span {
  double high, low;
};
std::optional<span> range_of(const shape& s, const std::vector<double>& m, view v);

} // namespace model::range
