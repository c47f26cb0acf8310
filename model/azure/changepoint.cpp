#include "model/azure/changepoint.hpp"

#include <algorithm>
#include <cmath>

#include "model/azure/fit.hpp"
#include "model/azure/robust.hpp"

namespace model::azure {

namespace {

/// A least-squares line over [a, a + w): its value at `t` and its slope.
struct line {
  double mean = 0, center = 0, slope = 0;
  double at(double t) const { return mean + slope * (t - center); }
};

/// Prefix sums of y and t * y (t relative to the series start) for O(1) lines.
class line_fitter {
public:
  explicit line_fitter(const std::vector<double>& y) : sy_(y.size() + 1), sty_(y.size() + 1) {
    for (std::size_t t = 0; t < y.size(); ++t) {
      sy_[t + 1] = sy_[t] + y[t];
      sty_[t + 1] = sty_[t] + static_cast<double>(t) * y[t];
    }
  }

  std::size_t size() const { return sy_.size() - 1; }

  double mean(std::size_t a, std::size_t w) const {
    return (sy_[a + w] - sy_[a]) / static_cast<double>(w);
  }

  line fit(std::size_t a, std::size_t w) const {
    auto n = static_cast<double>(w);
    double sy = sy_[a + w] - sy_[a], sty = sty_[a + w] - sty_[a];
    line l;
    l.mean = sy / n;
    l.center = static_cast<double>(a) + (n - 1) / 2;
    double sxx = n * (n * n - 1) / 12;
    l.slope = (sty - l.center * sy) / sxx;
    return l;
  }

private:
  std::vector<double> sy_, sty_;
};

/// y without its seasonal part, spikes clipped to 4 robust sd of the running median.
std::vector<double> cleaned(const std::vector<double>& x, std::size_t period, std::size_t w) {
  std::vector<double> y = x;
  if (period >= 2 && x.size() >= 2 * period) {
    auto s = decompose(x, period).seasonal;
    for (std::size_t i = 0; i < y.size(); ++i)
      y[i] -= s[i % period];
  }
  auto med = running_median(y, std::max<std::size_t>(3, w | 1));
  std::vector<double> dev(y.size());
  for (std::size_t i = 0; i < y.size(); ++i)
    dev[i] = y[i] - med[i];
  double s = robust_scale(dev, 0), mid = median(y);
  for (std::size_t i = 0; i < y.size(); ++i) // centred: the prefix sums stay small
    y[i] = std::clamp(y[i], med[i] - 4 * s, med[i] + 4 * s) - mid;
  return y;
}

/// For every i, the largest of v over [i - w, i) (`left`) or (i, i + w],
/// -1 where that range is empty. O(n) with a monotonic deque.
std::vector<double> neighbour_max(const std::vector<double>& v, std::size_t w, bool left) {
  std::size_t n = v.size();
  std::vector<double> out(n, -1.0);
  std::vector<std::size_t> dq(n); // indices with decreasing values
  std::size_t head = 0, tail = 0;
  for (std::size_t step = 0; step < n; ++step) {
    std::size_t i = left ? step : n - 1 - step;
    auto outside = [&](std::size_t j) { return left ? j + w < i : j > i + w; };
    while (head < tail && outside(dq[head]))
      ++head;
    if (head < tail)
      out[i] = v[dq[head]];
    while (head < tail && v[dq[tail - 1]] <= v[i])
      --tail;
    dq[tail++] = i;
  }
  return out;
}

/// The noise's standard deviation from first differences (level shifts and
/// trends barely move it), at least 1e-12 of the largest |value|.
double noise_of(const std::vector<double>& y) {
  std::vector<double> d;
  double magnitude = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    magnitude = std::max(magnitude, std::fabs(y[i]));
    if (i > 0)
      d.push_back(y[i] - y[i - 1]);
  }
  return std::max(robust_scale(d, median(d)) / std::sqrt(2.0), 1e-12 * magnitude);
}

/// True when the last third of the w points from i still departs from the
/// earlier line by at least half the jump, in its direction (a bump that
/// returns within the window is no level shift).
bool persists(const std::vector<double>& y, const line& before, std::size_t i, std::size_t w,
              double jump) {
  std::size_t third = (w + 2) / 3;
  std::vector<double> dep(third);
  for (std::size_t k = 0; k < third; ++k)
    dep[k] = y[i + w - third + k] - before.at(static_cast<double>(i + w - third + k));
  double m = median(std::move(dep));
  return m * jump > 0 && std::fabs(m) >= std::fabs(jump) / 2;
}

/// True when the w points from `a` lie on their line within the noise (their
/// residuals' robust sd at most 2.5 sigma): a regime that holds, not a bump.
bool stable(const std::vector<double>& y, const line_fitter& fitter, std::size_t a, std::size_t w,
            double sigma) {
  auto l = fitter.fit(a, w);
  std::vector<double> res(w);
  for (std::size_t k = 0; k < w; ++k)
    res[k] = y[a + k] - l.at(static_cast<double>(a + k));
  return robust_scale(res, median(res)) <= 2.0 * sigma;
}

/// At every point with w points on each side: the jump between the line of
/// the w points before it and the line of the w points from it (at the point),
/// and each line's slope change, each divided by its standard error.
struct scores {
  std::vector<double> jump, level, slope;
};

scores scores_of(const line_fitter& fitter, std::size_t w, double sigma) {
  std::size_t n = fitter.size();
  scores s{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  auto wd = static_cast<double>(w);
  double sxx = wd * (wd * wd - 1) / 12;
  double se_jump = sigma * std::sqrt(2 / wd + ((wd + 1) * (wd + 1) + (wd - 1) * (wd - 1)) / 4 / sxx);
  double se_slope = sigma * std::sqrt(2 / sxx);
  for (std::size_t i = w; i + w <= n; ++i) {
    auto b = fitter.fit(i - w, w), a = fitter.fit(i, w);
    s.jump[i] = a.at(static_cast<double>(i)) - b.at(static_cast<double>(i));
    s.level[i] = std::fabs(s.jump[i]) / se_jump;
    s.slope[i] = std::fabs(a.slope - b.slope) / se_slope;
  }
  return s;
}

/// Peaks of `z`: at least `bar` and the highest within w on either side (the
/// first of equal highest).
std::vector<bool> peaks(const std::vector<double>& z, std::size_t w, double bar) {
  auto left = neighbour_max(z, w, true), right = neighbour_max(z, w, false);
  std::vector<bool> out(z.size());
  for (std::size_t i = 0; i < z.size(); ++i)
    out[i] = z[i] >= bar && z[i] > left[i] && z[i] >= right[i];
  return out;
}

/// True when, within w of i, the mean of the w points after some j differs
/// from the mean of the w before it the other way than the jump at i, by at
/// least half the bar: a bump (up, then back down) is no level shift at
/// either end. (Around a lasting shift every such difference has its sign.)
bool reversed(const line_fitter& fitter, std::size_t i, std::size_t w, double jump,
              double bar_diff) {
  for (std::size_t j = i > 2 * w ? i - w : w; j <= i + w && j + w <= fitter.size(); ++j) {
    double d = fitter.mean(j, w) - fitter.mean(j - w, w);
    if (d * jump < 0 && std::fabs(d) >= bar_diff / 2)
      return true;
  }
  return false;
}

/// True when a peak of `level` lies within w of i.
bool near(const std::vector<bool>& level, std::size_t i, std::size_t w) {
  for (std::size_t j = i > w ? i - w : 0; j <= i + w && j < level.size(); ++j)
    if (level[j])
      return true;
  return false;
}

} // namespace

change_points find_change_points(const std::vector<double>& x, std::size_t period,
                                 std::size_t w, double threshold) {
  std::size_t n = x.size();
  change_points out{std::vector<double>(n, 0.0), std::vector<bool>(n, false),
                    std::vector<double>(n, 0.0)};
  if (w < 3 || 2 * w > n || !(threshold > 0))
    return out;
  auto y = cleaned(x, period, w);
  double sigma = noise_of(y);
  if (!(sigma > 0))
    return out;
  line_fitter fitter{y};
  auto s = scores_of(fitter, w, sigma);
  for (std::size_t i = 0; i < n; ++i) {
    out.score[i] = std::max(s.level[i], s.slope[i]);
    out.confidence[i] = out.score[i] * out.score[i]
                        / (out.score[i] * out.score[i] + change_score * change_score);
  }
  double bar = change_score / threshold;
  auto level = peaks(s.level, w, bar), slope = peaks(s.slope, w, bar);
  double mean_bar = bar * sigma * std::sqrt(2 / static_cast<double>(w));
  for (std::size_t i = w; i + w <= n; ++i) {
    bool holds = (level[i] || slope[i]) && stable(y, fitter, i - w, w, sigma)
                 && stable(y, fitter, i, w, sigma);
    if (level[i]) // a level shift that lasts
      out.change[i] = holds && persists(y, fitter.fit(i - w, w), i, w, s.jump[i])
                      && !reversed(fitter, i, w, s.jump[i], mean_bar);
    else if (slope[i]) // a change of trend, not the side of a level shift's window
      out.change[i] = holds && !near(level, i, w);
  }
  return out;
}

} // namespace model::azure
