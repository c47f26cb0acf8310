#include "http/server/reply_writer.hpp"

namespace http {

namespace {

/// cpp-httplib's reason phrase for the statuses the routes render; null for
/// the others.
const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return nullptr;
  }
}

} // namespace

bool write_reply(std::string& out, httplib::Response& res, bool close,
                 const std::string& keep_alive) {
  // cpp-httplib answers 200 when a handler set no status (206 with ranges).
  int status = res.status == -1 ? 200 : res.status;
  const char* phrase = reason(status);
  // An error without a body gets one from cpp-httplib's error handler.
  if (phrase == nullptr || (status >= 400 && res.body.empty()) || res.content_length_ != 0
      || res.content_provider_ || res.has_header("Content-Length"))
    return false;
  res.status = status;
  // The same headers, in the same (case-insensitive) order of the multimap.
  res.set_header("Content-Length", std::to_string(res.body.size()));
  if (close)
    res.set_header("Connection", "close");
  else
    res.set_header("Keep-Alive", keep_alive);
  if (!res.body.empty() && !res.has_header("Content-Type"))
    res.set_header("Content-Type", "text/plain");
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(phrase).append("\r\n");
  for (const auto& [name, value] : res.headers)
    out.append(name).append(": ").append(value).append("\r\n");
  out.append("\r\n").append(res.body);
  return true;
}

} // namespace http
