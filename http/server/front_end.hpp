// The event-driven HTTP front end: connections belong to epoll loops, not to
// threads, and no thread waits for an actor. A loop reads bytes, frames
// requests (framing.hpp), enforces every limit, and runs cpp-httplib's
// parsing, routing and writing over each complete request; a request whose
// answer is an actor's is sent by the loop itself and answered when the reply
// comes back to it (exchange.hpp, handoff.hpp).
//
//   client ──▶ loop (epoll: accept, read, frame, limits, route, write)
//                │ request ──▶ series actor ──▶ reply ──▶ same loop
//                └ a /plot page, a huge body ──▶ compute pool ──▶ same loop
//
// Loop i runs on CAF scheduler worker i, between that worker's actors
// (hosting.hpp), and a request it sends is queued on that worker: a predict
// on a warm series runs loop → series actor → loop on one thread, with no
// hand-off, unless another worker steals the actor's job (then two).
// Create, run() on one thread (it waits for the loops), stop() from any other.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <httplib.h>

#include "http/api/listener.hpp"
#include "http/metrics/metrics.hpp"
#include "http/server/framing.hpp"

namespace http {

class access_log;
class tls_context;

/// cpp-httplib's server with its routes, run over buffered requests.
class routed_server : public httplib::Server {
public:
  /// Parses one request from `strm`, routes it and writes the response to
  /// `strm`. `connection_closed` tells whether the connection must close.
  bool serve_one(httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return process_request(strm, close_connection, connection_closed, {});
  }
};

struct front_end_settings {
  std::size_t loops = 0;                 ///< epoll loops; 0: one per CAF scheduler thread
  std::size_t compute_threads = 2;       ///< threads for slow pages and huge bodies
  std::size_t max_connections = 16384;   ///< open connections; past it new ones close at once
  std::size_t max_in_flight = 4096;      ///< requests waiting on actors or compute; past it 503
  std::size_t max_in_flight_fits = 1024; ///< fits among them; past it 503
  std::size_t max_in_flight_bytes = 256u << 20; ///< their request bytes; past it 503 (one always passes)
  std::size_t keepalive_max_requests = 0; ///< 0: unlimited
  std::chrono::milliseconds keepalive_timeout{75000}; ///< idle connection closes after
  /// The Keep-Alive header of the answers the loop writes itself, as
  /// cpp-httplib writes it from the listener's settings (reply_writer.hpp).
  std::string keep_alive = "timeout=75, max=1000000000";
  std::chrono::milliseconds read_timeout{60000};  ///< whole request from its first byte, else 408
  std::chrono::milliseconds write_timeout{60000}; ///< a client not reading this long is dropped
  std::size_t budget = 32;         ///< requests one connection may have served per wake-up
  /// While requests wait on actors, a loop polls for their replies this long
  /// before it blocks: an answer that comes within it needs no wake-up.
  std::chrono::microseconds spin{50};
  std::size_t heavy_body = 1u << 20; ///< bodies from this size are decoded off the loop
  /// The TLS certificate of the port (http/server/tls.hpp); null: plain HTTP.
  std::shared_ptr<tls_context> tls;
  /// A TLS handshake must finish this long after the connection is accepted.
  std::chrono::milliseconds handshake_timeout{10000};
  framing_limits limits;
  std::string access_log = "off"; ///< off | errors | all (requests the loop answers itself)
  std::size_t access_log_queue = 65536; ///< lines waiting for the log writer; more are dropped
};

class front_end {
public:
  /// `sys` is where the loops' hand-offs live; it, `routes`, `metrics` and
  /// `log` must outlive the front end.
  front_end(routed_server& routes, const front_end_settings& s, http_metrics& metrics,
            access_log& log, caf::actor_system& sys);
  ~front_end();
  front_end(const front_end&) = delete;
  front_end& operator=(const front_end&) = delete;

  /// Serves the listening socket `listen_fd` until stop(); returns once every
  /// request already read is answered. Call once.
  void run(int listen_fd);

  /// Stops accepting and reading new requests. Thread-safe; idempotent.
  void stop();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// Opens a non-blocking TCP socket listening on `host:port` (port 0 picks a
/// free one) with `backlog`. Returns the socket and sets `bound_port`, or -1.
int open_listener(const std::string& host, uint16_t port, std::size_t backlog, int& bound_port);

} // namespace http
