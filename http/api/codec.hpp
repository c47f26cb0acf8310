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

/// A fit body: the training points (without the excluded windows) and the
/// detector (absent: spec.server_default, so the server's default applies).
struct fit_request {
  model::training_data data;
  model::detector_spec detector;
};

/// Decodes a fit body: {"timestamps": [int...], "values": [number...],
/// "detector": {"type": "...", ...parameters} (optional), "exclude":
/// [[from_ts, to_ts], ...] (optional: points in those windows, ends included,
/// are left out before anything else)}. Checks JSON types and the detector
/// spec; the value rules are model::fit_detector's.
model::expected<fit_request> decode_fit(std::string_view body);

/// A detector spec as JSON text, {"type": "...", ...parameters} (what a fit's
/// "detector" takes; server.default-detector). Fails naming what is wrong.
model::expected<model::detector_spec> decode_detector(std::string_view json);

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
/// "lower", "upper" (null for a side the detector does not check),
/// "anomaly_score" (>= 1 exactly when anomalous) and, for an anomalous point,
/// "side" ("upper" or "lower").
std::string encode_prediction(const actors::prediction& p, bool explain = false);

/// GET /detectors: {"detectors": [{"type", "online", "doc", "params": {name:
/// {"default", "min", "max", "doc"} or {"default", "choices", "doc"}}}]}.
std::string encode_detectors();
std::string encode_healthcheck(uint64_t series_trained, const latency_histogram& predict,
                               const latency_histogram& fit);
std::string encode_error(std::string_view detail);

/// /health/ready's answer when this node does not serve its series:
/// {"status":"not serving","reason":"<why>"}.
std::string encode_not_serving(std::string_view reason);
/// A deletion's answer: {"series_id", "version" (one version's deletion
/// only), "deleted_versions": N}.
std::string encode_deleted(std::string_view series_id, uint32_t versions_deleted,
                           std::optional<uint32_t> version);

/// POST /admin/backup's answer: {"file" (in data-dir's backups/), "bytes",
/// "series", "took_ms"}.
std::string encode_backup(const actors::backup_done& b);

/// {"series_id": ..., "versions": [{version, points_used, mean, std, threshold,
/// created_at_ms, detector: {type, ...parameters}, lower, upper}],
/// "next": "<after for the next page>" | null, and with `seen` "last_seen":
/// {"server_ms", "timestamp"}, "interval_s"}
std::string encode_versions(std::string_view series_id, const actors::version_list& versions,
                            std::optional<uint32_t> next,
                            const std::optional<model::series_liveness>& seen = std::nullopt);

/// The query of GET /series/?silent_for=K&after=ID&limit=N: K a number of
/// typical intervals (0 < K <= 1e6, default 3), a page of series after ID
/// (1..10000, default 1000). Fails naming the parameter.
model::expected<actors::silent_query> parse_silent(std::string_view silent_for,
                                                   std::string_view after, std::string_view limit);

/// The silent-series answer: {"silent_for", "now_ms", "series": [{"series_id",
/// "last_seen", "interval_s", "silent_s"}], "next": "<after>" | null}.
std::string encode_silent(const actors::liveness_list& silent, double factor, int64_t now_ms,
                          std::optional<std::string> next);

} // namespace http
