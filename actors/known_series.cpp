#include "actors/known_series.hpp"

#include <algorithm>
#include <functional>
#include <new>

#include "model/hashing.hpp"

namespace actors {

namespace {

/// Bits set per id, and bits per id of a stage's capacity at least: a stage
/// at capacity answers "maybe" for an id it lacks with p ≈ (1 - e^(-7/10))^7,
/// under 1 %.
constexpr unsigned probes = 7;
constexpr std::size_t bits_per_id = 10;
constexpr std::size_t smallest_stage = 65536;

} // namespace

known_series::stage::stage(std::size_t cap) : capacity(cap) {
  std::size_t bits = 64;
  while (bits < cap * bits_per_id)
    bits <<= 1;
  mask = bits - 1;
  words = std::make_unique<std::atomic<uint64_t>[]>(bits / 64); // zeroed (value-initialised)
}

void known_series::stage::set(uint64_t h1, uint64_t h2) {
  for (unsigned i = 0; i < probes; ++i) {
    auto bit = (h1 + i * h2) & mask;
    words[bit >> 6].fetch_or(uint64_t{1} << (bit & 63), std::memory_order_relaxed);
  }
}

bool known_series::stage::test(uint64_t h1, uint64_t h2) const {
  for (unsigned i = 0; i < probes; ++i) {
    auto bit = (h1 + i * h2) & mask;
    if ((words[bit >> 6].load(std::memory_order_relaxed) & (uint64_t{1} << (bit & 63))) == 0)
      return false;
  }
  return true;
}

known_series::known_series(std::size_t expected) {
  owned_.reserve(max_stages); // a later stage's push_back never reallocates
  owned_.push_back(std::make_unique<stage>(std::max(expected, smallest_stage)));
  stages_[0].store(owned_.back().get(), std::memory_order_relaxed);
  count_.store(1, std::memory_order_release);
}

void known_series::add(std::string_view id) noexcept {
  auto h1 = std::hash<std::string_view>{}(id);
  auto h2 = model::mix64(h1) | 1; // odd: the probes reach every bit
  auto n = count_.load(std::memory_order_acquire);
  auto* last = stages_[n - 1].load(std::memory_order_relaxed);
  last->set(h1, h2);
  if (last->held.fetch_add(1, std::memory_order_relaxed) + 1 < last->capacity || n == max_stages)
    return;
  std::lock_guard<std::mutex> guard{grow_};
  if (count_.load(std::memory_order_relaxed) != n)
    return; // another add started the next stage
  try {
    owned_.push_back(std::make_unique<stage>(last->capacity * 2));
  } catch (const std::bad_alloc&) {
    return; // the last stage goes on taking ids: more "maybe"s, never a miss
  }
  stages_[n].store(owned_.back().get(), std::memory_order_relaxed);
  count_.store(n + 1, std::memory_order_release);
}

bool known_series::may_hold(std::string_view id) const {
  auto h1 = std::hash<std::string_view>{}(id);
  auto h2 = model::mix64(h1) | 1;
  auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    if (stages_[i].load(std::memory_order_relaxed)->test(h1, h2))
      return true;
  return false;
}

std::size_t known_series::added() const {
  std::size_t total = 0; // each add counts in the stage it set
  auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    total += stages_[i].load(std::memory_order_relaxed)->held.load(std::memory_order_relaxed);
  return total;
}

std::size_t known_series::bytes() const {
  std::size_t total = 0;
  auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i)
    total += (stages_[i].load(std::memory_order_relaxed)->mask + 1) / 8;
  return total;
}

} // namespace actors
