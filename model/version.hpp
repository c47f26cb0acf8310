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
  detector_state state;      ///< what the detector learned (its own layout)
};

/// A new version to commit, with the training points it was fitted on and
/// the series' cadence they give (saved in the same transaction).
struct commit_item {
  std::string series_id;
  version_record record;
  training_data data;
  int64_t last_timestamp = -1; ///< the latest training timestamp
  double interval_s = 0;       ///< the training points' typical interval
  std::string idempotency_key = {}; ///< the client's Idempotency-Key ("": none)
  uint64_t epoch = 0;          ///< the writer's ownership epoch (shared store; 0: none)
};

/// What a series actor saves between fits: an online detector's state (over
/// what its version row holds) and the series' cadence (when it last got a
/// point, and its typical interval).
struct checkpoint_item {
  std::string series_id;
  uint32_t version = 0;
  std::string state;      ///< model::encode_state's blob: opaque to the store
  bool has_state = false; ///< false: the cadence only (a detector that does not learn)
  int64_t last_seen_ms = 0;
  int64_t last_timestamp = -1;
  double interval_s = 0;
  uint64_t epoch = 0; ///< the writer's ownership epoch (shared store; 0: none)
};

/// A series' cadence as the store keeps it, with its id (the silent-series query).
struct series_liveness {
  std::string series_id;
  int64_t last_seen_ms = 0;
  int64_t last_timestamp = -1;
  double interval_s = 0;
};

/// How hard a commit waits for the disk: `full` fsyncs every transaction
/// (survives power loss); `normal` survives process crashes but not power loss.
enum class sync_mode { normal, full };

} // namespace model
