// libFuzzer target: the whole HTTP request path, in-process. One real server
// (actors, a SQLite store in a temporary directory, the cpp-httplib listener on
// a loopback port) is started once; each input is written as raw bytes to a new
// connection, the write side is shut down, and the answer is read to the end.
// cpp-httplib 0.11.4 has no socketless entry point, so a loopback socket is the
// narrowest way in. Findings: a crash, leak or undefined behaviour in any server
// thread; an answer that is not HTTP; a 5xx other than 503; no answer within
// 10 s (a hang). Built twice: https_fuzz (FUZZ_TLS) sends the same inputs
// inside a TLS session to a server with a certificate (the session ends with
// close_notify where the plain target shuts its write side), so the event
// loop's TLS reads, writes and closes see every input too.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support.hpp"
#ifdef FUZZ_TLS
#include "tests/tls_support.hpp"
#endif

namespace {

#ifdef FUZZ_TLS
testing::pki& pki() {
  static testing::pki* p = [] {
    auto* made = new testing::pki{}; // lives until the fuzzer exits
    made->issue("server", "localhost");
    return made;
  }();
  return *p;
}
#endif

testing::live_server& server() {
  static testing::live_server* s = [] {
    http::server_config values;
    values.sync = "normal"; // commits without fsync: more inputs per second
    values.max_body_bytes = 1 << 20;
    values.read_timeout_s = 1;
#ifdef FUZZ_TLS
    values.tls_cert_file = pki().cert("server");
    values.tls_key_file = pki().key("server");
#endif
    return new testing::live_server{values}; // lives until the fuzzer exits
  }();
  return *s;
}

[[noreturn]] void finding(const char* what, const std::string& answer) {
  std::fprintf(stderr, "http_fuzz: %s\n--- answer ---\n%.2000s\n", what, answer.c_str());
  std::abort();
}

/// Waits up to 10 s for `fd` to be readable; a hang is a finding.
void wait_readable(int fd, const std::string& answer) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) == 0)
    finding("no answer and no close within 10 s", answer);
}

#ifdef FUZZ_TLS
/// As below, inside a TLS session.
std::string exchange(uint16_t port, const uint8_t* data, std::size_t size) {
  testing::tls_socket s{port, pki().ca()};
  if (!s.ok)
    finding("the TLS handshake failed", "");
  std::size_t sent = 0;
  if (size > 0)
    SSL_write_ex(s.ssl, data, size, &sent); // an early answer may cut it short
  SSL_shutdown(s.ssl);                      // close_notify: the end of the input
  std::string answer;
  char buf[8192];
  for (;;) {
    if (SSL_pending(s.ssl) == 0)
      wait_readable(s.fd, answer);
    std::size_t n = 0;
    if (SSL_read_ex(s.ssl, buf, sizeof buf, &n) != 1)
      break; // closed, close_notify, or reset after an early answer
    answer.append(buf, n);
  }
  ERR_clear_error();
  return answer;
}
#else
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
    wait_readable(fd, answer);
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break; // closed (or reset after an early answer)
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}
#endif

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
