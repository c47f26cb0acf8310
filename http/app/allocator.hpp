// Which malloc serves this process. model_server links mimalloc by default
// (CMake option MIMALLOC): a series actor's memory is freed when the series
// is parked, and mimalloc gives those pages back where glibc's malloc keeps
// them at the peak of live actors (docs/performance.md, "Memory").
#pragma once

#include <string>

namespace http {

/// "mimalloc 2.0.9" when mimalloc serves malloc, "glibc malloc" otherwise,
/// with a reason when mimalloc is linked but another malloc came first.
std::string allocator_in_use();

} // namespace http
