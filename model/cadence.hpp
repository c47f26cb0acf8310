// A series' cadence: when its latest point came (server time and the point's
// own timestamp) and its typical interval, the median of its last 15 gaps
// between increasing timestamps. Seeded from a fit's training timestamps,
// moved by every predicted point. Bounded; a value type for the series actor.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace model {

class cadence {
public:
  /// Starts from training timestamps (non-decreasing) fitted at `now_ms`.
  void seed(const std::vector<int64_t>& timestamps, int64_t now_ms);
  /// Restores what the store kept.
  void restore(int64_t last_seen_ms, int64_t last_timestamp, double interval_s);
  /// A point with `timestamp` arrived at `now_ms` (Unix milliseconds).
  void see(int64_t timestamp, int64_t now_ms);

  int64_t last_seen_ms() const { return last_seen_ms_; }
  int64_t last_timestamp() const { return last_ts_; }
  /// The typical interval in seconds; 0 before two distinct timestamps.
  double interval_s() const;

private:
  void gap(int64_t seconds);
  int64_t last_seen_ms_ = 0;
  int64_t last_ts_ = -1;
  std::array<int64_t, 15> gaps_{};
  uint8_t count_ = 0, next_ = 0;
};

} // namespace model
