// Which series ids the store may hold: every id the process's own store held
// when it opened, and every id its writer committed since. A router shard
// starting the actor of an id it never held gives the actor an empty state
// instead of a load from the store, and answers a read of such an id 404 at
// once: a fit on a new series costs no store read and no thread hand-off to a
// reader, and a read of a random id costs no actor.
//
// A Bloom filter: it never answers "no" for an id the store holds; for an id
// it does not, it answers "maybe" about 1 % of the time (that id then loads,
// as without the filter). Deletions are not taken out (a deleted id is a
// "maybe"). It grows in stages: when a stage holds its capacity, a new stage
// twice as large takes the adds, so memory follows the number of ids (2 to 5
// bytes per id) without a rebuild; each stage adds its ~1 % of "maybe"s for
// ids never added. Adds and reads from any thread.
//
// Only for a store this process alone writes (the embedded SQLite file of a
// single node): with a shared store other nodes create series it never sees.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace actors {

class known_series {
public:
  /// A filter whose first stage holds max(`expected`, 65,536) ids.
  explicit known_series(std::size_t expected);
  known_series(const known_series&) = delete;
  known_series& operator=(const known_series&) = delete;

  /// Adds `id`: may_hold(id) is true from here on, on any thread that hears
  /// of it after this call (through a message, say). Never throws: without
  /// memory for a new stage the last one takes the id (more "maybe"s).
  void add(std::string_view id) noexcept;
  /// False only when `id` was never added.
  bool may_hold(std::string_view id) const;
  /// Ids added (counting repeats).
  std::size_t added() const;
  /// Bytes its stages take.
  std::size_t bytes() const;
  /// Its stages (one until the first stage holds its capacity).
  std::size_t stages() const { return count_.load(std::memory_order_acquire); }

private:
  struct stage {
    explicit stage(std::size_t capacity);
    std::size_t capacity;  ///< ids it takes before the next stage starts
    std::size_t mask;      ///< bits - 1 (a power of two)
    std::unique_ptr<std::atomic<uint64_t>[]> words;
    std::atomic<std::size_t> held{0};
    void set(uint64_t h1, uint64_t h2);
    bool test(uint64_t h1, uint64_t h2) const;
  };

  static constexpr std::size_t max_stages = 48;

  std::array<std::atomic<stage*>, max_stages> stages_{};
  std::atomic<std::size_t> count_{0};
  std::mutex grow_;                           ///< held to start a stage
  std::vector<std::unique_ptr<stage>> owned_; ///< the stages, under grow_
};

} // namespace actors
