// The baseline anomaly model: a version is the mean and population standard
// deviation of its training values; a point is anomalous above mean + 3 * std.
// Pure functions on value types; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/expected.hpp"

namespace model {

/// Training points of one fit, as the client sent them.
struct training_data {
  std::vector<int64_t> timestamps; ///< Unix seconds, strictly increasing
  std::vector<double> values;      ///< finite, not all equal

  /// The points' size as stored (both columns), for the stores' batch bounds.
  std::size_t bytes() const {
    return timestamps.size() * sizeof(int64_t) + values.size() * sizeof(double);
  }
};

/// What a fit learns. `threshold()` is derived, never stored separately.
struct fit_stats {
  uint32_t points_used = 0;
  double mean = 0;
  double std = 0; ///< population standard deviation (numpy.std)

  double threshold() const { return mean + 3 * std; }
};

/// Which of the contract's fit rules apply (all of them, by default).
struct fit_rules {
  bool strictly_increasing = true; ///< false: timestamps may repeat (non-decreasing)
  bool distinct_values = true;     ///< false: values may all be equal
};

/// Validates `data` against the contract (same lengths, at least `min_points`,
/// non-negative strictly increasing timestamps, finite values not all equal;
/// `rules` may relax the last two) and computes its statistics. Fails with a
/// sentence naming the field.
expected<fit_stats> fit(const training_data& data, std::size_t min_points, fit_rules rules = {});

/// True when `value` lies above the version's threshold.
bool is_anomaly(const fit_stats& stats, double value);

} // namespace model
