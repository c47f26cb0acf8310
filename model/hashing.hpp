// Stable hashes: the same input gives the same number in every process, run
// and build (unlike std::hash), for routing and ownership.
#pragma once

#include <cstdint>
#include <string_view>

namespace model {

/// FNV-1a 64 of `text`, continuing from `h` (a running hash of several parts).
inline uint64_t fnv1a(std::string_view text, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// splitmix64's finaliser: spreads weak low bits (FNV's) over the whole word.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

} // namespace model
