// libFuzzer target: the whole HTTP request path, in-process. One real server
// (actors, a SQLite store in a temporary directory, the cpp-httplib listener on
// a loopback port) is started once; each input is written as raw bytes to a new
// connection, the write side is shut down, and the answer is read to the end.
// cpp-httplib 0.11.4 has no socketless entry point, so a loopback socket is the
// narrowest way in. Findings: a crash, leak or undefined behaviour in any server
// thread; an answer that is not HTTP; a 5xx other than 503; no answer within
// 10 s (a hang).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support.hpp"

namespace {

testing::live_server& server() {
  static testing::live_server* s = [] {
    http::server_config values;
    values.sync = "normal"; // commits without fsync: more inputs per second
    values.max_body_bytes = 1 << 20;
    values.read_timeout_s = 1;
    return new testing::live_server{values}; // lives until the fuzzer exits
  }();
  return *s;
}

[[noreturn]] void finding(const char* what, const std::string& answer) {
  std::fprintf(stderr, "http_fuzz: %s\n--- answer ---\n%.2000s\n", what, answer.c_str());
  std::abort();
}

/// Sends `input` on a new connection and returns everything the server wrote.
std::string exchange(uint16_t port, const uint8_t* data, std::size_t size) {
  int fd = testing::connect_loopback(port);
  if (fd < 0)
    finding("cannot connect to the server", "");
  // The server may answer and close before reading everything (413, 414):
  // a failed write is not a finding, the answer is.
  for (std::size_t sent = 0; sent < size;) {
    auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) == 0)
      finding("no answer and no close within 10 s", answer);
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break; // closed (or reset after an early answer)
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto answer = exchange(server().svc->port(), data, size);
  if (answer.empty())
    return 0; // the connection closed without a request worth answering
  if (answer.compare(0, 9, "HTTP/1.1 ") != 0 || answer.size() < 12)
    finding("the answer is not HTTP/1.1", answer);
  int status = std::atoi(answer.substr(9, 3).c_str());
  if (status < 100 || (status >= 500 && status != 503))
    finding("status outside 1xx-4xx and 503", answer);
  return 0;
}
