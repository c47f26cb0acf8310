#include "model/azure/period.hpp"

#include <algorithm>
#include <cmath>
#include <complex>

#include "model/azure/robust.hpp"

namespace model::azure {

namespace {

using cplx = std::complex<double>;

/// In-place iterative radix-2 FFT; a.size() is a power of two and `roots`
/// holds exp(-2 pi i k / n) for k < n / 2 (conjugated for the inverse).
void fft(std::vector<cplx>& a, const std::vector<cplx>& roots, bool inverse) {
  std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j ^= bit;
    if (i < j)
      std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    std::size_t stride = n / len;
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t j = 0; j < len / 2; ++j) {
        const cplx& w = roots[j * stride];
        double wi = inverse ? -w.imag() : w.imag();
        const cplx& b = a[i + j + len / 2]; // b * w written out: std::complex's
        cplx u = a[i + j], v{b.real() * w.real() - b.imag() * wi, // operator* checks for NaNs
                             b.real() * wi + b.imag() * w.real()};
        a[i + j] = u + v;
        a[i + j + len / 2] = u - v;
      }
  }
}

/// x without its least-squares line, clipped to median -/+ 3 robust sd.
std::vector<double> prepared(const std::vector<double>& x) {
  auto n = static_cast<double>(x.size());
  double mt = (n - 1) / 2, mx = 0, sxy = 0, sxx = 0;
  for (double v : x)
    mx += v / n;
  for (std::size_t t = 0; t < x.size(); ++t) {
    double dt = static_cast<double>(t) - mt;
    sxy += dt * (x[t] - mx);
    sxx += dt * dt;
  }
  double slope = sxx > 0 ? sxy / sxx : 0;
  std::vector<double> y(x.size());
  for (std::size_t t = 0; t < x.size(); ++t)
    y[t] = x[t] - mx - slope * (static_cast<double>(t) - mt);
  double mid = median(y), s = robust_scale(y, mid);
  for (double& v : y)
    v = std::clamp(v, mid - 3 * s, mid + 3 * s) - mid;
  return y;
}

/// True when r[k] is within 0.02 of the highest r within k/50 (at least 1) lags of k:
/// a peak, allowing for the noise that moves a wide peak by a lag or two.
bool near_peak(const std::vector<double>& r, std::size_t k) {
  std::size_t d = std::max<std::size_t>(1, k / 50);
  double top = r[k];
  for (std::size_t j = k - std::min(k - 1, d); j <= k + d && j < r.size(); ++j)
    top = std::max(top, r[j]);
  return r[k] >= top - 0.02;
}

/// The lag within k / 25 of k (and at most `limit`) whose first multiples (up
/// to 4, within r) correlate best on average: a wide peak's noise moves the
/// single best lag by a few, its multiples pin it down.
std::size_t refined(const std::vector<double>& r, std::size_t k, std::size_t limit) {
  std::size_t d = std::max<std::size_t>(1, k / 25), top = k;
  double best = -2;
  for (std::size_t j = k - std::min(k - 2, d); j <= std::min(k + d, limit); ++j) {
    double sum = 0;
    std::size_t m = 1;
    for (; m <= 4 && m * j < r.size(); ++m)
      sum += r[m * j];
    if (m > 1 && sum / static_cast<double>(m - 1) > best) {
      best = sum / static_cast<double>(m - 1);
      top = j;
    }
  }
  return top;
}

/// The lags of `lags` that hold under (floor, dip): near a peak (a candidate)
/// or a local maximum (a search, `refine` > 0); the shortest within 0.05 of
/// the best, for a search refined by its multiples up to lag `refine`.
std::size_t best_lag(const std::vector<double>& r, const std::vector<std::size_t>& lags,
                     double floor, double dip, std::size_t refine) {
  std::vector<double> lowest(r.size(), 1.0); // lowest[k]: min of r[1..k-1]
  for (std::size_t k = 2; k < r.size(); ++k)
    lowest[k] = std::min(lowest[k - 1], r[k - 1]);
  std::vector<std::size_t> holding;
  double best = -2;
  for (std::size_t k : lags) {
    if (k < 2 || k + 1 >= r.size() || r[k] < floor)
      continue;
    if (refine ? !(r[k] >= r[k - 1] && r[k] >= r[k + 1]) : !near_peak(r, k))
      continue;
    if (r[k] - lowest[k] < dip)
      continue;
    holding.push_back(k);
    best = std::max(best, r[k]);
  }
  for (std::size_t k : holding) {
    if (r[k] < best - 0.05)
      continue;
    if (!refine)
      return k;
    return refined(r, k, refine);
  }
  return 0;
}

} // namespace

std::vector<std::size_t> candidate_periods(const grid_step& step, std::size_t n) {
  std::vector<std::size_t> out;
  auto add = [&](double p) {
    if (p >= 2 && p * 2 <= static_cast<double>(n))
      out.push_back(static_cast<std::size_t>(p));
  };
  if (step.gran == granularity::monthly || step.gran == granularity::yearly) {
    int64_t months = step.gran == granularity::yearly ? 12 * step.count : step.count;
    if (12 % months == 0)
      add(static_cast<double>(12 / months));
    return out;
  }
  double s = step_seconds(step);
  if (s <= 0)
    return out;
  for (double natural : {60.0, 3600.0, 86400.0, 604800.0}) {
    double p = natural / s;
    if (p == std::floor(p))
      add(p);
  }
  add(std::round(365.2425 * 86400 / s));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<double> autocorrelation(const std::vector<double>& x, std::size_t max_lag) {
  std::vector<double> r(max_lag + 1, 0.0);
  if (x.size() < 2)
    return r;
  auto y = prepared(x);
  std::size_t size = 1;
  while (size < 2 * y.size())
    size <<= 1;
  std::vector<cplx> roots(size / 2), a(size);
  for (std::size_t k = 0; k < size / 2; ++k) {
    double angle = -2 * M_PI * static_cast<double>(k) / static_cast<double>(size);
    roots[k] = {std::cos(angle), std::sin(angle)};
  }
  for (std::size_t t = 0; t < y.size(); ++t)
    a[t] = y[t];
  fft(a, roots, false);
  for (auto& v : a)
    v = std::norm(v);
  fft(a, roots, true);
  double c0 = a[0].real() / static_cast<double>(y.size());
  if (c0 <= 0)
    return r;
  for (std::size_t k = 0; k <= max_lag && k < y.size(); ++k)
    r[k] = a[k].real() / static_cast<double>(y.size() - k) / c0;
  return r;
}

std::size_t detect_period(const std::vector<double>& x, const std::vector<std::size_t>& candidates) {
  std::size_t max_lag = x.size() / 4;
  if (max_lag < 2)
    return 0;
  auto r = autocorrelation(x, x.size() / 2);
  if (auto p = best_lag(r, candidates, 0.3, 0.2, 0))
    return p;
  std::vector<std::size_t> all;
  for (std::size_t k = 2; k <= max_lag; ++k)
    all.push_back(k);
  return best_lag(r, all, 0.5, 0.3, max_lag);
}

} // namespace model::azure
