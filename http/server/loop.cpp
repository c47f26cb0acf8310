#include "http/server/loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "http/server/tls.hpp"

namespace http {

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr auto sweep_every = std::chrono::milliseconds(100);

} // namespace

loop::loop(loop_shared& shared, caf::actor_system& sys, std::size_t index)
    : sh_(shared), load_(shared.metrics.loop_connections.at(index)), scratch_(read_chunk) {
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wake_fd_;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, wake_fd_, &ev);
  handoff_ = std::make_unique<handoff>(sys, [this] { nudge(); });
}

loop::~loop() {
  handoff_.reset(); // no reply reaches this loop from here on
  while (!conns_.empty())
    close(conns_.back());
  for (auto* c : closed_)
    delete c;
  for (auto& [fd, peer] : arrivals_) { // handed over as this loop stopped
    ::close(fd);
    --load_;
    --sh_.metrics.connections;
  }
  ::close(wake_fd_);
  ::close(ep_);
}

void loop::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void loop::run() {
  while (round(nullptr, std::chrono::milliseconds::max(), nullptr, nullptr)) {
  }
}

bool loop::round(caf::execution_unit* unit, std::chrono::milliseconds max_wait,
                 bool (*has_jobs)(void*), void* worker) {
  handoff_->set_context(unit);
  if (!started_) {
    started_ = true;
    events_.resize(256);
    next_sweep_ = last_progress_ = clock::now();
    next_sweep_ += sweep_every;
    resume_accepting(clock::now());
  }
  int n = ::epoll_wait(ep_, events_.data(), static_cast<int>(events_.size()),
                       max_wait.count() > 0 ? wait_ms(max_wait, has_jobs, worker) : 0);
  sleeping_.store(false);
  if (n > 0 || handoff_->has_replies())
    last_progress_ = clock::now();
  take_replies();
  for (int i = 0; i < n; ++i) {
    auto& e = events_[static_cast<std::size_t>(i)];
    if (e.data.ptr == nullptr) {
      accept_all();
    } else if (e.data.ptr == &wake_fd_) {
      uint64_t count;
      [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
      take_replies();
      take_results();
    } else {
      auto* c = static_cast<connection*>(e.data.ptr);
      if (c->fd < 0)
        continue; // closed earlier in this batch
      if (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        c->readable = true;
      else if (c->tls && (e.events & EPOLLOUT))
        c->readable = true; // a TLS read may have waited to write first
      go_on(c);
    }
  }
  run_ready();
  for (auto* c : closed_)
    delete c;
  closed_.clear();
  bool stop = stopping();
  if (stop && listening_) {
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    listening_ = false;
  }
  auto now = clock::now();
  if (now >= next_sweep_ || stop) {
    sweep(now, stop);
    next_sweep_ = now + sweep_every;
  }
  handoff_->set_context(nullptr);
  if (!stop || !conns_.empty())
    return true;
  std::lock_guard<std::mutex> guard{results_mtx_};
  finished_ = arrivals_.empty(); // else the next round takes them (its eventfd is set)
  return !finished_;
}

void loop::nudge() {
  if (sleeping_.load())
    wake();
}

void loop::unhosted() {
  std::lock_guard<std::mutex> guard{done_mtx_};
  done_ = true;
  done_cv_.notify_all();
}

void loop::wait_finished() {
  std::unique_lock<std::mutex> guard{done_mtx_};
  done_cv_.wait(guard, [this] { return done_; });
}

/// How long the next epoll_wait may block: 0 while connections wait for their
/// turn, or while requests wait on actors and the spin time since the last
/// progress has not passed; else until the next sweep. Before blocking it
/// marks the loop asleep, so that a reply (or a job for the hosting worker)
/// from then on writes the eventfd.
int loop::wait_ms(std::chrono::milliseconds max_wait, bool (*has_jobs)(void*), void* worker) {
  auto now = clock::now();
  if (!ready_.empty() || (!waiting_.empty() && now - last_progress_ < sh_.s.spin))
    return 0;
  sleeping_.store(true);
  if (handoff_->has_replies() || (has_jobs && has_jobs(worker)))
    return 0; // came in before the mark: take it now
  auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(next_sweep_ - now),
                       max_wait);
  return static_cast<int>(std::max<int64_t>(wait.count(), 0));
}

/// Advances `c`; one whose budget ran out goes on after the other events.
void loop::go_on(connection* c) {
  if (c->ready_listed)
    return; // already queued: it goes on in its turn
  if (advance(*this, c, sh_.s.budget)) {
    c->ready_listed = true;
    ready_.push_back(c);
  }
}

void loop::run_ready() {
  if (ready_.empty())
    return;
  std::vector<connection*> now;
  now.swap(ready_);
  for (auto* c : now) {
    c->ready_listed = false;
    if (c->fd >= 0)
      go_on(c);
  }
}

void loop::want_output(connection* c, bool on) {
  if (c->want_out == on)
    return;
  c->want_out = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u);
  ev.data.ptr = c;
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
}

/// Closes the socket at once; the object lives until the end of the batch of
/// events, which may still name it. The socket leaves epoll first: closing the
/// descriptor alone does not remove it while another process holds a copy
/// (any fork, until it execs), and its later events would name a freed
/// connection.
void loop::close(connection* c) {
  if (c->wait)
    done_waiting(c); // its reply, if it ever comes, is dropped
  ::epoll_ctl(ep_, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  c->fd = -1;
  if (c->tls) {
    if (!c->tls_ready)
      ++sh_.metrics.tls_handshake_failures; // closed mid-handshake (timeout, stop)
    tls_free(c->tls);
    c->tls = nullptr;
  }
  auto* last = conns_.back();
  last->index = c->index;
  conns_[c->index] = last;
  conns_.pop_back();
  --load_;
  --sh_.metrics.connections;
  closed_.push_back(c);
}

/// Applies the timeouts; when stopping, also closes connections with nothing
/// in progress.
void loop::sweep(clock::time_point now, bool stopping) {
  resume_accepting(now);
  if (++sweeps_ % 10 == 0) // once a second
    handoff_->forget_stopped();
  for (std::size_t i = conns_.size(); i-- > 0;) {
    auto* c = conns_[i];
    switch (c->state) {
      case connection::phase::processing:
        break;
      case connection::phase::waiting:
        if (now >= c->deadline)
          expire(c);
        break;
      case connection::phase::reading:
        if (stopping || now >= c->deadline) {
          if (c->in.empty() || stopping) {
            close(c); // idle, or unanswered bytes of a request we will not serve
          } else {
            refuse(*this, c, 408, "the request was not complete within read-timeout-s", true);
            go_on(c);
          }
        }
        break;
      case connection::phase::writing:
      case connection::phase::lingering:
        if (now >= c->deadline || (stopping && c->state == connection::phase::lingering))
          close(c);
        break;
    }
  }
}

} // namespace http
