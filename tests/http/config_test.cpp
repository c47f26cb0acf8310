#include <doctest/doctest.h>

#include <fstream>

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
  std::ofstream{file} << "; comment\n[http]\nthreads=32\naccess-log=\"all\"\n"
                         "[store]\nbatch-max=8\nsync=\"normal\"\n[server]\nrouter-shards=3\n";
  http::app_config cfg;
  auto problems = load({"--config-file=" + file, "--port=9100", "--data-dir=/tmp/x",
                        "--server.min-training-points=5"},
                       cfg);
  CHECK(problems.empty());
  CHECK(cfg.values.port == 9100);
  CHECK(cfg.values.data_dir == "/tmp/x");
  CHECK(cfg.values.threads == 32);
  CHECK(cfg.values.access_log == "all");
  CHECK(cfg.values.batch_max == 8);
  CHECK(cfg.values.sync == "normal");
  CHECK(cfg.values.router_shards == 3);
  CHECK(cfg.values.min_training_points == 5);
  CHECK(http::actors_of(cfg.values).store_path == "/tmp/x/models.db");
}

TEST_CASE("config: every bad value stops start-up naming the option") {
  http::app_config cfg;
  SUBCASE("wrong type on the command line") {
    CHECK(mentions(load({"--http.threads=abc"}, cfg), "http.threads"));
  }
  SUBCASE("out of range port") { CHECK(mentions(load({"--port=70000"}, cfg), "port")); }
  SUBCASE("unknown option") { CHECK(mentions(load({"--http.thread=4"}, cfg), "http.thread")); }
  SUBCASE("zero threads") { CHECK(mentions(load({"--http.threads=0"}, cfg), "http.threads")); }
  SUBCASE("bad enum") {
    CHECK(mentions(load({"--store.sync=\"sometimes\""}, cfg), "store.sync"));
    CHECK(mentions(load({"--http.access-log=\"loud\""}, cfg), "http.access-log"));
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
