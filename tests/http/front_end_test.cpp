// The event-driven front end against the real server on a real socket: idle
// connections hold no thread, limits are answered at once, keep-alive and
// pipelining, and overload that leaves connections usable. Timings are
// printed, never asserted.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>

#include "tests/http/overload_checks.hpp"
#include "tests/support.hpp"

namespace {

using namespace testing::raw;

const char* const json = "application/json";

std::string post_request(const std::string& path, const std::string& body, bool close = false) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         + "Content-Length: " + std::to_string(body.size())
         + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
}

const std::string predict_body = R"({"timestamp":"1","value":1})";

/// The statuses of the responses in `bytes`, in order.
std::vector<int> statuses_in(const std::string& bytes) {
  std::vector<int> out;
  for (auto at = bytes.find("HTTP/1.1 "); at != std::string::npos;
       at = bytes.find("HTTP/1.1 ", at + 1))
    out.push_back(std::stoi(bytes.substr(at + 9, 3)));
  return out;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

} // namespace

TEST_CASE("front end: 2,000 idle connections, and a new client is still answered") {
  testing::raise_open_files(4096); // both ends of each connection are in this process
  testing::live_server s;
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  std::vector<int> idle;
  for (int i = 0; i < 2000; ++i)
    idle.push_back(connect_to(s.svc->port()));
  send_text(idle[0], "GET /health/live HTTP/1.1\r\n\r\n"); // they are all accepted and live
  CHECK(read_response(idle[0]).rfind("HTTP/1.1 200", 0) == 0);
  auto start = std::chrono::steady_clock::now();
  CHECK(testing::answer(s.client().Post("/predict/good", predict_body, json)).status == 200);
  MESSAGE("new client's predict beside 2,000 idle connections: ", ms_since(start), " ms");
  auto metrics = testing::answer(s.client().Get("/metrics")).body;
  auto at = metrics.find("\nmodel_server_open_connections ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stol(metrics.substr(at + 31)) >= 2001); // the idle ones and this client
  for (int fd : idle)
    ::close(fd);
}

TEST_CASE("front end: a burst of connections is spread evenly over the loops, and each is "
          "served") {
  http::server_config cfg;
  cfg.loops = 3;
  testing::live_server s{cfg};
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  auto c = s.client();
  c.set_keep_alive(true); // the metrics reader: one connection throughout
  auto loop_connections = [&c] {
    auto metrics = testing::answer(c.Get("/metrics")).body;
    std::vector<double> per_loop;
    for (int i = 0; i < 3; ++i)
      per_loop.push_back(testing::metric(
        metrics, "model_server_loop_connections{loop=\"" + std::to_string(i) + "\"}"));
    return per_loop;
  };
  auto sum = [](const std::vector<double>& v) { return v[0] + v[1] + v[2]; };
  // Only the reader's connection is open (the fit's has closed).
  REQUIRE(testing::wait_for_metric_at_most(c, "model_server_open_connections", 1));
  // A pool opening its connections at once: without the spreading, the loop
  // that wakes first accepts most of them (2, 8 and 51 in one run), and its
  // clients wait longest.
  std::vector<int> burst;
  for (int i = 0; i < 60; ++i)
    burst.push_back(connect_to(s.svc->port()));
  REQUIRE(testing::wait_for_metric_at_least(c, "model_server_open_connections", 61));
  auto per_loop = loop_connections();
  MESSAGE("connections by loop: ", per_loop[0], " ", per_loop[1], " ", per_loop[2]);
  CHECK(sum(per_loop) == 61);
  // Loops woken together may each choose before the other counts its choice.
  CHECK(*std::max_element(per_loop.begin(), per_loop.end())
          - *std::min_element(per_loop.begin(), per_loop.end())
        <= 2);
  for (int fd : burst)
    send_text(fd, post_request("/predict/good", predict_body, true));
  int ok = 0;
  for (int fd : burst) {
    ok += read_response(fd).rfind("HTTP/1.1 200", 0) == 0;
    ::close(fd);
  }
  CHECK(ok == 60);
  REQUIRE(testing::wait_for_metric_at_most(c, "model_server_open_connections", 1));
  CHECK(sum(loop_connections()) == 1); // a closed connection leaves its loop's count
}

TEST_CASE("front end: slow-loris connections get 408 and a close at the request deadline") {
  http::server_config cfg;
  cfg.read_timeout_s = 1;
  testing::live_server s{cfg};
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(connect_to(s.svc->port()));
    send_text(slow.back(), "POST /predict/good HTTP/1.1\r\nHost: x\r\n");
  }
  // A well-behaved client meanwhile.
  CHECK(testing::answer(s.client().Post("/predict/good", predict_body, json)).status == 200);
  for (int fd : slow) {
    send_text(fd, "X-Slow: 1\r\n"); // still trickling: the deadline counts from the first byte
    auto reply = read_all(fd, 30000);
    CHECK(reply.rfind("HTTP/1.1 408", 0) == 0);
    CHECK(reply.find("read-timeout-s") != std::string::npos);
    ::close(fd);
  }
}

TEST_CASE("front end: oversized request lines, headers and bodies are refused at once") {
  testing::live_server s;
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  SUBCASE("a 64 KiB request line gets 414") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "GET /" + std::string(64 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_all(fd, 30000).rfind("HTTP/1.1 414", 0) == 0);
    ::close(fd);
  }
  SUBCASE("a 64 KiB header gets 431") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b')
                    + "\r\n\r\n");
    CHECK(read_all(fd, 30000).rfind("HTTP/1.1 431", 0) == 0);
    ::close(fd);
  }
  SUBCASE("a Content-Length over the limit gets 413 before the body is sent") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "POST /fit/big HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n");
    CHECK(read_all(fd, 30000).rfind("HTTP/1.1 413", 0) == 0);
    ::close(fd);
  }
  CHECK(testing::answer(s.client().Post("/predict/good", predict_body, json)).status == 200);
}

TEST_CASE("front end: a chunked body over the limit gets 413 and trains nothing") {
  http::server_config cfg;
  cfg.max_body_bytes = 4096;
  testing::live_server s{cfg};
  int fd = connect_to(s.svc->port());
  send_text(fd, "POST /fit/chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk(1000, ' ');
  std::string reply;
  for (int i = 0; i < 10 && reply.empty(); ++i) {
    send_text(fd, "3e8\r\n" + chunk + "\r\n");
    reply = read_all(fd, 200);
  }
  if (reply.empty()) // a slow machine: the answer to the chunks sent is still coming
    reply = read_all(fd, 30000);
  CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
  ::close(fd);
  CHECK(testing::answer(s.client().Get("/series/chunky")).status == 404);
  // The same body in chunks under the limit trains.
  auto body = testing::fit_body();
  int ok = connect_to(s.svc->port());
  send_text(ok, "POST /fit/chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  send_text(ok, std::string{size} + ";ext=1\r\n" + body + "\r\n0\r\nX-Trailer: t\r\n\r\n");
  CHECK(read_response(ok).rfind("HTTP/1.1 200", 0) == 0);
  ::close(ok);
}

TEST_CASE("front end: keep-alive is unlimited and pipelined requests are answered in order") {
  testing::live_server s;
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  SUBCASE("1,000 sequential requests on one connection") {
    int fd = connect_to(s.svc->port());
    int ok = 0;
    for (int i = 0; i < 1000; ++i) {
      send_text(fd, post_request("/predict/good", predict_body));
      auto reply = read_response(fd);
      ok += reply.rfind("HTTP/1.1 200", 0) == 0 && reply.find("Connection: close") == std::string::npos;
    }
    CHECK(ok == 1000);
    ::close(fd);
  }
  SUBCASE("pipelined requests") {
    int fd = connect_to(s.svc->port());
    send_text(fd, post_request("/predict/good", predict_body)
                    + post_request("/predict/nope", predict_body)
                    + "GET /health/live HTTP/1.1\r\n\r\n"
                    + post_request("/predict/good", "{", true));
    auto replies = read_all(fd, 30000);
    CHECK(statuses_in(replies) == std::vector<int>{200, 404, 200, 422});
    CHECK(closed_within(fd, 30000)); // the last one asked for a close
    ::close(fd);
  }
}

TEST_CASE("front end: /fit/a/b and /predict/a/b are unknown paths") {
  testing::live_server s;
  auto c = s.client();
  CHECK(testing::answer(c.Post("/fit/a/b", testing::fit_body(), json)).status == 404);
  CHECK(testing::answer(c.Post("/predict/a/b", predict_body, json)).status == 404);
}

TEST_CASE("front end: fits stalled on the store hold no thread from predicts; overload is 503 "
          "and the connection stays usable") {
  http::server_config cfg;
  cfg.loops = 1; // one loop: were it to wait for a stalled fit, nobody else would be served
  cfg.max_in_flight_fits = 3;
  cfg.request_timeout_ms = 60000;
  testing::live_server s{cfg};
  testing::check_stalled_fits(s, s.dir.path + "/data/models.db");
}

TEST_CASE("front end: request bytes held at the workers are bounded (503 past the budget)") {
  http::server_config cfg;
  cfg.max_in_flight_bytes = 1 << 16;
  testing::live_server s{cfg};
  testing::check_in_flight_bytes(s, s.dir.path + "/data/models.db");
}

TEST_CASE("front end: a socket still open in a forked child after the server closed it sends "
          "the loop no events for the freed connection") {
  // A fork (a sanitizer's symbolizer, a user's helper process) holds a copy
  // of every socket until it execs or exits. Closing the descriptor then does
  // not take the socket out of epoll, so its later events would name a
  // connection the loop has already freed. Run under ASan, this fails as a
  // heap-use-after-free unless the loop removes each socket from epoll itself.
  http::server_config cfg;
  cfg.keepalive_timeout_s = 1;
  testing::live_server s{cfg};
  constexpr int n = 32;
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    fds.push_back(connect_to(s.svc->port()));
    send_text(fds.back(), "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(read_response(fds.back()).rfind("HTTP/1.1 200", 0) == 0); // accepted and served
  }
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) { // holds copies of the server's sockets until the gate closes
    ::close(gate[1]);
    char byte;
    [[maybe_unused]] auto r = ::read(gate[0], &byte, 1);
    ::_exit(0);
  }
  ::close(gate[0]);
  // The idle connections pass the keep-alive timeout and the server closes
  // them. No FIN leaves while the child holds the sockets, so only the
  // server's count of open connections shows it (at most the polling
  // client's own, and one it is closing). Then past the batch of events after
  // which the loop frees them, send on each.
  auto c = s.client();
  REQUIRE(testing::wait_for_metric_at_most(c, "model_server_open_connections", 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int fd : fds)
    send_text(fd, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::close(gate[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (int fd : fds) {
    CHECK(read_all(fd, 2000).empty()); // closed unanswered
    ::close(fd);
  }
  CHECK(testing::answer(s.client().Get("/health/live")).status == 200);
}
