// Training exclusions: windows of time (known incidents, a holiday) whose
// points a fit leaves out, so they neither train the detector nor count
// toward the minimum. Pure; callable from any thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/zscore.hpp"

namespace model {

/// [from, to] in Unix seconds, both ends included.
using time_window = std::pair<int64_t, int64_t>;

/// `data` without the points whose timestamp falls in any of `windows`
/// (from <= to each). Points stay in order; lengths that differ are left for
/// model::fit to report. O((points + windows) log windows).
training_data without_windows(training_data data, std::vector<time_window> windows);

} // namespace model
