#include "actors/system.hpp"

#include "actors/retention.hpp"

namespace actors {

model::expected<runtime, model::store_failure> start(caf::actor_system& sys,
                                                     const actors_settings& cfg) {
  // Open every connection first: a store that cannot be opened spawns nothing.
  auto writer_db = persistence::store::open(cfg.store_path, cfg.sync, false);
  if (!writer_db)
    return model::store_failure{writer_db.detail()};
  writer_db.value()->set_commit_delay_for_tests(cfg.test_commit_delay);
  if (cfg.test_max_pages > 0)
    writer_db.value()->set_max_pages_for_tests(cfg.test_max_pages);
  writer_db.value()->set_limits(cfg.max_versions_per_series, cfg.max_series);
  if (!cfg.cluster.nodes.empty())
    if (auto owned = check_ownership(*writer_db.value(), cfg.cluster); !owned)
      return model::store_failure{owned.detail()};
  auto count = writer_db.value()->series_count();
  if (!count)
    return model::store_failure{count.detail()};
  std::vector<std::unique_ptr<persistence::store>> reader_dbs;
  for (std::size_t i = 0; i < cfg.store_readers; ++i) {
    auto db = persistence::store::open(cfg.store_path, cfg.sync, true);
    if (!db)
      return model::store_failure{db.detail()};
    reader_dbs.push_back(std::move(db.value()));
  }
  auto backup_db = persistence::store::open(cfg.store_path, cfg.sync, true);
  if (!backup_db)
    return model::store_failure{backup_db.detail()};
  runtime rt;
  rt.counters = std::make_shared<store_counters>();
  rt.counters->series = count.value();
  rt.writer = spawn_store_writer(sys, std::move(writer_db.value()), cfg.store_batch_max,
                                 rt.counters, cfg.store_batch_max_bytes);
  for (auto& db : reader_dbs)
    rt.readers.push_back(spawn_store_reader(sys, std::move(db), cfg.checkpoint_interval));
  // A store actor that exits for any reason but a shutdown leaves the store
  // unusable: readiness turns 503 and the process stops (system.hpp).
  auto watch = [counters = rt.counters](const caf::error& reason) {
    if (reason != caf::exit_reason::user_shutdown)
      counters->down = true;
  };
  rt.writer->attach_functor(watch);
  for (auto& reader : rt.readers)
    reader->attach_functor(watch);
  series_settings base{cfg.min_training_points, rt.writer, rt.readers, {},
                       cfg.checkpoint_points, cfg.checkpoint_interval, cfg.default_detector,
                       cfg.max_versions_per_series};
  rt.backup = spawn_store_backup(sys, std::move(backup_db.value()), cfg.backup_dir);
  register_store_backup(sys, rt.backup);
  // The silent-series query asks a reader, found by name (http has no handle).
  register_liveness_reader(sys, rt.readers.front());
  rt.sys = &sys;
  shard_limits limits;
  limits.max_active = (cfg.max_active_series + cfg.router_shards - 1) / cfg.router_shards;
  limits.idle_timeout = std::chrono::seconds(cfg.idle_timeout_s);
  rt.series = std::make_shared<series_counters>();
  std::vector<router_actor> shards;
  for (std::size_t i = 0; i < cfg.router_shards; ++i)
    shards.push_back(spawn_router_shard(sys, base, limits, rt.series));
  cluster_view view;
  if (!cfg.cluster.nodes.empty()) {
    auto parts = start_cluster(sys, cfg.cluster, shards, rt.counters);
    if (!parts) {
      rt.router = std::make_unique<series_router>(std::move(shards));
      stop(rt);
      return model::store_failure{parts.detail()};
    }
    rt.cluster = std::move(parts.value());
    view = rt.cluster.view;
  }
  if (cfg.series_ttl.count() > 0)
    rt.retention = spawn_retention(sys, {cfg.series_ttl, retention_period(cfg.series_ttl)},
                                   rt.readers.front(), shards);
  rt.router = std::make_unique<series_router>(std::move(shards), std::move(view));
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
  for (const auto& link : rt.cluster.links)
    caf::anon_send_exit(link, reason);
  if (rt.cluster.gateway)
    caf::anon_send_exit(rt.cluster.gateway, reason);
  if (rt.router)
    for (const auto& shard : rt.router->shards())
      caf::anon_send_exit(shard, reason);
  caf::anon_send_exit(rt.writer, reason);
  if (rt.backup)
    caf::anon_send_exit(rt.backup, reason);
  for (const auto& reader : rt.readers)
    caf::anon_send_exit(reader, reason);
}

} // namespace actors
