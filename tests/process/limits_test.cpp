// The model_server binary under a low open-file limit: when accept fails
// with EMFILE the loop pauses accepting (as nginx does) instead of spinning,
// counts it, says so once, and accepts again when descriptors are free.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/support.hpp"

namespace {

/// CPU seconds (user + system) the process `pid` has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  std::istringstream fields{text.substr(text.rfind(')') + 2)};
  std::string skip;
  for (int i = 0; i < 11; ++i) // fields 3..13
    fields >> skip;
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

TEST_CASE("process: out of file descriptors, the loop pauses accepting instead of spinning") {
  testing::temp_dir dir;
  testing::child_server s{dir.path + "/d", {"--http.loops=1"}, 64};
  REQUIRE_MESSAGE(s.port > 0, s.log());
  // More connections than descriptors: the kernel completes them all (the
  // backlog), the server cannot accept the rest.
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) {
    int fd = testing::connect_loopback(s.port);
    if (fd >= 0)
      held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double before = cpu_seconds(s.pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  double used = cpu_seconds(s.pid) - before;
  MESSAGE("server CPU over 2 s with accept failing: ", used, " s");
  CHECK(used < 0.5); // a loop spinning on a readable listening socket uses ~2 s
  CHECK(s.log().find("accept failed (Too many open files)") != std::string::npos);
  for (int fd : held)
    ::close(fd);
  // Descriptors free again: new connections are served, and the pause was counted.
  std::string metrics;
  for (int i = 0; i < 100 && metrics.empty(); ++i) {
    auto r = s.client().Get("/metrics");
    if (r && r->status == 200)
      metrics = r->body;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(!metrics.empty());
  CHECK(testing::metric(metrics, "model_server_accept_pauses_total") >= 1);
  CHECK(s.stop(SIGTERM) == 0);
}
