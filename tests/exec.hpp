// The last step of a forked child in the tests: become the program it runs.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

namespace testing {

/// Replaces this (forked) process by `args[0]` run with `args`; exits with
/// 127, as a shell does, when it cannot.
[[noreturn]] inline void exec_or_exit(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

} // namespace testing
