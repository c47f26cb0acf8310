// Fixtures for the PostgreSQL cluster tests: a private PostgreSQL server, N
// model_server processes sharing it, a mixed fit/predict load that records every
// answer, and the audit of the invariants the database must hold after any
// failure. Plain structs; used by tests/process/pg_*_test.cpp only.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "model/cluster.hpp"
#include "tests/pg_harness.hpp"
#include "tests/support.hpp"

namespace pgtest {

using clock_type = std::chrono::steady_clock;
inline const char* const json = "application/json";

inline double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// The unlabelled metric `name` of the node on `port`, or -1 when unreadable.
inline double metric(int port, const std::string& name) {
  auto c = testing::client_for(port);
  c.set_read_timeout(2, 0);
  c.set_connection_timeout(1, 0);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200)
    return -1;
  auto at = r->body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(r->body.substr(at + name.size() + 2));
}

/// One SQL query's single number (the audit's), or -1 on failure (printed).
inline long long query_number(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  long long out = -1;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
      out = std::stoll(PQgetvalue(r, 0, 0));
    else
      MESSAGE("audit query failed: ", PQresultErrorMessage(r), sql);
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

/// A shared database and the nodes using it.
struct pg_nodes {
  testing::postgres_server pg;
  std::vector<std::string> selfs;                      ///< node-to-node addresses
  std::vector<std::unique_ptr<testing::child_server>> servers;
  std::vector<std::string> options;                    ///< given to every node
  std::map<int, int> store_ports; ///< node -> the port its store.postgres names (a proxy's)

  /// At most `capacity` nodes in all: the vectors never move, so a load may
  /// read the nodes started before it while more are added.
  static constexpr std::size_t capacity = 16;

  explicit pg_nodes(int n, std::vector<std::string> extra = {}) : options(std::move(extra)) {
    selfs.reserve(capacity);
    servers.reserve(capacity);
    for (int i = 0; i < n; ++i)
      add();
  }

  /// Starts one more node (its own node-to-node port).
  int add() {
    REQUIRE(servers.size() < capacity);
    int i = static_cast<int>(servers.size());
    selfs.push_back(testing::free_loopback_address(selfs));
    servers.emplace_back();
    start(i);
    return i;
  }

  void start(int i) {
    std::vector<std::string> args{"--store.backend=postgres",
                                  "--store.postgres="
                                    + pg.conninfo(store_ports.count(i) ? store_ports[i] : -1),
                                  "--cluster.self=" + selfs[i]};
    args.insert(args.end(), options.begin(), options.end());
    servers[i] = std::make_unique<testing::child_server>(pg.dir.path + "/node" + std::to_string(i),
                                                          std::move(args));
    REQUIRE_MESSAGE(servers[i]->port > 0, servers[i]->log());
  }

  int port(int i) const { return servers[i]->port; }
  bool alive(int i) const { return servers[i] && servers[i]->pid > 0; }

  /// The node owning `id` among the nodes `members` (indexes), as the ring does.
  int owner(const std::string& id, const std::vector<int>& members) const {
    std::vector<std::string> nodes;
    for (int i : members)
      nodes.push_back(selfs[i]);
    return members[model::owner_of(id, nodes)];
  }

  /// Waits (up to `seconds`) until every node in `who` serves and counts
  /// `members` members; false if that never happened.
  bool wait_members(const std::vector<int>& who, int members, double seconds = 30) {
    auto start = clock_type::now();
    while (seconds_since(start) < seconds) {
      bool all = true;
      for (int i : who)
        all = all && metric(port(i), "model_server_cluster_members") == members
              && metric(port(i), "model_server_cluster_serving") == 1;
      if (all)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string logs() const {
    std::string out;
    for (std::size_t i = 0; i < servers.size(); ++i)
      if (servers[i])
        out += "--- node " + std::to_string(i) + "\n" + servers[i]->log();
    return out;
  }
};

/// A fit body with `n` points around `base` (n varies, so the audit can tell fits apart).
inline std::string fit_body(int n, double base) {
  return testing::fit_body(n, base);
}

/// Fits and predicts from several threads against random live nodes, with
/// an Idempotency-Key per fit (retried with the same key when the answer is
/// in doubt or lost). Records every acknowledged fit and every status.
struct mixed_load {
  pg_nodes& nodes;
  std::vector<std::string> ids;
  std::atomic<bool> go{true};
  std::vector<std::thread> threads;
  std::mutex mtx;
  struct acked {
    std::string id;
    int version;
    int points;
    std::string key;
  };
  std::vector<acked> fits;                ///< every 200 answer to a fit
  std::map<std::string, std::map<int, int>> statuses; ///< kind -> status -> count
  std::atomic<uint64_t> counter{0};
  std::atomic<int> targets_mask{0};       ///< nodes (bits) the load avoids
  std::size_t targets;                    ///< the load goes to the nodes started before it

  mixed_load(pg_nodes& n, std::vector<std::string> series, unsigned seed)
    : nodes(n), ids(std::move(series)), targets(n.servers.size()) {
    MESSAGE("mixed load seed ", seed);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([this, t, seed] { run(t % 2 == 0, seed + t); });
  }
  ~mixed_load() { stop(); }

  void stop() {
    go = false;
    for (auto& t : threads)
      t.join();
    threads.clear();
  }

  /// Waits (up to `seconds`) until `n` fits were acknowledged.
  bool wait_for_fits(std::size_t n, double seconds = 30) {
    auto start = clock_type::now();
    while (seconds_since(start) < seconds) {
      {
        std::lock_guard<std::mutex> g{mtx};
        if (fits.size() >= n)
          return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  /// Adds a fit acknowledged outside the load, for the audit.
  void record(acked a) {
    std::lock_guard<std::mutex> g{mtx};
    fits.push_back(std::move(a));
  }

  void avoid(int node, bool yes) {
    if (yes)
      targets_mask |= 1 << node;
    else
      targets_mask &= ~(1 << node);
  }

  void count(const char* kind, int status) {
    std::lock_guard<std::mutex> g{mtx};
    ++statuses[kind][status];
  }

  int pick_node(std::mt19937& rng) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      int i = static_cast<int>(rng() % targets);
      if (nodes.alive(i) && !(targets_mask.load() & (1 << i)))
        return i;
    }
    return 0;
  }

  void run(bool fitting, unsigned seed) {
    std::mt19937 rng{seed};
    while (go) {
      const auto& id = ids[rng() % ids.size()];
      int node = pick_node(rng);
      auto client = testing::client_for(nodes.port(node));
      client.set_read_timeout(40, 0);
      client.set_connection_timeout(1, 0);
      if (!fitting) {
        auto r = client.Post(("/predict/" + id).c_str(), R"({"timestamp":"1700000100","value":10.05})", json);
        count("predict", testing::status_of(r));
        continue;
      }
      auto n = counter++;
      int points = 5 + static_cast<int>(n % 7);
      std::string key = "k-" + std::to_string(seed) + "-" + std::to_string(n);
      auto body = fit_body(points, 10 + static_cast<double>(n % 5));
      httplib::Headers h{{"Idempotency-Key", key}};
      for (int attempt = 0; attempt < 4 && go; ++attempt) {
        auto c = testing::client_for(nodes.port(attempt == 0 ? node : pick_node(rng)));
        c.set_read_timeout(40, 0);
        c.set_connection_timeout(1, 0);
        auto r = c.Post(("/fit/" + id).c_str(), h, body, json);
        int s = testing::status_of(r);
        count(attempt == 0 ? "fit" : "fit retry", s);
        if (s == 200) {
          std::lock_guard<std::mutex> g{mtx};
          fits.push_back({id, testing::version_in(r->body), points, key});
          break;
        }
        if (s != 502 && s != 504 && s != -1)
          break; // nothing was done (503) or refused: no retry needed
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }

  std::string summary() {
    std::lock_guard<std::mutex> g{mtx};
    std::string out;
    for (auto& [kind, by] : statuses) {
      out += kind + ":";
      for (auto& [s, n] : by)
        out += " " + std::to_string(s) + "x" + std::to_string(n);
      out += "; ";
    }
    return out;
  }
};

/// The invariants after any failure, checked in the database itself: every
/// acknowledged fit is there with its points; no version was acknowledged
/// twice for different fits; versions are 1..latest without gaps; no two
/// writers wrote one series in the same epoch; epochs never go back as
/// versions go on; no incarnation wrote after it was evicted.
inline void audit(const pg_nodes& nodes, mixed_load& load, const std::string& when) {
  auto conninfo = nodes.pg.conninfo();
  std::vector<mixed_load::acked> fits;
  {
    std::lock_guard<std::mutex> g{load.mtx};
    fits = load.fits;
  }
  std::map<std::pair<std::string, int>, std::string> by_version;
  std::size_t duplicates = 0, lost = 0;
  for (const auto& f : fits) {
    auto [it, fresh] = by_version.emplace(std::make_pair(f.id, f.version), f.key);
    if (!fresh && it->second != f.key)
      ++duplicates;
  }
  // Every acknowledged (series, version) with its point count, in one query.
  std::string values;
  for (const auto& f : fits)
    values += (values.empty() ? "" : ",") + std::string{"('"} + f.id + "',"
              + std::to_string(f.version) + "," + std::to_string(f.points) + ")";
  if (!values.empty())
    lost = static_cast<std::size_t>(query_number(
      conninfo, "SELECT count(*) FROM (VALUES " + values + ") AS a(id, v, n) WHERE NOT EXISTS "
                "(SELECT 1 FROM versions x WHERE x.series_id = a.id AND x.version = a.v "
                "AND x.points_used = a.n)"));
  auto gaps = query_number(conninfo, "SELECT count(*) FROM series s WHERE s.latest_version <> "
                                     "(SELECT count(*) FROM versions v WHERE v.series_id = s.series_id)");
  auto two_writers = query_number(conninfo, "SELECT count(*) FROM (SELECT 1 FROM versions GROUP BY "
                                            "series_id, epoch HAVING count(DISTINCT writer) > 1) x");
  auto backwards = query_number(conninfo, "SELECT count(*) FROM versions a JOIN versions b ON "
                                          "a.series_id = b.series_id AND b.version > a.version "
                                          "AND b.epoch < a.epoch");
  auto after_eviction = query_number(
    conninfo, "SELECT count(*) FROM versions v JOIN member_events e ON e.event = 'evicted' AND "
              "v.writer = e.node || '/' || e.incarnation AND v.written_at > e.at");
  MESSAGE(when, ": ", fits.size(), " acknowledged fits; lost ", lost, ", versions acknowledged "
          "twice ", duplicates, ", series with gaps ", gaps, ", epochs written by two writers ",
          two_writers, ", epochs going back ", backwards, ", writes after eviction ", after_eviction);
  CHECK(lost == 0);
  CHECK(duplicates == 0);
  CHECK(gaps == 0);
  CHECK(two_writers == 0);
  CHECK(backwards == 0);
  CHECK(after_eviction == 0);
}

/// p-th percentile of `xs` (0..100); -1 for none.
inline double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return -1;
  std::sort(xs.begin(), xs.end());
  auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(xs.size() - 1) + 0.5);
  return xs[std::min(i, xs.size() - 1)];
}

} // namespace pgtest
