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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace http {

class worker_pool {
public:
  /// What each thread holds for its life: made by `init` on the thread when
  /// it starts, destroyed on it when it ends (a thread's actor bridge).
  using thread_init = std::function<std::shared_ptr<void>()>;

  /// Starts `threads` threads (at least one), each first calling `init`.
  worker_pool(std::size_t threads, thread_init init = {});
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues `task`; it runs on one of the pool's threads.
  void post(std::function<void()> task);

  /// Runs every queued task, then joins the threads. Idempotent.
  void stop();

private:
  void run(const thread_init& init);

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace http
