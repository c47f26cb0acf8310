#include "http/azure/codec.hpp"

#include <cmath>
#include <optional>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/azure/series.hpp"
#include "model/azure/timestamps.hpp"

namespace http::azure {

namespace {

using namespace model::azure;
using json = rapidjson::Value;
using problem = std::optional<api_error>;

api_error fail(error_code code, std::string detail) {
  return {code, std::move(detail)};
}

result<rapidjson::Document> parse(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError())
    return fail(error_code::invalid_json_format,
                std::string{"the body is not valid JSON: "}
                  + rapidjson::GetParseError_En(doc.GetParseError()) + " (at byte "
                  + std::to_string(doc.GetErrorOffset()) + ")");
  if (!doc.IsObject())
    return fail(error_code::invalid_json_format, "the body must be a JSON object");
  return doc;
}

/// The member `name` of `obj`; null when absent or JSON null.
const json* member(const json& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

problem read_number(const json& obj, const char* name, error_code code,
                    std::optional<double>& out) {
  if (const json* v = member(obj, name)) {
    if (!v->IsNumber())
      return fail(code, std::string{name} + " must be a number");
    out = v->GetDouble();
  }
  return std::nullopt;
}

problem read_point(const json& v, std::size_t i, point& out) {
  std::string at = "series[" + std::to_string(i) + "]";
  if (!v.IsObject())
    return fail(error_code::invalid_series, at + " must be an object {timestamp, value}");
  const json* value = member(v, "value");
  if (!value)
    return fail(error_code::invalid_series, at + ".value is required");
  if (!value->IsNumber())
    return fail(error_code::invalid_series, at + ".value must be a number");
  out.value = value->GetDouble();
  if (const json* t = member(v, "timestamp")) {
    if (!t->IsString())
      return fail(error_code::invalid_series, at + ".timestamp must be an ISO 8601 string");
    out.time_us = parse_iso8601({t->GetString(), t->GetStringLength()});
    if (!out.time_us)
      return fail(error_code::invalid_series,
                  at + ".timestamp is not an ISO 8601 date-time: " + t->GetString());
  }
  return std::nullopt;
}

problem read_series(const json& obj, std::vector<point>& out) {
  const json* s = member(obj, "series");
  if (!s)
    return fail(error_code::required_series, "series is required");
  if (!s->IsArray())
    return fail(error_code::invalid_series, "series must be an array of {timestamp, value}");
  if (s->Size() > max_points)
    return fail(error_code::invalid_series,
                "the series has " + std::to_string(s->Size()) + " points; at most "
                  + std::to_string(max_points) + " are allowed");
  out.resize(s->Size());
  for (rapidjson::SizeType i = 0; i < s->Size(); ++i)
    if (auto p = read_point((*s)[i], i, out[i]))
      return p;
  return std::nullopt;
}

problem read_options(const json& obj, series_options& out) {
  if (const json* g = member(obj, "granularity")) {
    auto gran = g->IsString() ? granularity_of(g->GetString()) : std::nullopt;
    if (!gran)
      return fail(error_code::invalid_granularity,
                  "granularity must be one of yearly, monthly, weekly, daily, hourly, minutely, "
                  "secondly, microsecond, none");
    out.gran = gran;
  }
  if (auto p = read_number(obj, "customInterval", error_code::invalid_custom_interval,
                           out.custom_interval))
    return p;
  return read_number(obj, "period", error_code::invalid_period, out.period);
}

problem read_impute(const json& obj, detect_request& out) {
  if (const json* m = member(obj, "imputeMode")) {
    auto mode = m->IsString() ? impute_mode_of(m->GetString()) : std::nullopt;
    if (!mode)
      return fail(error_code::invalid_impute_mode,
                  "imputeMode must be one of auto, previous, linear, fixed, zero, notFill");
    out.impute = mode;
  }
  return read_number(obj, "imputeFixedValue", error_code::invalid_impute_fixed_value,
                     out.impute_fixed_value);
}

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_number(writer& w, double x) {
  if (std::isfinite(x))
    w.Double(x);
  else
    w.Null(); // cannot happen for values within the float range; never invalid JSON
}

void write_numbers(writer& w, const char* key, const std::vector<double>& xs) {
  w.Key(key);
  w.StartArray();
  for (double x : xs)
    write_number(w, x);
  w.EndArray();
}

void write_flags(writer& w, const char* key, const std::vector<bool>& flags) {
  w.Key(key);
  w.StartArray();
  for (bool f : flags)
    w.Bool(f);
  w.EndArray();
}

template <class F>
std::string write_json(F f) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  f(w);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

result<detect_request> decode_detect(std::string_view body) {
  auto doc = parse(body);
  if (!doc)
    return doc.error();
  const json& obj = doc.value();
  detect_request r;
  problem p = read_series(obj, r.series);
  if (!p)
    p = read_options(obj, r.options);
  if (!p)
    p = read_impute(obj, r);
  if (!p)
    p = read_number(obj, "maxAnomalyRatio", error_code::bad_argument, r.max_anomaly_ratio);
  if (!p)
    p = read_number(obj, "sensitivity", error_code::bad_argument, r.sensitivity);
  if (p)
    return *p;
  return r;
}

result<changepoint_request> decode_changepoint(std::string_view body) {
  auto doc = parse(body);
  if (!doc)
    return doc.error();
  const json& obj = doc.value();
  changepoint_request r;
  problem p = read_series(obj, r.series);
  if (!p)
    p = read_options(obj, r.options);
  if (!p)
    p = read_number(obj, "stableTrendWindow", error_code::bad_argument, r.stable_trend_window);
  if (!p)
    p = read_number(obj, "threshold", error_code::bad_argument, r.threshold);
  if (p)
    return *p;
  return r;
}

std::string encode_entire(const entire_result& r) {
  return write_json([&](writer& w) {
    w.Key("period");
    w.Int(r.period);
    write_numbers(w, "expectedValues", r.expected);
    write_numbers(w, "upperMargins", r.upper_margin);
    write_numbers(w, "lowerMargins", r.lower_margin);
    write_flags(w, "isAnomaly", r.anomaly);
    write_flags(w, "isNegativeAnomaly", r.negative);
    write_flags(w, "isPositiveAnomaly", r.positive);
    write_numbers(w, "severity", r.severity);
  });
}

std::string encode_last(const last_result& r) {
  return write_json([&](writer& w) {
    w.Key("period");
    w.Int(r.period);
    w.Key("suggestedWindow");
    w.Int(r.suggested_window);
    w.Key("expectedValue");
    write_number(w, r.expected);
    w.Key("upperMargin");
    write_number(w, r.upper_margin);
    w.Key("lowerMargin");
    write_number(w, r.lower_margin);
    w.Key("isAnomaly");
    w.Bool(r.anomaly);
    w.Key("isNegativeAnomaly");
    w.Bool(r.negative);
    w.Key("isPositiveAnomaly");
    w.Bool(r.positive);
    w.Key("severity");
    write_number(w, r.severity);
  });
}

std::string encode_changepoint(const changepoint_result& r) {
  return write_json([&](writer& w) {
    w.Key("period");
    w.Int(r.period);
    write_flags(w, "isChangePoint", r.change_point);
    write_numbers(w, "confidenceScores", r.confidence);
  });
}

std::string encode_error(std::string_view code, std::string_view message) {
  return write_json([&](writer& w) {
    w.Key("code");
    w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
    w.Key("message");
    w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  });
}

} // namespace http::azure
