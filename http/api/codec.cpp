#include "http/api/codec.hpp"
#include "http/api/codec_json.hpp"

#include <optional>
#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/request_params.hpp"

namespace http {

using namespace json;
using model::invalid;

namespace {

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

void write_latency(writer& w, std::string_view key, const latency_histogram& h) {
  write_key(w, key);
  w.StartObject();
  write_key(w, "avg");
  w.Double(h.mean_ms());
  write_key(w, "p95");
  w.Double(h.quantile_ms(0.95));
  w.EndObject();
}

} // namespace

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

std::string encode_not_serving(std::string_view reason) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "status");
    write_string(w, "not serving");
    write_key(w, "reason");
    write_string(w, reason);
    w.EndObject();
  });
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

} // namespace http
