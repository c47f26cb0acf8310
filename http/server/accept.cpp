// Accepting, for loop.hpp: a loop that wakes for the listening socket accepts
// what is queued, pausing (as nginx does) when the process is out of
// descriptors, and hands each connection to the loop with the fewest.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/server/access_log.hpp"
#include "http/server/loop.hpp"
#include "http/server/tls.hpp"

namespace http {

namespace {

/// How long accepting pauses when the process is out of descriptors (nginx
/// waits its accept_mutex_delay, 500 ms; connections wait in the backlog).
constexpr auto accept_pause = std::chrono::milliseconds(250);

} // namespace

void loop::accept_all() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        pause_accepting(errno); // else the listening socket stays readable: a spinning loop
      return; // EAGAIN, or a connection gone before it was accepted
    }
    if (sh_.metrics.connections.load() >= static_cast<int64_t>(sh_.s.max_connections)
        || stopping()) {
      ::close(fd); // over the cap: closed at once, never left queued
      ++sh_.metrics.refused_connections;
      continue;
    }
    auto* to = least_loaded();
    ++to->load_; // before the total, so that the loops' counts never lag behind it
    ++sh_.metrics.connections;
    if (to != this && !to->receive(fd, addr)) {
      ++load_; // it finished as the front end stopped: this loop serves it
      --to->load_;
      to = this;
    }
    if (to == this)
      adopt(fd, addr);
  }
}

/// The loop with the fewest connections, this one on a tie. wrk, a load
/// balancer or a pool opens its connections in a burst, which one loop's
/// wake-up would otherwise accept nearly all of: its clients would then wait
/// longer than the others'.
loop* loop::least_loaded() {
  loop* best = this;
  auto least = load_.load(std::memory_order_relaxed);
  for (auto* l : sh_.loops) {
    auto n = l->load_.load(std::memory_order_relaxed);
    if (n < least) {
      best = l;
      least = n;
    }
  }
  return best;
}

bool loop::receive(int fd, const sockaddr_storage& peer) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> guard{results_mtx_};
    if (finished_)
      return false;
    was_empty = results_.empty() && arrivals_.empty();
    arrivals_.emplace_back(fd, peer);
  }
  if (was_empty)
    wake();
  return true;
}

/// Takes an accepted connection (counted in the connections metric already).
void loop::adopt(int fd, const sockaddr_storage& addr) {
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  ssl_st* tls = nullptr;
  if (sh_.s.tls && !(tls = sh_.s.tls->new_session(fd))) {
    ::close(fd);
    --load_;
    --sh_.metrics.connections;
    ++sh_.metrics.tls_handshake_failures;
    return;
  }
  auto* c = new connection(sh_.s.limits);
  c->fd = fd;
  c->peer = addr;
  c->deadline = clock::now() + (tls ? sh_.s.handshake_timeout : sh_.s.keepalive_timeout);
  c->tls = tls;
  c->index = conns_.size();
  conns_.push_back(c);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = c;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  c->readable = true; // bytes may have arrived with the handshake
  go_on(c);
}

void loop::pause_accepting(int err) {
  if (!listening_)
    return;
  ::epoll_ctl(ep_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  listening_ = false;
  accept_paused_until_ = clock::now() + accept_pause;
  ++sh_.metrics.accept_pauses;
  sh_.log.write(std::string{"accept failed ("} + std::strerror(err) + "): not accepting for "
                + std::to_string(accept_pause.count()) + " ms; "
                + std::to_string(sh_.metrics.connections.load())
                + " connections open (raise the open-file limit or lower http.max-connections)");
}

void loop::resume_accepting(clock::time_point now) {
  if (listening_ || stopping() || now < accept_paused_until_)
    return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.ptr = nullptr; // the listening socket
  listening_ = ::epoll_ctl(ep_, EPOLL_CTL_ADD, listen_fd_, &ev) == 0;
  if (listening_)
    accept_all(); // connections may have queued meanwhile; edge or not, take them
}

} // namespace http
