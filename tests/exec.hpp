// The last step of a forked child in the tests: become the program it runs.
//
// The test processes have threads (servers, clients) when they fork, so the
// child may run only async-signal-safe calls until it execs: another thread
// may have held a lock (malloc's, the sanitizers' allocator's, OpenSSL's) at
// the fork, and the child's copy of it is never released. An ASan run of
// tests/http/tls_test.cpp hung that way, its child waiting forever inside the
// sanitizer's allocator. So the argument vector is built before the fork.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

namespace testing {

/// A program and its arguments as execv wants them, built before a fork.
class exec_args {
public:
  explicit exec_args(std::vector<std::string> args) : args_(std::move(args)) {
    for (auto& a : args_)
      argv_.push_back(a.data());
    argv_.push_back(nullptr);
  }
  exec_args(const exec_args&) = delete;
  exec_args& operator=(const exec_args&) = delete;

  /// Replaces this (forked) process by the program; exits with 127, as a
  /// shell does, when it cannot. Async-signal-safe.
  [[noreturn]] void exec_or_exit() const {
    ::execv(argv_[0], argv_.data());
    ::_exit(127);
  }

private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
};

} // namespace testing
