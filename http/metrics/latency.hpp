// Lock-free latency recorder: a log-linear histogram of microseconds (8
// sub-buckets per power of two, so quantiles are within 12.5%) plus an exact
// count and sum. Any thread may record and read concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace http {

class latency_histogram {
public:
  static constexpr std::size_t bucket_count = 8 * 40;

  /// Records one sample of `us` microseconds.
  void record(uint64_t us);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  /// Mean in milliseconds; 0 without samples.
  double mean_ms() const;

  /// The `q` quantile (0 < q <= 1) in milliseconds, the midpoint of the
  /// bucket that holds it; 0 without samples.
  double quantile_ms(double q) const;

  /// Samples at or below `us` microseconds (bucket resolution), for /metrics.
  uint64_t count_at_or_below(uint64_t us) const;

  /// Total of all samples in seconds.
  double sum_seconds() const;

private:
  static std::size_t index_of(uint64_t us);
  static uint64_t lower_bound_of(std::size_t index);

  std::array<std::atomic<uint64_t>, bucket_count> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

} // namespace http
