#include "model/cadence.hpp"

#include <algorithm>
#include <cmath>

namespace model {

void cadence::gap(int64_t seconds) {
  gaps_[next_] = seconds;
  next_ = static_cast<uint8_t>((next_ + 1) % gaps_.size());
  count_ = static_cast<uint8_t>(std::min<std::size_t>(count_ + 1, gaps_.size()));
}

void cadence::seed(const std::vector<int64_t>& timestamps, int64_t now_ms) {
  *this = cadence{};
  for (auto t : timestamps)
    see(t, now_ms);
}

void cadence::restore(int64_t last_seen_ms, int64_t last_timestamp, double interval_s) {
  *this = cadence{};
  last_seen_ms_ = last_seen_ms;
  last_ts_ = last_timestamp;
  if (interval_s >= 1 && interval_s < 1e12)
    gap(static_cast<int64_t>(std::llround(interval_s)));
}

void cadence::see(int64_t timestamp, int64_t now_ms) {
  last_seen_ms_ = std::max(last_seen_ms_, now_ms);
  if (last_ts_ >= 0 && timestamp > last_ts_)
    gap(timestamp - last_ts_);
  last_ts_ = std::max(last_ts_, timestamp);
}

double cadence::interval_s() const {
  if (count_ == 0)
    return 0;
  std::array<int64_t, 15> g = gaps_;
  auto mid = g.begin() + count_ / 2;
  std::nth_element(g.begin(), mid, g.begin() + count_);
  return static_cast<double>(*mid);
}

} // namespace model
