// Seasonal robust z-score: the period is cut into equal phases (by the
// point's timestamp), each with the median and 1.4826 * MAD of the training
// values that fell in it (fewer than 3: the whole period's). State layout
// (format 1): numbers = [median, scale, center of each phase..., scale of
// each phase...]. Gaps change nothing: a point is judged by its phase.
#include "model/detectors/detector.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace model {

namespace {

enum param : std::size_t { k, dir, min_deviation, min_scale, period_s, phases, min_scale_relative };

std::size_t phase_count(const detector_spec& spec) {
  return static_cast<std::size_t>(spec.values[phases]);
}

std::size_t phase_at(const detector_spec& spec, int64_t timestamp) {
  auto period = static_cast<int64_t>(spec.values[period_s]);
  auto n = static_cast<int64_t>(spec.values[phases]);
  auto into = ((timestamp % period) + period) % period;
  return static_cast<std::size_t>(std::min(n - 1, into * n / period));
}

class seasonal_detector final : public detector {
public:
  seasonal_detector()
      : detector({"seasonal",
                  "Seasonal robust z-score: the period (period_s) is cut into equal phases, and "
                  "each phase gets the median and scale 1.4826 * MAD (floored at min_scale and "
                  "at min_scale_relative times the median's magnitude) of the training values that fell in it (a "
                  "phase with fewer than 3 uses the whole period's); a value is anomalous beyond "
                  "its phase's median -/+ max(k * scale, min_deviation). Train it on a few whole "
                  "periods.",
                  false,
                  {detectors::k_param(3.5), detectors::direction_param(),
                   detectors::min_deviation_param(), detectors::min_scale_param(),
                   {"period_s", "number", 86400, 60, 31536000, "",
                    "the season's length in seconds (86400: a day)", true},
                   {"phases", "number", 24, 2, 1440, "",
                    "equal phases the period is cut into (24: hours of the day); each gets its "
                    "own median and scale", true},
                   detectors::min_scale_relative_param()},
                  1}) {}

  expected<detector_state> fit(const detector_spec& spec, const training_data& data,
                               const fit_stats&) const override {
    double floor = spec.values[min_scale], relative = spec.values[min_scale_relative];
    auto [median, scale] = detectors::robust_of(data.values, floor, relative);
    if (!std::isfinite(scale))
      return invalid{"values are too large to compute a finite scale"};
    if (scale == 0 && spec.values[min_deviation] == 0)
      return invalid{"values must not all be equal for detector seasonal with its scale floors "
                     "at 0 (set min_deviation above 0)"};
    auto n = phase_count(spec);
    std::vector<std::vector<double>> by_phase(n);
    for (std::size_t i = 0; i < data.values.size(); ++i)
      by_phase[phase_at(spec, data.timestamps[i])].push_back(data.values[i]);
    detector_state s;
    s.numbers.assign(2 + 2 * n, 0);
    s.numbers[0] = median;
    s.numbers[1] = scale;
    for (std::size_t p = 0; p < n; ++p) {
      auto [c, sc] = by_phase[p].size() >= 3 ? detectors::robust_of(by_phase[p], floor, relative)
                                             : std::make_pair(median, scale);
      s.numbers[2 + p] = c;
      s.numbers[2 + n + p] = sc;
    }
    return s;
  }

  judgement judge(const detector_spec& spec, const fit_stats&, const detector_state& state,
                  point p) const override {
    const auto& v = spec.values;
    auto n = phase_count(spec), at = phase_at(spec, p.timestamp);
    double center = state.numbers[2 + at], scale = state.numbers[2 + n + at];
    double half = std::max(v[k] * scale, v[min_deviation]);
    return detectors::banded(p.value, center, half, scale, detectors::direction_of(v[dir]));
  }

  bool valid(const detector_spec& spec, const detector_state& state) const override {
    const auto& x = state.numbers;
    auto n = phase_count(spec);
    if (x.size() != 2 + 2 * n || !detectors::all_finite(x))
      return false;
    return std::all_of(x.begin() + 2 + static_cast<std::ptrdiff_t>(n), x.end(),
                       [](double s) { return s >= 0; })
           && x[1] >= 0;
  }

  std::size_t phases(const detector_spec& spec) const override { return phase_count(spec); }

  std::optional<detector_state> from_legacy(const detector_spec&,
                                            const legacy_row& row) const override {
    auto s = detectors::center_and_scale(row); // then the phases' centers and scales
    s->numbers.insert(s->numbers.end(), row.arrays.begin(), row.arrays.end());
    return s;
  }
};

} // namespace

const detector& seasonal_detector_entry() {
  static const seasonal_detector d;
  return d;
}

} // namespace model
