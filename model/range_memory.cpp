#include "model/range_memory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace model::range {

namespace {

// Layout: [recent_next, recent_count, recent_sum], then per view a ring: [open_count,
// closed, next_slot, open_high, open_low, (high, low) per block]; then the
// ring of recent values; then, with a period, per phase [previous mean,
// previous cycle, current sum, current count, current cycle].
enum header : std::size_t { recent_next = 0, recent_count = 1, recent_sum = 2, header_size = 3 };
enum ring_field : std::size_t { open_count = 0, closed = 1, next_slot = 2, open_high = 3,
                                open_low = 4, ring_header = 5 };
enum phase_field : std::size_t { prev_mean = 0, prev_cycle = 1, sum = 2, count = 3, cycle = 4,
                                 phase_size = 5 };

std::size_t views(const shape& s) {
  return s.period > 0 ? 3 : 2;
}
std::size_t ring_size(const shape& s) {
  return ring_header + 2 * s.blocks;
}
std::size_t ring_at(const shape& s, view v) {
  return header_size + static_cast<std::size_t>(v) * ring_size(s);
}
std::size_t recent_at(const shape& s) {
  return header_size + views(s) * ring_size(s);
}
std::size_t phases_at(const shape& s) {
  return recent_at(s) + (s.smooth - 1);
}
/// A count field: its value, or the largest size_t when it is not a count.
std::size_t count_of(double x) {
  return x >= 0 && x < 1e15 && x == std::floor(x) ? static_cast<std::size_t>(x)
                                                  : std::numeric_limits<std::size_t>::max();
}
/// A count field already checked by fits(): read without checks (hot path).
std::size_t fast(double x) {
  return static_cast<std::size_t>(x);
}
/// Points of block `slot`: the window shared out, sizes differing by one at most.
std::size_t block_size(const shape& s, std::size_t slot) {
  return s.window * (slot + 1) / s.blocks - s.window * slot / s.blocks;
}

bool ring_fits(const shape& s, const std::vector<double>& m, std::size_t at) {
  auto slot = count_of(m[at + next_slot]);
  return slot < s.blocks && count_of(m[at + closed]) <= s.blocks
         && count_of(m[at + open_count]) < block_size(s, slot);
}

void ring_add(const shape& s, std::vector<double>& m, std::size_t at, double x) {
  auto open = fast(m[at + open_count]);
  auto slot = fast(m[at + next_slot]);
  if (open == 0) {
    m[at + open_high] = m[at + open_low] = x;
  } else {
    m[at + open_high] = std::max(m[at + open_high], x);
    m[at + open_low] = std::min(m[at + open_low], x);
  }
  if (open + 1 < block_size(s, slot)) {
    m[at + open_count] = static_cast<double>(open + 1);
    return;
  }
  m[at + ring_header + 2 * slot] = m[at + open_high];
  m[at + ring_header + 2 * slot + 1] = m[at + open_low];
  m[at + open_count] = 0;
  m[at + closed] = static_cast<double>(std::min(fast(m[at + closed]) + 1, s.blocks));
  m[at + next_slot] = static_cast<double>((slot + 1) % s.blocks);
}

/// The phase and cycle (period number) of `timestamp`.
std::pair<std::size_t, double> phase_of(const shape& s, int64_t timestamp) {
  // into < period <= 31,536,000 and phases <= 1,440: the product fits 64 bits.
  auto into = static_cast<uint64_t>(timestamp % s.period);
  auto phase = static_cast<std::size_t>(into * s.phases / static_cast<uint64_t>(s.period));
  return {std::min(phase, s.phases - 1), static_cast<double>(timestamp / s.period)};
}

void season_add(const shape& s, std::vector<double>& m, int64_t timestamp, double value) {
  if (s.period <= 0 || timestamp < 0)
    return;
  auto ref = reference(s, m, timestamp);
  auto [phase, c] = phase_of(s, timestamp);
  auto at = phases_at(s) + phase * phase_size;
  if (m[at + cycle] != c) {
    bool seen = m[at + count] > 0;
    m[at + prev_mean] = seen ? m[at + sum] / m[at + count] : 0;
    m[at + prev_cycle] = seen ? m[at + cycle] : -1;
    m[at + sum] = m[at + count] = 0;
    m[at + cycle] = c;
  }
  if (std::isfinite(m[at + sum] + value)) {
    m[at + sum] += value;
    m[at + count] += 1;
  }
  if (ref && std::isfinite(value - *ref))
    ring_add(s, m, ring_at(s, season_view), value - *ref);
}

} // namespace

std::size_t size_of(const shape& s) {
  return phases_at(s) + (s.period > 0 ? s.phases * phase_size : 0);
}

std::vector<double> empty(const shape& s) {
  std::vector<double> m(size_of(s), 0.0);
  for (std::size_t p = 0; s.period > 0 && p < s.phases; ++p) {
    m[phases_at(s) + p * phase_size + prev_cycle] = -1;
    m[phases_at(s) + p * phase_size + cycle] = -1;
  }
  return m;
}

bool fits(const shape& s, const std::vector<double>& m) {
  if (m.size() != size_of(s) || s.blocks == 0 || s.blocks > s.window || s.smooth == 0)
    return false;
  if (!std::all_of(m.begin(), m.end(), [](double x) { return std::isfinite(x); }))
    return false;
  for (std::size_t v = 0; v < views(s); ++v)
    if (!ring_fits(s, m, ring_at(s, static_cast<view>(v))))
      return false;
  for (std::size_t p = 0; s.period > 0 && p < s.phases; ++p)
    if (count_of(m[phases_at(s) + p * phase_size + count]) > 1e12)
      return false;
  return count_of(m[recent_count]) <= s.smooth - 1
         && (s.smooth == 1 || count_of(m[recent_next]) < s.smooth - 1);
}

double mean_with(const shape&, const std::vector<double>& m, double value) {
  return (m[recent_sum] + value) / (m[recent_count] + 1);
}

std::optional<double> reference(const shape& s, const std::vector<double>& m, int64_t timestamp) {
  if (s.period <= 0 || timestamp < 0)
    return std::nullopt;
  auto [phase, c] = phase_of(s, timestamp);
  auto at = phases_at(s) + phase * phase_size;
  if (m[at + cycle] == c - 1 && m[at + count] > 0)
    return m[at + sum] / m[at + count];
  if (m[at + cycle] == c && m[at + prev_cycle] >= 0 && m[at + prev_cycle] == c - 1)
    return m[at + prev_mean];
  return std::nullopt;
}

void add(const shape& s, std::vector<double>& m, int64_t timestamp, double value) {
  season_add(s, m, timestamp, value);
  ring_add(s, m, ring_at(s, value_view), value);
  ring_add(s, m, ring_at(s, mean_view), mean_with(s, m, value));
  if (s.smooth > 1) {
    auto next = fast(m[recent_next]);
    auto n = fast(m[recent_count]);
    double evicted = n == s.smooth - 1 ? m[recent_at(s) + next] : 0;
    m[recent_at(s) + next] = value;
    m[recent_next] = static_cast<double>((next + 1) % (s.smooth - 1));
    m[recent_count] = static_cast<double>(std::min(n + 1, s.smooth - 1));
    m[recent_sum] += value - evicted;
    if (m[recent_next] == 0 || !std::isfinite(m[recent_sum])) { // exact again once per turn
      double sum = 0;
      for (std::size_t i = 0; i < fast(m[recent_count]); ++i)
        sum += m[recent_at(s) + i];
      m[recent_sum] = sum;
    }
  }
}

std::optional<span> range_of(const shape& s, const std::vector<double>& m, view v) {
  if (v == season_view && s.period <= 0)
    return std::nullopt;
  // The two highest block maxima and the two lowest block minima: the
  // second of each is the range.
  auto at = ring_at(s, v);
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
  auto blocks_closed = std::min(fast(m[at + closed]), s.blocks);
  for (std::size_t b = 0; b < blocks_closed; ++b)
    take(m[at + ring_header + 2 * b], m[at + ring_header + 2 * b + 1]);
  if (fast(m[at + open_count]) > 0)
    take(m[at + open_high], m[at + open_low]);
  if (n == 0)
    return std::nullopt;
  if (n == 1)
    return span{high[0], low[0]};
  // With two blocks far apart the second high is below the second low: the
  // range is then the gap between them, their inner edges.
  return span{std::max(high[1], low[1]), std::min(high[1], low[1])};
}

} // namespace model::range
