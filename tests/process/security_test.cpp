// The model_server binary as a child process: what it says at start about
// tokens, SIGHUP reloading them on open connections, --hash-token, the new
// options' validation, and scripts/backup against a serving process.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

#include "http/auth/tokens.hpp"
#include "tests/support.hpp"

namespace {

using testing::run_shell;
using testing::server_binary;

const char* const json = "application/json";

std::string token_line(const std::string& token, http::auth::scope s) {
  return http::auth::token_line(token, s).value();
}

const std::string alice = "alice-token-0123456789abcdef";
const std::string bob = "bob-token-0123456789abcdef00";

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

} // namespace

TEST_CASE("process: without a tokens file, the start says in one line that anyone may write") {
  testing::temp_dir dir;
  testing::child_server s{dir.path + "/data"};
  REQUIRE(s.port > 0);
  auto log = s.log();
  auto line = log.substr(0, log.find('\n'));
  CHECK(line.find("no auth.tokens-file") != std::string::npos);
  CHECK(line.find("anyone who reaches port " + std::to_string(s.port) + " may read, write and delete")
        != std::string::npos);
}

TEST_CASE("process: SIGHUP reloads the tokens on open connections; a bad file keeps the old ones") {
  testing::temp_dir dir;
  auto file = dir.path + "/tokens";
  std::ofstream{file} << token_line(alice, http::auth::scope::write) << '\n';
  testing::child_server s{dir.path + "/data", {"--auth.tokens-file=" + file}};
  REQUIRE_MESSAGE(s.port > 0, s.log());
  CHECK(s.log().find("tokens from " + file + " are required") != std::string::npos);
  auto c = s.client(); // one keep-alive connection throughout
  CHECK(testing::status_of(c.Post("/fit/a", bearer(alice), testing::fit_body(), json)) == 200);
  CHECK(testing::status_of(c.Post("/fit/a", testing::fit_body(), json)) == 401);
  // Rotation: bob in, alice out.
  std::ofstream{file} << "# rotated\n" << token_line(bob, http::auth::scope::read) << '\n';
  ::kill(s.pid, SIGHUP);
  auto reloaded = [&s](const std::string& what, int count) {
    for (int i = 0; i < 500; ++i) {
      auto log = s.log();
      std::size_t n = 0;
      for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1))
        ++n;
      if (static_cast<int>(n) >= count)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  REQUIRE_MESSAGE(reloaded("auth: reloaded", 1), s.log());
  CHECK(testing::status_of(c.Get("/series/a", bearer(bob))) == 200);
  CHECK(testing::status_of(c.Get("/series/a", bearer(alice))) == 401);
  CHECK(testing::status_of(c.Post("/fit/a", bearer(bob), testing::fit_body(), json)) == 403);
  // A bad file: one log line with the reason; bob still reads.
  std::ofstream{file} << "admin " << alice << '\n';
  ::kill(s.pid, SIGHUP);
  REQUIRE_MESSAGE(reloaded("tokens not reloaded", 1), s.log());
  auto log = s.log();
  auto at = log.find("tokens not reloaded");
  auto line = log.substr(at, log.find('\n', at) - at);
  CHECK(line.find("line 1") != std::string::npos);
  CHECK(line.find(alice) == std::string::npos); // a token in clear text is never logged
  CHECK(testing::status_of(c.Get("/series/a", bearer(bob))) == 200);
  CHECK_MESSAGE(s.stop(SIGTERM) == 0, s.log());
}

TEST_CASE("process: --hash-token prints the tokens-file line of a token read on standard input") {
  auto [status, out] = run_shell("printf '%s\\n' '" + alice + "' | " + server_binary() + " --hash-token=admin");
  CHECK(status == 0);
  CHECK(out == token_line(alice, http::auth::scope::admin) + "\n");
  CHECK(out.find(alice) == std::string::npos);
  auto [read_status, read_out] = run_shell("printf '%s' '" + alice + "' | " + server_binary() + " --hash-token");
  CHECK(read_status == 0);
  CHECK(read_out.rfind("read sha256:", 0) == 0);
  CHECK(run_shell("printf short | " + server_binary() + " --hash-token").first == 2);
  CHECK(run_shell("printf '%s' '" + alice + "' | " + server_binary() + " --hash-token=owner").first == 2);
}

TEST_CASE("process: every new option's bad value stops start-up with status 2, naming it") {
  testing::temp_dir dir;
  std::ofstream{dir.path + "/clear"} << "write " << alice << '\n';
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"--auth.tokens-file=" + dir.path + "/missing", "auth.tokens-file"},
    {"--auth.tokens-file=" + dir.path + "/clear", "auth.tokens-file"},
    {"--store.max-series=many", "store.max-series"},
    {"--store.max-series=2000000000", "store.max-series"},
    {"--store.max-versions-per-series=-3", "store.max-versions-per-series"},
    {"--store.max-versions-per-series=200000000", "store.max-versions-per-series"},
    {"--server.series-ttl-s=soon", "server.series-ttl-s"},
    {"--server.series-ttl-s=9999999999", "server.series-ttl-s"},
  };
  for (const auto& [option, name] : cases) {
    auto [status, out] = run_shell(server_binary() + " --port=0 --data-dir=" + dir.path + "/d '" + option + "'");
    CHECK_MESSAGE(status == 2, option, ": ", out);
    CHECK_MESSAGE(out.find(name) != std::string::npos, option, ": ", out);
  }
}

TEST_CASE("process: scripts/backup copies the store while it serves; a server on the copy answers every acknowledged fit") {
  testing::temp_dir dir;
  auto data = dir.path + "/data";
  std::map<std::pair<std::string, int>, std::chrono::steady_clock::time_point> acked;
  std::mutex mtx;
  std::string said;
  std::chrono::steady_clock::time_point started;
  {
    testing::child_server s{data};
    REQUIRE(s.port > 0);
    std::atomic<bool> go{true};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t)
      clients.emplace_back([&, t] {
        auto c = s.client();
        for (int i = 0; go; ++i) {
          auto id = "k" + std::to_string(t) + "_" + std::to_string(i % 7);
          auto r = c.Post(("/fit/" + id).c_str(), testing::fit_body(40, i), json);
          if (r && r->status == 200) {
            auto now = std::chrono::steady_clock::now();
            std::lock_guard<std::mutex> g{mtx};
            acked[{id, testing::version_in(r->body)}] = now;
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    started = std::chrono::steady_clock::now();
    auto [status, out] = run_shell(std::string{SOURCE_DIR} + "/scripts/backup --data-dir " + data + " "
                             + dir.path + "/copy.db");
    said = out;
    REQUIRE_MESSAGE(status == 0, out);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    go = false;
    for (auto& t : clients)
      t.join();
    CHECK(s.stop(SIGTERM) == 0);
  }
  MESSAGE(said);
  std::system(("mkdir -p " + dir.path + "/restored && cp " + dir.path + "/copy.db " + dir.path
               + "/restored/models.db").c_str());
  testing::child_server r{dir.path + "/restored"};
  REQUIRE_MESSAGE(r.port > 0, r.log());
  auto c = r.client();
  int before = 0;
  for (const auto& [key, at] : acked) {
    if (at >= started)
      continue;
    ++before;
    auto p = c.Post(("/predict/" + key.first + "?version=" + std::to_string(key.second)).c_str(),
                    R"({"timestamp":"1","value":1})", json);
    CHECK_MESSAGE(testing::status_of(p) == 200, key.first, " v", key.second);
  }
  MESSAGE(before, " fits acknowledged before scripts/backup started all answer on the copy");
  CHECK(before > 20);
}
