// The server's configuration: one typed struct with named defaults, filled by
// CAF from the command line (`--http.loops=4`) and its INI config file
// (`--config-file=FILE`, default `caf-application.ini`), then validated.
// Used once, by main, before anything starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "actors/system.hpp"
#include "http/server/front_end.hpp"
#include "http/api/listener.hpp"
#include "http/api/routes.hpp"

namespace http {

/// Every option, with its default. The README's table lists the same.
struct server_config {
  // [global]: --host, --port, --data-dir
  std::string host = "0.0.0.0";   ///< address to listen on
  uint16_t port = 8000;           ///< TCP port (0 = pick a free one)
  std::string data_dir = "./data";///< directory holding the store; created if missing
  // [http]
  std::size_t loops = 0;                     ///< epoll loops owning the connections; 0: one per scheduler thread
  std::size_t compute_threads = 2;           ///< threads for /plot pages and huge bodies (off the loops)
  std::size_t spin_us = 50;                  ///< a loop polls this long for actors' replies before blocking
  std::size_t old_threads = 0;               ///< http.threads: no longer used (0 = not given)
  std::size_t old_fit_threads = 0;           ///< http.fit-threads: no longer used (0 = not given)
  std::size_t max_connections = 16384;       ///< open connections; past it new ones close at once
  std::size_t keepalive_max_requests = 0;    ///< requests per connection, then close; 0 unlimited
  std::size_t keepalive_timeout_s = 75;      ///< idle connections close after this
  std::size_t max_body_bytes = 16u << 20;    ///< larger bodies get 413
  std::size_t max_request_line_bytes = 8192; ///< longer request lines get 414
  std::size_t max_header_bytes = 32768;      ///< larger header sections get 431
  std::size_t backlog = 1024;                ///< listen(2) backlog
  std::size_t read_timeout_s = 60;           ///< a request must be complete this long after its first byte (408)
  std::size_t write_timeout_s = 60;          ///< a client not reading this long is dropped
  std::size_t request_timeout_ms = 30000;    ///< longest wait for an actor's answer (then 503)
  std::string access_log = "off";            ///< off | errors | all
  std::size_t max_in_flight = 4096;          ///< requests waiting on actors or compute; beyond it 503 at once
  std::size_t max_in_flight_fits = 1024;     ///< fits among them; beyond it 503 at once
  std::size_t max_in_flight_bytes = 256u << 20; ///< their request bytes; beyond it 503 at once
  std::size_t drain_grace_ms = 0;            ///< on SIGTERM: readiness 503 this long first
  std::size_t drain_timeout_ms = 30000;      ///< on SIGTERM: longest wait for in-flight requests
  // [server]
  std::size_t router_shards = 4;       ///< router shard actors (series hashed across them)
  std::size_t min_training_points = 3; ///< fits with fewer points get 422
  std::size_t max_active_series = 100000; ///< series actors kept in memory (LRU beyond)
  std::size_t idle_timeout_s = 600;    ///< series idle this long leave memory (0: never)
  std::size_t park_after_ms = 2000;    ///< series idle this long are parked (0: never)
  std::size_t checkpoint_points = 100; ///< online detectors save their learning every N points
  std::size_t checkpoint_interval_ms = 5000; ///< ... or at the first point after this long
  /// JSON of the detector of fits that name none, as a fit's "detector" takes
  /// it (e.g. {"type":"range"}); empty: the contract's rule.
  std::string default_detector;
  std::size_t series_ttl_s = 0;        ///< a series with no fit and no predict this long is deleted (0: never)
  // [auth]
  std::string tokens_file; ///< tokens with their scopes (http/auth/tokens.hpp); empty: open to anyone
  // [tls]: both files or neither; with them the port speaks only HTTPS
  std::string tls_cert_file;       ///< PEM certificate chain (leaf first); empty: plain HTTP
  std::string tls_key_file;        ///< PEM private key of that certificate, no passphrase
  std::string tls_client_ca_file;  ///< clients must show a certificate from these CAs (empty: none asked)
  std::size_t tls_handshake_timeout_ms = 10000; ///< a handshake not done this long after accept closes
  // [store]
  std::string backend = "sqlite";       ///< sqlite (one node's file) | postgres (shared by a cluster)
  std::string postgres;                 ///< libpq connection string of the shared database
  std::size_t postgres_timeout_ms = 10000; ///< longest wait for one round trip to PostgreSQL
  std::size_t idempotency_ttl_s = 86400; ///< a fit's Idempotency-Key is remembered this long
  std::string store_file = "models.db"; ///< SQLite file name inside data_dir
  std::string sync = "full";            ///< full (fsync per commit) | normal
  std::size_t batch_max = 256;          ///< most fits committed in one transaction
  std::size_t batch_max_bytes = 64u << 20; ///< most training-point bytes in one transaction
  std::size_t readers = 2;              ///< read-only connections for loading series
  std::size_t writers = 0;              ///< postgres: connections committing fits (0: one per router shard)
  std::size_t max_versions_per_series = 0; ///< newest versions kept per series, older pruned at a fit (0: all)
  std::size_t max_series = 0;           ///< a fit of a new series past this many series gets 507 (0: no limit)
  // [cluster]: empty `nodes` and the sqlite backend run a single node
  std::vector<std::string> cluster_nodes;  ///< static mode: node-to-node "host:port" of every node, same on all
  std::string cluster_self;                ///< this node's node-to-node "host:port" (its entry in cluster_nodes)
  std::string cluster_advertise_http;      ///< HTTP "host:port" clients reach this node at ("": cluster.self's host, --port)
  std::size_t cluster_lease_ms = 3000;     ///< postgres: a member silent this long (database clock) is evicted
  std::size_t cluster_renew_ms = 1000;     ///< postgres: a member renews its lease this often
  std::size_t cluster_fence_margin_ms = 500; ///< postgres: a node serves until lease - margin after its last renewal
  std::size_t cluster_handoff_wait_ms = 5000; ///< postgres: longest wait for a live holder to hand a series off
  std::size_t cluster_heartbeat_ms = 500;  ///< heartbeat interval between nodes
  std::size_t cluster_connection_timeout_ms = 2000; ///< no traffic this long: the peer is down
  std::size_t cluster_reconnect_max_ms = 2000;      ///< reconnect back-off cap
  std::size_t cluster_peer_timeout_ms = 250;        ///< /healthcheck's wait for a peer's count
  std::string cluster_cert_file; ///< this node's PEM certificate for mutual TLS between nodes (empty: plain)
  std::string cluster_key_file;  ///< its PEM private key
  std::string cluster_ca_file;   ///< PEM CA every node's certificate must chain to
  // Not an option: a test hook that makes every transaction this slow.
  std::size_t test_commit_delay_ms = 0;
  // Not an option: a test hook that limits the store file to this many pages (a full disk).
  uint64_t test_max_pages = 0;
};

/// CAF's config with the server's options registered.
class app_config : public caf::actor_system_config {
public:
  app_config();
  server_config values;

  /// Whether `name` ("http.threads", "port", "scheduler.max-threads") is an option.
  bool declares(const std::string& name) const;
};

/// Parses `argv` and the config file into `cfg`, then validates every value.
/// Returns one message per problem, each naming the option; empty when valid.
std::vector<std::string> load_config(app_config& cfg, int argc, char** argv);

/// Turns on node-to-node networking for a valid cluster configuration: loads
/// CAF's middleman, with app identifiers derived from the node list (static
/// mode) or the PostgreSQL mode's, and heartbeats. Called by load_config;
/// before the actor_system exists.
void enable_cluster(app_config& cfg);

/// Whether the configuration runs a cluster (a node list, or the postgres backend).
bool clustered(const server_config& v);

/// The HTTP address this node tells clients to use: cluster.advertise-http,
/// or cluster.self's host with `bound_port`.
std::string advertised_http(const server_config& v, int bound_port);

/// Validates values that parsed but may still be out of range.
std::vector<std::string> check_ranges(const server_config& v);

/// Validates the TLS options (config_tls.cpp): both files or neither, files
/// readable, keys matching their certificates, CAs loadable.
std::vector<std::string> check_tls(const server_config& v);

/// Loads CAF's OpenSSL module for mutual TLS between nodes when
/// cluster.cert-file is set (config_tls.cpp). Called by enable_cluster.
void enable_cluster_tls(app_config& cfg);

/// One line per option that is accepted but no longer has an effect.
std::vector<std::string> deprecation_notices(const server_config& v);

listener_settings listener_of(const server_config& v);
front_end_settings front_end_of(const server_config& v);
api_settings api_of(const server_config& v);
actors::actors_settings actors_of(const server_config& v);

} // namespace http
