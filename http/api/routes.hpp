// The HTTP endpoints: one handler per endpoint, each a thin translation from
// HTTP to a message for the series' actor and back. Handlers run on an event
// loop (or its compute pool) and never wait: one that needs an actor defers
// to the loop with the message and how to render the reply (http/server/
// exchange.hpp). Nothing on this path takes a shared lock.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>

#include "actors/cluster.hpp"
#include "actors/series_router.hpp"
#include "actors/store_writer.hpp"
#include "http/metrics/latency.hpp"
#include "http/metrics/metrics.hpp"

namespace http {

struct api_settings {
  /// Deadline of fits and predicts: work not started by then is refused (503).
  std::chrono::milliseconds request_timeout{30000};
  /// Extra wait past the deadline for work started before it. Then a read is
  /// answered 503 (nothing changed) and a fit 504 (in doubt: 503 always means
  /// "not stored").
  std::chrono::milliseconds read_grace{1000};
  /// The store is a shared PostgreSQL database (store.backend=postgres):
  /// POST /admin/backup answers 501, pg_dump backs it up.
  bool shared_store = false;
};

/// What the handlers share; lives as long as the server listens.
struct api_context {
  caf::actor_system& sys;
  const actors::series_router& router;
  const actors::store_counters& counters;
  const actors::series_counters& series;
  api_settings settings;
  latency_histogram predict_latency{}; ///< successful predicts, for /healthcheck
  latency_histogram fit_latency{};     ///< successful fits, for /healthcheck
  http_metrics metrics{};              ///< every request, for /metrics
  std::atomic<bool> draining{false};   ///< shutting down: /health/ready answers 503
  const actors::cluster_parts* cluster = nullptr; ///< the other nodes; null on a single node
  caf::actor series_count = {}; ///< sums every node's series count; null on a single node
};

/// A route with a handler of its own (the 405 refusals aside): its method and
/// cpp-httplib pattern, a regex the whole path must match. cpp-httplib tries
/// a method's routes in the order they were installed.
struct route_info {
  std::string method;  ///< "GET", "POST" or "DELETE"
  std::string pattern; ///< e.g. "/fit/([\\s\\S]*)"
};

/// Installs every endpoint of the contract (and 405 for wrong methods).
/// Returns the routes installed, in order: the OpenAPI document must describe
/// each of them (tests/http/openapi_test.cpp).
std::vector<route_info> install_routes(httplib::Server& srv, api_context& ctx);

} // namespace http
