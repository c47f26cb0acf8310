#include "http/server/front_end.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "http/api/codec.hpp"

namespace http {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t read_chunk = 64 * 1024;
constexpr auto linger_time = std::chrono::seconds(2);
constexpr auto sweep_every = std::chrono::milliseconds(100);
const char* const continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

/// Which thread runs a request.
enum class lane : uint8_t { loop, workers, fits };

/// Requests that reach actors go to a pool; everything else (health, metrics,
/// openapi, 404/405 answers) is cheap and runs on the loop itself.
lane lane_of(std::string_view method, std::string_view target, bool healthcheck_waits) {
  auto starts = [&](std::string_view p) { return target.substr(0, p.size()) == p; };
  if (healthcheck_waits && starts("/healthcheck") && method == "GET")
    return lane::workers;
  if (starts("/fit/"))
    return method == "POST" ? lane::fits : lane::loop;
  if (starts("/predict/"))
    return method == "POST" ? lane::workers : lane::loop;
  if (starts("/plot") || starts("/series/"))
    return method == "GET" ? lane::workers : lane::loop;
  return lane::loop;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

/// A response the loop writes itself, for requests it refuses before routing.
std::string canned(int status, std::string_view detail, bool close) {
  auto body = encode_error(detail);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n";
  if (status == 503)
    out += "Retry-After: 1\r\n";
  out += close ? "Connection: close\r\n\r\n" : "Connection: Keep-Alive\r\n\r\n";
  return out + body;
}

void peer_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    port = ntohs(a.sin6_port);
  }
  ip = buf;
}

struct connection {
  enum class phase : uint8_t { reading, processing, writing, lingering };

  explicit connection(const framing_limits& limits) : framer(limits) {}

  int fd = -1;
  std::size_t index = 0; ///< position in its loop's list
  request_framer framer;
  std::string in;        ///< buffered bytes; the current request starts at 0
  std::size_t fed = 0;   ///< bytes of `in` the framer has seen
  std::string out;       ///< response bytes not yet sent
  std::size_t out_pos = 0;
  phase state = phase::reading;
  bool readable = false;
  bool want_out = false;     ///< EPOLLOUT is registered
  bool close_after = false;  ///< close (lingering) once `out` is sent
  bool sent_continue = false;
  std::size_t served = 0;
  clock::time_point deadline;
  sockaddr_storage peer{};
};

/// The bytes of one framed request for cpp-httplib to read, and the buffer it
/// writes its response into.
class buffered_stream : public httplib::Stream {
public:
  buffered_stream(const connection& c, std::string& out)
      : c_(c), out_(out), skip_continue_(c.sent_continue) {}
  bool is_readable() const override { return pos_ < c_.fed; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, c_.fed - pos_);
    std::memcpy(ptr, c_.in.data() + pos_, size);
    pos_ += size;
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* ptr, size_t size) override {
    // The loop already sent 100 Continue when the headers arrived.
    if (skip_continue_ && std::string_view{ptr, size} == continue_line) {
      skip_continue_ = false;
      return static_cast<ssize_t>(size);
    }
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    peer_of(c_.peer, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    peer_of(addr, ip, port);
  }
  socket_t socket() const override { return c_.fd; }

private:
  const connection& c_;
  std::string& out_;
  std::size_t pos_ = 0;
  bool skip_continue_;
};

} // namespace

/// One epoll loop: owns its connections; workers hand finished ones back
/// through `done_` and the eventfd.
struct loop {
  front_end::impl& fe;
  int ep = -1;
  int wake = -1;
  std::vector<connection*> conns;
  std::vector<connection*> closed; ///< deleted after the current batch of events
  std::mutex done_mtx;
  std::vector<connection*> done;
  std::thread thread;
  std::vector<char> scratch = std::vector<char>(read_chunk);
  bool listening = true;

  explicit loop(front_end::impl& f);
  ~loop();
  void run(int listen_fd);
  void accept_all(int listen_fd);
  void advance(connection* c);
  bool frame(connection* c);
  bool read_some(connection* c);
  bool flush(connection* c);
  void dispatch(connection* c);
  void process(connection* c);
  void finished(connection* c);
  void refuse(connection* c, int status, std::string_view detail, bool close);
  void close(connection* c);
  void sweep(clock::time_point now, bool stopping);
  void want_output(connection* c, bool on);
  void post_done(connection* c);
  void take_done();
};

struct front_end::impl {
  routed_server& routes;
  front_end_settings s;
  http_metrics& metrics;
  log_sink log;
  worker_pool workers;
  worker_pool fit_workers;
  std::vector<std::unique_ptr<loop>> loops;
  std::atomic<int64_t> fits{0};
  std::atomic<int64_t> bytes{0}; ///< request bytes held by requests at the workers
  std::atomic<bool> stopping{false};

  impl(routed_server& r, const front_end_settings& st, http_metrics& m, log_sink l,
       const worker_pool::thread_init& init)
      : routes(r), s(st), metrics(m), log(std::move(l)), workers(st.workers, init),
        fit_workers(st.fit_workers, init) {}

  void note(std::string_view target, int status) {
    auto path = target.substr(0, target.find('?'));
    metrics.observe(endpoint_of(path), status, 0);
    if (s.access_log == "all" || (s.access_log == "errors" && status >= 400))
      log(std::string{path} + " " + std::to_string(status) + " (answered by the front end)");
  }
};

loop::loop(front_end::impl& f) : fe(f) {
  ep = ::epoll_create1(EPOLL_CLOEXEC);
  wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wake;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev);
}

loop::~loop() {
  while (!conns.empty())
    close(conns.back());
  for (auto* c : closed)
    delete c;
  ::close(wake);
  ::close(ep);
}

void loop::run(int listen_fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.ptr = nullptr; // the listening socket
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  std::vector<epoll_event> events(256);
  auto next_sweep = clock::now() + sweep_every;
  for (;;) {
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(next_sweep - clock::now());
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                         static_cast<int>(std::max<int64_t>(wait_ms.count(), 0)));
    for (int i = 0; i < n; ++i) {
      auto& e = events[static_cast<std::size_t>(i)];
      if (e.data.ptr == nullptr) {
        accept_all(listen_fd);
      } else if (e.data.ptr == &wake) {
        take_done();
      } else {
        auto* c = static_cast<connection*>(e.data.ptr);
        if (c->fd < 0)
          continue; // closed earlier in this batch
        if (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
          c->readable = true;
        advance(c);
      }
    }
    for (auto* c : closed)
      delete c;
    closed.clear();
    bool stopping = fe.stopping.load();
    if (stopping && listening) {
      ::epoll_ctl(ep, EPOLL_CTL_DEL, listen_fd, nullptr);
      listening = false;
    }
    auto now = clock::now();
    if (now >= next_sweep || stopping) {
      sweep(now, stopping);
      next_sweep = now + sweep_every;
    }
    if (stopping && conns.empty())
      return;
  }
}

void loop::accept_all(int listen_fd) {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; // EAGAIN, or a connection gone before it was accepted
    if (fe.metrics.connections.load() >= static_cast<int64_t>(fe.s.max_connections) || fe.stopping.load()) {
      ::close(fd); // over the cap: closed at once, never left queued
      ++fe.metrics.refused_connections;
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto* c = new connection(fe.s.limits);
    c->fd = fd;
    c->peer = addr;
    c->deadline = clock::now() + fe.s.keepalive_timeout;
    c->index = conns.size();
    conns.push_back(c);
    ++fe.metrics.connections;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    c->readable = true; // bytes may have arrived with the handshake
    advance(c);
  }
}

void loop::want_output(connection* c, bool on) {
  if (c->want_out == on)
    return;
  c->want_out = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u);
  ev.data.ptr = c;
  ::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/// Moves `c` on as far as it can go without waiting.
void loop::advance(connection* c) {
  for (;;) {
    switch (c->state) {
      case connection::phase::processing:
        return; // a worker owns it; what arrives meanwhile stays in the socket
      case connection::phase::writing:
        if (!flush(c))
          return;
        if (c->close_after) {
          ::shutdown(c->fd, SHUT_WR); // let the client read the answer, then close
          c->state = connection::phase::lingering;
          c->deadline = clock::now() + linger_time;
          continue;
        }
        c->state = connection::phase::reading;
        continue;
      case connection::phase::reading:
        if (frame(c))
          continue; // a request was answered or handed on
        if (c->state != connection::phase::reading || !read_some(c))
          return;
        continue;
      case connection::phase::lingering:
        c->in.clear();
        c->fed = 0;
        if (!read_some(c))
          return;
        continue;
    }
  }
}

/// Feeds buffered bytes to the framer; true when that moved `c` to another phase.
bool loop::frame(connection* c) {
  if (c->fed == c->in.size())
    return false;
  auto r = c->framer.feed(c->in.data() + c->fed, c->in.size() - c->fed);
  if (r.state == frame_state::error) {
    refuse(c, r.status, r.detail, true);
    return true;
  }
  if (r.state == frame_state::complete) {
    c->fed = r.length;
    if (auto t = c->framer.trailer_start(); t != 0 && t + 2 <= r.length) {
      c->in.erase(t, r.length - 2 - t); // keep the CRLF that ends the message
      c->fed = t + 2;
    }
    dispatch(c);
    return true;
  }
  c->fed = c->in.size();
  if (c->framer.wants_continue() && !c->sent_continue) {
    c->sent_continue = true;
    c->out.append(continue_line);
    c->state = connection::phase::writing;
    return true;
  }
  return false;
}

/// Reads what the socket has; false when nothing more can be read now (or
/// the connection was closed).
bool loop::read_some(connection* c) {
  if (!c->readable)
    return false;
  auto n = ::recv(c->fd, scratch.data(), scratch.size(), 0);
  if (n > 0) {
    if (c->in.empty() && c->state == connection::phase::reading)
      c->deadline = clock::now() + fe.s.read_timeout; // the request's first byte
    c->in.append(scratch.data(), static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c->readable = false;
    return false;
  }
  close(c); // end of stream or a socket error
  return false;
}

/// Sends what `c` has to send; true when all of it is sent.
bool loop::flush(connection* c) {
  while (c->out_pos < c->out.size()) {
    auto n = ::send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos,
                    MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<std::size_t>(n);
      c->deadline = clock::now() + fe.s.write_timeout;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      want_output(c, true);
      return false;
    }
    c->close_after = true; // the peer is gone: drop what is left
    c->out_pos = c->out.size();
  }
  want_output(c, false);
  if (c->out.capacity() > read_chunk)
    std::string{}.swap(c->out);
  c->out.clear();
  c->out_pos = 0;
  if (!c->close_after && c->state == connection::phase::writing)
    c->deadline = clock::now() + (c->in.empty() ? fe.s.keepalive_timeout : fe.s.read_timeout);
  return true;
}

void loop::dispatch(connection* c) {
  auto kind = lane_of(c->framer.method(), c->framer.target(), fe.s.healthcheck_waits);
  c->state = connection::phase::processing;
  if (kind == lane::loop) {
    process(c);
    finished(c);
    return;
  }
  bool fit = kind == lane::fits;
  auto size = static_cast<int64_t>(c->fed);
  auto held = fe.bytes.load();
  if (fe.metrics.in_flight.load() >= static_cast<int64_t>(fe.s.max_in_flight)
      || (fit && fe.fits.load() >= static_cast<int64_t>(fe.s.max_in_flight_fits))
      || (held > 0 && held + size > static_cast<int64_t>(fe.s.max_in_flight_bytes))) {
    // The body is already read, so the connection stays usable.
    ++fe.metrics.rejected;
    return refuse(c, 503, "the server is at its in-flight request limit; retry", false);
  }
  ++fe.metrics.in_flight;
  fe.bytes += size;
  if (fit)
    ++fe.fits;
  (fit ? fe.fit_workers : fe.workers).post([this, c, fit, size] {
    process(c);
    // The request is done before its answer leaves: a client that reads
    // /metrics after its answer never sees it still counted.
    --fe.metrics.in_flight;
    fe.bytes -= size;
    if (fit)
      --fe.fits;
    // Send at once from here (the socket is not touched by the loop while a
    // worker holds the connection); the loop sends whatever is left.
    auto n = ::send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0)
      c->out_pos = static_cast<std::size_t>(n);
    post_done(c);
  });
}

/// Runs cpp-httplib's parsing, routing and response writing over the framed
/// request. On the loop thread or a worker; `c` is not touched by anyone else.
void loop::process(connection* c) {
  bool close = fe.stopping.load() || !c->framer.keep_alive()
               || (fe.s.keepalive_max_requests != 0
                   && c->served + 1 >= fe.s.keepalive_max_requests);
  bool closed = false;
  buffered_stream strm{*c, c->out};
  fe.routes.serve_one(strm, close, closed);
  c->close_after = close || closed;
  ++c->served;
}

/// A request is answered (its response is in `out`): drop its bytes, start
/// the next one, and write.
void loop::finished(connection* c) {
  c->in.erase(0, c->fed);
  c->fed = 0;
  c->framer.next();
  c->sent_continue = false;
  if (c->in.empty() && c->in.capacity() > read_chunk)
    std::string{}.swap(c->in);
  c->state = connection::phase::writing;
  c->deadline = clock::now() + fe.s.write_timeout;
}

void loop::refuse(connection* c, int status, std::string_view detail, bool close) {
  fe.note(c->framer.target(), status);
  c->out += canned(status, detail, close);
  if (close) {
    c->close_after = true;
    c->in.clear();
    c->fed = 0;
    c->state = connection::phase::writing;
    return;
  }
  finished(c);
}

void loop::post_done(connection* c) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> guard{done_mtx};
    was_empty = done.empty();
    done.push_back(c);
  }
  if (was_empty) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
  }
}

void loop::take_done() {
  uint64_t count;
  [[maybe_unused]] auto n = ::read(wake, &count, sizeof count);
  std::vector<connection*> ready;
  {
    std::lock_guard<std::mutex> guard{done_mtx};
    ready.swap(done);
  }
  for (auto* c : ready) {
    finished(c);
    advance(c);
  }
}

/// Closes the socket at once; the object lives until the end of the batch of
/// events, which may still name it. The socket leaves epoll first: closing the
/// descriptor alone does not remove it while another process holds a copy
/// (any fork, until it execs), and its later events would name a freed
/// connection.
void loop::close(connection* c) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  c->fd = -1;
  auto* last = conns.back();
  last->index = c->index;
  conns[c->index] = last;
  conns.pop_back();
  --fe.metrics.connections;
  closed.push_back(c);
}

/// Applies the timeouts; when stopping, also closes connections with nothing
/// in progress.
void loop::sweep(clock::time_point now, bool stopping) {
  for (std::size_t i = conns.size(); i-- > 0;) {
    auto* c = conns[i];
    switch (c->state) {
      case connection::phase::processing:
        break;
      case connection::phase::reading:
        if (stopping || now >= c->deadline) {
          if (c->in.empty() || stopping) {
            close(c); // idle, or unanswered bytes of a request we will not serve
          } else {
            refuse(c, 408, "the request was not complete within read-timeout-s", true);
            advance(c);
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

front_end::front_end(routed_server& routes, const front_end_settings& s, http_metrics& metrics,
                     log_sink log, worker_pool::thread_init worker_init)
    : impl_(std::make_unique<impl>(routes, s, metrics, std::move(log), worker_init)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(s.loops, 1); ++i)
    impl_->loops.push_back(std::make_unique<loop>(*impl_));
}

front_end::~front_end() {
  stop();
  impl_->workers.stop();
  impl_->fit_workers.stop();
}

void front_end::run(int listen_fd) {
  for (auto& l : impl_->loops) {
    auto* lp = l.get();
    lp->thread = std::thread{[lp, listen_fd] { lp->run(listen_fd); }};
  }
  for (auto& l : impl_->loops)
    l->thread.join();
}

void front_end::stop() {
  impl_->stopping = true;
  for (auto& l : impl_->loops) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(l->wake, &one, sizeof one);
  }
}

int open_listener(const std::string& host, uint16_t port, std::size_t backlog, int& bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return -1;
  int fd = -1;
  for (auto* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    int yes = 1;
    // No SO_REUSEPORT: a second server on the same port must fail, not share it.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0
        || ::listen(fd, static_cast<int>(backlog)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0)
    return -1;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string ip;
  peer_of(addr, ip, bound_port);
  return fd;
}

} // namespace http
