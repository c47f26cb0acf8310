// Online: an exponentially weighted moving mean and variance (West's update),
// started from the training values' mean and variance (so that three
// training points do not leave a variance of 0 behind), then run over the
// training values and every point predicted on the latest version. State
// layout (format 2; format 1 started on the first value): numbers =
// [moving mean, moving std].
//
// Gaps: the state is what it was before the gap; the point after it is
// judged by it and learned with the usual weight (a gap is not news by
// itself). A cooldown ends after `cooldown` typical intervals, however few
// points came.
#include "model/detectors/detector.hpp"

#include <algorithm>
#include <cmath>

namespace model {

namespace {

enum param : std::size_t { alpha, k, dir, min_deviation, cooldown };

class ewma_detector final : public detector {
public:
  ewma_detector()
      : detector({"ewma",
                  "Online: an exponentially weighted moving mean and variance, started from the "
                  "training values' mean and variance, run over them, then updated by every "
                  "point predicted on the latest version (unless learn=false); a value is "
                  "anomalous beyond mean -/+ max(k * std, min_deviation) on the chosen side. It "
                  "follows drifts and level shifts. Learning is checkpointed to the store.",
                  true,
                  {{"alpha", "number", 0.01, 1e-4, 1, "",
                    "weight of each new point in the moving mean and variance (about 2 / alpha "
                    "- 1 points of memory)", false},
                   {"k", "number", 5, 0.1, 100, "",
                    "sensitivity: the bounds are the moving mean -/+ k * moving std", false},
                   detectors::direction_param(), detectors::min_deviation_param(),
                   detectors::cooldown_param()},
                  2}) {}

  expected<detector_state> fit(const detector_spec& spec, const training_data& data,
                               const fit_stats& stats) const override {
    return detectors::learned_over(*this, spec, data, stats);
  }

  detector_state start(const detector_spec&, const fit_stats& stats) const override {
    detector_state s;
    s.numbers = {stats.mean, stats.std};
    return s;
  }

  judgement judge(const detector_spec& spec, const fit_stats&, const detector_state& state,
                  point p) const override {
    const auto& v = spec.values;
    double center = state.numbers[0], scale = state.numbers[1];
    double half = std::max(v[k] * scale, v[min_deviation]);
    return detectors::banded(p.value, center, half, scale, detectors::direction_of(v[dir]));
  }

  void learn(const detector_spec& spec, detector_state& state, point p) const override {
    // West's exponentially weighted variance: var' = (1 - a) * (var + a * d^2).
    double a = spec.values[alpha];
    double d = p.value - state.numbers[0];
    double var = state.numbers[1] * state.numbers[1];
    double center = state.numbers[0] + a * d;
    var = (1 - a) * (var + a * d * d);
    if (!std::isfinite(center) || !std::isfinite(var))
      return; // a point near the double range would overflow the state: not learned
    state.numbers = {center, std::sqrt(var)};
    ++state.learned;
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

const detector& ewma_detector_entry() {
  static const ewma_detector d;
  return d;
}

} // namespace model
