// Hostile clients against the real server: slow-loris, silent connections,
// oversized request lines and headers, lying Content-Length, pipelining and
// abrupt disconnects. Well-behaved clients must keep being served.
#include <doctest/doctest.h>

#include "tests/support.hpp"

namespace {

using namespace testing::raw;

const char* const json = "application/json";

std::string predict_request(bool close = false) {
  std::string body = R"({"timestamp":"1","value":1})";
  return "POST /predict/good HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: "
         + std::to_string(body.size()) + (close ? "\r\nConnection: close" : "") + "\r\n\r\n"
         + body;
}

/// A well-behaved client's predict; returns its latency in ms (-1 on failure).
double good_predict(const testing::live_server& s) {
  auto start = std::chrono::steady_clock::now();
  auto r = s.client().Post("/predict/good", R"({"timestamp":"1","value":1})", json);
  if (!r || r->status != 200)
    return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

http::server_config hostile_config() {
  http::server_config cfg;
  cfg.read_timeout_s = 1;
  cfg.keepalive_timeout_s = 1; // connections that never send a byte close after this
  cfg.max_body_bytes = 64 * 1024;
  return cfg;
}

} // namespace

TEST_CASE("hostile: slow-loris and silent connections do not stop good clients") {
  testing::live_server s{hostile_config()};
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  std::vector<int> slow, silent;
  for (int i = 0; i < 20; ++i)
    slow.push_back(connect_to(s.svc->port()));
  for (int i = 0; i < 20; ++i)
    silent.push_back(connect_to(s.svc->port()));
  std::string head = predict_request();
  double worst = 0;
  for (std::size_t byte = 0; byte < 12; ++byte) { // trickle a byte each 100 ms
    for (int fd : slow)
      send_text(fd, head.substr(byte, 1));
    auto ms = good_predict(s);
    REQUIRE(ms >= 0);
    worst = std::max(worst, ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  MESSAGE("worst good-client latency during the attack: ", worst, " ms");
  // Silent connections are dropped after keepalive-timeout-s (1 s here): resources freed.
  for (int fd : silent) {
    CHECK(closed_within(fd, 30000));
    ::close(fd);
  }
  for (int fd : slow)
    ::close(fd);
}

TEST_CASE("hostile: oversized request lines and headers are refused, the server goes on") {
  testing::live_server s{hostile_config()};
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  SUBCASE("request line of 20 KB") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = read_all(fd, 30000);
    CHECK(reply.rfind("HTTP/1.1 414", 0) == 0);
    ::close(fd);
  }
  SUBCASE("a header of 100 KB") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'b')
                    + "\r\n\r\n");
    auto reply = read_all(fd, 30000);
    CHECK(reply.find(" 200 ") == std::string::npos);
    ::close(fd);
  }
  SUBCASE("Content-Length over max-body-bytes") {
    int fd = connect_to(s.svc->port());
    send_text(fd, "POST /fit/x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n{");
    auto reply = read_all(fd, 30000);
    CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
    ::close(fd);
  }
  CHECK(good_predict(s) >= 0);
}

TEST_CASE("hostile: lying Content-Length and abrupt disconnects free their threads") {
  testing::live_server s{hostile_config()};
  REQUIRE(testing::answer(s.client().Post("/fit/good", testing::fit_body(), json)).status == 200);
  // Promise 1000 bytes, send 10, then go quiet: 408 at the request deadline, then closed.
  int liar = connect_to(s.svc->port());
  send_text(liar, "POST /fit/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"timestam");
  CHECK(read_all(liar, 30000).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(closed_within(liar, 30000));
  ::close(liar);
  // Promise 5 bytes, send more: the rest is read as a (malformed) next request.
  int over = connect_to(s.svc->port());
  send_text(over, "POST /fit/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{\"a\":1}garbage\r\n\r\n");
  auto reply = read_all(over, 30000);
  CHECK(reply.rfind("HTTP/1.1 422", 0) == 0); // "{\"a\":" is not valid JSON
  ::close(over);
  // 200 clients that hang up mid-body.
  for (int i = 0; i < 200; ++i) {
    int fd = connect_to(s.svc->port());
    send_text(fd, "POST /fit/y HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"times");
    ::close(fd);
  }
  for (int i = 0; i < 20; ++i)
    CHECK(good_predict(s) >= 0);
}
