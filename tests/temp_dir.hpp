// A temporary directory for tests of any layer. Plain struct.
#pragma once

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace testing {

/// A fresh directory under /tmp, removed with everything in it at scope end.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/model_server_test_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

} // namespace testing
