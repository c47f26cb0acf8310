// What this binary was built from: the project's version (CMake's
// project(VERSION)) and the git commit of the tree, captured at build time
// (cmake/build_info.cmake). Pure; callable from any thread.
#pragma once

#include <string_view>

namespace http {

/// The version, e.g. "1.0.0".
std::string_view build_version();

/// The git commit (12 hex digits, "-dirty" when tracked files were changed),
/// or "unknown" when the tree was not a git checkout.
std::string_view build_commit();

} // namespace http
