// The detector-related parts of the JSON codec: a fit's detector and exclude
// windows, GET /detectors, the server.default-detector option, and the
// cadence and silent-series answers.
#include <charconv>

#include <rapidjson/error/en.h>

#include "http/api/codec.hpp"
#include "http/api/codec_json.hpp"
#include "model/request_params.hpp"
#include "model/series_id.hpp"

namespace http {

using model::invalid;

namespace json {

namespace {

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

} // namespace

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

} // namespace json

model::expected<model::detector_spec> decode_detector(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return invalid{std::string{"not valid JSON: "} + rapidjson::GetParseError_En(doc.GetParseError())};
  return json::read_detector_object(doc);
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

namespace json {

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

} // namespace json

std::string encode_detectors() {
  using namespace json;
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
        json::write_param_doc(w, p);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

namespace json {

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

} // namespace json

std::string encode_silent(const actors::liveness_list& silent, double factor, int64_t now_ms,
                          std::optional<std::string> next) {
  using namespace json;
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
