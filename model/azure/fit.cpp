#include "model/azure/fit.hpp"

#include <algorithm>
#include <cmath>

#include "model/azure/robust.hpp"

namespace model::azure {

namespace {

/// The median of each `w` (odd) neighbouring phases, around the cycle.
std::vector<double> circular_median(const std::vector<double>& s, std::size_t w) {
  std::size_t p = s.size(), h = w / 2;
  if (w < 3 || p < w)
    return s;
  std::vector<double> padded;
  for (std::size_t k = 0; k < p + 2 * h; ++k)
    padded.push_back(s[(k + p - h) % p]);
  auto m = running_median(padded, w);
  return std::vector<double>(m.begin() + static_cast<long>(h), m.begin() + static_cast<long>(h + p));
}

std::size_t smoothing_width(std::size_t period) {
  std::size_t w = period / 36;
  return w % 2 == 1 ? w : w + 1;
}

/// How much wider a new point's error is than the residuals of the points a
/// fit was made from: each estimate (a median of `points` values) took in its
/// own points' noise, pi/2 / points of the variance. sqrt((1 + v) / (1 - v)).
double inflation_of(double v) {
  v = std::min(v, 0.5);
  return std::sqrt((1 + v) / (1 - v));
}

std::vector<double> phase_medians(const std::vector<double>& d, std::size_t period) {
  std::vector<double> medians(period);
  std::vector<double> bucket;
  for (std::size_t ph = 0; ph < period; ++ph) {
    bucket.clear();
    for (std::size_t i = ph; i < d.size(); i += period)
      bucket.push_back(d[i]);
    medians[ph] = median(bucket);
  }
  auto out = circular_median(medians, smoothing_width(period));
  double mean = 0;
  for (double v : out)
    mean += v / static_cast<double>(period);
  for (double& v : out)
    v -= mean;
  return out;
}

/// For every i, the mean of one period of x centred on i (a 2 x p moving
/// average for an even p; at the ends the first or last full cycle): a
/// level with the seasonal part averaged out exactly, whatever its shape.
std::vector<double> cycle_mean(const std::vector<double>& x, std::size_t p) {
  std::size_t n = x.size();
  std::vector<double> sum(n + 1, 0.0), out(n);
  for (std::size_t i = 0; i < n; ++i)
    sum[i + 1] = sum[i] + x[i];
  std::size_t span = p % 2 == 1 ? p : p + 1, h = span / 2; // points a centred window touches
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = std::clamp(i, h, n - 1 - h), a = c - h;
    double total = sum[a + span] - sum[a];
    if (p % 2 == 0) // the two end points count half
      total -= (x[a] + x[a + span - 1]) / 2;
    out[i] = total / static_cast<double>(p);
  }
  return out;
}

std::vector<double> minus(const std::vector<double>& x, const std::vector<double>& level) {
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    d[i] = x[i] - level[i];
  return d;
}

std::vector<double> deseasonalised(const std::vector<double>& x, const std::vector<double>& s) {
  std::vector<double> z(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    z[i] = x[i] - s[i % s.size()];
  return z;
}

} // namespace

double decomposition::expected(std::size_t i) const {
  double s = seasonal.empty() ? 0 : seasonal[i % seasonal.size()];
  if (i < level.size())
    return level[i] + s;
  auto beyond = static_cast<double>(i - (level.size() - 1));
  return level.back() + end_slope * beyond + s;
}

decomposition decompose(const std::vector<double>& x, std::size_t period) {
  decomposition out;
  if (period < 2 || x.size() < 2 * period) {
    out.level = local_level(x, level_window);
    out.end_slope = end_slope(x, level_window);
    out.inflation = inflation_of(M_PI / 2 / static_cast<double>(std::min(level_window, x.size())));
    return out;
  }
  std::size_t w = level_window;
  out.seasonal = phase_medians(minus(x, cycle_mean(x, period)), period);
  auto z = deseasonalised(x, out.seasonal);
  out.level = local_level(z, w);
  out.seasonal = phase_medians(minus(x, out.level), period);
  z = deseasonalised(x, out.seasonal);
  out.level = local_level(z, w);
  out.end_slope = end_slope(z, w);
  double cycles = static_cast<double>(x.size() / period);
  out.inflation = inflation_of(M_PI / 2 / (cycles * static_cast<double>(smoothing_width(period)))
                               + M_PI / 2 / static_cast<double>(std::min(w, x.size())));
  return out;
}

double margin_factor(double sensitivity) {
  return 2 * std::sqrt(std::max(1.0, 100 - sensitivity));
}

double severity_of(double residual, double margin) {
  double r = std::fabs(residual);
  if (!(r > margin))
    return 0;
  return std::clamp(1 - margin / r, 0.0, 1.0);
}

double residual_scale(const std::vector<double>& residuals) {
  double mid = median(residuals);
  double scale = robust_scale(residuals, mid);
  std::vector<double> dev(residuals.size());
  for (std::size_t i = 0; i < dev.size(); ++i)
    dev[i] = std::fabs(residuals[i] - mid);
  if (dev.empty())
    return scale;
  auto at = dev.begin() + static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(dev.size() - 1));
  std::nth_element(dev.begin(), at, dev.end());
  return std::max(scale, *at / 2.576);
}

double scale_floor(const std::vector<double>& x) {
  if (x.empty())
    return 0;
  std::vector<double> v = x;
  auto q1 = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 4);
  auto q3 = v.begin() + static_cast<std::ptrdiff_t>(v.size() * 3 / 4);
  std::nth_element(v.begin(), q3, v.end());
  double upper = *q3;
  std::nth_element(v.begin(), q1, q3);
  double magnitude = 0;
  for (double y : x)
    magnitude = std::max(magnitude, std::fabs(y));
  return std::max(0.01 * (upper - *q1) / 1.349, 1e-12 * magnitude);
}

band judge(const std::vector<double>& residuals, double factor, double ratio, double floor) {
  band out;
  out.margin = factor * std::max(residual_scale(residuals), floor);
  auto cap = std::max<std::size_t>(1, static_cast<std::size_t>(ratio * static_cast<double>(residuals.size())));
  if (cap < residuals.size()) { // the (cap + 1)-th largest |residual| may not lie outside
    std::vector<double> size(residuals.size());
    for (std::size_t i = 0; i < residuals.size(); ++i)
      size[i] = std::fabs(residuals[i]);
    std::nth_element(size.begin(), size.begin() + static_cast<std::ptrdiff_t>(cap), size.end(),
                     std::greater<>());
    out.margin = std::max(out.margin, size[cap]);
  }
  for (double r : residuals) {
    out.severity.push_back(severity_of(r, out.margin));
    out.anomaly.push_back(std::fabs(r) > out.margin);
  }
  return out;
}

} // namespace model::azure
