// The test runner. Client sockets in the tests write to servers that may be
// killed mid-request (kill -9 cycles, hostile clients); cpp-httplib 0.11.4's
// client sends without MSG_NOSIGNAL and only its Server ignores SIGPIPE, so a
// test process without a Server would die of SIGPIPE instead of seeing the
// write error. The process ignores it once, before any test runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return doctest::Context{argc, argv}.run();
}
