#include "http/server/access_log.hpp"

namespace http {

access_log::access_log(log_sink sink, std::size_t max_queued, std::atomic<uint64_t>& dropped)
    : sink_(std::move(sink)), max_queued_(max_queued), dropped_(dropped),
      writer_([this] { run(); }) {}

access_log::~access_log() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_one();
  writer_.join();
}

void access_log::write(std::string line) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (lines_.size() >= max_queued_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    lines_.push_back(std::move(line));
  }
  cv_.notify_one();
}

void access_log::run() {
  std::deque<std::string> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock{mtx_};
      cv_.wait(lock, [this] { return stopping_ || !lines_.empty(); });
      if (lines_.empty())
        return; // stopping, and everything written
      batch.swap(lines_);
    }
    for (auto& line : batch)
      if (sink_)
        sink_(line);
    batch.clear();
  }
}

} // namespace http
