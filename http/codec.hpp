// JSON decoding and encoding of every request and response body (RapidJSON).
// Decoders check types before reading and name the offending field; encoders
// emit exactly the contract's keys. Pure functions, callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "http/latency.hpp"
#include "model/expected.hpp"
#include "model/zscore.hpp"

namespace http {

/// Decodes a fit body: {"timestamps": [int...], "values": [number...]}.
/// Checks JSON types only; the contract's value rules are model::fit's.
model::expected<model::training_data> decode_fit(std::string_view body);

/// Decodes a predict body: {"timestamp": "digits" | int, "value": number}.
/// The returned query's version is left at latest.
model::expected<actors::predict_query> decode_predict(std::string_view body);

std::string encode_fit(std::string_view series_id, const model::version_record& record);
std::string encode_prediction(const actors::prediction& p);
std::string encode_healthcheck(uint64_t series_trained, const latency_histogram& predict,
                               const latency_histogram& fit);
std::string encode_error(std::string_view detail);

/// {"series_id": ..., "versions": [{version, points_used, mean, std, threshold,
/// created_at_ms}], "next": "<after for the next page>" | null}
std::string encode_versions(std::string_view series_id, const actors::version_list& versions,
                            std::optional<uint32_t> next);

} // namespace http
