// A few threads for work too slow for an event loop: rendering a /plot page,
// decoding a body of megabytes, an Azure-compatible detection over thousands
// of points. Tasks run in order of arrival; any thread may post; stop() runs
// what is queued, then joins. What waits on an actor never comes here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace http {

class compute_pool {
public:
  /// Starts `threads` threads (at least one).
  explicit compute_pool(std::size_t threads);
  ~compute_pool();
  compute_pool(const compute_pool&) = delete;
  compute_pool& operator=(const compute_pool&) = delete;

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
