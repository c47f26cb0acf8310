// tls_idle_client PORT CA N: opens N TLS sessions to 127.0.0.1:PORT (trusting
// CA) and holds them idle for tests/http/tls_test.cpp, in a process of its
// own so that their client ends are not in the test process. It writes to
// standard output, as binary ints: the number of handshakes that succeeded;
// then, after each byte read on standard input, the number of sessions that
// answered 200 to a request sent on each. It exits, closing them all, when its
// standard input closes.
//
// A program, not code run in a forked child of the test: the test process
// has threads, and a child may only call async-signal-safe functions before
// it execs (tests/exec.hpp).
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/tls_support.hpp"

namespace {

void report(int value) {
  if (::write(1, &value, sizeof value) != sizeof value)
    ::_exit(1);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4)
    return 2;
  int port = std::stoi(argv[1]);
  std::string ca = argv[2];
  int n = std::stoi(argv[3]);
  std::vector<std::unique_ptr<testing::tls_socket>> held;
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    held.push_back(std::make_unique<testing::tls_socket>(port, ca));
    ok += held.back()->ok;
  }
  report(ok);
  char go = 0;
  while (::read(0, &go, 1) == 1) {
    for (auto& t : held)
      t->send("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n");
    int answered = 0;
    for (auto& t : held)
      answered += t->read_answer().rfind("HTTP/1.1 200 OK", 0) == 0;
    report(answered);
  }
  return 0; // the sessions close with the process
}
