// JSON of the Anomaly Detector univariate API (RapidJSON): request bodies to
// model::azure requests, results and errors to the API's response bodies.
// Decoders check every member's JSON type before reading it and refuse with
// the specification's error code; ranges and rules are the model's
// (model/azure/detect.hpp). Unknown members are ignored, as the service did.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "model/azure/request.hpp"

namespace http::azure {

/// An entire or last detection body: {"series": [{"timestamp"?: ISO 8601,
/// "value": number}...], "granularity"?, "customInterval"?, "period"?,
/// "maxAnomalyRatio"?, "sensitivity"?, "imputeMode"?, "imputeFixedValue"?}.
/// A member that is null counts as absent. Not JSON or not an object:
/// InvalidJsonFormat; no series: RequiredSeries; a malformed series or point:
/// InvalidSeries; a granularity, customInterval, period, imputeMode or
/// imputeFixedValue of the wrong type or name: its own code; other wrong types:
/// BadArgument.
model::azure::result<model::azure::detect_request> decode_detect(std::string_view body);

/// A change point body: the series, "granularity" (required), "customInterval"?,
/// "period"?, "stableTrendWindow"?, "threshold"?. Codes as decode_detect.
model::azure::result<model::azure::changepoint_request> decode_changepoint(std::string_view body);

/// {"period", "expectedValues", "upperMargins", "lowerMargins", "isAnomaly",
/// "isNegativeAnomaly", "isPositiveAnomaly", "severity"}
std::string encode_entire(const model::azure::entire_result& r);

/// {"period", "suggestedWindow", "expectedValue", "upperMargin", "lowerMargin",
/// "isAnomaly", "isNegativeAnomaly", "isPositiveAnomaly", "severity"}
std::string encode_last(const model::azure::last_result& r);

/// {"period", "isChangePoint", "confidenceScores"}
std::string encode_changepoint(const model::azure::changepoint_result& r);

/// {"code": "<code name>", "message": "<detail>"}
std::string encode_error(std::string_view code, std::string_view message);

} // namespace http::azure
