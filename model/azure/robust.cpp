#include "model/azure/robust.hpp"

#include <algorithm>
#include <cmath>

namespace model::azure {

namespace {

/// Order statistics of a sliding window over fixed values: each value is
/// replaced by its rank in the whole series, and a Fenwick tree counts the
/// ranks in the window, so inserting, erasing and finding the k-th smallest
/// are O(log n) on flat arrays.
class rank_window {
public:
  explicit rank_window(const std::vector<double>& x) : x_(x), order_(x.size()), rank_(x.size()),
                                                       tree_(x.size() + 1, 0) {
    for (std::size_t i = 0; i < x.size(); ++i)
      order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      return x[a] < x[b] || (x[a] == x[b] && a < b);
    });
    for (std::size_t r = 0; r < order_.size(); ++r)
      rank_[order_[r]] = r;
    while (top_ * 2 <= x.size())
      top_ *= 2;
  }

  void insert(std::size_t i) { add(rank_[i], 1); }
  void erase(std::size_t i) { add(rank_[i], -1); }

  /// The k-th smallest value in the window (k from 0).
  double kth(std::size_t k) const {
    std::size_t pos = 0; // Fenwick descent: the largest prefix with at most k values
    for (std::size_t step = top_; step > 0; step >>= 1)
      if (pos + step < tree_.size() && static_cast<std::size_t>(tree_[pos + step]) <= k) {
        pos += step;
        k -= static_cast<std::size_t>(tree_[pos]);
      }
    return x_[order_[pos]];
  }

private:
  void add(std::size_t r, int d) {
    for (std::size_t p = r + 1; p < tree_.size(); p += p & (~p + 1))
      tree_[p] += d;
  }

  const std::vector<double>& x_;
  std::vector<std::size_t> order_, rank_;
  std::vector<int> tree_;
  std::size_t top_ = 1;
};

std::size_t odd_window(std::size_t w, std::size_t n) {
  w = std::max<std::size_t>(1, std::min(w, n));
  return w % 2 == 1 ? w : w - 1;
}

} // namespace

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double upper = *mid;
  if (v.size() % 2 == 1)
    return upper;
  double lower = *std::max_element(v.begin(), mid);
  return lower + (upper - lower) / 2;
}

double robust_scale(const std::vector<double>& v, double center) {
  std::vector<double> dev(v.size());
  double sum = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    dev[i] = std::fabs(v[i] - center);
    sum += dev[i];
  }
  double mad = median(dev);
  if (mad > 0)
    return 1.4826 * mad;
  return v.empty() ? 0 : 1.2533 * sum / static_cast<double>(v.size());
}

std::vector<double> running_median(const std::vector<double>& x, std::size_t w) {
  std::vector<double> out(x.size());
  if (x.empty())
    return out;
  w = odd_window(w, x.size());
  std::size_t h = w / 2, last_start = x.size() - w;
  rank_window win{x};
  for (std::size_t j = 0; j < w; ++j)
    win.insert(j);
  std::size_t start = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    std::size_t want = std::min(i > h ? i - h : 0, last_start);
    while (start < want) { // slide the window one step right
      win.erase(start);
      win.insert(start + w);
      ++start;
    }
    out[i] = win.kth(h); // w is odd: the middle value
  }
  return out;
}

double edge_slope(const std::vector<double>& x, std::size_t h, bool at_end) {
  if (h == 0 || x.size() < 2 * h)
    return 0;
  std::vector<double> slopes(h);
  std::size_t first = at_end ? x.size() - 2 * h : 0;
  for (std::size_t k = 0; k < h; ++k)
    slopes[k] = (x[first + k + h] - x[first + k]) / static_cast<double>(h);
  return median(std::move(slopes));
}

std::vector<double> local_level(const std::vector<double>& x, std::size_t w) {
  auto level = running_median(x, w);
  std::size_t n = x.size();
  std::size_t h = odd_window(w, n) / 2;
  if (h == 0 || n < 2 * h + 1)
    return level;
  double left = edge_slope(x, h, false), right = edge_slope(x, h, true);
  for (std::size_t i = 0; i < h; ++i)
    level[i] = level[h] - left * static_cast<double>(h - i);
  for (std::size_t i = n - h; i < n; ++i)
    level[i] = level[n - 1 - h] + right * static_cast<double>(i - (n - 1 - h));
  return level;
}

double end_slope(const std::vector<double>& x, std::size_t w) {
  std::size_t h = odd_window(w, x.size()) / 2;
  return edge_slope(x, h, true);
}

} // namespace model::azure
