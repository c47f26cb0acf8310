// Pieces the codec's units share (http/codec.cpp, http/codec_detectors.cpp):
// RapidJSON reading and writing helpers, and the detector-related readers and
// writers the request and answer codecs call. Internal to the codec; pure.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "actors/messages.hpp"
#include "model/exclusions.hpp"

namespace http::json {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// An integer-valued JSON number in int64 range (1.0 counts, as in pydantic).
inline bool as_int64(const rapidjson::Value& v, int64_t& out) {
  if (v.IsInt64()) {
    out = v.GetInt64();
    return true;
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    if (std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) {
      out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

inline bool read_number(const rapidjson::Value& v, double& out) {
  if (!v.IsNumber())
    return false;
  out = v.GetDouble();
  return true;
}

inline void write_key(writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

inline void write_string(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class F>
inline std::string write_json(F f) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  f(w);
  return {buf.GetString(), buf.GetSize()};
}

/// A learned figure: null when it is not a finite number (JSON has no
/// infinity), which values near the double range can make it.
inline void write_figure(writer& w, double x) {
  if (std::isfinite(x))
    w.Double(x);
  else
    w.Null();
}

/// The "detector" member of a fit body; the server's default when absent or null.
model::expected<model::detector_spec> read_detector(const rapidjson::Value& obj);

/// The "exclude" member of a fit body: [[from_ts, to_ts], ...], from <= to.
std::optional<model::invalid> read_exclude(const rapidjson::Value& obj,
                                           std::vector<model::time_window>& out);

/// {"type": ..., every parameter of the type: its value}.
void write_detector(writer& w, const model::detector_spec& spec);

/// "last_seen": {"server_ms", "timestamp"}, "interval_s" (null before two points).
void write_cadence(writer& w, const model::series_liveness& c);

} // namespace http::json
