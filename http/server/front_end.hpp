// The event-driven HTTP front end: connections belong to epoll loops, not to
// threads. A loop reads bytes, frames requests (http/framing.hpp) and enforces
// every limit itself; only a complete request is handed on, and cpp-httplib
// still parses, routes and writes it (routed_server::serve_one over a stream of
// the buffered bytes).
//
//   client ──▶ loop thread (epoll: accept, read, frame, limits, write)
//                │ cheap routes (health, metrics, errors) run on the loop
//                ├──▶ worker pool ──▶ series actors ──▶ worker ──▶ loop
//                └──▶ fit pool   ──▶ series actors ──▶ worker ──▶ loop
//
// An idle keep-alive connection costs its socket and a few hundred bytes, no
// thread. Create, run() on one thread, stop() from any other.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <httplib.h>

#include "http/server/framing.hpp"
#include "http/api/listener.hpp"
#include "http/metrics/metrics.hpp"
#include "http/server/worker_pool.hpp"

namespace http {

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
  std::size_t loops = 2;                 ///< epoll loop threads
  std::size_t workers = 32;              ///< threads for requests that wait on actors
  std::size_t fit_workers = 128;         ///< threads for fits (they wait on the store)
  std::size_t max_connections = 16384;   ///< open connections; past it new ones close at once
  std::size_t max_in_flight = 4096;      ///< requests at the workers; past it 503
  std::size_t max_in_flight_fits = 1024; ///< fits among them; past it 503
  std::size_t max_in_flight_bytes = 256u << 20; ///< their request bytes; past it 503 (one always passes)
  std::size_t keepalive_max_requests = 0; ///< 0: unlimited
  std::chrono::milliseconds keepalive_timeout{75000}; ///< idle connection closes after
  std::chrono::milliseconds read_timeout{60000};  ///< whole request from its first byte, else 408
  std::chrono::milliseconds write_timeout{60000}; ///< a client not reading this long is dropped
  framing_limits limits;
  std::string access_log = "off"; ///< off | errors | all (requests the loop answers itself)
  bool healthcheck_waits = false; ///< /healthcheck asks other nodes: run it on the workers
};

class front_end {
public:
  /// Each worker thread holds what `worker_init` makes for its life (its
  /// bridge to the actors).
  front_end(routed_server& routes, const front_end_settings& s, http_metrics& metrics,
            log_sink log, worker_pool::thread_init worker_init);
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
