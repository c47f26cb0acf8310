// Request metrics and their Prometheus text rendering. The event loops and
// the compute pool record every request here (endpoint, status, latency); all
// counters are lock-free atomics. Labels are bounded: a fixed set of endpoints
// and statuses, never a series id.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cluster.hpp"
#include "actors/router_shard.hpp"
#include "actors/store_writer.hpp"
#include "http/metrics/latency.hpp"

namespace http {

enum class endpoint : uint8_t {
  fit, predict, healthcheck, plot, series, metrics, health, openapi, other, count_
};

/// The endpoint label of a request path.
endpoint endpoint_of(std::string_view path);

class http_metrics {
public:
  static constexpr std::array<int, 17> statuses{200, 400, 401, 403, 404, 405, 408, 413, 414,
                                                422, 431, 500, 502, 503, 504, 507, 416};

  /// Records one finished request.
  void observe(endpoint e, int status, uint64_t us);

  std::atomic<int64_t> in_flight{0};  ///< requests waiting on actors or the compute pool
  std::atomic<uint64_t> rejected{0};  ///< answered 503 at once: over max-in-flight
  std::atomic<int64_t> connections{0};          ///< open client connections
  std::atomic<uint64_t> refused_connections{0}; ///< closed at once: over max-connections
  std::atomic<uint64_t> accept_pauses{0};       ///< accepting paused: out of descriptors
  std::atomic<uint64_t> log_lines_dropped{0};   ///< log lines dropped: the log writer was behind
  std::atomic<uint64_t> tls_handshakes{0};         ///< TLS handshakes completed
  std::atomic<uint64_t> tls_handshake_failures{0}; ///< TLS connections closed before their handshake completed
  static constexpr std::size_t max_loops = 64;
  std::atomic<std::size_t> loops{0}; ///< event loops running (set by the front end)
  /// Connections by event loop: those it owns, and those on their way to it.
  std::array<std::atomic<int64_t>, max_loops> loop_connections{};

  /// Renders everything, plus the actor and store figures, in Prometheus text format.
  std::string render(const actors::series_counters& series,
                     const actors::store_counters& store) const;

  /// The cluster's figures, for a node of a cluster: its peers by state
  /// (model_server_cluster_peers{state="up|down"}), whether it serves its
  /// series, and in PostgreSQL mode its membership, claims and fenced writes.
  static std::string render_cluster(const actors::cluster_parts& cluster);

private:
  static constexpr std::size_t endpoints = static_cast<std::size_t>(endpoint::count_);
  std::array<std::array<std::atomic<uint64_t>, statuses.size() + 1>, endpoints> counts_{};
  std::array<latency_histogram, endpoints> latency_;
};

} // namespace http
