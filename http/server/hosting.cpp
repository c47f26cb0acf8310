#include "http/server/hosting.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/defaults.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>

namespace http {

namespace {

/// Most workers that can host a guest (http.loops is at most 64).
constexpr std::size_t max_guests = 64;
/// A hosting worker running job after job still does a round of its guest
/// this often, so that a stream of actor work cannot hold its connections.
constexpr std::size_t jobs_per_round = 64;

/// CAF's work stealing, whose workers run their guest's rounds instead of
/// sleeping while they host one.
class hosting_policy : public caf::policy::work_stealing {
public:
  using super = caf::policy::work_stealing;

  struct coordinator_data : super::coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator* p)
        : super::coordinator_data(p) {}
    std::array<std::atomic<guest*>, max_guests> guests{};
  };

  struct worker_data : super::worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator* p) : super::worker_data(p) {}
    worker_data(const worker_data& other) : super::worker_data(other) {}
    std::size_t jobs_since_round = 0;
    std::chrono::milliseconds nap{0}; ///< the longest blocking round (set on first dequeue)
    bool in_round = false; ///< the guest's round is running on this worker
    /// Threads between reading the guest and nudging it: it is not finished
    /// (and may not be destroyed) until they are out.
    std::atomic<int> nudgers{0};
  };

  template <class Worker>
  static std::atomic<guest*>* slot_of(Worker* self) {
    return self->id() < max_guests ? &d(self->parent()).guests[self->id()] : nullptr;
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    super::external_enqueue(self, job); // wakes it if it sleeps without a guest
    auto& data = d(self);
    if (auto* slot = slot_of(self)) {
      ++data.nudgers;
      if (auto* g = slot->load())
        g->nudge();
      --data.nudgers;
    }
  }

  /// CAF puts a job queued by an actor at the head of its worker's queue (it
  /// runs next, its message still in the cache). The guest's requests go to
  /// the back: a round run between jobs must not push older requests back,
  /// which under a steady load would starve them (p99 of 200+ ms measured at
  /// 1,000 connections).
  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    if (d(self).in_round)
      d(self).queue.append(job);
    else
      d(self).queue.prepend(job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self);
    auto* slot = slot_of(self);
    // A round blocks at most as long as an idle worker sleeps between its
    // attempts to steal (work-stealing.relaxed-sleep-duration, 10 ms): jobs
    // stuck behind a long one on another worker wait no longer than before.
    if (data.nap.count() == 0)
      data.nap = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                            data.strategies[2].sleep_duration),
                          std::chrono::milliseconds{1});
    for (;;) {
      auto* g = slot ? slot->load() : nullptr;
      if (!g) {
        if (auto* job = dequeue_unhosted(self, slot))
          return job;
        continue; // a guest came
      }
      if (++data.jobs_since_round >= jobs_per_round
          && !run_round(self, g, std::chrono::milliseconds{0}))
        continue; // the guest is done
      if (auto* job = data.queue.take_head())
        return job;
      if (auto* job = try_steal(self))
        return job;
      run_round(self, g, data.nap);
    }
  }

  /// Wakes worker `w` if it sleeps without a guest (host() calls it after
  /// filling the slot, which the sleeper checks under the same lock).
  template <class Worker>
  static void wake_unhosted(Worker* w) {
    auto& wait = d(w).waitdata;
    std::lock_guard<std::mutex> guard{wait.lock};
    wait.cv.notify_one();
  }

private:
  /// CAF's work-stealing dequeue (poll, then sleep on the condition
  /// variable), except that it also returns, with null, when a guest comes.
  template <class Worker>
  caf::resumable* dequeue_unhosted(Worker* self, std::atomic<guest*>* slot) {
    auto& data = d(self);
    auto hosted = [slot] { return slot != nullptr && slot->load() != nullptr; };
    for (std::size_t k = 0; k < 2; ++k) { // aggressive, then moderate polling
      auto& strategy = data.strategies[k];
      for (std::size_t i = 0; i < strategy.attempts; i += strategy.step_size) {
        if (auto* job = data.queue.take_head())
          return job;
        if (i % strategy.steal_interval == 0)
          if (auto* job = try_steal(self))
            return job;
        if (hosted())
          return nullptr;
        if (strategy.sleep_duration.count() > 0)
          std::this_thread::sleep_for(strategy.sleep_duration);
      }
    }
    auto& relaxed = data.strategies[2];
    auto& wait = data.waitdata;
    for (std::size_t i = 1;; ++i) {
      {
        std::unique_lock<std::mutex> guard{wait.lock};
        wait.sleeping = true;
        wait.cv.wait_for(guard, relaxed.sleep_duration,
                         [&] { return !data.queue.empty() || hosted(); });
        wait.sleeping = false;
      }
      if (auto* job = data.queue.take_head())
        return job;
      if (hosted())
        return nullptr;
      if (i % relaxed.steal_interval == 0)
        if (auto* job = try_steal(self))
          return job;
    }
  }

  template <class Worker>
  static bool has_jobs(void* worker) {
    return !d(static_cast<Worker*>(worker)).queue.empty();
  }

  /// Runs a round of `g`; false if that was its last (it is then removed).
  template <class Worker>
  bool run_round(Worker* self, guest* g, std::chrono::milliseconds max_wait) {
    auto& data = d(self);
    data.jobs_since_round = 0;
    data.in_round = true;
    bool more = g->round(self, max_wait, &has_jobs<Worker>, self);
    data.in_round = false;
    if (more)
      return true;
    slot_of(self)->store(nullptr);
    while (data.nudgers.load() != 0)
      std::this_thread::yield(); // a nudge under way
    g->unhosted();
    return false;
  }
};

/// CAF's clock, except that an actor which never set a timeout does not
/// cancel its timeouts when it ends. CAF's cleanup cancels them for every
/// actor, which allocates an event and wakes the clock's thread: once per
/// series actor that passivates, that is once per new series under a stream
/// of fits (4-5 % of the workers' time, plus the clock thread's wake-ups).
/// Everything else goes to the scheduler's own clock, whose thread runs it.
class quiet_clock : public caf::detail::thread_safe_actor_clock {
public:
  explicit quiet_clock(caf::detail::thread_safe_actor_clock& real) : real_(real) {}

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    note(self);
    real_.set_ordinary_timeout(t, self, type, id);
  }
  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override {
    note(self);
    real_.set_request_timeout(t, self, id);
  }
  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    note(self);
    real_.set_multi_timeout(t, self, type, id);
  }
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override {
    real_.cancel_ordinary_timeout(self, type);
  }
  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override {
    real_.cancel_request_timeout(self, id);
  }
  void cancel_timeouts(caf::abstract_actor* self) override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (timed_.erase(self->id()) == 0)
        return; // it never set one (actor ids are never reused)
    }
    real_.cancel_timeouts(self);
  }
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    real_.schedule_message(t, std::move(receiver), std::move(content));
  }
  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override {
    real_.schedule_message(t, std::move(target), std::move(sender), std::move(content));
  }
  void cancel_all() override {
    real_.cancel_all();
  }

private:
  void note(caf::abstract_actor* self) {
    std::lock_guard<std::mutex> guard{mtx_};
    timed_.insert(self->id());
  }

  caf::detail::thread_safe_actor_clock& real_;
  std::mutex mtx_;
  std::unordered_set<caf::actor_id> timed_; ///< actors that set a timeout and did not end
};

class hosting_coordinator : public caf::scheduler::coordinator<hosting_policy> {
public:
  using super = caf::scheduler::coordinator<hosting_policy>;
  explicit hosting_coordinator(caf::actor_system& sys) : super(sys), quiet_(super::clock()) {}

  caf::detail::thread_safe_actor_clock& clock() noexcept override {
    return quiet_;
  }

private:
  quiet_clock quiet_;
};

} // namespace

void use_hosting_scheduler(caf::actor_system_config& cfg) {
  cfg.module_factories.push_back([](caf::actor_system& sys) -> caf::actor_system::module* {
    // scheduler.policy keeps its meaning: 'sharing' is CAF's work sharing,
    // whose workers host nothing (the loops then get threads of their own).
    auto policy = caf::get_or(sys.config(), "scheduler.policy", caf::defaults::scheduler::policy);
    if (policy == caf::atom("sharing"))
      return new caf::scheduler::coordinator<caf::policy::work_sharing>(sys);
    return new hosting_coordinator(sys);
  });
}

bool host(caf::actor_system& sys, std::size_t worker, guest* g) {
  auto* coord = dynamic_cast<hosting_coordinator*>(&sys.scheduler());
  if (coord == nullptr || worker >= coord->num_workers() || worker >= max_guests)
    return false;
  guest* none = nullptr;
  if (!coord->data().guests[worker].compare_exchange_strong(none, g))
    return false;
  hosting_policy::wake_unhosted(coord->worker_by_id(worker));
  return true;
}

} // namespace http
