#include "http/metrics/metrics.hpp"

#include <algorithm>
#include <cstdio>

#include "http/app/build_info.hpp"

namespace http {

namespace {

constexpr const char* endpoint_names[] = {"fit",     "predict", "healthcheck", "plot", "series",
                                          "metrics", "health",  "openapi",     "other"};

/// Upper bounds (seconds) of the latency histogram buckets exposed.
constexpr double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                             0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", x);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, double value) {
  out += name + " " + fmt(value) + "\n";
}

} // namespace

endpoint endpoint_of(std::string_view path) {
  if (starts_with(path, "/fit/"))
    return endpoint::fit;
  if (starts_with(path, "/predict/"))
    return endpoint::predict;
  if (path == "/healthcheck")
    return endpoint::healthcheck;
  if (path == "/plot")
    return endpoint::plot;
  if (starts_with(path, "/series/"))
    return endpoint::series;
  if (path == "/metrics")
    return endpoint::metrics;
  if (starts_with(path, "/health/"))
    return endpoint::health;
  if (path == "/openapi.json")
    return endpoint::openapi;
  return endpoint::other;
}

void http_metrics::observe(endpoint e, int status, uint64_t us) {
  std::size_t slot = statuses.size(); // "other"
  for (std::size_t i = 0; i < statuses.size(); ++i)
    if (statuses[i] == status)
      slot = i;
  auto index = static_cast<std::size_t>(e);
  counts_[index][slot].fetch_add(1, std::memory_order_relaxed);
  latency_[index].record(us);
}

std::string http_metrics::render(const actors::series_counters& series,
                                 const actors::store_counters& store) const {
  std::string out;
  header(out, "model_server_build_info", "gauge",
         "Always 1; its labels are the version and the git commit of this binary.");
  sample(out, std::string{"model_server_build_info{version=\""} + std::string{build_version()}
                + "\",commit=\"" + std::string{build_commit()} + "\"}", 1);
  header(out, "model_server_requests_total", "counter", "HTTP requests by endpoint and status.");
  for (std::size_t e = 0; e < endpoints; ++e)
    for (std::size_t s = 0; s <= statuses.size(); ++s)
      if (auto n = counts_[e][s].load(std::memory_order_relaxed))
        sample(out,
               std::string{"model_server_requests_total{endpoint=\""} + endpoint_names[e]
                 + "\",status=\""
                 + (s < statuses.size() ? std::to_string(statuses[s]) : "other") + "\"}",
               static_cast<double>(n));
  header(out, "model_server_request_duration_seconds", "histogram",
         "Time from the complete request to its response, by endpoint.");
  for (std::size_t e = 0; e < endpoints; ++e) {
    const auto& h = latency_[e];
    if (h.count() == 0)
      continue;
    std::string label = std::string{"endpoint=\""} + endpoint_names[e] + "\"";
    for (double b : bounds)
      sample(out, "model_server_request_duration_seconds_bucket{" + label + ",le=\"" + fmt(b)
                    + "\"}",
             static_cast<double>(h.count_at_or_below(static_cast<uint64_t>(b * 1e6))));
    sample(out, "model_server_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"}",
           static_cast<double>(h.count()));
    sample(out, "model_server_request_duration_seconds_sum{" + label + "}", h.sum_seconds());
    sample(out, "model_server_request_duration_seconds_count{" + label + "}",
           static_cast<double>(h.count()));
  }
  header(out, "model_server_in_flight_requests", "gauge",
         "Requests waiting on actors or the compute pool now.");
  sample(out, "model_server_in_flight_requests", static_cast<double>(in_flight.load()));
  header(out, "model_server_rejected_requests_total", "counter",
         "Requests answered 503 at once because the server was at max-in-flight.");
  sample(out, "model_server_rejected_requests_total", static_cast<double>(rejected.load()));
  header(out, "model_server_open_connections", "gauge", "Open client connections.");
  sample(out, "model_server_open_connections", static_cast<double>(connections.load()));
  header(out, "model_server_loop_connections", "gauge",
         "Open client connections by event loop; a new one goes to the loop with the fewest.");
  for (std::size_t i = 0; i < std::min(loops.load(), max_loops); ++i)
    sample(out, "model_server_loop_connections{loop=\"" + std::to_string(i) + "\"}",
           static_cast<double>(loop_connections[i].load()));
  header(out, "model_server_refused_connections_total", "counter",
         "Connections closed at once because the server was at max-connections.");
  sample(out, "model_server_refused_connections_total",
         static_cast<double>(refused_connections.load()));
  header(out, "model_server_accept_pauses_total", "counter",
         "Times accepting paused because the process was out of file descriptors.");
  sample(out, "model_server_accept_pauses_total", static_cast<double>(accept_pauses.load()));
  header(out, "model_server_log_lines_dropped_total", "counter",
         "Access-log and notice lines dropped because the log writer was behind.");
  sample(out, "model_server_log_lines_dropped_total", static_cast<double>(log_lines_dropped.load()));
  header(out, "model_server_tls_handshakes_total", "counter", "TLS handshakes completed.");
  sample(out, "model_server_tls_handshakes_total", static_cast<double>(tls_handshakes.load()));
  header(out, "model_server_tls_handshake_failures_total", "counter",
         "TLS connections closed before their handshake completed: timeouts, alerts, garbage, "
         "plain HTTP.");
  sample(out, "model_server_tls_handshake_failures_total",
         static_cast<double>(tls_handshake_failures.load()));
  header(out, "model_server_active_series", "gauge", "Series actors in memory.");
  sample(out, "model_server_active_series", static_cast<double>(series.active.load()));
  header(out, "model_server_series_activations_total", "counter", "Series actors started.");
  sample(out, "model_server_series_activations_total", static_cast<double>(series.activations));
  header(out, "model_server_parked_series", "gauge",
         "Series kept in memory without an actor (idle past server.park-after-ms).");
  sample(out, "model_server_parked_series", static_cast<double>(series.parked.load()));
  header(out, "model_server_series_unparked_total", "counter",
         "Series actors started from a parked state (no store read).");
  sample(out, "model_server_series_unparked_total", static_cast<double>(series.unparked));
  header(out, "model_server_series_loads_total", "counter",
         "Series actors started by reading their versions from the store (not parked, and "
         "not a series the store never held).");
  sample(out, "model_server_series_loads_total", static_cast<double>(series.loads));
  header(out, "model_server_series_passivations_total", "counter",
         "Series actors stopped: parked, idle past server.idle-timeout-s, or over the "
         "max-active-series cap.");
  sample(out, "model_server_series_passivations_total",
         static_cast<double>(series.passivations));
  header(out, "model_server_series_stored", "gauge", "Series with at least one stored version.");
  sample(out, "model_server_series_stored", static_cast<double>(store.series.load()));
  header(out, "model_server_versions_committed_total", "counter",
         "Versions committed since start.");
  sample(out, "model_server_versions_committed_total", static_cast<double>(store.versions));
  header(out, "model_server_store_commits_total", "counter",
         "Store transactions (group commits) since start; versions/commits is the batch size.");
  sample(out, "model_server_store_commits_total", static_cast<double>(store.batches));
  header(out, "model_server_store_transaction_fits", "gauge",
         "Fits in the store transaction running now (0: none); stuck above 0, the disk or a lock "
         "holds the store.");
  sample(out, "model_server_store_transaction_fits", static_cast<double>(store.committing.load()));
  header(out, "model_server_store_commit_failures_total", "counter", "Failed transactions.");
  sample(out, "model_server_store_commit_failures_total", static_cast<double>(store.failures));
  header(out, "model_server_store_commit_seconds_total", "counter",
         "Time spent in store transactions; divide by commits for the mean commit latency.");
  sample(out, "model_server_store_commit_seconds_total",
         static_cast<double>(store.commit_us_sum) / 1e6);
  header(out, "model_server_series_deleted_total", "counter",
         "Series deleted since start, by DELETE /series/{id} or server.series-ttl-s.");
  sample(out, "model_server_series_deleted_total", static_cast<double>(store.series_deleted));
  header(out, "model_server_versions_deleted_total", "counter",
         "Versions deleted since start, alone or with their series (not counting pruning).");
  sample(out, "model_server_versions_deleted_total", static_cast<double>(store.versions_deleted));
  return out;
}

std::string http_metrics::render_cluster(const actors::cluster_parts& cluster) {
  std::string out;
  auto peers = cluster.peers->snapshot();
  std::size_t up = 0;
  for (const auto& p : peers)
    up += p->up.load() ? 1 : 0;
  header(out, "model_server_cluster_peers", "gauge",
         "Other nodes of the cluster, by connection state (this node not counted).");
  sample(out, "model_server_cluster_peers{state=\"up\"}", static_cast<double>(up));
  sample(out, "model_server_cluster_peers{state=\"down\"}", static_cast<double>(peers.size() - up));
  header(out, "model_server_cluster_serving", "gauge",
         "1 while this node serves its own series; 0 while it is fenced (lease, store cut off, "
         "refused node list, not joined).");
  sample(out, "model_server_cluster_serving", cluster.map->serving() ? 1 : 0);
  if (!cluster.postgres)
    return out;
  auto counter = [&out](const char* name, const char* help, double value, const char* type = "counter") {
    header(out, name, type, help);
    sample(out, name, value);
  };
  const auto& m = *cluster.members;
  counter("model_server_cluster_members", "Live members in this node's ring (itself included).",
          static_cast<double>(m.members.load()), "gauge");
  counter("model_server_cluster_incarnation", "This node's incarnation in the members table.",
          static_cast<double>(m.incarnation.load()), "gauge");
  counter("model_server_cluster_store_state",
          "0 the store answers; 1 down for every member (active series served); 2 this node "
          "alone is cut off (not serving); 3 unreachable, peers being asked.",
          static_cast<double>(m.store_state.load()), "gauge");
  counter("model_server_cluster_lease_renewals_total", "Lease renewals that succeeded.",
          static_cast<double>(m.renewals.load()));
  counter("model_server_cluster_lease_renewal_failures_total", "Lease renewals that failed.",
          static_cast<double>(m.renew_failures.load()));
  counter("model_server_cluster_joins_total", "Incarnations of this node (joins).",
          static_cast<double>(m.joins.load()));
  counter("model_server_cluster_declared_dead_total",
          "Times this node found itself evicted by the others.",
          static_cast<double>(m.declared_dead.load()));
  counter("model_server_cluster_ring_changes_total", "Changes of the members ring.",
          static_cast<double>(m.ring_changes.load()));
  const auto& c = *cluster.claims;
  counter("model_server_cluster_claims_total", "Series claimed by this node (epochs handed out).",
          static_cast<double>(c.claims.load()));
  counter("model_server_cluster_claim_waits_total",
          "Claims that waited for a live holder to hand the series off.",
          static_cast<double>(c.claim_waits.load()));
  counter("model_server_cluster_claims_refused_total", "Claims answered 503.",
          static_cast<double>(c.claims_refused.load()));
  counter("model_server_cluster_releases_total", "Series released by this node.",
          static_cast<double>(c.releases.load()));
  counter("model_server_cluster_held_series", "Series held by this node's series actors.",
          static_cast<double>(c.held.load()), "gauge");
  counter("model_server_store_fenced_writes_total",
          "Writes the shared store refused: a stale epoch, or this node declared dead.",
          static_cast<double>(cluster.cfg.identity ? cluster.cfg.identity->fenced.load() : 0));
  return out;
}

} // namespace http
