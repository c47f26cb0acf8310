#include "http/app/config.hpp"

#include "http/server/hosting.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <caf/io/middleman.hpp>

#include "actors/persistence/pg_conn.hpp"
#include "http/api/codec.hpp"
#include "http/auth/gate.hpp"
#include "model/cluster.hpp"

namespace http {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

/// Does `content` hold the dotted key `name`?
bool has_key(const caf::settings& content, const std::string& name) {
  auto dot = name.find('.');
  auto it = content.find(name.substr(0, dot));
  if (it == content.end())
    return false;
  if (dot == std::string::npos)
    return true;
  auto sub = caf::get_if<caf::settings>(&it->second);
  return sub && has_key(*sub, name.substr(dot + 1));
}

/// CAF drops a value of the wrong type from an INI file without a word: every
/// `key=value` line the file has must have landed in `content`.
void check_file_values(const app_config& cfg, std::vector<std::string>& problems) {
  std::ifstream in{cfg.config_file_path};
  std::string line, section = "global";
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line[0] == ';' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      section = trim(line.substr(1, line.find(']') - 1));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    auto key = trim(line.substr(0, eq));
    auto name = section == "global" ? key : section + "." + key;
    if (!has_key(cfg.content, name))
      problems.push_back("option " + name + " (" + cfg.config_file_path + " line "
                         + std::to_string(n) + ") has a value of the wrong type");
  }
}

/// Every key CAF stored must be an option someone declared (catches typos).
void check_known(const app_config& cfg, const caf::settings& level, const std::string& prefix,
                 std::vector<std::string>& problems) {
  for (const auto& [key, value] : level) {
    auto name = prefix.empty() ? key : prefix + "." + key;
    if (auto sub = caf::get_if<caf::settings>(&value)) {
      check_known(cfg, *sub, name, problems);
      continue;
    }
    if (!cfg.declares(name) && !cfg.declares("global." + name))
      problems.push_back("unknown option " + name);
  }
}

template <class T>
void at_least(std::vector<std::string>& problems, const char* name, T value, T min) {
  if (value < min)
    problems.push_back("option " + std::string{name} + " must be at least "
                       + std::to_string(min) + " (got " + std::to_string(value) + ")");
}

template <class T>
void at_most(std::vector<std::string>& problems, const char* name, T value, T max) {
  if (value > max)
    problems.push_back("option " + std::string{name} + " must be at most "
                       + std::to_string(max) + " (got " + std::to_string(value) + ")");
}

void check_postgres(const server_config& v, std::vector<std::string>& problems) {
  if (v.postgres.empty())
    problems.push_back("option store.postgres must be set when store.backend is postgres (a libpq "
                       "connection string, e.g. 'host=db port=5432 dbname=models')");
  else if (auto why = persistence::pg::conninfo_problem(v.postgres))
    problems.push_back("option store.postgres is not a libpq connection string: " + *why);
  if (!v.cluster_nodes.empty())
    problems.push_back("option cluster.nodes is not used with store.backend=postgres (members "
                       "register in the database); remove it");
  if (v.cluster_self.empty())
    problems.push_back("option cluster.self must be set when store.backend is postgres (this "
                       "node's node-to-node host:port)");
  else if (auto parsed = model::parse_node(v.cluster_self); !parsed)
    problems.push_back("option cluster.self: " + parsed.detail());
  at_least<std::size_t>(problems, "cluster.renew-ms", v.cluster_renew_ms, 50);
  at_most<std::size_t>(problems, "cluster.renew-ms", v.cluster_renew_ms, 60000);
  at_least<std::size_t>(problems, "cluster.lease-ms", v.cluster_lease_ms, 2 * v.cluster_renew_ms);
  at_most<std::size_t>(problems, "cluster.lease-ms", v.cluster_lease_ms, 600000);
  if (v.cluster_fence_margin_ms + v.cluster_renew_ms >= v.cluster_lease_ms)
    problems.push_back("option cluster.fence-margin-ms must be less than cluster.lease-ms minus "
                       "cluster.renew-ms (got " + std::to_string(v.cluster_fence_margin_ms) + ")");
  at_most<std::size_t>(problems, "cluster.handoff-wait-ms", v.cluster_handoff_wait_ms, 600000);
  at_least<std::size_t>(problems, "store.postgres-timeout-ms", v.postgres_timeout_ms, 100);
  at_most<std::size_t>(problems, "store.postgres-timeout-ms", v.postgres_timeout_ms, 3600000);
}

void check_cluster(const server_config& v, std::vector<std::string>& problems) {
  if (v.backend != "sqlite" && v.backend != "postgres")
    problems.push_back("option store.backend must be sqlite or postgres (got \"" + v.backend + "\")");
  if (v.backend == "postgres")
    check_postgres(v, problems);
  else if (!v.cluster_nodes.empty())
    for (auto& p : model::node_list_problems(v.cluster_nodes, v.cluster_self))
      problems.push_back(std::move(p));
  else if (!v.cluster_self.empty())
    problems.push_back("option cluster.self is set but cluster.nodes is empty (and store.backend is "
                       "not postgres)");
  if (!v.cluster_advertise_http.empty())
    if (auto parsed = model::parse_node(v.cluster_advertise_http); !parsed)
      problems.push_back("option cluster.advertise-http: " + parsed.detail());
  if (v.backend == "sqlite" && v.writers > 1)
    problems.push_back("option store.writers must be 0 or 1 with store.backend=sqlite (SQLite "
                       "has one writer)");
  at_most<std::size_t>(problems, "store.writers", v.writers, 64);
  at_least<std::size_t>(problems, "store.idempotency-ttl-s", v.idempotency_ttl_s, 1);
  at_most<std::size_t>(problems, "store.idempotency-ttl-s", v.idempotency_ttl_s, 315360000);
}

} // namespace

bool clustered(const server_config& v) {
  return v.backend == "postgres" || !v.cluster_nodes.empty();
}

std::string advertised_http(const server_config& v, int bound_port) {
  if (!v.cluster_advertise_http.empty())
    return v.cluster_advertise_http;
  auto self = model::parse_node(v.cluster_self);
  return self ? self.value().host + ":" + std::to_string(bound_port) : std::string{};
}

app_config::app_config() {
  auto& v = values;
  opt_group{custom_options_, "global"}
    .add(v.host, "host", "address to listen on (default 0.0.0.0)")
    .add(v.port, "port", "TCP port (default 8000; 0 picks a free port)")
    .add(v.data_dir, "data-dir", "directory of the store (default ./data)");
  opt_group{custom_options_, "http"}
    .add(v.loops, "loops",
         "epoll loops owning the connections; loop i runs on scheduler thread i between its "
         "actors (loops past scheduler.max-threads get threads of their own); 0: one per "
         "scheduler thread (0)")
    .add(v.compute_threads, "compute-threads",
         "threads for /plot pages and bodies of a megabyte or more, off the loops (2)")
    .add(v.spin_us, "spin-us",
         "while requests wait on actors, a loop polls this long for their replies before it "
         "blocks (50; 0 never polls)")
    .add(v.old_threads, "threads", "no longer used: no thread waits on actors (ignored)")
    .add(v.old_fit_threads, "fit-threads", "no longer used: no thread waits on the store (ignored)")
    .add(v.max_connections, "max-connections", "open connections; more are closed at once (16384)")
    .add(v.keepalive_max_requests, "keepalive-max-requests", "requests per connection, then close; 0 unlimited (0)")
    .add(v.keepalive_timeout_s, "keepalive-timeout-s", "idle connections close after this (75)")
    .add(v.max_body_bytes, "max-body-bytes", "largest request body, else 413 (16 MiB)")
    .add(v.max_request_line_bytes, "max-request-line-bytes", "longest request line, else 414 (8192)")
    .add(v.max_header_bytes, "max-header-bytes", "largest header section, else 431 (32768)")
    .add(v.backlog, "backlog", "listen backlog (1024)")
    .add(v.read_timeout_s, "read-timeout-s", "a request must be complete this long after its first byte, else 408 (60)")
    .add(v.write_timeout_s, "write-timeout-s", "drop clients not reading this long (60)")
    .add(v.request_timeout_ms, "request-timeout-ms", "deadline of fits and predicts, then 503 (30000)")
    .add(v.access_log, "access-log", "off | errors | all (off)")
    .add(v.max_in_flight, "max-in-flight",
         "requests waiting on actors or the compute pool at once; more get 503 (4096)")
    .add(v.max_in_flight_fits, "max-in-flight-fits", "fits among them; more get 503 (1024)")
    .add(v.max_in_flight_bytes, "max-in-flight-bytes", "their request bytes; more get 503 (256 MiB)")
    .add(v.drain_grace_ms, "drain-grace-ms", "on SIGTERM, readiness 503 this long first (0)")
    .add(v.drain_timeout_ms, "drain-timeout-ms", "on SIGTERM, longest wait for in-flight (30000)");
  opt_group{custom_options_, "server"}
    .add(v.router_shards, "router-shards", "router shard actors (4)")
    .add(v.min_training_points, "min-training-points", "fewest points a fit accepts (3)")
    .add(v.max_active_series, "max-active-series", "series actors kept in memory (100000)")
    .add(v.idle_timeout_s, "idle-timeout-s", "idle series leave memory after this; 0 never (600)")
    .add(v.park_after_ms, "park-after-ms",
         "idle series are parked after this: their actor exits, their versions stay in memory "
         "and the next request starts a new actor without a store read; 0 never, else at least "
         "2000; not with store.backend=postgres (2000)")
    .add(v.checkpoint_points, "checkpoint-points",
         "online detectors save their learning every this many points (100)")
    .add(v.checkpoint_interval_ms, "checkpoint-interval-ms",
         "... or at the first point after this long (5000)")
    .add(v.default_detector, "default-detector",
         "the detector of fits that name none, as a fit's \"detector\" JSON, e.g. "
         "{\"type\":\"range\"} (empty: the contract's rule)")
    .add(v.series_ttl_s, "series-ttl-s",
         "delete a series with no fit and no predict for this many seconds (0: never)");
  opt_group{custom_options_, "auth"}
    .add(v.tokens_file, "tokens-file",
         "file of tokens and their scopes, one '<scope> sha256:<hex>' a line (empty: no "
         "tokens, anyone who reaches the port may write)");
  opt_group{custom_options_, "tls"}
    .add(v.tls_cert_file, "cert-file",
         "PEM certificate chain, leaf first: the port speaks only HTTPS (TLS 1.2 or newer); "
         "with tls.key-file; SIGHUP reloads both (empty: plain HTTP)")
    .add(v.tls_key_file, "key-file", "PEM private key of tls.cert-file, without a passphrase")
    .add(v.tls_client_ca_file, "client-ca-file",
         "PEM CAs that clients' certificates must chain to; clients without one are refused "
         "(empty: no client certificate asked)")
    .add(v.tls_handshake_timeout_ms, "handshake-timeout-ms",
         "a TLS handshake not finished this long after the connection was accepted closes it "
         "(10000)");
  opt_group{custom_options_, "store"}
    .add(v.backend, "backend", "sqlite, one node's file, or postgres, a database shared by a "
                               "cluster (sqlite)")
    .add(v.postgres, "postgres", "libpq connection string of the shared database, e.g. "
                                 "'host=db port=5432 dbname=models user=model_server'")
    .add(v.postgres_timeout_ms, "postgres-timeout-ms",
         "longest wait for one round trip to PostgreSQL (10000)")
    .add(v.idempotency_ttl_s, "idempotency-ttl-s",
         "a fit's Idempotency-Key is remembered this long (86400)")
    .add(v.store_file, "file", "SQLite file inside data-dir (models.db)")
    .add(v.sync, "sync", "full (fsync every commit) | normal (full)")
    .add(v.batch_max, "batch-max", "most fits per transaction (256)")
    .add(v.batch_max_bytes, "batch-max-bytes", "most training-point bytes per transaction (64 MiB)")
    .add(v.readers, "readers", "read-only store connections (2)")
    .add(v.writers, "writers", "postgres: connections committing fits at once, each series always "
                               "on the same one (0: one per two cores, at least one; sqlite has "
                               "one)")
    .add(v.max_versions_per_series, "max-versions-per-series",
         "newest versions kept per series; older ones are deleted by the fit past it (0: all)")
    .add(v.max_series, "max-series",
         "fits of a new series get 507 once the store holds this many series (0: no limit)");
  opt_group{custom_options_, "cluster"}
    .add(v.cluster_nodes, "nodes", "node-to-node host:port of every node, the same list on all "
                                   "(empty: one node)")
    .add(v.cluster_self, "self", "this node's node-to-node host:port, its entry in cluster.nodes "
                                 "(empty: no cluster)")
    .add(v.cluster_advertise_http, "advertise-http",
         "HTTP host:port clients reach this node at (empty: cluster.self's host and --port)")
    .add(v.cluster_lease_ms, "lease-ms", "postgres: a member silent this long is evicted (3000)")
    .add(v.cluster_renew_ms, "renew-ms", "postgres: members renew their lease this often (1000)")
    .add(v.cluster_fence_margin_ms, "fence-margin-ms",
         "postgres: a node serves until lease - margin after its last renewal (500)")
    .add(v.cluster_handoff_wait_ms, "handoff-wait-ms",
         "postgres: longest wait for a live holder to hand a series off (5000)")
    .add(v.cluster_heartbeat_ms, "heartbeat-interval-ms", "heartbeat between nodes (500)")
    .add(v.cluster_connection_timeout_ms, "connection-timeout-ms",
         "a peer silent this long is down (2000)")
    .add(v.cluster_reconnect_max_ms, "reconnect-max-ms", "reconnect back-off cap (2000)")
    .add(v.cluster_peer_timeout_ms, "peer-timeout-ms",
         "/healthcheck's wait for a peer's series count (250)")
    .add(v.cluster_cert_file, "cert-file",
         "this node's PEM certificate: node-to-node links use mutual TLS, and only nodes with a "
         "certificate from cluster.ca-file join (empty: plain links)")
    .add(v.cluster_key_file, "key-file", "PEM private key of cluster.cert-file, no passphrase")
    .add(v.cluster_ca_file, "ca-file", "PEM CA that every node's certificate must chain to");
  // Work stealing, one thread per core, polling only aggressively before it
  // sleeps: under load a worker finds the loops' requests without a wake-up
  // (no lock or condition variable per message, as work sharing has); idle, it
  // sleeps on a condition variable that the next request signals (work
  // stealing's default 50 us naps added 50-110 us per round trip at low load).
  // Both stay overridable. Its workers also run the HTTP loops between their
  // actors (http/server/hosting.hpp); scheduler.policy=sharing is CAF's work
  // sharing instead, with the loops on threads of their own.
  set("scheduler.policy", caf::atom("stealing"));
  set("work-stealing.moderate-poll-attempts", std::size_t{0});
  set("scheduler.max-threads", std::max(2u, std::thread::hardware_concurrency()));
  use_hosting_scheduler(*this); // the HTTP loops run on its workers (http/server/hosting.hpp)
  add_message_types<caf::id_block::model_server>();
}

bool app_config::declares(const std::string& name) const {
  return custom_options_.qualified_name_lookup(name) != nullptr;
}

std::vector<std::string> check_ranges(const server_config& v) {
  std::vector<std::string> problems;
  at_most<std::size_t>(problems, "http.loops", v.loops, 64);
  at_most<std::size_t>(problems, "http.spin-us", v.spin_us, 10000);
  at_least<std::size_t>(problems, "http.compute-threads", v.compute_threads, 1);
  at_most<std::size_t>(problems, "http.compute-threads", v.compute_threads, 256);
  at_least<std::size_t>(problems, "http.max-connections", v.max_connections, 1);
  at_most<std::size_t>(problems, "http.max-connections", v.max_connections, 1000000);
  at_most<std::size_t>(problems, "http.keepalive-max-requests", v.keepalive_max_requests,
                       1000000000);
  at_least<std::size_t>(problems, "http.keepalive-timeout-s", v.keepalive_timeout_s, 1);
  at_most<std::size_t>(problems, "http.keepalive-timeout-s", v.keepalive_timeout_s, 86400);
  at_least<std::size_t>(problems, "http.max-body-bytes", v.max_body_bytes, 64);
  at_most<std::size_t>(problems, "http.max-body-bytes", v.max_body_bytes, std::size_t{1} << 30);
  at_least<std::size_t>(problems, "http.max-request-line-bytes", v.max_request_line_bytes, 64);
  // cpp-httplib parses at most 8,192 bytes of request line (and of each header line).
  at_most<std::size_t>(problems, "http.max-request-line-bytes", v.max_request_line_bytes, 8192);
  at_least<std::size_t>(problems, "http.max-header-bytes", v.max_header_bytes, 256);
  at_most<std::size_t>(problems, "http.max-header-bytes", v.max_header_bytes, 1u << 20);
  at_least<std::size_t>(problems, "http.backlog", v.backlog, 1);
  at_most<std::size_t>(problems, "http.backlog", v.backlog, 65535);
  at_least<std::size_t>(problems, "http.read-timeout-s", v.read_timeout_s, 1);
  at_most<std::size_t>(problems, "http.read-timeout-s", v.read_timeout_s, 86400);
  at_least<std::size_t>(problems, "http.write-timeout-s", v.write_timeout_s, 1);
  at_most<std::size_t>(problems, "http.write-timeout-s", v.write_timeout_s, 86400);
  at_least<std::size_t>(problems, "http.request-timeout-ms", v.request_timeout_ms, 1);
  at_most<std::size_t>(problems, "http.request-timeout-ms", v.request_timeout_ms, 86400000);
  at_least<std::size_t>(problems, "http.max-in-flight", v.max_in_flight, 1);
  at_most<std::size_t>(problems, "http.max-in-flight", v.max_in_flight, 1000000);
  at_least<std::size_t>(problems, "http.max-in-flight-fits", v.max_in_flight_fits, 1);
  at_least<std::size_t>(problems, "http.max-in-flight-bytes", v.max_in_flight_bytes, 1u << 16);
  at_most<std::size_t>(problems, "http.max-in-flight-bytes", v.max_in_flight_bytes,
                       std::size_t{64} << 30);
  at_most<std::size_t>(problems, "http.max-in-flight-fits", v.max_in_flight_fits, 1000000);
  at_most<std::size_t>(problems, "http.drain-grace-ms", v.drain_grace_ms, 86400000);
  at_least<std::size_t>(problems, "http.drain-timeout-ms", v.drain_timeout_ms, 1);
  at_most<std::size_t>(problems, "http.drain-timeout-ms", v.drain_timeout_ms, 86400000);
  at_least<std::size_t>(problems, "server.router-shards", v.router_shards, 1);
  at_most<std::size_t>(problems, "server.router-shards", v.router_shards, 1024);
  at_least<std::size_t>(problems, "server.min-training-points", v.min_training_points, 2);
  at_most<std::size_t>(problems, "server.min-training-points", v.min_training_points, 1000000);
  at_least<std::size_t>(problems, "server.max-active-series", v.max_active_series, 1);
  at_most<std::size_t>(problems, "server.max-active-series", v.max_active_series, 100000000);
  at_most<std::size_t>(problems, "server.idle-timeout-s", v.idle_timeout_s, 31536000);
  // Series in use past their shard are touched once a second: parking sooner
  // would stop actors in use.
  if (v.park_after_ms != 0 && v.park_after_ms < 2000)
    problems.push_back("option server.park-after-ms must be 0 (never park) or at least 2000 (got "
                       + std::to_string(v.park_after_ms) + ")");
  at_most<std::size_t>(problems, "server.park-after-ms", v.park_after_ms, 86400000);
  at_least<std::size_t>(problems, "server.checkpoint-points", v.checkpoint_points, 1);
  at_most<std::size_t>(problems, "server.checkpoint-points", v.checkpoint_points, 1000000000);
  at_least<std::size_t>(problems, "server.checkpoint-interval-ms", v.checkpoint_interval_ms, 10);
  at_most<std::size_t>(problems, "server.checkpoint-interval-ms", v.checkpoint_interval_ms,
                       86400000);
  at_least<std::size_t>(problems, "store.batch-max", v.batch_max, 1);
  at_most<std::size_t>(problems, "store.batch-max", v.batch_max, 100000);
  at_least<std::size_t>(problems, "store.batch-max-bytes", v.batch_max_bytes, 1u << 20);
  at_most<std::size_t>(problems, "store.batch-max-bytes", v.batch_max_bytes, std::size_t{4} << 30);
  at_least<std::size_t>(problems, "store.readers", v.readers, 1);
  at_most<std::size_t>(problems, "store.readers", v.readers, 64);
  at_most<std::size_t>(problems, "store.max-versions-per-series", v.max_versions_per_series,
                       100000000);
  at_most<std::size_t>(problems, "store.max-series", v.max_series, 1000000000);
  at_most<std::size_t>(problems, "server.series-ttl-s", v.series_ttl_s, 3153600000);
  if (!v.tokens_file.empty())
    if (auto tokens = auth::read_tokens_file(v.tokens_file); !tokens)
      problems.push_back("option auth.tokens-file: " + tokens.detail());
  if (v.access_log != "off" && v.access_log != "errors" && v.access_log != "all")
    problems.push_back("option http.access-log must be off, errors or all (got \"" + v.access_log
                       + "\")");
  if (v.sync != "full" && v.sync != "normal")
    problems.push_back("option store.sync must be full or normal (got \"" + v.sync + "\")");
  at_least<std::size_t>(problems, "cluster.heartbeat-interval-ms", v.cluster_heartbeat_ms, 10);
  at_most<std::size_t>(problems, "cluster.heartbeat-interval-ms", v.cluster_heartbeat_ms, 60000);
  at_least<std::size_t>(problems, "cluster.connection-timeout-ms",
                        v.cluster_connection_timeout_ms, 2 * v.cluster_heartbeat_ms);
  at_most<std::size_t>(problems, "cluster.connection-timeout-ms",
                       v.cluster_connection_timeout_ms, 600000);
  at_least<std::size_t>(problems, "cluster.reconnect-max-ms", v.cluster_reconnect_max_ms, 100);
  at_most<std::size_t>(problems, "cluster.reconnect-max-ms", v.cluster_reconnect_max_ms, 600000);
  at_least<std::size_t>(problems, "cluster.peer-timeout-ms", v.cluster_peer_timeout_ms, 1);
  at_most<std::size_t>(problems, "cluster.peer-timeout-ms", v.cluster_peer_timeout_ms, 10000);
  check_cluster(v, problems);
  if (!v.default_detector.empty())
    if (auto d = decode_detector(v.default_detector); !d)
      problems.push_back("option server.default-detector is not a detector: " + d.detail());
  for (auto& p : check_tls(v))
    problems.push_back(std::move(p));
  if (v.host.empty())
    problems.push_back("option host must not be empty");
  if (v.data_dir.empty())
    problems.push_back("option data-dir must not be empty");
  if (v.store_file.empty() || v.store_file.find('/') != std::string::npos)
    problems.push_back("option store.file must be a file name without '/'");
  return problems;
}

std::vector<std::string> deprecation_notices(const server_config& v) {
  std::vector<std::string> out;
  if (v.old_threads != 0)
    out.push_back("option http.threads is no longer used (requests wait on actors without a "
                  "thread); it is ignored");
  if (v.old_fit_threads != 0)
    out.push_back("option http.fit-threads is no longer used (fits wait on the store without a "
                  "thread); it is ignored");
  return out;
}

void enable_cluster(app_config& cfg) {
  const auto& v = cfg.values;
  // Static mode: only nodes configured with the same list accept each
  // other's handshake. PostgreSQL mode: membership is the database's.
  cfg.set("middleman.app-identifiers",
          std::vector<std::string>{v.backend == "postgres"
                                     ? std::string{"model_server/postgres/1"}
                                     : model::cluster_identifier(v.cluster_nodes)});
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::milliseconds{v.cluster_heartbeat_ms}});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::milliseconds{v.cluster_connection_timeout_ms}});
  cfg.load<caf::io::middleman>();
  enable_cluster_tls(cfg);
}

std::vector<std::string> load_config(app_config& cfg, int argc, char** argv) {
  if (auto err = cfg.parse(argc, argv))
    return {"invalid configuration: " + caf::actor_system_config::render(err)};
  std::vector<std::string> problems;
  check_file_values(cfg, problems);
  check_known(cfg, cfg.content, "", problems);
  for (auto& p : check_ranges(cfg.values))
    problems.push_back(std::move(p));
  if (problems.empty() && clustered(cfg.values))
    enable_cluster(cfg);
  return problems;
}

listener_settings listener_of(const server_config& v) {
  return {v.host,       v.port, v.backlog, v.max_body_bytes, v.access_log, v.keepalive_timeout_s,
          v.keepalive_max_requests};
}

front_end_settings front_end_of(const server_config& v) {
  front_end_settings f;
  f.loops = v.loops;
  f.compute_threads = v.compute_threads;
  f.spin = std::chrono::microseconds{v.spin_us};
  f.max_connections = v.max_connections;
  f.max_in_flight = v.max_in_flight;
  f.max_in_flight_fits = v.max_in_flight_fits;
  f.max_in_flight_bytes = v.max_in_flight_bytes;
  f.keepalive_max_requests = v.keepalive_max_requests;
  f.keepalive_timeout = std::chrono::seconds(v.keepalive_timeout_s);
  f.read_timeout = std::chrono::seconds(v.read_timeout_s);
  f.write_timeout = std::chrono::seconds(v.write_timeout_s);
  f.limits = {v.max_request_line_bytes, v.max_header_bytes, v.max_body_bytes};
  f.access_log = v.access_log;
  f.handshake_timeout = std::chrono::milliseconds{v.tls_handshake_timeout_ms};
  return f;
}

api_settings api_of(const server_config& v) {
  api_settings a;
  a.request_timeout = std::chrono::milliseconds{v.request_timeout_ms};
  a.shared_store = v.backend == "postgres";
  return a;
}

actors::actors_settings actors_of(const server_config& v) {
  actors::actors_settings a;
  a.postgres = v.backend == "postgres";
  a.pg.conninfo = v.postgres;
  a.pg.timeout = std::chrono::milliseconds{v.postgres_timeout_ms};
  a.pg.connect_timeout = std::chrono::milliseconds{std::min<std::size_t>(v.postgres_timeout_ms, 5000)};
  a.key_ttl = std::chrono::seconds{v.idempotency_ttl_s};
  a.store_path = v.data_dir + "/" + v.store_file;
  a.sync = v.sync == "normal" ? model::sync_mode::normal : model::sync_mode::full;
  a.store_batch_max = v.batch_max;
  a.store_batch_max_bytes = v.batch_max_bytes;
  a.store_readers = v.readers;
  // One PostgreSQL backend per writer, each CPU-bound on its fits' statements:
  // with the server on the same cores, more writers than half the cores only
  // contend (on 2 cores one writer commits ~15% more fits/s than four).
  a.store_writers = v.writers == 0
                      ? std::max<std::size_t>(1, std::thread::hardware_concurrency() / 2)
                      : v.writers;
  a.router_shards = v.router_shards;
  a.min_training_points = v.min_training_points;
  a.max_active_series = v.max_active_series;
  a.idle_timeout_s = v.idle_timeout_s;
  a.park_after_ms = v.park_after_ms;
  a.checkpoint_points = v.checkpoint_points;
  a.checkpoint_interval = std::chrono::milliseconds{v.checkpoint_interval_ms};
  if (!v.default_detector.empty())
    if (auto d = decode_detector(v.default_detector))
      a.default_detector = d.value();
  a.default_detector.server_default = false;
  a.test_commit_delay = std::chrono::milliseconds{v.test_commit_delay_ms};
  a.test_max_pages = v.test_max_pages;
  a.max_versions_per_series = v.max_versions_per_series;
  a.max_series = v.max_series;
  a.series_ttl = std::chrono::seconds{v.series_ttl_s};
  a.backup_dir = v.data_dir + "/backups";
  a.cluster.nodes = v.cluster_nodes;
  a.cluster.self = v.cluster_self;
  a.cluster.read_wait = std::chrono::milliseconds{v.request_timeout_ms + 1000};
  a.cluster.connect_timeout = std::chrono::milliseconds{v.cluster_connection_timeout_ms};
  a.cluster.count_timeout = std::chrono::milliseconds{v.cluster_peer_timeout_ms};
  a.cluster.backoff_max = std::chrono::milliseconds{v.cluster_reconnect_max_ms};
  a.cluster.tls = !v.cluster_cert_file.empty();
  a.cluster.postgres = a.postgres;
  a.cluster.http = advertised_http(v, v.port);
  a.cluster.lease = std::chrono::milliseconds{v.cluster_lease_ms};
  a.cluster.renew_every = std::chrono::milliseconds{v.cluster_renew_ms};
  a.cluster.fence_margin = std::chrono::milliseconds{v.cluster_fence_margin_ms};
  a.cluster.handoff_wait = std::chrono::milliseconds{v.cluster_handoff_wait_ms};
  return a;
}

} // namespace http
