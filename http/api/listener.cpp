#include "http/api/listener.hpp"

#include <chrono>

#include "http/api/codec.hpp"
#include "http/server/exchange.hpp"

namespace http {

namespace {

std::string detail_for(const httplib::Request& req, const httplib::Response& res,
                       std::size_t max_body) {
  switch (res.status) {
    case 404:
      return "no such endpoint: " + req.method + " " + req.path;
    case 413:
      return "request body is larger than max_body_bytes (" + std::to_string(max_body)
             + " bytes)";
    case 414:
      return "request URI is too long";
    case 400:
      return "malformed HTTP request";
    default:
      return "request failed with HTTP status " + std::to_string(res.status);
  }
}

/// Records every request cpp-httplib answers (metrics, access log), and
/// before routing renders actors' replies (pass 2 of a deferred request,
/// exchange.hpp) or, in pass 1, checks the caller's token (401/403 answered
/// here; the request goes no further). The logger runs before the response
/// leaves the server, so a client that reads /metrics after an answer sees
/// it counted. Pass 1 of a deferred request is not an answer and is not
/// recorded.
void install_accounting(httplib::Server& srv, const listener_settings& s, log_sink log,
                        http_metrics& metrics, const auth::gate* gate) {
  srv.set_pre_routing_handler([gate](const httplib::Request& req, httplib::Response& res) {
    auto* ex = exchange::current();
    if (ex && ex->render_reply(res))
      return httplib::Server::HandlerResponse::Handled; // admitted in pass 1
    if (ex)
      ex->parsed(&req);
    if (gate && !gate->admit(req, res))
      return httplib::Server::HandlerResponse::Handled;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  srv.set_logger([&metrics, log, mode = s.access_log](const httplib::Request& req,
                                                       const httplib::Response& res) {
    auto* ex = exchange::current();
    if (!ex || ex->deferred())
      return;
    if (auto line = record_answer(metrics, mode, req.method, req.path, res.status,
                                  microseconds_since(ex->started()));
        !line.empty())
      log(line);
  });
}

} // namespace

namespace {

/// What the Keep-Alive header announces as the most requests: unlimited is
/// a billion.
std::size_t announced_max_requests(const listener_settings& s) {
  return s.keepalive_max_requests != 0 ? s.keepalive_max_requests : std::size_t{1000000000};
}

} // namespace

std::string keep_alive_header(const listener_settings& s) {
  // cpp-httplib's own format (Server::write_response_core).
  return "timeout=" + std::to_string(s.keepalive_timeout_s)
         + ", max=" + std::to_string(announced_max_requests(s));
}

void internal_error(httplib::Response& res, std::string_view what) {
  // Not the client's fault, and nothing was stored (bad_alloc, say): retry.
  res.status = 503;
  res.set_header("Retry-After", "1");
  res.set_content(encode_error("the server could not handle this request (" + std::string{what}
                               + "); retry"),
                  "application/json");
}

void reply_in_doubt(httplib::Response& res, std::string_view why) {
  res.status = 504;
  res.set_content(encode_error(std::string{why}
                               + "; the fit may or may not be stored: read GET /series/{id} "
                                 "before retrying"),
                  "application/json");
}

std::string record_answer(http_metrics& metrics, std::string_view mode, std::string_view method,
                          std::string_view path, int status, uint64_t us) {
  metrics.observe(endpoint_of(path), status, us);
  if (mode != "all" && (mode != "errors" || status < 400))
    return {};
  return std::string{method} + " " + std::string{path} + " " + std::to_string(status) + " "
         + std::to_string(us / 1000.0) + "ms";
}

void configure(httplib::Server& srv, const listener_settings& s, log_sink log,
               http_metrics& metrics, const auth::gate* gate) {
  srv.set_payload_max_length(s.max_body_bytes);
  // cpp-httplib writes a Keep-Alive header from these (its defaults, 5 s and 5
  // requests, are not what the loop does).
  srv.set_keep_alive_timeout(static_cast<time_t>(s.keepalive_timeout_s));
  srv.set_keep_alive_max_count(announced_max_requests(s));
  auto max_body = s.max_body_bytes;
  srv.set_error_handler(httplib::Server::HandlerWithResponse{[max_body](
                                                  const httplib::Request& req,
                                                  httplib::Response& res) {
    if (!res.body.empty())
      return httplib::Server::HandlerResponse::Unhandled; // a handler wrote its own error
    res.set_content(encode_error(detail_for(req, res, max_body)), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }});
  srv.set_exception_handler(
    [log](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log("internal error on " + req.method + " " + req.path + ": " + what);
      internal_error(res, what);
    });
  install_accounting(srv, s, log, metrics, gate);
}

} // namespace http
