#include "model/range_memory.hpp"

#include <algorithm>
#include <limits>

namespace model::range {

namespace {

// Layout: a header, then per view the open block's (high, low) and `blocks`
// closed (high, low) pairs in a ring, then the ring of recent values.
enum header : std::size_t { open_count = 0, closed = 1, next_slot = 2, recent_next = 3,
                            recent_count = 4, header_size = 5 };

std::size_t view_size(const shape& s) {
  return 2 + 2 * s.blocks;
}
std::size_t view_at(const shape& s, view v) {
  return header_size + static_cast<std::size_t>(v) * view_size(s);
}
std::size_t recent_at(const shape& s) {
  return header_size + 2 * view_size(s);
}
std::size_t count(const std::vector<double>& m, header h) {
  double x = m[h];
  return x >= 0 && x < 1e15 ? static_cast<std::size_t>(x) : static_cast<std::size_t>(-1);
}

void widen(double& high, double& low, double x) {
  high = std::max(high, x);
  low = std::min(low, x);
}

std::size_t size_of(const shape& s) {
  return recent_at(s) + (s.smooth - 1);
}

} // namespace

std::vector<double> empty(const shape& s) {
  return std::vector<double>(size_of(s), 0.0);
}

bool fits(const shape& s, const std::vector<double>& m) {
  return m.size() == size_of(s) && count(m, closed) <= s.blocks
         && count(m, open_count) < s.block_size && count(m, next_slot) < s.blocks
         && count(m, recent_count) <= s.smooth - 1
         && (s.smooth == 1 || count(m, recent_next) < s.smooth - 1);
}

double mean_with(const shape& s, const std::vector<double>& m, double value) {
  auto n = count(m, recent_count);
  double sum = value;
  for (std::size_t i = 0; i < n; ++i)
    sum += m[recent_at(s) + i];
  return sum / static_cast<double>(n + 1);
}

void add(const shape& s, std::vector<double>& m, double value) {
  double views[2] = {value, mean_with(s, m, value)};
  bool opening = count(m, open_count) == 0;
  bool closing = count(m, open_count) + 1 == s.block_size;
  for (auto v : {value_view, mean_view}) {
    auto at = view_at(s, v);
    if (opening)
      m[at] = m[at + 1] = views[v];
    else
      widen(m[at], m[at + 1], views[v]);
    if (closing) {
      auto slot = at + 2 + 2 * count(m, next_slot);
      m[slot] = m[at];
      m[slot + 1] = m[at + 1];
    }
  }
  if (closing) {
    m[open_count] = 0;
    m[closed] = static_cast<double>(std::min(count(m, closed) + 1, s.blocks));
    m[next_slot] = static_cast<double>((count(m, next_slot) + 1) % s.blocks);
  } else {
    m[open_count] += 1;
  }
  if (s.smooth > 1) {
    m[recent_at(s) + count(m, recent_next)] = value;
    m[recent_next] = static_cast<double>((count(m, recent_next) + 1) % (s.smooth - 1));
    m[recent_count] = static_cast<double>(std::min(count(m, recent_count) + 1, s.smooth - 1));
  }
}

std::optional<span> range_of(const shape& s, const std::vector<double>& m, view v) {
  // The two highest block maxima and the two lowest block minima: the
  // second of each is the range.
  auto at = view_at(s, v);
  constexpr double inf = std::numeric_limits<double>::infinity();
  double high[2] = {-inf, -inf}, low[2] = {inf, inf};
  std::size_t n = 0;
  auto take = [&](double h, double l) {
    ++n;
    if (h > high[0]) {
      high[1] = high[0];
      high[0] = h;
    } else if (h > high[1]) {
      high[1] = h;
    }
    if (l < low[0]) {
      low[1] = low[0];
      low[0] = l;
    } else if (l < low[1]) {
      low[1] = l;
    }
  };
  for (std::size_t b = 0; b < count(m, closed); ++b)
    take(m[at + 2 + 2 * b], m[at + 3 + 2 * b]);
  if (count(m, open_count) > 0)
    take(m[at], m[at + 1]);
  if (n == 0)
    return std::nullopt;
  if (n == 1)
    return span{high[0], low[0]};
  // With two blocks far apart the second high is below the second low: the
  // range is then the gap between them, their inner edges.
  return span{std::max(high[1], low[1]), std::min(high[1], low[1])};
}

} // namespace model::range
