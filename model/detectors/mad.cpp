// Robust z-score: the training values' median and scale 1.4826 * MAD, the
// scale floored absolutely and relative to the values' magnitude. State layout (format 1):
// numbers = [median, scale].
#include "model/detectors/detector.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace model {

namespace {

enum param : std::size_t { k, dir, min_deviation, min_scale, min_scale_relative };

class mad_detector final : public detector {
public:
  mad_detector()
      : detector({"mad",
                  "Robust z-score: the training values' median and scale 1.4826 * MAD (the median "
                  "absolute deviation, floored at min_scale and at min_scale_relative times the median's "
                  "magnitude); "
                  "a value is anomalous beyond median -/+ max(k * scale, min_deviation) on the "
                  "chosen side. Outliers in the training data barely move it, and flat series "
                  "fit.",
                  false,
                  {detectors::k_param(3.5), detectors::direction_param(),
                   detectors::min_deviation_param(), detectors::min_scale_param(),
                   detectors::min_scale_relative_param()},
                  1}) {}

  expected<detector_state> fit(const detector_spec& spec, const training_data& data,
                               const fit_stats&) const override {
    auto [median, scale] = detectors::robust_of(data.values, spec.values[min_scale],
                                                spec.values[min_scale_relative]);
    if (!std::isfinite(scale))
      return invalid{"values are too large to compute a finite scale"};
    if (scale == 0 && spec.values[min_deviation] == 0)
      return invalid{"values must not all be equal for detector mad with its scale floors at 0 "
                     "(set min_deviation above 0)"};
    detector_state s;
    s.numbers = {median, scale};
    return s;
  }

  judgement judge(const detector_spec& spec, const fit_stats&, const detector_state& state,
                  point p) const override {
    const auto& v = spec.values;
    double center = state.numbers[0], scale = state.numbers[1];
    double half = std::max(v[k] * scale, v[min_deviation]);
    return detectors::banded(p.value, center, half, scale, detectors::direction_of(v[dir]));
  }

  std::optional<detector_state> from_legacy(const detector_spec&,
                                            const legacy_row& row) const override {
    return detectors::center_and_scale(row);
  }

  bool valid(const detector_spec&, const detector_state& state) const override {
    return state.numbers.size() == 2 && detectors::all_finite(state.numbers)
           && state.numbers[1] >= 0;
  }
};

} // namespace

const detector& mad_detector_entry() {
  static const mad_detector d;
  return d;
}

} // namespace model
