// The catalogue: every detector the server ships, in the order GET /detectors
// lists them. Adding a detector is its own file under model/detectors/ and
// one line here (and its source in CMakeLists.txt). Index 0 must stay the
// contract's rule, the default.
#include "model/detector.hpp"

namespace model {

const detector& contract_detector();
const detector& zscore_detector_entry();
const detector& mad_detector_entry();
const detector& ewma_detector_entry();
const detector& seasonal_detector_entry();
const detector& range_detector_entry();

const std::vector<const detector*>& detector_catalogue() {
  static const std::vector<const detector*> all{
    &contract_detector(),   &zscore_detector_entry(),   &mad_detector_entry(),
    &ewma_detector_entry(), &seasonal_detector_entry(), &range_detector_entry(),
  };
  return all;
}

} // namespace model
