#include "actors/system.hpp"

#include "actors/persistence/pg_store.hpp"
#include "actors/retention.hpp"

namespace actors {

namespace {

using store_ptr = std::unique_ptr<persistence::store>;

/// The writers' connections, then the readers': all or nothing. SQLite has
/// one writer; PostgreSQL commits on several connections at once (the
/// database groups their commits), each series always on the same one.
model::expected<std::pair<std::vector<store_ptr>, std::vector<store_ptr>>, model::store_failure>
open_stores(const actors_settings& cfg, const std::shared_ptr<persistence::writer_identity>& id) {
  auto open = [&](bool writer, bool first) {
    return cfg.postgres ? persistence::pg_store::open(cfg.pg, id, first)
                        : persistence::store::open(cfg.store_path, cfg.sync, !writer);
  };
  std::vector<store_ptr> writers;
  for (std::size_t i = 0; i < (cfg.postgres ? std::max<std::size_t>(1, cfg.store_writers) : 1); ++i) {
    auto db = open(true, i == 0); // the first creates or upgrades the schema
    if (!db)
      return model::store_failure{db.detail()};
    db.value()->set_commit_delay_for_tests(cfg.test_commit_delay);
    db.value()->set_key_ttl(cfg.key_ttl);
    db.value()->set_limits(cfg.max_versions_per_series, cfg.max_series);
    if (cfg.test_max_pages > 0)
      db.value()->set_max_pages_for_tests(cfg.test_max_pages);
    writers.push_back(std::move(db.value()));
  }
  std::vector<store_ptr> readers;
  for (std::size_t i = 0; i < cfg.store_readers; ++i) {
    auto db = open(false, false);
    if (!db)
      return model::store_failure{db.detail()};
    readers.push_back(std::move(db.value()));
  }
  return std::make_pair(std::move(writers), std::move(readers));
}

/// Every series id of `db` (`count` of them), a page at a time.
model::expected<std::shared_ptr<known_series>, model::store_failure>
read_known_series(persistence::store& db, uint64_t count) {
  auto known = std::make_shared<known_series>(static_cast<std::size_t>(count) * 2);
  auto read = persistence::for_each_series_id(db, [&](const std::string& id) { known->add(id); });
  if (!read)
    return read.error();
  return known;
}

} // namespace

model::expected<runtime, model::store_failure> start(caf::actor_system& sys,
                                                     const actors_settings& cfg) {
  // Open every connection first: a store that cannot be opened spawns nothing.
  runtime rt;
  if (cfg.postgres) {
    rt.identity = std::make_shared<persistence::writer_identity>();
    rt.identity->node = cfg.cluster.self;
  }
  auto dbs = open_stores(cfg, rt.identity);
  if (!dbs)
    return model::store_failure{dbs.detail()};
  auto& writer_dbs = dbs.value().first;
  if (!cfg.postgres && !cfg.cluster.nodes.empty())
    if (auto owned = check_ownership(*writer_dbs.front(), cfg.cluster); !owned)
      return model::store_failure{owned.detail()};
  auto count = writer_dbs.front()->series_count();
  if (!count)
    return model::store_failure{count.detail()};
  // Backups copy an embedded SQLite file; a shared database has pg_dump.
  std::unique_ptr<persistence::store> backup_db;
  if (!cfg.postgres) {
    auto opened = persistence::store::open(cfg.store_path, cfg.sync, true);
    if (!opened)
      return model::store_failure{opened.detail()};
    backup_db = std::move(opened.value());
  }
  rt.counters = std::make_shared<store_counters>();
  rt.counters->series = count.value();
  // A store this process alone writes: its ids are kept (known_series.hpp).
  std::shared_ptr<known_series> known;
  if (!cfg.postgres && !cfg.cluster.enabled()) {
    auto filled = read_known_series(*writer_dbs.front(), count.value());
    if (!filled)
      return model::store_failure{filled.detail()};
    known = std::move(filled.value());
  }
  for (auto& db : writer_dbs)
    rt.writers.push_back(spawn_store_writer(sys, std::move(db), cfg.store_batch_max, rt.counters,
                                            cfg.store_batch_max_bytes, known));
  rt.writer = rt.writers.front();
  for (auto& db : dbs.value().second)
    rt.readers.push_back(spawn_store_reader(sys, std::move(db), cfg.checkpoint_interval));
  // A store actor that exits for any reason but a shutdown leaves the store
  // unusable: readiness turns 503 and the process stops (system.hpp).
  auto watch = [counters = rt.counters](const caf::error& reason) {
    if (reason != caf::exit_reason::user_shutdown)
      counters->down = true;
  };
  for (auto& writer : rt.writers)
    writer->attach_functor(watch);
  for (auto& reader : rt.readers)
    reader->attach_functor(watch);
  if (cfg.postgres || cfg.cluster.enabled()) {
    auto c = cfg.cluster;
    c.postgres = cfg.postgres;
    c.store = cfg.pg;
    c.identity = rt.identity;
    rt.cluster = prepare_cluster(sys, c);
  }
  series_settings base{cfg.min_training_points, rt.writer, rt.readers, {},
                       cfg.checkpoint_points, cfg.checkpoint_interval, cfg.default_detector,
                       rt.cluster.ownership, cfg.max_versions_per_series};
  if (backup_db) {
    rt.backup = spawn_store_backup(sys, std::move(backup_db), cfg.backup_dir);
    register_store_backup(sys, rt.backup);
  }
  // The silent-series query asks a reader, found by name (http has no handle).
  register_liveness_reader(sys, rt.readers.front());
  rt.sys = &sys;
  shard_limits limits;
  limits.max_active = (cfg.max_active_series + cfg.router_shards - 1) / cfg.router_shards;
  limits.idle_timeout = std::chrono::seconds(cfg.idle_timeout_s);
  // Not with a shared store: a series' next actor must claim it and load what
  // other nodes wrote (series_actor.cpp), so parking would be passivating.
  if (!rt.cluster.ownership)
    limits.park_after = std::chrono::milliseconds(cfg.park_after_ms);
  if (rt.cluster.map)
    limits.ring_version = [map = rt.cluster.map] { return map->version(); };
  limits.known = known;
  rt.series = std::make_shared<series_counters>();
  std::vector<router_actor> shards;
  for (std::size_t i = 0; i < cfg.router_shards; ++i) {
    base.writer = rt.writers[i % rt.writers.size()]; // a series always commits on the same one
    shards.push_back(spawn_router_shard(sys, base, limits, rt.series));
  }
  if (rt.cluster.enabled()) {
    auto started = start_cluster(sys, rt.cluster, shards, rt.counters);
    rt.router = std::make_unique<series_router>(std::move(shards), rt.cluster.map,
                                                rt.cluster.refuser);
    if (!started) {
      stop(rt);
      return model::store_failure{started.detail()};
    }
  } else {
    rt.router = std::make_unique<series_router>(std::move(shards));
  }
  // Each node expires the series it owns (all of them on a single node).
  if (cfg.series_ttl.count() > 0)
    rt.retention = spawn_retention(sys, {cfg.series_ttl, retention_period(cfg.series_ttl)},
                                   rt.readers.front(), *rt.router);
  return rt;
}

void stop(runtime& rt) {
  auto reason = caf::exit_reason::user_shutdown;
  if (rt.retention) // first: no expiry starts while the series store their learning
    caf::anon_send_exit(rt.retention, reason);
  if (rt.sys && rt.router && !rt.counters->down.load()) {
    // Every active series stores its learning first: a SIGTERM loses none.
    // The shards flush in parallel; 10 s bound the whole wait.
    caf::scoped_actor self{*rt.sys};
    std::vector<decltype(self->request(rt.router->shards().front(), caf::infinite,
                                       flush_atom::value))>
      asked;
    for (const auto& shard : rt.router->shards())
      asked.push_back(self->request(shard, std::chrono::seconds(10), flush_atom::value));
    for (auto& answer : asked)
      answer.receive([](bool) {}, [](caf::error&) {});
  }
  if (rt.sys) { // the registry's references would keep the system from shutting down
    rt.sys->registry().erase(caf::atom("reader"));
    unregister_store_backup(*rt.sys);
  }
  close_cluster_port(rt.cluster); // first: no peer reconnects to a node that is stopping
  stop_cluster(rt.cluster);
  if (rt.router)
    for (const auto& shard : rt.router->shards())
      caf::anon_send_exit(shard, reason);
  for (const auto& writer : rt.writers)
    caf::anon_send_exit(writer, reason);
  if (rt.backup)
    caf::anon_send_exit(rt.backup, reason);
  for (const auto& reader : rt.readers)
    caf::anon_send_exit(reader, reason);
  leave_cluster(rt.cluster); // last: the others take this node's series over at once
}

} // namespace actors
