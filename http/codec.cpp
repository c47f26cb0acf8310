#include "http/codec.hpp"

#include <optional>
#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/exclusions.hpp"
#include "model/request_params.hpp"
#include "model/series_id.hpp"

#include <charconv>

namespace http {

namespace {

using model::invalid;

model::expected<rapidjson::Document> parse_object(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError())
    return invalid{std::string{"body is not valid JSON: "}
                   + rapidjson::GetParseError_En(doc.GetParseError()) + " (at byte "
                   + std::to_string(doc.GetErrorOffset()) + ")"};
  if (!doc.IsObject())
    return invalid{"body must be a JSON object"};
  return doc;
}

/// An integer-valued JSON number in int64 range (1.0 counts, as in pydantic).
bool as_int64(const rapidjson::Value& v, int64_t& out) {
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

template <class T, class Read>
std::optional<invalid> read_array(const rapidjson::Value& obj, const char* name,
                                  const char* element, std::vector<T>& out, Read read) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return invalid{std::string{name} + " is required"};
  if (!it->value.IsArray())
    return invalid{std::string{name} + " must be an array of " + element + "s"};
  out.reserve(it->value.Size());
  for (const auto& v : it->value.GetArray()) {
    T x{};
    if (!read(v, x))
      return invalid{std::string{name} + "[" + std::to_string(out.size()) + "] must be "
                     + (element[0] == 'i' ? "an " : "a ") + element};
    out.push_back(x);
  }
  return std::nullopt;
}

bool read_number(const rapidjson::Value& v, double& out) {
  if (!v.IsNumber())
    return false;
  out = v.GetDouble();
  return true;
}

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_key(writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_string(writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_latency(writer& w, std::string_view key, const latency_histogram& h) {
  write_key(w, key);
  w.StartObject();
  write_key(w, "avg");
  w.Double(h.mean_ms());
  write_key(w, "p95");
  w.Double(h.quantile_ms(0.95));
  w.EndObject();
}

template <class F>
std::string write_json(F f) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  f(w);
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

/// A detector object: {"type": "...", ...parameters}.
model::expected<model::detector_spec> read_detector_object(const rapidjson::Value& d) {
  auto type = d.IsObject() ? d.FindMember("type") : d.MemberEnd();
  if (!d.IsObject() || type == d.MemberEnd() || !type->value.IsString())
    return invalid{"detector must be an object with a string \"type\" (GET /detectors lists them)"};
  std::vector<model::detector_param> params;
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
    std::string name{m->name.GetString(), m->name.GetStringLength()};
    if (name == "type")
      continue;
    model::detector_param p{name, std::nullopt, std::nullopt};
    double x = 0;
    if (read_number(m->value, x))
      p.number = x;
    else if (m->value.IsString())
      p.text = std::string{m->value.GetString(), m->value.GetStringLength()};
    params.push_back(std::move(p));
  }
  return model::make_detector({type->value.GetString(), type->value.GetStringLength()}, params);
}

/// The "detector" member of a fit body; the server's default when absent or null.
model::expected<model::detector_spec> read_detector(const rapidjson::Value& obj) {
  auto it = obj.FindMember("detector");
  if (it == obj.MemberEnd() || it->value.IsNull())
    return model::detector_spec{};
  return read_detector_object(it->value);
}

/// The "exclude" member of a fit body: [[from_ts, to_ts], ...], from <= to.
std::optional<invalid> read_exclude(const rapidjson::Value& obj,
                                    std::vector<model::time_window>& out) {
  auto it = obj.FindMember("exclude");
  if (it == obj.MemberEnd() || it->value.IsNull())
    return std::nullopt;
  if (!it->value.IsArray())
    return invalid{"exclude must be an array of [from_ts, to_ts] pairs"};
  for (const auto& w : it->value.GetArray()) {
    model::time_window tw;
    if (!w.IsArray() || w.Size() != 2 || !as_int64(w[0], tw.first) || !as_int64(w[1], tw.second)
        || tw.first > tw.second)
      return invalid{"exclude[" + std::to_string(out.size())
                     + "] must be [from_ts, to_ts], two integers with from_ts <= to_ts"};
    out.push_back(tw);
  }
  return std::nullopt;
}

model::expected<model::detector_spec> decode_detector(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return invalid{std::string{"not valid JSON: "} + rapidjson::GetParseError_En(doc.GetParseError())};
  return read_detector_object(doc);
}

model::expected<fit_request> decode_fit(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc)
    return invalid{doc.detail()};
  fit_request out;
  if (auto p = read_array(doc.value(), "timestamps", "integer", out.data.timestamps, as_int64))
    return *p;
  if (auto p = read_array(doc.value(), "values", "number", out.data.values, read_number))
    return *p;
  auto detector = read_detector(doc.value());
  if (!detector)
    return invalid{detector.detail()};
  out.detector = detector.value();
  std::vector<model::time_window> exclude;
  if (auto p = read_exclude(doc.value(), exclude))
    return *p;
  out.data = model::without_windows(std::move(out.data), std::move(exclude));
  return out;
}

model::expected<actors::batch_query> decode_batch(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc)
    return invalid{doc.detail()};
  actors::batch_query q;
  auto& timestamps = q.timestamps;
  if (auto p = read_array(doc.value(), "timestamps", "integer", timestamps, as_int64))
    return *p;
  if (auto p = read_array(doc.value(), "values", "number", q.values, read_number))
    return *p;
  if (timestamps.size() != q.values.size())
    return invalid{"timestamps and values must have the same length (got "
                   + std::to_string(timestamps.size()) + " and " + std::to_string(q.values.size())
                   + ")"};
  if (q.values.empty() || q.values.size() > actors::max_batch_points)
    return invalid{"values must hold 1 to " + std::to_string(actors::max_batch_points)
                   + " points (got " + std::to_string(q.values.size()) + ")"};
  for (std::size_t i = 0; i < q.values.size(); ++i) {
    if (timestamps[i] < 0)
      return invalid{"timestamps[" + std::to_string(i) + "] must not be negative"};
    if (!std::isfinite(q.values[i]))
      return invalid{"values[" + std::to_string(i) + "] must be a finite number"};
  }
  return q;
}

model::expected<actors::predict_query> decode_predict(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc)
    return invalid{doc.detail()};
  const auto& obj = doc.value();
  actors::predict_query q;
  auto ts = obj.FindMember("timestamp");
  if (ts == obj.MemberEnd())
    return invalid{"timestamp is required"};
  if (ts->value.IsString()) {
    auto parsed = model::parse_timestamp_digits(
      std::string_view{ts->value.GetString(), ts->value.GetStringLength()});
    if (!parsed)
      return invalid{parsed.detail()};
    q.timestamp = parsed.value();
  } else if (!as_int64(ts->value, q.timestamp) || q.timestamp < 0) {
    return invalid{"timestamp must be a non-negative integer or a string of digits"};
  }
  auto value = obj.FindMember("value");
  if (value == obj.MemberEnd())
    return invalid{"value is required"};
  if (!read_number(value->value, q.value))
    return invalid{"value must be a number"};
  return q;
}

model::expected<actors::silent_query> parse_silent(std::string_view silent_for,
                                                   std::string_view after, std::string_view limit) {
  actors::silent_query q;
  if (!silent_for.empty()) {
    auto r = std::from_chars(silent_for.data(), silent_for.data() + silent_for.size(), q.factor);
    if (r.ec != std::errc{} || r.ptr != silent_for.data() + silent_for.size()
        || !(q.factor > 0 && q.factor <= 1e6))
      return invalid{"silent_for must be a number of typical intervals above 0 (at most 1e6)"};
  }
  if (!after.empty()) {
    if (auto problem = model::series_id_problem(std::string{after}))
      return invalid{"after: " + *problem};
    q.after = std::string{after};
  }
  if (!limit.empty()) {
    auto n = model::parse_timestamp_digits(limit);
    if (!n || n.value() < 1 || n.value() > 10000)
      return invalid{"limit must be a whole number from 1 to 10000"};
    q.limit = static_cast<uint32_t>(n.value());
  }
  return q;
}

std::string encode_fit(std::string_view series_id, const model::version_record& record) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "series_id");
    write_string(w, series_id);
    write_key(w, "version");
    write_string(w, std::to_string(record.version));
    write_key(w, "points_used");
    w.Uint(record.stats.points_used);
    w.EndObject();
  });
}

/// A learned figure: null when it is not a finite number (JSON has no
/// infinity), which values near the double range can make it.
void write_figure(writer& w, double x) {
  if (std::isfinite(x))
    w.Double(x);
  else
    w.Null();
}

void write_bound(writer& w, const char* key, bool present, double x) {
  write_key(w, key);
  if (present)
    write_figure(w, x);
  else
    w.Null();
}

/// "side": "upper" or "lower" (an anomalous point's).
void write_side(writer& w, uint8_t side) {
  write_key(w, "side");
  write_string(w, side == static_cast<uint8_t>(model::side::lower) ? "lower" : "upper");
}

std::string encode_prediction(const actors::prediction& p, bool explain) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "anomaly");
    w.Bool(p.anomaly);
    write_key(w, "model_version");
    write_string(w, std::to_string(p.version));
    if (explain) {
      write_key(w, "score");
      write_figure(w, p.score);
      write_key(w, "expected");
      write_figure(w, p.expected);
      write_bound(w, "lower", p.has_lower, p.lower);
      write_bound(w, "upper", p.has_upper, p.upper);
      write_key(w, "anomaly_score");
      write_figure(w, p.anomaly_score);
      if (p.anomaly)
        write_side(w, p.side);
    }
    w.EndObject();
  });
}

std::string encode_batch(const actors::prediction_list& ps, bool explain) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "anomalies");
    w.StartArray();
    for (const auto& p : ps)
      w.Bool(p.anomaly);
    w.EndArray();
    write_key(w, "model_version");
    write_string(w, std::to_string(ps.empty() ? 0 : ps.front().version));
    if (explain) {
      auto column = [&](const char* key, auto get) {
        write_key(w, key);
        w.StartArray();
        for (const auto& p : ps)
          get(p);
        w.EndArray();
      };
      column("score", [&](const actors::prediction& p) { write_figure(w, p.score); });
      column("expected", [&](const actors::prediction& p) { write_figure(w, p.expected); });
      column("lower", [&](const actors::prediction& p) { write_figure(w, p.has_lower ? p.lower : NAN); });
      column("upper", [&](const actors::prediction& p) { write_figure(w, p.has_upper ? p.upper : NAN); });
      column("anomaly_score", [&](const actors::prediction& p) { write_figure(w, p.anomaly_score); });
      column("side", [&](const actors::prediction& p) {
        if (p.anomaly)
          write_string(w, p.side == static_cast<uint8_t>(model::side::lower) ? "lower" : "upper");
        else
          w.Null();
      });
    }
    w.EndObject();
  });
}

/// {"type": ..., every parameter of the type: its value}.
void write_detector(writer& w, const model::detector_spec& spec) {
  w.StartObject();
  write_key(w, "type");
  write_string(w, model::name_of(spec));
  const auto& params = model::detector_of(spec).info().params;
  for (std::size_t i = 0; i < params.size() && i < spec.values.size(); ++i) {
    write_key(w, params[i].name);
    if (std::string_view{params[i].kind} != "number")
      write_string(w, model::name_of(model::detectors::direction_of(spec.values[i])));
    else
      w.Double(spec.values[i]);
  }
  w.EndObject();
}

void write_param_doc(writer& w, const model::param_doc& p) {
  write_key(w, p.name);
  w.StartObject();
  write_key(w, "default");
  if (std::string_view{p.kind} == "number") {
    w.Double(p.default_value);
    write_key(w, "min");
    w.Double(p.min);
    write_key(w, "max");
    w.Double(p.max);
  } else {
    write_string(w, p.default_text);
    write_key(w, "choices");
    w.StartArray();
    for (const char* c : {"upper", "lower", "both"})
      write_string(w, c);
    w.EndArray();
  }
  write_key(w, "doc");
  write_string(w, p.doc);
  w.EndObject();
}

std::string encode_detectors() {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "detectors");
    w.StartArray();
    for (const auto* d : model::detector_catalogue()) {
      const auto& info = d->info();
      w.StartObject();
      write_key(w, "type");
      write_string(w, info.name);
      write_key(w, "online");
      w.Bool(info.online);
      write_key(w, "doc");
      write_string(w, info.doc);
      write_key(w, "params");
      w.StartObject();
      for (const auto& p : info.params)
        write_param_doc(w, p);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

std::string encode_healthcheck(uint64_t series_trained, const latency_histogram& predict,
                               const latency_histogram& fit) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "series_trained");
    w.Uint64(series_trained);
    write_latency(w, "inference_latency_ms", predict);
    write_latency(w, "training_latency_ms", fit);
    w.EndObject();
  });
}

std::string encode_error(std::string_view detail) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "detail");
    write_string(w, detail);
    w.EndObject();
  });
}

/// "last_seen": {"server_ms", "timestamp"}, "interval_s" (null before two points).
void write_cadence(writer& w, const model::series_liveness& c) {
  write_key(w, "last_seen");
  w.StartObject();
  write_key(w, "server_ms");
  w.Int64(c.last_seen_ms);
  write_key(w, "timestamp");
  w.Int64(c.last_timestamp);
  w.EndObject();
  write_key(w, "interval_s");
  if (c.interval_s > 0)
    w.Double(c.interval_s);
  else
    w.Null();
}

std::string encode_versions(std::string_view series_id, const actors::version_list& versions,
                            std::optional<uint32_t> next,
                            const std::optional<model::series_liveness>& seen) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "series_id");
    write_string(w, series_id);
    write_key(w, "versions");
    w.StartArray();
    for (const auto& r : versions) {
      w.StartObject();
      write_key(w, "version");
      write_string(w, std::to_string(r.version));
      write_key(w, "points_used");
      w.Uint(r.stats.points_used);
      write_key(w, "mean");
      w.Double(r.stats.mean);
      write_key(w, "std");
      w.Double(r.stats.std);
      write_key(w, "threshold");
      w.Double(r.stats.threshold());
      write_key(w, "created_at_ms");
      w.Int64(r.created_at_ms);
      write_key(w, "detector");
      write_detector(w, r.detector);
      auto bounds = model::judge(r.detector, r.stats, r.state, {0, r.stats.mean});
      write_bound(w, "lower", bounds.lower.has_value(), bounds.lower.value_or(0));
      write_bound(w, "upper", bounds.upper.has_value(), bounds.upper.value_or(0));
      if (auto phases = model::detector_of(r.detector).phases(r.detector)) {
        write_key(w, "phases"); // each phase's own bounds
        w.StartArray();
        auto phase_s = model::number_param(r.detector, "period_s") / static_cast<double>(phases);
        for (std::size_t p = 0; p < phases; ++p) {
          auto at = static_cast<int64_t>(std::ceil(static_cast<double>(p) * phase_s));
          auto b = model::judge(r.detector, r.stats, r.state, {at, r.stats.mean});
          w.StartObject();
          write_key(w, "expected");
          write_figure(w, b.expected);
          write_bound(w, "lower", b.lower.has_value(), b.lower.value_or(0));
          write_bound(w, "upper", b.upper.has_value(), b.upper.value_or(0));
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
    write_key(w, "next");
    if (next)
      write_string(w, std::to_string(*next));
    else
      w.Null();
    if (seen)
      write_cadence(w, *seen);
    w.EndObject();
  });
}

std::string encode_silent(const actors::liveness_list& silent, double factor, int64_t now_ms,
                          std::optional<std::string> next) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "silent_for");
    w.Double(factor);
    write_key(w, "now_ms");
    w.Int64(now_ms);
    write_key(w, "series");
    w.StartArray();
    for (const auto& s : silent) {
      w.StartObject();
      write_key(w, "series_id");
      write_string(w, s.series_id);
      write_cadence(w, s);
      write_key(w, "silent_s");
      w.Double(static_cast<double>(now_ms - s.last_seen_ms) / 1000);
      w.EndObject();
    }
    w.EndArray();
    write_key(w, "next");
    if (next)
      write_string(w, *next);
    else
      w.Null();
    w.EndObject();
  });
}

} // namespace http
