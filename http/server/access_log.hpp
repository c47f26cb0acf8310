// The log writer: lines (the access log, the loops' own notices) go into a
// bounded queue and one thread writes them to the sink, so that no event loop
// ever waits on stderr or a disk. When the queue is full a line is dropped and
// counted (model_server_log_lines_dropped_total), never waited for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "http/api/listener.hpp"

namespace http {

class access_log {
public:
  /// Writes through `sink`; at most `max_queued` lines wait; drops are
  /// counted in `dropped`, which must outlive this object.
  access_log(log_sink sink, std::size_t max_queued, std::atomic<uint64_t>& dropped);
  /// Writes what is queued, then joins the writer.
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  /// Queues one line; never blocks on I/O. Any thread.
  void write(std::string line);

private:
  void run();

  log_sink sink_;
  std::size_t max_queued_;
  std::atomic<uint64_t>& dropped_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  bool stopping_ = false;
  std::thread writer_;
};

} // namespace http
