#include "http/listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>

#include "http/codec.hpp"

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

/// Counts requests in flight, refuses those beyond the limit, and records
/// every finished request (metrics, access log). Pre-routing and logger run on
/// the same worker thread, so a thread_local carries the start time.
void install_accounting(httplib::Server& srv, const listener_settings& s, log_sink log,
                        http_metrics& metrics) {
  struct request_mark {
    std::chrono::steady_clock::time_point start;
    bool counted = false;
  };
  static thread_local request_mark mark;
  auto limit = static_cast<int64_t>(s.max_in_flight);
  srv.set_pre_routing_handler([&metrics, limit](const httplib::Request&, httplib::Response& res) {
    mark = {std::chrono::steady_clock::now(), true};
    if (metrics.in_flight.fetch_add(1) < limit)
      return httplib::Server::HandlerResponse::Unhandled;
    ++metrics.rejected;
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content(encode_error("the server is at its in-flight request limit; retry"),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  bool all = s.access_log == "all", errors = s.access_log == "errors";
  srv.set_logger([&metrics, log, all, errors](const httplib::Request& req,
                                              const httplib::Response& res) {
    uint64_t us = 0;
    if (mark.counted) {
      us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - mark.start)
                                   .count());
      mark.counted = false;
      --metrics.in_flight;
    }
    metrics.observe(endpoint_of(req.path), res.status, us);
    if (all || (errors && res.status >= 400))
      log(req.method + " " + req.path + " " + std::to_string(res.status) + " "
          + std::to_string(us / 1000.0) + "ms");
  });
}

} // namespace

void configure(httplib::Server& srv, const listener_settings& s, log_sink log,
               http_metrics& metrics) {
  auto threads = s.threads;
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_tcp_nodelay(true);
  srv.set_keep_alive_max_count(s.keepalive_max_requests);
  srv.set_keep_alive_timeout(static_cast<time_t>(s.keepalive_timeout_s));
  srv.set_read_timeout(static_cast<time_t>(s.read_timeout_s), 0);
  srv.set_write_timeout(static_cast<time_t>(s.write_timeout_s), 0);
  srv.set_payload_max_length(s.max_body_bytes);
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
      res.status = 500;
      res.set_content(encode_error("internal error: " + what), "application/json");
    });
  install_accounting(srv, s, log, metrics);
}

int bind_listener(httplib::Server& srv, const listener_settings& s) {
  // httplib calls listen(fd, 5); remember the socket to widen its backlog.
  auto fd = std::make_shared<int>(-1);
  srv.set_socket_options([fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    // No SO_REUSEPORT: a second server on the same port must fail, not share it.
    *fd = sock;
  });
  int port = s.port == 0 ? srv.bind_to_any_port(s.host)
                         : (srv.bind_to_port(s.host, s.port) ? s.port : -1);
  if (port < 0 || *fd < 0)
    return -1;
  ::listen(*fd, static_cast<int>(s.backlog));
  return port;
}

} // namespace http
