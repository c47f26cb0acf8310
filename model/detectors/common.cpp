#include "model/detectors/detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace model {

detector::detector(detector_info info) : info_(std::move(info)) {}

int detector::param_index(const char* name) const {
  for (std::size_t i = 0; i < info_.params.size(); ++i)
    if (std::strcmp(info_.params[i].name, name) == 0)
      return static_cast<int>(i);
  return -1;
}

void detector::learn(const detector_spec&, detector_state&, point) const {}

detector_state detector::start(const detector_spec&, const fit_stats&) const {
  return {};
}

namespace detectors {

detector_state learned_over(const detector& d, const detector_spec& spec,
                            const training_data& data, const fit_stats& stats) {
  auto s = d.start(spec, stats);
  for (std::size_t i = 0; i < data.values.size(); ++i)
    d.learn(spec, s, {data.timestamps[i], data.values[i]});
  s.learned = 0;
  return s;
}

} // namespace detectors

std::size_t detector::phases(const detector_spec&) const {
  return 0;
}

std::optional<detector_state> detector::from_legacy(const detector_spec&,
                                                    const legacy_row& row) const {
  detector_state s;
  s.learned = row.learned;
  s.quiet = row.quiet;
  return s;
}

namespace detectors {

std::optional<detector_state> center_and_scale(const legacy_row& row) {
  detector_state s;
  s.learned = row.learned;
  s.quiet = row.quiet;
  s.numbers = {row.center, row.scale};
  return s;
}

} // namespace detectors

namespace detectors {

namespace {

constexpr double huge = 1e300;

/// `distance` over `half`, finite: the largest double past the double range.
double ratio(double distance, double half) {
  if (!(half > 0))
    return distance > 0 ? std::numeric_limits<double>::max() : 0;
  double r = distance / half;
  return std::isfinite(r) ? r : std::numeric_limits<double>::max();
}

double median_of(std::vector<double> xs) {
  auto mid = xs.size() / 2;
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(mid), xs.end());
  double hi = xs[mid];
  if (xs.size() % 2 == 1)
    return hi;
  double lo = *std::max_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(mid));
  return lo + (hi - lo) / 2;
}

} // namespace

param_doc k_param(double default_k) {
  return {"k", "number", default_k, 0.1, 100, "",
          "sensitivity: the bounds are center -/+ k * scale", false};
}

param_doc direction_param() {
  return {"direction", "upper|lower|both", 2, 0, 2, "both",
          "which side is anomalous: above the upper bound, below the lower one, or both", false};
}

param_doc min_deviation_param() {
  return {"min_deviation", "number", 0, 0, huge, "",
          "absolute floor: a value this close to the center (or closer) is never anomalous, so "
          "that small wiggles on quiet series do not alert", false};
}

param_doc min_scale_param() {
  return {"min_scale", "number", 1e-9, 0, huge, "",
          "absolute floor of the scale (1.4826 * MAD), so that flat series can be fitted", false};
}

param_doc min_scale_relative_param() {
  return {"min_scale_relative", "number", 1e-9, 0, 1, "",
          "floor of the scale relative to the values' magnitude: the scale is at least "
          "min_scale_relative * |median| (an absolute 1e-9 is below one ulp from about 1e7 up)",
          false};
}

param_doc cooldown_param() {
  return {"cooldown", "number", 100, 0, 1e6, "",
          "after an alarm, this many points (or this many typical intervals of the series, "
          "whichever ends first) are never reported anomalous: one incident, one alarm", true};
}

direction direction_of(double index) {
  return index == 0 ? direction::upper : index == 1 ? direction::lower : direction::both;
}

judgement banded(double value, double center, double half, double scale, direction dir) {
  judgement j;
  j.expected = center;
  j.score = scale > 0 ? (value - center) / scale : 0;
  if (dir != direction::lower)
    j.upper = center + half;
  if (dir != direction::upper)
    j.lower = center - half;
  if (value >= center && j.upper) {
    j.anomaly = value > *j.upper;
    j.anomaly_score = ratio(value - center, half);
    j.side = side::upper;
  } else if (value < center && j.lower) {
    j.anomaly = value < *j.lower;
    j.anomaly_score = ratio(center - value, half);
    j.side = side::lower;
  }
  return j;
}

std::pair<double, double> robust_of(const std::vector<double>& xs, double min_scale,
                                    double relative) {
  double median = median_of(xs);
  std::vector<double> dev;
  dev.reserve(xs.size());
  for (double v : xs)
    dev.push_back(std::fabs(v - median));
  double floor = std::max(min_scale, relative * std::fabs(median));
  return {median, std::max(1.4826 * median_of(std::move(dev)), floor)};
}

bool all_finite(const std::vector<double>& xs) {
  return std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); });
}

} // namespace detectors

} // namespace model
