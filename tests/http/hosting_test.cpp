// The hosting scheduler (http/server/hosting.hpp): a worker runs its guest's
// rounds between its jobs, an actor asked from a round runs on the same
// thread, a job queued from outside gets a blocked round out of its wait, and
// a guest that is done is removed; an actor that never set a timeout ends
// without waking the clock, one that did has its timeouts cancelled. Real
// actor systems and threads; nothing here depends on timing (every wait is
// for a condition, and the clock's wake-ups are counted, not timed).
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "http/server/hosting.hpp"

namespace {

struct hosting_config : caf::actor_system_config {
  explicit hosting_config(std::size_t workers) {
    set("scheduler.max-threads", workers);
    http::use_hosting_scheduler(*this);
  }
};

/// A guest that asks `actor` once from its first round (with the worker as
/// the context), blocks in later rounds until nudged, and is done when told.
class test_guest final : public http::guest {
public:
  explicit test_guest(caf::actor actor) : actor_(std::move(actor)) {}

  bool round(caf::execution_unit* unit, std::chrono::milliseconds max_wait,
             bool (*has_jobs)(void*), void* worker) override {
    std::unique_lock<std::mutex> guard{mtx_};
    if (rounds_++ == 0) {
      thread_ = std::this_thread::get_id();
      caf::actor_cast<caf::strong_actor_ptr>(actor_)->enqueue(nullptr, caf::make_message_id(),
                                                               caf::make_message(1), unit);
    }
    cv_.notify_all();
    if (max_wait.count() > 0 && !done_) { // it waits for a nudge, past max_wait
      asleep_ = true;
      if (!has_jobs(worker))
        cv_.wait(guard, [this] { return !asleep_ || done_; });
      asleep_ = false;
    }
    return !done_;
  }
  void nudge() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (asleep_)
      ++nudges_;
    asleep_ = false;
    cv_.notify_all();
  }
  void unhosted() override {
    std::lock_guard<std::mutex> guard{mtx_};
    unhosted_ = true;
    cv_.notify_all();
  }

  template <class Pred>
  void wait_until(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return pred(); });
  }
  void finish() {
    std::lock_guard<std::mutex> guard{mtx_};
    done_ = true;
    cv_.notify_all();
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  caf::actor actor_;
  std::size_t rounds_ = 0;
  std::size_t nudges_ = 0;
  bool asleep_ = false;
  bool done_ = false;
  bool unhosted_ = false;
  std::thread::id thread_;
};

/// Records the thread each message ran on, and counts them.
struct seen {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::thread::id> threads;
};

caf::behavior recorder(caf::event_based_actor*, seen* s) {
  return {[s](int) {
    std::lock_guard<std::mutex> guard{s->mtx};
    s->threads.push_back(std::this_thread::get_id());
    s->cv.notify_all();
  }};
}

} // namespace

TEST_CASE("hosting: an actor asked from a round runs on the round's thread; a job from outside "
          "ends a blocked round; a finished guest is removed") {
  hosting_config cfg{1}; // one worker: nothing steals the guest's jobs, where they run is certain
  caf::actor_system sys{cfg};
  seen s;
  auto actor = sys.spawn(recorder, &s);
  test_guest g{actor};
  REQUIRE(http::host(sys, 0, &g));
  CHECK_FALSE(http::host(sys, 0, &g)); // one guest per worker
  CHECK_FALSE(http::host(sys, 1, &g)); // no second worker

  {
    std::unique_lock<std::mutex> guard{s.mtx};
    s.cv.wait(guard, [&] { return s.threads.size() == 1; });
  }
  g.wait_until([&] { return g.rounds_ >= 2 && g.asleep_; });
  CHECK(s.threads[0] == g.thread_); // queued on the worker, run there: no hand-off

  // From outside, a message is queued on the worker, whose guest is blocked
  // in its round: the guest must be nudged out of it, else the message would
  // never run.
  caf::anon_send(actor, 2);
  {
    std::unique_lock<std::mutex> guard{s.mtx};
    s.cv.wait(guard, [&] { return s.threads.size() == 2; });
  }
  {
    std::lock_guard<std::mutex> guard{g.mtx_};
    CHECK(g.nudges_ >= 1);
  }
  g.finish();
  g.wait_until([&] { return g.unhosted_; });

  test_guest next{actor}; // the worker is free to host again
  REQUIRE(http::host(sys, 0, &next));
  next.wait_until([&] { return next.rounds_ >= 1; });
  next.finish();
  next.wait_until([&] { return next.unhosted_; });
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST_CASE("hosting: every worker starts its guest, however idle the workers are") {
  // Hosted back to back on idle workers, each guest must get its rounds: a
  // worker asleep without a guest wakes for one (an earlier version queued a
  // wake-up job, which the other worker could steal, leaving a loop unrun).
  for (int attempt = 0; attempt < 20; ++attempt) {
    hosting_config cfg{2};
    caf::actor_system sys{cfg};
    seen s;
    auto actor = sys.spawn(recorder, &s);
    test_guest a{actor};
    test_guest b{actor};
    REQUIRE(http::host(sys, 0, &a));
    REQUIRE(http::host(sys, 1, &b));
    a.wait_until([&] { return a.rounds_ >= 1; });
    b.wait_until([&] { return b.rounds_ >= 1; });
    CHECK(a.thread_ != b.thread_);
    a.finish();
    b.finish();
    a.wait_until([&] { return a.unhosted_; });
    b.wait_until([&] { return b.unhosted_; });
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }
}

TEST_CASE("hosting: an actor system without the hosting scheduler hosts nothing") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  test_guest g{caf::actor{}};
  CHECK_FALSE(http::host(sys, 0, &g));
}

namespace {

/// Voluntary context switches of this process's caf.clock threads: how often
/// the clock threads were woken.
long clock_wakeups() {
  long total = 0;
  for (const auto& task : std::filesystem::directory_iterator{"/proc/self/task"}) {
    std::ifstream comm{task.path() / "comm"};
    std::string name;
    std::getline(comm, name);
    if (name != "caf.clock")
      continue;
    std::ifstream status{task.path() / "status"};
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0)
        total += std::stol(line.substr(line.find(':') + 1));
  }
  return total;
}

} // namespace

TEST_CASE("hosting: an actor that never set a timeout ends without waking the clock; "
          "timeouts still work") {
  hosting_config cfg{2};
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // 300 actors end one after the other, none with a timeout. CAF's own clock
  // is woken to cancel their timeouts once per actor (300 wake-ups).
  // Each actor function takes an argument: CAF 0.17 calls one spawned
  // without any through a null pointer to its (empty) arguments, which UBSan
  // reports (init_fun_factory.hpp).
  auto before = clock_wakeups();
  for (int i = 0; i < 300; ++i) {
    auto a = sys.spawn(
      [](caf::event_based_actor* s, int expected) -> caf::behavior {
        return {[s, expected](int x) {
          s->quit();
          return x == expected ? x : -1;
        }};
      },
      i);
    self->monitor(a);
    self->request(a, caf::infinite, i).receive([&](int x) { CHECK(x == i); },
                                               [&](caf::error& e) { FAIL(sys.render(e)); });
    self->receive([](const caf::down_msg&) {});
  }
  CHECK(clock_wakeups() - before < 30);
  // A request timeout still fires, and a delayed message still arrives.
  auto silent = sys.spawn(
    [](caf::event_based_actor*, int) -> caf::behavior {
      return {[](int) { return caf::skip(); }};
    },
    0);
  bool timed_out = false;
  self->request(silent, std::chrono::milliseconds{20}, 1)
    .receive([](int) {}, [&](caf::error& e) { timed_out = e == caf::sec::request_timeout; });
  CHECK(timed_out);
  self->delayed_send(self, std::chrono::milliseconds{5}, 42);
  self->receive([](int x) { CHECK(x == 42); });
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  // An actor that set a timeout and ended has it cancelled: the clock holds
  // the actor (a strong reference) until its timeout is cancelled or fires,
  // an hour from now, so the actor's memory is released only if cancelled.
  auto sink = sys.spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; },
                        0);
  auto asker = sys.spawn(
    [](caf::event_based_actor* s, caf::actor to) {
      s->request(to, std::chrono::seconds{3600}, 2).then([] {});
      s->quit();
    },
    sink);
  self->monitor(asker);
  auto addr = asker.address();
  asker = nullptr;
  self->receive([](const caf::down_msg&) {});
  bool released = false;
  for (int i = 0; i < 10000 && !released; ++i) { // a bound, not a timing: 10 s
    released = caf::actor_cast<caf::strong_actor_ptr>(addr) == nullptr;
    if (!released)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  CHECK(released);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}
