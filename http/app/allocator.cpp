#include "http/app/allocator.hpp"

#include <cstdlib>

#ifdef MODEL_SERVER_MIMALLOC
#include <mimalloc.h>
#endif

namespace http {

std::string allocator_in_use() {
#ifdef MODEL_SERVER_MIMALLOC
  int v = mi_version(); // e.g. 209: also keeps the library linked under --as-needed
  std::string name = "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10)
                     + "." + std::to_string(v % 10);
  // Linked is not enough: a malloc loaded earlier (LD_PRELOAD) would still win.
  void* probe = std::malloc(64);
  bool ours = mi_is_in_heap_region(probe);
  std::free(probe);
  return ours ? name : "glibc malloc (" + name + " linked but not serving malloc)";
#else
  return "glibc malloc";
#endif
}

} // namespace http
