// The contract's rule, the default: a value is anomalous above mean + 3 * std
// (population std) of the training values. State layout (format 1): no
// numbers; the version's statistics are all it needs.
#include "model/detectors/detector.hpp"

namespace model {

namespace {

class contract_rule final : public detector {
public:
  contract_rule()
      : detector({"contract",
                  "The contract's rule, the default when a fit names no detector: a value is "
                  "anomalous above mean + 3 * std (population std) of the training values. No "
                  "parameters.",
                  false, {}, 1, fit_rules{}}) {}

  expected<detector_state> fit(const detector_spec&, const training_data&,
                               const fit_stats&) const override {
    return detector_state{};
  }

  judgement judge(const detector_spec&, const fit_stats& stats, const detector_state&,
                  point p) const override {
    auto j = detectors::banded(p.value, stats.mean, 3 * stats.std, stats.std, direction::upper);
    j.anomaly = is_anomaly(stats, p.value); // bit for bit the contract's rule
    j.upper = stats.threshold();
    return j;
  }

  bool valid(const detector_spec&, const detector_state& state) const override {
    return state.numbers.empty();
  }
};

} // namespace

const detector& contract_detector() {
  static const contract_rule d;
  return d;
}

} // namespace model
