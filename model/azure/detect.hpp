// The three univariate Anomaly Detector operations on a decoded request:
// entire detection (every point judged against a fit of the whole series),
// last detection (the last point judged against a fit of the points before
// it) and change point detection. Each checks its request, prepares the
// series (model/azure/series), finds the period when none is given, and
// answers per input point. Time O(n log n) and memory O(n) for the at most
// 8,640 points (17,280 once gaps are filled) a request may hold. Pure
// functions; call them from any thread, off event loops.
#pragma once

#include "model/azure/request.hpp"

namespace model::azure {

constexpr double default_sensitivity = 95;
constexpr double default_max_anomaly_ratio = 0.25;

/// Entire detection. Refuses (besides what series.hpp refuses): a sensitivity
/// that is not an integer 0-99 or a maxAnomalyRatio outside (0, 0.5)
/// (BadArgument); imputeMode fixed without a finite imputeFixedValue
/// (InvalidImputeFixedValue).
result<entire_result> detect_entire(const detect_request& request);

/// Last detection: the same checks; the model is fitted on every point but
/// the last, whose expected value extends the level's trend.
result<last_result> detect_last(const detect_request& request);

/// Change point detection: granularity required (not none); gaps filled
/// linearly; stableTrendWindow an integer from 3 to half the series, threshold
/// in (0, 1] (else BadArgument).
result<changepoint_result> detect_change_points(const changepoint_request& request);

} // namespace model::azure
