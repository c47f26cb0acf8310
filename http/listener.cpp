#include "http/listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>

#include "http/codec.hpp"

namespace http {

namespace {

thread_local std::chrono::steady_clock::time_point request_start;

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

void install_access_log(httplib::Server& srv, const std::string& mode, log_sink log) {
  if (mode == "off")
    return;
  srv.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  bool errors_only = mode == "errors";
  srv.set_logger([log, errors_only](const httplib::Request& req, const httplib::Response& res) {
    if (errors_only && res.status < 400)
      return;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - request_start)
                .count();
    log(req.method + " " + req.path + " " + std::to_string(res.status) + " "
        + std::to_string(us / 1000.0) + "ms");
  });
}

} // namespace

void configure(httplib::Server& srv, const listener_settings& s, log_sink log) {
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
  install_access_log(srv, s.access_log, log);
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
