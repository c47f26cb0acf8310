#include "model/zscore.hpp"

#include <cmath>
#include <optional>
#include <string>

namespace model {

namespace {

std::optional<invalid> shape_problem(const training_data& data, std::size_t min_points) {
  if (data.timestamps.size() != data.values.size())
    return invalid{"timestamps and values must have the same length (got "
                   + std::to_string(data.timestamps.size()) + " and "
                   + std::to_string(data.values.size()) + ")"};
  if (data.values.size() < min_points)
    return invalid{"values must hold at least " + std::to_string(min_points)
                   + " points (got " + std::to_string(data.values.size()) + ")"};
  if (data.values.size() > UINT32_MAX)
    return invalid{"values holds too many points"};
  return std::nullopt;
}

std::optional<invalid> timestamps_problem(const std::vector<int64_t>& ts, bool strictly) {
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (ts[i] < 0)
      return invalid{"timestamps[" + std::to_string(i) + "] must not be negative"};
    if (i > 0 && !strictly && ts[i] < ts[i - 1])
      return invalid{"timestamps must not decrease (timestamps[" + std::to_string(i)
                     + "] is less than the one before)"};
    if (i > 0 && strictly && ts[i] <= ts[i - 1])
      return invalid{"timestamps must be strictly increasing (timestamps["
                     + std::to_string(i) + "] is not greater than the one before)"};
  }
  return std::nullopt;
}

std::optional<invalid> values_problem(const std::vector<double>& vs, bool distinct) {
  bool all_equal = true;
  for (std::size_t i = 0; i < vs.size(); ++i) {
    if (!std::isfinite(vs[i]))
      return invalid{"values[" + std::to_string(i) + "] must be a finite number"};
    all_equal = all_equal && vs[i] == vs[0];
  }
  if (all_equal && distinct)
    return invalid{"values must not all be equal"};
  return std::nullopt;
}

/// Mean of f(v) over `vs`, as numpy computes it: the sum, then divided by n.
template <class F>
double mean_of(const std::vector<double>& vs, F f) {
  double sum = 0;
  for (double v : vs)
    sum += f(v);
  return sum / static_cast<double>(vs.size());
}

} // namespace

expected<fit_stats> fit(const training_data& data, std::size_t min_points, fit_rules rules) {
  if (auto p = shape_problem(data, min_points))
    return *p;
  if (auto p = timestamps_problem(data.timestamps, rules.strictly_increasing))
    return *p;
  if (auto p = values_problem(data.values, rules.distinct_values))
    return *p;
  const auto n = static_cast<double>(data.values.size());
  const double mean = mean_of(data.values, [](double v) { return v; });
  const double variance = mean_of(data.values, [mean](double v) { return (v - mean) * (v - mean); });
  fit_stats out{static_cast<uint32_t>(n), mean, std::sqrt(variance)};
  if (!std::isfinite(out.mean) || !std::isfinite(out.std) || !std::isfinite(out.threshold()))
    return invalid{"values are too large to compute a finite mean and standard deviation"};
  return out;
}

bool is_anomaly(const fit_stats& stats, double value) {
  return value > stats.threshold();
}

} // namespace model
