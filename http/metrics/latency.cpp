#include "http/metrics/latency.hpp"

namespace http {

std::size_t latency_histogram::index_of(uint64_t us) {
  if (us < 16)
    return static_cast<std::size_t>(us);
  auto msb = 63 - __builtin_clzll(us);
  auto shift = msb - 3;
  auto index = static_cast<std::size_t>(shift) * 8 + static_cast<std::size_t>(us >> shift);
  return index < bucket_count ? index : bucket_count - 1;
}

uint64_t latency_histogram::lower_bound_of(std::size_t index) {
  if (index < 16)
    return index;
  auto shift = index / 8 - 1;
  return (8 + index % 8) << shift;
}

void latency_histogram::record(uint64_t us) {
  buckets_[index_of(us)].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

double latency_histogram::mean_ms() const {
  auto n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / n / 1000.0;
}

double latency_histogram::sum_seconds() const {
  return static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
}

double latency_histogram::quantile_ms(double q) const {
  uint64_t total = 0;
  for (const auto& b : buckets_)
    total += b.load(std::memory_order_relaxed);
  if (total == 0)
    return 0.0;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(total) + 0.999999);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      auto lo = static_cast<double>(lower_bound_of(i));
      auto hi = i + 1 < bucket_count ? static_cast<double>(lower_bound_of(i + 1)) : lo;
      return (lo + hi) / 2 / 1000.0;
    }
  }
  return static_cast<double>(lower_bound_of(bucket_count - 1)) / 1000.0;
}

uint64_t latency_histogram::count_at_or_below(uint64_t us) const {
  uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count && lower_bound_of(i) <= us; ++i)
    seen += buckets_[i].load(std::memory_order_relaxed);
  return seen;
}

} // namespace http
