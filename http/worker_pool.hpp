// A fixed set of threads running queued tasks in order of arrival. The front
// end keeps two: one for requests that wait on actors, one for fits (which may
// wait on the store for seconds), so a stalled store cannot take every thread
// away from predicts. Any thread may post; stop() runs what is queued, then
// joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace http {

class worker_pool {
public:
  /// Starts `threads` threads (at least one).
  explicit worker_pool(std::size_t threads);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues `task`; it runs on one of the pool's threads.
  void post(std::function<void()> task);

  /// Runs every queued task, then joins the threads. Idempotent.
  void stop();

private:
  void run();

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace http
