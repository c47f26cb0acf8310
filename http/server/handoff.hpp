// The hand-off from an event loop to the actors and back. Each loop owns one:
// an actor_companion (an actor without a mailbox loop) is the sender of every
// request the loop makes, and its enqueue hook, called on the replying actor's
// thread, queues the reply for the loop and wakes it. Nothing blocks.
//
//   loop --request(companion as sender, id)--> series actor (or shard, peer link)
//     ^                                             |
//     +--- take(): replies queued by the hook <-----+ reply enqueued on the companion
//
// It also remembers, per loop, which series actor answered for a series, so
// that the next read goes straight to it instead of through its router shard
// (weak references: a series actor that stops is not kept alive; a request to
// one that has stopped bounces and is sent again through the shard).
// Create, ask, take and use the cache on the loop's thread only; the hook is
// the one part other threads run. Destroy before the actor_system.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

namespace http {

class handoff {
public:
  /// `wake` is called (from any thread) when a reply arrives and the queue was empty.
  handoff(caf::actor_system& sys, std::function<void()> wake);
  ~handoff();
  handoff(const handoff&) = delete;
  handoff& operator=(const handoff&) = delete;

  /// Messages sent from here on are queued on `unit` (the hosting worker
  /// running the loop's round), or through the scheduler when null.
  void set_context(caf::execution_unit* unit) { unit_ = unit; }
  /// Sends `msg` to `dest` as a request; returns its id (never 0).
  uint64_t ask(const caf::strong_actor_ptr& dest, caf::message msg);

  struct reply {
    uint64_t id = 0;            ///< the request's id
    caf::message msg;           ///< the answer: a value, or a caf::error
    caf::strong_actor_ptr from; ///< who answered
  };

  /// Moves the replies that arrived since the last call into `out`.
  void take(std::vector<reply>& out);
  /// Whether replies are waiting to be taken.
  bool has_replies();

  /// The live series actor this loop last heard from for `series_id`, or null.
  caf::strong_actor_ptr series_actor(const std::string& series_id);
  /// Remembers `actor` as the one serving `series_id` (local actors only).
  void remember(const std::string& series_id, const caf::strong_actor_ptr& actor);
  /// Forgets the actor remembered for `series_id`.
  void forget(const std::string& series_id) { known_.erase(series_id); }
  /// Forgets every remembered actor that has stopped: a weak reference keeps
  /// a stopped actor's memory (about 1 KiB) allocated, and a parked series'
  /// actor stops after 2 s idle. Costs one atomic operation per entry.
  void forget_stopped();

  /// Most series remembered per loop; past it the oldest half is forgotten.
  static constexpr std::size_t max_known = 16384;

private:
  void on_enqueue(caf::mailbox_element_ptr ptr);

  caf::strong_actor_ptr companion_;
  caf::execution_unit* unit_ = nullptr;
  std::function<void()> wake_;
  uint64_t last_id_ = 0;
  std::mutex mtx_;
  std::vector<reply> replies_;
  std::unordered_map<std::string, caf::actor_addr> known_;
  caf::node_id local_;
};

} // namespace http
