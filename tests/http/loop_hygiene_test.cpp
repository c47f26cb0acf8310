// What keeps an event loop fair and honest, each provoked: HEAD on routes
// whose answer comes from an actor, limits that match what cpp-httplib can
// parse, refused requests timed like any other, one pipelining client that
// cannot hold a loop, and a log writer that drops rather than blocks.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "http/server/access_log.hpp"
#include "tests/support.hpp"

namespace {

using namespace testing::raw;
using testing::metric;

const char* const json = "application/json";

/// Status line and headers of a raw answer (up to the blank line).
std::string head_of(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n\r\n"));
}

std::string header_value(const std::string& head, const std::string& name) {
  auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos)
    return {};
  at += name.size() + 4;
  return head.substr(at, head.find("\r\n", at) - at);
}

} // namespace

TEST_CASE("loop hygiene: HEAD on a GET route answered by an actor is GET without the body") {
  testing::live_server s;
  REQUIRE(testing::answer(s.client().Post("/fit/h", testing::fit_body(), json)).status == 200);
  for (std::string path : {"/plot?series_id=h", "/series/h", "/series/nope", "/healthcheck"}) {
    CAPTURE(path);
    int get = connect_to(s.svc->port());
    send_text(get, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto got = read_all(get, 30000);
    ::close(get);
    int head = connect_to(s.svc->port());
    send_text(head, "HEAD " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto headed = read_all(head, 30000);
    ::close(head);
    CHECK(headed.substr(0, 12) == got.substr(0, 12)); // the same status
    CHECK(header_value(head_of(headed), "Content-Type") == header_value(head_of(got), "Content-Type"));
    CHECK(header_value(head_of(headed), "Content-Length") == header_value(head_of(got), "Content-Length"));
    CHECK(headed.size() == head_of(headed).size() + 4); // no body
  }
}

TEST_CASE("loop hygiene: a header line or request line past what cpp-httplib parses is refused "
          "by the loop, naming it") {
  testing::live_server s;
  SUBCASE("a 9,000-byte header line, within max-header-bytes, gets 431") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "GET /health/live HTTP/1.1\r\nX-Long: " + std::string(9000, 'x') + "\r\n\r\n");
    auto answer = read_all(fd, 30000);
    CHECK(answer.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(answer.find("header line") != std::string::npos);
    ::close(fd);
  }
  SUBCASE("a request line of 8,192 bytes (CRLF included) is routed; one of 8,193 gets 414") {
    int fd = connect_to(s.svc->port());
    // Connection: close, so that the read ends with the answer, not 30 s later.
    send_text(fd, "GET /" + std::string(8176, 'a') + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(read_all(fd, 30000).rfind("HTTP/1.1 404", 0) == 0);
    ::close(fd);
    fd = connect_to(s.svc->port());
    send_text(fd, "GET /" + std::string(8177, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_all(fd, 30000).rfind("HTTP/1.1 414", 0) == 0);
    ::close(fd);
  }
  CHECK(testing::answer(s.client().Get("/health/live")).status == 200);
}

TEST_CASE("loop hygiene: a request the loop refuses is timed from its first byte, not as 0 us") {
  http::server_config cfg;
  cfg.read_timeout_s = 1;
  testing::live_server slow{cfg};
  int fd = connect_to(slow.svc->port());
  send_text(fd, "POST /predict/x HTTP/1.1\r\nHost: x\r\n"); // never completed: 408 after 1 s
  CHECK(read_all(fd, 30000).rfind("HTTP/1.1 408", 0) == 0);
  ::close(fd);
  auto m = testing::answer(slow.client().Get("/metrics")).body;
  CHECK(metric(m, R"(model_server_request_duration_seconds_count{endpoint="predict"})") == 1);
  CHECK(metric(m, R"(model_server_request_duration_seconds_sum{endpoint="predict"})") >= 0.9);
}

TEST_CASE("loop hygiene: one client pipelining 60,000 requests does not hold a one-loop server") {
  http::server_config cfg;
  cfg.loops = 1;
  testing::live_server s{cfg};
  constexpr int n = 60000;
  int greedy = connect_to(s.svc->port());
  std::string burst;
  for (int i = 0; i < n; ++i)
    burst += "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  std::atomic<int> answered{0};
  std::atomic<bool> started{false};
  auto reader = std::async(std::launch::async, [&] {
    testing::stream_counter ok{"HTTP/1.1 200", {}};
    char buf[65536];
    while (answered < n) {
      auto got = ::recv(greedy, buf, sizeof buf, 0);
      if (got <= 0)
        break;
      answered += ok.feed(buf, static_cast<std::size_t>(got));
      started = true;
    }
  });
  auto writer = std::async(std::launch::async, [&] { send_text(greedy, burst); });
  while (!started)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Another client, once the greedy one is being answered.
  auto c = s.client();
  auto r = testing::answer(c.Get("/health/live"));
  int greedy_answers = answered.load();
  MESSAGE("the other client was answered after ", greedy_answers, " of the greedy client's ", n,
          " answers");
  CHECK(r.status == 200);
  CHECK(greedy_answers < n / 2); // without a budget per wake-up: nearly all of them
  writer.get();
  reader.get();
  CHECK(answered.load() == n);
  ::close(greedy);
}

TEST_CASE("access log: lines the writer cannot keep up with are dropped and counted, never waited for") {
  std::mutex gate;
  std::unique_lock<std::mutex> closed{gate};
  std::promise<void> writing;
  std::atomic<int> written{0};
  std::atomic<uint64_t> dropped{0};
  {
    bool first = true;
    http::access_log log{[&](std::string_view) {
                           if (first) {
                             first = false;
                             writing.set_value();
                           }
                           std::lock_guard<std::mutex> wait{gate}; // a sink that hangs
                           ++written;
                         },
                         2, dropped};
    log.write("one");
    writing.get_future().wait(); // the writer is stuck in the sink with "one"
    for (int i = 0; i < 10; ++i)
      log.write("more"); // two wait in the queue, eight are dropped
    CHECK(dropped.load() == 8);
    closed.unlock();
  } // the destructor writes what is queued
  CHECK(written.load() == 3);
}
