// The bridge from a blocking thread (an HTTP worker) to actors: sends a request
// and waits for its response without spawning anything per request.
//
// Each bridge owns an actor_companion: an actor with no mailbox loop whose
// enqueue calls back into the bridge on the responder's thread, which hands the
// reply to the waiting thread through a condition variable. Requests carry the
// companion as sender, so replies may come from any actor, local or remote.
//
// One bridge serves one thread. Its owner makes it the thread's bridge with a
// `bridge::installed` (the HTTP worker threads each hold one for their life),
// and must destroy it before the actor_system.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include <caf/all.hpp>

namespace actors {

class bridge {
public:
  explicit bridge(caf::actor_system& sys);
  ~bridge();
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  /// Sends `msg` to `dest` as a request and waits up to `timeout` for the
  /// response. Returns the response message (a reply or a caf::error), or
  /// nothing on timeout; a late reply is dropped.
  std::optional<caf::message> ask(const caf::strong_actor_ptr& dest, caf::message msg,
                                  std::chrono::milliseconds timeout);

  /// The bridge installed on the calling thread, or null when none is.
  static bridge* current();

  /// Makes a new bridge on `sys` the calling thread's bridge for the life of
  /// this object. Create and destroy it on the same thread.
  class installed {
  public:
    explicit installed(caf::actor_system& sys);
    ~installed();
    installed(const installed&) = delete;
    installed& operator=(const installed&) = delete;

  private:
    std::unique_ptr<bridge> bridge_;
  };

private:
  void on_reply(caf::mailbox_element_ptr ptr);

  caf::strong_actor_ptr companion_;
  std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t last_id_ = 0;
  uint64_t awaited_ = 0; ///< request id whose reply is wanted; 0 for none
  std::optional<caf::message> reply_;
};

} // namespace actors
