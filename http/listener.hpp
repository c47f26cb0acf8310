// The HTTP listener: a cpp-httplib server with deliberate settings instead of
// the library's defaults (Nagle on, 5 requests per connection, 8 threads,
// backlog 5, no body limit), JSON error bodies for every status the library
// produces itself, and the access log. Configure once, before listening.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "http/metrics.hpp"

namespace http {

struct listener_settings {
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  std::size_t threads = 128;
  std::size_t keepalive_max_requests = 20;
  std::size_t keepalive_timeout_s = 5;
  std::size_t max_body_bytes = 16u << 20;
  std::size_t backlog = 1024;
  std::size_t read_timeout_s = 5;
  std::size_t write_timeout_s = 5;
  std::string access_log = "off"; ///< off | errors | all
  std::size_t max_in_flight = 1024; ///< beyond it, requests get 503 at once
};

/// Where log lines go (one call per line, from any thread).
using log_sink = std::function<void(std::string_view)>;

/// Applies `s` to `srv` and installs the error/exception handlers, the
/// in-flight limit, and the logger that records every request in `metrics`
/// (which must outlive `srv`) and writes the access log.
void configure(httplib::Server& srv, const listener_settings& s, log_sink log,
               http_metrics& metrics);

/// Binds `s.host:s.port` (port 0 picks a free one) with the configured
/// backlog. Returns the bound port, or -1 when binding failed.
int bind_listener(httplib::Server& srv, const listener_settings& s);

} // namespace http
