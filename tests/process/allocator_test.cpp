// The model_server binary names the malloc that serves it in its "listening
// on" line. The default build links mimalloc (CMake option MIMALLOC): a
// linker that drops the library (--as-needed) or a malloc loaded ahead of it
// would silently give back glibc's, whose RSS stays at the peak of live
// series actors after they are parked.
#include <doctest/doctest.h>

#include "tests/support.hpp"

TEST_CASE("process: the server names its allocator, mimalloc in the default build") {
  testing::temp_dir dir;
  testing::child_server s{dir.path + "/d"};
  REQUIRE(s.port > 0);
  std::string log = s.log();
  INFO(log);
#ifdef MODEL_SERVER_MIMALLOC
  CHECK(log.find(", allocator mimalloc ") != std::string::npos);
  CHECK(log.find("not serving malloc") == std::string::npos);
#else
  CHECK(log.find(", allocator glibc malloc") != std::string::npos);
#endif
  CHECK(s.stop() == 0);
}
