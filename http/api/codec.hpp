// JSON decoding and encoding of every request and response body (RapidJSON).
// Decoders check types before reading and name the offending field; encoders
// emit exactly the contract's keys. Pure functions, callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "http/metrics/latency.hpp"
#include "model/expected.hpp"
#include "model/zscore.hpp"

namespace http {

/// A fit body: the training points and the detector (the contract's when absent).
struct fit_request {
  model::training_data data;
  model::detector_spec detector;
};

/// Decodes a fit body: {"timestamps": [int...], "values": [number...],
/// "detector": {"type": "...", ...parameters} (optional)}. Checks JSON types
/// and the detector spec; the value rules are model::fit_detector's.
model::expected<fit_request> decode_fit(std::string_view body);

/// Decodes a predict body: {"timestamp": "digits" | int, "value": number}.
/// The returned query's version is left at latest.
model::expected<actors::predict_query> decode_predict(std::string_view body);

/// Decodes a batch predict body: {"timestamps": [int...], "values": [number...]},
/// same lengths, 1 to actors::max_batch_points points. Version and learning
/// come from the query string.
model::expected<actors::batch_query> decode_batch(std::string_view body);

/// {"anomalies": [bool...], "model_version": "N"}; with `explain` also the
/// arrays "score", "expected", "lower", "upper" (null where not checked).
std::string encode_batch(const actors::prediction_list& ps, bool explain);

std::string encode_fit(std::string_view series_id, const model::version_record& record);
/// {"anomaly", "model_version"}; with `explain` also "score", "expected",
/// "lower", "upper" (null for a side the detector does not check).
std::string encode_prediction(const actors::prediction& p, bool explain = false);

/// GET /detectors: {"detectors": [{"type", "online", "doc", "params": {name:
/// {"default", "min", "max", "doc"} or {"default", "choices", "doc"}}}]}.
std::string encode_detectors();
std::string encode_healthcheck(uint64_t series_trained, const latency_histogram& predict,
                               const latency_histogram& fit);
std::string encode_error(std::string_view detail);

/// {"series_id": ..., "versions": [{version, points_used, mean, std, threshold,
/// created_at_ms, detector: {type, ...parameters}, lower, upper}],
/// "next": "<after for the next page>" | null}
std::string encode_versions(std::string_view series_id, const actors::version_list& versions,
                            std::optional<uint32_t> next);

} // namespace http
