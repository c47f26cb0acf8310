// Event loops hosted on CAF's scheduler threads. A CAF worker with no job to
// run does a round of its loop instead of sleeping: it reads sockets, runs
// the requests, and sends each one to its actor through its own worker queue.
// That actor then runs on the same thread, and its reply goes back to the
// loop's queue on that thread, so a predict on a warm series costs no thread
// wake-up at all while the loop is busy. Work stealing still spreads actors
// over the other workers.
//
//   worker thread: ┌▶ jobs in its queue? run them (series actors, shards…)
//                  │   none: steal one from another worker
//                  └── none: a round of its loop (epoll, which a new job or a
//                      reply wakes through the loop's eventfd)
//
// Used when the actor system was made with use_hosting_scheduler (the
// server's configuration does that); else loops run on threads of their own.
#pragma once

#include <chrono>
#include <cstddef>

#include <caf/fwd.hpp>

namespace http {

/// What a worker runs when it has nothing else to do.
class guest {
public:
  virtual ~guest() = default;
  /// One round of work. `unit` is the worker: messages sent with it as
  /// their context are queued on that worker. The round may wait for events
  /// up to `max_wait` (0: not at all), unless `has_jobs(worker)` says jobs
  /// are queued (checked after the guest marked itself asleep, so a job
  /// queued after the check calls nudge()). Returns false when the guest is
  /// done: it is then removed and unhosted() is called.
  virtual bool round(caf::execution_unit* unit, std::chrono::milliseconds max_wait,
                     bool (*has_jobs)(void* worker), void* worker)
    = 0;
  /// Called from any thread when a job is queued on the worker: a guest
  /// blocked waiting for events must return from its round.
  virtual void nudge() = 0;
  /// Called on the worker once the guest was removed.
  virtual void unhosted() = 0;
};

/// Makes actor systems built from `cfg` use the hosting scheduler (work
/// stealing whose workers can host a guest each).
void use_hosting_scheduler(caf::actor_system_config& cfg);

/// Hosts `g` on worker `worker` of `sys` until g's round returns false.
/// False if `sys` does not use the hosting scheduler, has no such worker, or
/// that worker already hosts a guest.
bool host(caf::actor_system& sys, std::size_t worker, guest* g);

} // namespace http
