#include "http/azure/routes.hpp"


#include "http/azure/codec.hpp"
#include "model/azure/detect.hpp"

namespace http::azure {

namespace {

using model::azure::api_error;

constexpr std::string_view versions[] = {"v1.0",           "v1.1-preview", "v1.1-preview.1",
                                         "v1.1-preview.2", "v1.1",         "v1.2-preview"};

reply error_reply(int status, std::string code, std::string_view message) {
  reply r{status, encode_error(code, message), std::move(code)};
  return r;
}

reply refused(const api_error& e) {
  return error_reply(400, model::azure::name_of(e.code), e.detail);
}

reply unknown_version(std::string_view version) {
  std::string known;
  for (auto v : versions)
    known += (known.empty() ? "" : ", ") + std::string{v};
  return error_reply(404, "NotFound",
                     "unknown API version '" + std::string{version} + "'; this server answers "
                       + known);
}

/// Decodes, detects and encodes: the shape every handler shares.
template <class Decode, class Detect, class Encode>
reply answer(std::string_view version, std::string_view body, Decode decode, Detect detect,
             Encode encode) {
  if (!known_version(version))
    return unknown_version(version);
  auto request = decode(body);
  if (!request)
    return refused(request.error());
  auto result = detect(request.value());
  if (!result)
    return refused(result.error());
  return reply{200, encode(result.value()), {}};
}

void send(httplib::Response& res, const reply& r) {
  res.status = r.status;
  if (!r.error_code.empty())
    res.set_header("x-ms-error-code", r.error_code);
  res.set_content(r.body, "application/json; charset=utf-8");
}

using handler = reply (*)(std::string_view, std::string_view);

/// The path of one operation; the version is its first match.
std::string pattern(const char* operation) {
  return std::string{R"(/anomalydetector/([^/]+)/timeseries/)"} + operation + "/detect";
}

} // namespace

bool known_version(std::string_view version) {
  for (auto v : versions)
    if (v == version)
      return true;
  return false;
}

reply handle_entire(std::string_view version, std::string_view body) {
  return answer(version, body, decode_detect, model::azure::detect_entire, encode_entire);
}

reply handle_last(std::string_view version, std::string_view body) {
  return answer(version, body, decode_detect, model::azure::detect_last, encode_last);
}

reply handle_changepoint(std::string_view version, std::string_view body) {
  return answer(version, body, decode_changepoint, model::azure::detect_change_points,
                encode_changepoint);
}

std::vector<std::string> install_azure_routes(httplib::Server& srv) {
  std::vector<std::string> installed;
  const std::pair<const char*, handler> operations[] = {
    {"entire", handle_entire}, {"last", handle_last}, {"changepoint", handle_changepoint}};
  for (const auto& [operation, handle] : operations) {
    auto path = pattern(operation);
    // The Ocp-Apim-Subscription-Key header is checked before routing, like a
    // bearer token with the read scope (http/auth/gate.hpp).
    srv.Post(path, [handle = handle](const httplib::Request& req, httplib::Response& res) {
      send(res, handle(req.matches[1].str(), req.body));
    });
    auto refuse = [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "POST");
      send(res, error_reply(405, "MethodNotAllowed",
                            "method " + req.method + " is not allowed here; use POST"));
    };
    srv.Get(path, refuse);
    srv.Put(path, refuse);
    srv.Delete(path, refuse);
    srv.Patch(path, refuse);
    srv.Options(path, refuse);
    installed.push_back(path);
  }
  return installed;
}

} // namespace http::azure
