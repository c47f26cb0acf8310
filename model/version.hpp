// The records of model versions as the rest of the server passes them around:
// what a fit produced and what the store keeps. Plain values, no I/O; callable
// from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "model/detector.hpp"
#include "model/zscore.hpp"

namespace model {

/// One stored version of a series' model, without its training points.
struct version_record {
  uint32_t version = 0;
  fit_stats stats;
  int64_t created_at_ms = 0; ///< Unix milliseconds when the fit was committed
  detector_spec detector;    ///< the contract's rule unless the fit chose another
  detector_fit params;       ///< what the detector learned (center, scale)
};

/// A new version to commit, with the training points it was fitted on.
struct commit_item {
  std::string series_id;
  version_record record;
  training_data data;
};

/// An online detector's state to save over what its version row holds.
struct checkpoint_item {
  std::string series_id;
  uint32_t version = 0;
  detector_fit state;
};

/// How hard a commit waits for the disk: `full` fsyncs every transaction
/// (survives power loss); `normal` survives process crashes but not power loss.
enum class sync_mode { normal, full };

} // namespace model
