// z-score: bounds at the training values' mean -/+ max(k * std, min_deviation).
// State layout (format 1): no numbers; the version's statistics are its
// center and scale.
#include "model/detectors/detector.hpp"

#include <algorithm>
#include <string>

namespace model {

namespace {

enum param : std::size_t { k, dir, min_deviation };

class zscore_detector final : public detector {
public:
  zscore_detector()
      : detector({"zscore",
                  "z-score: the training values' mean and population std; a value is anomalous "
                  "beyond mean -/+ max(k * std, min_deviation) on the chosen side.",
                  false,
                  {detectors::k_param(3), detectors::direction_param(),
                   detectors::min_deviation_param()},
                  1}) {}

  expected<detector_state> fit(const detector_spec& spec, const training_data&,
                               const fit_stats& stats) const override {
    if (stats.std == 0 && spec.values[min_deviation] == 0)
      return invalid{"values must not all be equal for detector zscore (set min_deviation "
                     "above 0)"};
    return detector_state{};
  }

  judgement judge(const detector_spec& spec, const fit_stats& stats, const detector_state&,
                  point p) const override {
    const auto& v = spec.values;
    double half = std::max(v[k] * stats.std, v[min_deviation]);
    return detectors::banded(p.value, stats.mean, half, stats.std, detectors::direction_of(v[dir]));
  }

  bool valid(const detector_spec&, const detector_state& state) const override {
    return state.numbers.empty();
  }
};

} // namespace

const detector& zscore_detector_entry() {
  static const zscore_detector d;
  return d;
}

} // namespace model
