// One event loop: an epoll set that owns its connections, run in rounds by a
// CAF worker between its actors (hosting.hpp), or by a thread of its own. It
// accepts (pausing, as nginx does, when the process is out of descriptors)
// and hands each new connection to the loop with the fewest; it reads,
// frames, runs cpp-httplib over complete requests, sends requests to actors
// through its hand-off and renders their replies, writes, and applies every
// timeout. Nothing on it waits: a wake-up serves a bounded number of
// requests per connection, then moves on.
//
//   epoll ──▶ accept ──▶ connection state machine (http/server/connection.hpp)
//     ▲                      │ complete request
//     │ eventfd              ▼
//     ├── replies ◀── actors ◀── hand-off (http/server/handoff.hpp)
//     └── results ◀── compute pool (a /plot page, a huge body)
//
// Created and run by front_end (front_end.hpp); its methods are for the
// thread running it and the connection state machine, except wake() and
// nudge().
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/server/connection.hpp"
#include "http/server/front_end.hpp"
#include "http/server/handoff.hpp"
#include "http/server/hosting.hpp"

namespace http {

class compute_pool;
class access_log;

/// What every loop of a front end shares.
struct loop_shared {
  routed_server& routes;
  const front_end_settings& s;
  http_metrics& metrics;
  access_log& log;
  admission& limits;
  compute_pool& compute;
  std::atomic<bool>& stopping;
  std::vector<loop*> loops{}; ///< every loop, for spreading accepted connections
};

class loop final : public guest {
public:
  using clock = std::chrono::steady_clock;

  /// Loop `index` of the front end's (below http_metrics::max_loops).
  loop(loop_shared& shared, caf::actor_system& sys, std::size_t index);
  ~loop() override;
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  /// The listening socket it accepts from, set before it runs.
  void listen_on(int listen_fd) { listen_fd_ = listen_fd; }
  /// Serves on the calling thread until the front end stops and nothing is in
  /// flight. A CAF worker runs it in rounds instead (round(), hosting.hpp).
  void run();
  bool round(caf::execution_unit* unit, std::chrono::milliseconds max_wait,
             bool (*has_jobs)(void*), void* worker) override;
  void nudge() override;
  void unhosted() override;
  /// Waits until the hosting worker called unhosted().
  void wait_finished();
  /// Wakes the loop from any thread (a stop, a posted result, a connection
  /// handed over).
  void wake();
  /// Hands an accepted connection to this loop, from another loop's thread;
  /// false when this loop has finished (stopped with nothing left to serve).
  bool receive(int fd, const sockaddr_storage& peer);
  std::thread thread;

  // For the connection state machine (this loop's thread only):
  const front_end_settings& settings() const { return sh_.s; }
  http_metrics& metrics() { return sh_.metrics; }
  bool stopping() const { return sh_.stopping.load(std::memory_order_relaxed); }
  void want_output(connection* c, bool on);
  void close(connection* c);
  /// Serves the complete request at the start of `c->in`.
  void dispatch(connection* c);
  /// Records a request the loop answered by itself, for metrics and the log.
  void note(const connection* c, std::string_view target, int status);
  std::vector<char>& scratch() { return scratch_; }

private:
  // accept.cpp: accepting, and spreading connections over the loops.
  void accept_all();
  loop* least_loaded();
  void adopt(int fd, const sockaddr_storage& peer);
  void pause_accepting(int err);
  void resume_accepting(clock::time_point now);
  // loop.cpp: events and timeouts.
  void sweep(clock::time_point now, bool stopping);
  void go_on(connection* c);
  void run_ready();
  // dispatch.cpp: the two passes, the hand-off, and results posted back.
  void serve(connection* c, exchange& ex);
  bool closes_after(const connection* c) const;
  bool answer_plainly(connection* c, exchange& ex);
  void after_pass(connection* c, exchange& ex, std::size_t out_before);
  void send(connection* c, deferral d, std::size_t size, clock::time_point started);
  void take_replies();
  void on_reply(handoff::reply& r);
  void expire(connection* c);
  void done_waiting(connection* c);
  void post_result(std::function<void()> f);
  void take_results();
  int wait_ms(std::chrono::milliseconds max_wait, bool (*has_jobs)(void*), void* worker);

  loop_shared& sh_;
  int ep_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;
  bool listening_ = false;
  clock::time_point accept_paused_until_{};
  std::vector<connection*> conns_;
  std::vector<connection*> closed_; ///< deleted after the current batch of events
  std::vector<connection*> ready_;  ///< connections whose budget ran out, to go on
  std::unordered_map<uint64_t, connection*> waiting_; ///< by hand-off request id
  std::size_t processing_ = 0;      ///< connections owned by the compute pool
  std::unique_ptr<handoff> handoff_;
  std::size_t sweeps_ = 0;          ///< sweeps run (every tenth forgets stopped series actors)
  /// The loop is (about to be) blocked in epoll_wait: a reply must write the
  /// eventfd. While it runs or spins it takes replies without one.
  std::atomic<bool> sleeping_{false};
  std::vector<handoff::reply> replies_;
  std::mutex results_mtx_;
  std::vector<std::function<void()>> results_; ///< posted by compute threads
  std::vector<std::pair<int, sockaddr_storage>> arrivals_; ///< from other loops' accepts
  bool finished_ = false; ///< round() returned false: no arrival is taken (under results_mtx_)
  /// Connections owned, plus those on their way here (its slot of the
  /// loop_connections metric): what least_loaded() compares.
  std::atomic<int64_t>& load_;
  std::vector<char> scratch_;
  bool started_ = false;
  std::vector<epoll_event> events_;
  clock::time_point next_sweep_{};
  clock::time_point last_progress_{};
  std::mutex done_mtx_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

} // namespace http
