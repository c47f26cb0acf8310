// The HTTP endpoints: one handler per endpoint, each a thin translation from
// HTTP to a message for the series' router shard and back. Handlers run on
// httplib worker threads and wait for the actor's answer through the thread's
// bridge (actors/bridge.hpp); nothing on this path takes a shared lock.
#pragma once

#include <chrono>

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
  /// Extra wait for reads (predict, /plot, /series) started before their
  /// deadline. Fits have none: a fit's client waits for its transaction's
  /// outcome, so that 503 always means "not stored".
  std::chrono::milliseconds read_grace{1000};
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
};

/// Installs every endpoint of the contract (and 405 for wrong methods).
void install_routes(httplib::Server& srv, api_context& ctx);

} // namespace http
