// A router shard's memory of series ids that are known not to exist: a
// predict, /plot or /series for one is answered 404 at once, without starting
// an actor or reading the store, so that requests for random ids cannot push
// active series out of memory. Bounded: past `capacity` ids the oldest is
// forgotten (FIFO). A fit forgets its id. One shard's, used on its thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace actors {

class absent_series {
public:
  explicit absent_series(std::size_t capacity) : capacity_(capacity) {}

  /// Whether `id` is known not to exist.
  bool contains(const std::string& id) const { return ids_.count(id) != 0; }

  /// Remembers that `id` does not exist.
  void add(const std::string& id) {
    if (capacity_ == 0 || !ids_.insert(id).second)
      return;
    order_.push_back(id);
    while (ids_.size() > capacity_) {
      ids_.erase(order_.front()); // may name an id forgotten already: harmless
      order_.pop_front();
    }
  }

  /// Forgets `id` (it is being fitted). Its place in the FIFO stays until it
  /// comes round; `order_` is bounded by the forgets as well.
  void forget(const std::string& id) {
    if (ids_.erase(id) == 0)
      return;
    if (order_.size() > 2 * capacity_) // compact: drop entries of forgotten ids
      compact();
  }

  /// Forgets every id (the ring changed: another node may have created them).
  void clear() {
    ids_.clear();
    order_.clear();
  }

  std::size_t size() const { return ids_.size(); }

private:
  void compact() {
    std::deque<std::string> kept;
    for (auto& id : order_)
      if (ids_.count(id))
        kept.push_back(std::move(id));
    order_.swap(kept);
  }

  std::size_t capacity_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_; ///< insertion order, oldest first
};

} // namespace actors
