// The HTTP listener's settings and the cpp-httplib side of it: JSON error
// bodies for every status the library produces itself, the exception handler,
// the token check before routing, and the access log with request metrics. The
// sockets themselves belong to the event-driven front end
// (http/server/front_end.hpp). Configure once, before
// serving.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "http/auth/gate.hpp"
#include "http/metrics/metrics.hpp"

namespace http {

/// Where log lines go (one call per line, from any thread).
using log_sink = std::function<void(std::string_view)>;

struct listener_settings {
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  std::size_t backlog = 1024;
  std::size_t max_body_bytes = 16u << 20;
  std::string access_log = "off"; ///< off | errors | all
  /// What the Keep-Alive header announces (the event loop enforces both).
  std::size_t keepalive_timeout_s = 75;
  std::size_t keepalive_max_requests = 0; ///< 0: unlimited
};

/// Installs on `srv` the error and exception handlers, the token check of
/// `gate` (null: open) before routing, and the logger that records every
/// routed request in `metrics` and writes the access log. `metrics` and
/// `gate` must outlive `srv`.
void configure(httplib::Server& srv, const listener_settings& s, log_sink log,
               http_metrics& metrics, const auth::gate* gate = nullptr);

/// The value of the Keep-Alive header cpp-httplib writes, configured by
/// `configure`, on a connection kept open.
std::string keep_alive_header(const listener_settings& s);

/// The answer to a request whose handling threw `what`: 503 with Retry-After
/// (nothing was stored; retry).
void internal_error(httplib::Response& res, std::string_view what);

/// The answer to a fit whose outcome is unknown, `why`: 504, in doubt (read
/// the series before retrying).
void reply_in_doubt(httplib::Response& res, std::string_view why);

/// Records an answered request's latency (`us`) in `metrics`; returns its
/// access-log line when `mode` (off | errors | all) asks for one, else "".
std::string record_answer(http_metrics& metrics, std::string_view mode, std::string_view method,
                          std::string_view path, int status, uint64_t us);

/// Microseconds from `since` to now.
inline uint64_t microseconds_since(std::chrono::steady_clock::time_point since) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - since);
  return static_cast<uint64_t>(std::max<int64_t>(us.count(), 0));
}

} // namespace http
