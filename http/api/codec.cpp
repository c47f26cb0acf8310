#include "http/api/codec.hpp"

#include <optional>
#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/request_params.hpp"

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

/// The "detector" member of a fit body; the contract's rule when absent or null.
model::expected<model::detector_spec> read_detector(const rapidjson::Value& obj) {
  auto it = obj.FindMember("detector");
  if (it == obj.MemberEnd() || it->value.IsNull())
    return model::detector_spec{};
  const auto& d = it->value;
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
    }
    w.EndObject();
  });
}

/// {"type": ..., every parameter of the type: its value}.
void write_detector(writer& w, const model::detector_spec& spec) {
  w.StartObject();
  write_key(w, "type");
  write_string(w, model::name_of(spec.type));
  for (const auto& doc : model::detector_catalogue()) {
    if (doc.type != spec.type)
      continue;
    for (const auto& p : doc.params) {
      write_key(w, p.name);
      std::string_view name{p.name};
      if (name == "direction")
        write_string(w, model::name_of(spec.dir));
      else
        w.Double(model::number_param(spec, name));
    }
  }
  w.EndObject();
}

std::string encode_detectors() {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "detectors");
    w.StartArray();
    for (const auto& d : model::detector_catalogue()) {
      w.StartObject();
      write_key(w, "type");
      write_string(w, model::name_of(d.type));
      write_key(w, "online");
      w.Bool(model::is_online(d.type));
      write_key(w, "doc");
      write_string(w, d.doc);
      write_key(w, "params");
      w.StartObject();
      for (const auto& p : d.params) {
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

std::string encode_versions(std::string_view series_id, const actors::version_list& versions,
                            std::optional<uint32_t> next) {
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
      auto bounds = model::judge(r.detector, r.stats, r.params, r.params.center);
      write_bound(w, "lower", bounds.lower.has_value(), bounds.lower.value_or(0));
      write_bound(w, "upper", bounds.upper.has_value(), bounds.upper.value_or(0));
      if (!r.params.phase_center.empty()) { // seasonal: each phase's own bounds
        write_key(w, "phases");
        w.StartArray();
        auto phase_s = r.detector.period_s / r.detector.phases;
        for (std::size_t p = 0; p < r.params.phase_center.size(); ++p) {
          auto at = static_cast<int64_t>(std::ceil(static_cast<double>(p) * phase_s));
          auto b = model::judge(r.detector, r.stats, r.params, r.params.phase_center[p], at);
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
    w.EndObject();
  });
}

} // namespace http
