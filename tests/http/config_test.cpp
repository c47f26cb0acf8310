#include <doctest/doctest.h>

#include <fstream>

#include "model/cluster.hpp"
#include "tests/support.hpp"

namespace {

/// Runs load_config on `args` (program name added); returns the problems.
std::vector<std::string> load(std::vector<std::string> args, http::app_config& cfg) {
  args.insert(args.begin(), "model_server");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return http::load_config(cfg, static_cast<int>(argv.size()), argv.data());
}

bool mentions(const std::vector<std::string>& problems, const std::string& needle) {
  for (const auto& p : problems)
    if (p.find(needle) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("config: command line and file fill the typed struct") {
  testing::temp_dir dir;
  auto file = dir.path + "/server.ini";
  std::ofstream{file} << "; comment\n[http]\ncompute-threads=3\naccess-log=\"all\"\n"
                         "[store]\nbatch-max=8\nsync=\"normal\"\n[server]\nrouter-shards=3\n";
  http::app_config cfg;
  auto problems = load({"--config-file=" + file, "--port=9100", "--data-dir=/tmp/x",
                        "--server.min-training-points=5"},
                       cfg);
  CHECK(problems.empty());
  CHECK(cfg.values.port == 9100);
  CHECK(cfg.values.data_dir == "/tmp/x");
  CHECK(cfg.values.compute_threads == 3);
  CHECK(cfg.values.access_log == "all");
  CHECK(cfg.values.batch_max == 8);
  CHECK(cfg.values.sync == "normal");
  CHECK(cfg.values.router_shards == 3);
  CHECK(cfg.values.min_training_points == 5);
  CHECK(http::actors_of(cfg.values).store_path == "/tmp/x/models.db");
}

TEST_CASE("config: the retired thread options are accepted, ignored and named at start-up") {
  http::app_config cfg;
  CHECK(load({"--http.threads=32", "--http.fit-threads=128"}, cfg).empty());
  auto notices = http::deprecation_notices(cfg.values);
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].find("http.threads") != std::string::npos);
  CHECK(notices[1].find("http.fit-threads") != std::string::npos);
  http::app_config plain;
  CHECK(load({}, plain).empty());
  CHECK(http::deprecation_notices(plain.values).empty());
}

TEST_CASE("config: every bad value stops start-up naming the option") {
  http::app_config cfg;
  SUBCASE("wrong type on the command line") {
    CHECK(mentions(load({"--http.threads=abc"}, cfg), "http.threads"));
  }
  SUBCASE("out of range port") { CHECK(mentions(load({"--port=70000"}, cfg), "port")); }
  SUBCASE("unknown option") { CHECK(mentions(load({"--http.thread=4"}, cfg), "http.thread")); }
  SUBCASE("zero compute threads") {
    CHECK(mentions(load({"--http.compute-threads=0"}, cfg), "http.compute-threads"));
  }
  SUBCASE("a request line past what cpp-httplib parses") {
    CHECK(mentions(load({"--http.max-request-line-bytes=8193"}, cfg), "http.max-request-line-bytes"));
  }
  SUBCASE("bad enum") {
    CHECK(mentions(load({"--store.sync=\"sometimes\""}, cfg), "store.sync"));
    CHECK(mentions(load({"--http.access-log=\"loud\""}, cfg), "http.access-log"));
  }
  SUBCASE("parking sooner than series in use are touched") {
    CHECK(mentions(load({"--server.park-after-ms=1000"}, cfg), "server.park-after-ms"));
  }
  SUBCASE("min points below 2") {
    CHECK(mentions(load({"--server.min-training-points=1"}, cfg), "server.min-training-points"));
  }
  SUBCASE("missing config file") {
    CHECK(mentions(load({"--config-file=/nonexistent.ini"}, cfg), "nonexistent.ini"));
  }
}

TEST_CASE("config: wrongly typed and unknown keys in the file are reported") {
  testing::temp_dir dir;
  auto file = dir.path + "/bad.ini";
  std::ofstream{file} << "[http]\nthreads=\"many\"\nthreadz=4\n[stor]\nreaders=2\n";
  http::app_config cfg;
  auto problems = load({"--config-file=" + file}, cfg);
  CHECK(mentions(problems, "http.threads"));
  CHECK(mentions(problems, "line 2"));
  CHECK(mentions(problems, "unknown option http.threadz"));
  CHECK(mentions(problems, "unknown option stor.readers"));
}

TEST_CASE("config: the shipped example file is valid") {
  http::app_config cfg;
  auto problems = load({"--config-file=" + std::string{SOURCE_DIR} + "/scripts/model_server.ini"}, cfg);
  CHECK(problems.empty());
  for (const auto& p : problems)
    MESSAGE(p);
}

TEST_CASE("config: cluster options parse from the command line and the file") {
  testing::temp_dir dir;
  const std::string nodes = R"(["127.0.0.1:7101","127.0.0.1:7102","127.0.0.1:7103"])";
  http::app_config cfg;
  SUBCASE("command line") {
    CHECK(load({"--cluster.nodes=" + nodes, "--cluster.self=\"127.0.0.1:7102\""}, cfg).empty());
  }
  SUBCASE("file") {
    auto file = dir.path + "/cluster.ini";
    std::ofstream{file} << "[cluster]\nnodes=" << nodes << "\nself=\"127.0.0.1:7102\"\n";
    CHECK(load({"--config-file=" + file}, cfg).empty());
  }
  REQUIRE(cfg.values.cluster_nodes.size() == 3);
  CHECK(cfg.values.cluster_self == "127.0.0.1:7102");
  auto a = http::actors_of(cfg.values);
  CHECK(a.cluster.nodes == cfg.values.cluster_nodes);
  CHECK(a.cluster.self == "127.0.0.1:7102");
  // The handshake identifier comes from the list, and heartbeats are on.
  auto ids = caf::get_or(cfg, "middleman.app-identifiers", std::vector<std::string>{});
  REQUIRE(ids.size() == 1);
  CHECK(ids[0] == model::cluster_identifier(cfg.values.cluster_nodes));
  CHECK(caf::get_or(cfg, "middleman.heartbeat-interval", caf::timespan{0})
        == std::chrono::milliseconds(500));
  CHECK(caf::get_or(cfg, "middleman.connection-timeout", caf::timespan{0})
        == std::chrono::milliseconds(2000));
}

TEST_CASE("config: bad cluster options stop start-up naming the option") {
  http::app_config cfg;
  const std::string two = R"(--cluster.nodes=["127.0.0.1:7101","127.0.0.1:7102"])";
  SUBCASE("self missing") { CHECK(mentions(load({two}, cfg), "cluster.self")); }
  SUBCASE("self not in the list") {
    CHECK(mentions(load({two, "--cluster.self=\"127.0.0.1:7109\""}, cfg), "cluster.self"));
  }
  SUBCASE("self without a list") {
    CHECK(mentions(load({"--cluster.self=\"127.0.0.1:7101\""}, cfg), "cluster.nodes"));
  }
  SUBCASE("an entry without a port") {
    CHECK(mentions(load({R"(--cluster.nodes=["127.0.0.1:7101","127.0.0.1"])",
                         "--cluster.self=\"127.0.0.1:7101\""},
                        cfg),
                   "cluster.nodes"));
  }
  SUBCASE("a duplicate entry") {
    CHECK(mentions(load({R"(--cluster.nodes=["h:1","h:1"])", "--cluster.self=\"h:1\""}, cfg),
                   "twice"));
  }
  SUBCASE("heartbeat") {
    CHECK(mentions(load({"--cluster.heartbeat-interval-ms=0"}, cfg),
                   "cluster.heartbeat-interval-ms"));
  }
  SUBCASE("connection timeout under two heartbeats") {
    CHECK(mentions(load({"--cluster.connection-timeout-ms=600"}, cfg),
                   "cluster.connection-timeout-ms"));
  }
  SUBCASE("back-off cap") {
    CHECK(mentions(load({"--cluster.reconnect-max-ms=5"}, cfg), "cluster.reconnect-max-ms"));
  }
  SUBCASE("peer timeout") {
    CHECK(mentions(load({"--cluster.peer-timeout-ms=0"}, cfg), "cluster.peer-timeout-ms"));
  }
  SUBCASE("a list that is not a list of strings") {
    CHECK_FALSE(load({"--cluster.nodes=7"}, cfg).empty());
  }
}

TEST_CASE("config: server.default-detector takes a fit's detector JSON; a bad one names the option") {
  {
    http::app_config cfg;
    CHECK(load({R"(--server.default-detector={"type":"range","window":500})"}, cfg).empty());
    auto d = http::actors_of(cfg.values).default_detector;
    CHECK(std::string{model::name_of(d)} == "range");
    CHECK(model::number_param(d, "window") == 500);
    CHECK_FALSE(d.server_default);
  }
  {
    http::app_config cfg; // the default: the contract's rule
    CHECK(load({}, cfg).empty());
    CHECK(model::is_contract(http::actors_of(cfg.values).default_detector));
  }
  for (const char* bad : {R"(--server.default-detector={"type":"holt"})",
                          R"(--server.default-detector={"type":"range","window":1})",
                          R"(--server.default-detector=range)"}) {
    CAPTURE(bad);
    http::app_config cfg;
    auto problems = load({bad}, cfg);
    CHECK(mentions(problems, "server.default-detector"));
  }
}

TEST_CASE("config: the auth and data-lifecycle options parse, reach the actors, and are validated") {
  testing::temp_dir dir;
  auto tokens = dir.path + "/tokens";
  std::ofstream{tokens} << "write sha256:" << std::string(64, 'a') << "  # a writer\n";
  auto file = dir.path + "/server.ini";
  std::ofstream{file} << "[auth]\ntokens-file=\"" << tokens << "\"\n[store]\nmax-series=10\n"
                      << "max-versions-per-series=5\n[server]\nseries-ttl-s=86400\n";
  http::app_config cfg;
  auto problems = load({"--config-file=" + file, "--data-dir=/tmp/x"}, cfg);
  CHECK(problems.empty());
  CHECK(cfg.values.tokens_file == tokens);
  auto a = http::actors_of(cfg.values);
  CHECK(a.max_series == 10);
  CHECK(a.max_versions_per_series == 5);
  CHECK(a.series_ttl == std::chrono::hours(24));
  CHECK(a.backup_dir == "/tmp/x/backups");
  SUBCASE("bad values") {
    http::app_config bad;
    CHECK(mentions(load({"--store.max-series=lots"}, bad), "store.max-series"));
    http::app_config bad2;
    CHECK(mentions(load({"--server.series-ttl-s=4000000000"}, bad2), "server.series-ttl-s"));
    http::app_config bad3;
    CHECK(mentions(load({"--store.max-versions-per-series=100000001"}, bad3),
                   "store.max-versions-per-series"));
    http::app_config bad4;
    std::ofstream{tokens} << "write not-a-digest\n";
    auto why = load({"--auth.tokens-file=" + tokens}, bad4);
    CHECK(mentions(why, "auth.tokens-file"));
    CHECK(mentions(why, "line 1"));
  }
}
