#include "http/auth/policy.hpp"

namespace http::auth {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

} // namespace

need required(std::string_view method, std::string_view path) {
  if (path == "/health/live" || path == "/health/ready")
    return need::none;
  if (path == "/metrics" || path == "/admin" || starts_with(path, "/admin/"))
    return need::admin;
  if (method == "DELETE" && starts_with(path, "/series/"))
    return need::admin;
  if (method == "POST" && starts_with(path, "/fit/"))
    return need::write;
  return need::read;
}

bool azure_path(std::string_view path) {
  return starts_with(path, "/anomalydetector/");
}

} // namespace http::auth
