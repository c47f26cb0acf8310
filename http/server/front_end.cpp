#include "http/server/front_end.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "http/server/access_log.hpp"
#include "http/server/compute_pool.hpp"
#include "http/server/loop.hpp"

namespace http {

struct front_end::impl {
  front_end_settings s;
  http_metrics& metrics;
  admission limits;
  compute_pool compute;
  caf::actor_system& sys;
  std::atomic<bool> stopping{false};
  loop_shared shared;
  std::vector<std::unique_ptr<loop>> loops;

  impl(routed_server& routes, const front_end_settings& st, http_metrics& m, access_log& log,
       caf::actor_system& sy)
      : s(st), metrics(m), compute(st.compute_threads), sys(sy),
        shared{routes, s, m, log, limits, compute, stopping} {
    limits.max_requests = s.max_in_flight;
    limits.max_fits = s.max_in_flight_fits;
    limits.max_bytes = s.max_in_flight_bytes;
    limits.in_flight = &m.in_flight;
    limits.rejected = &m.rejected;
  }
};

front_end::front_end(routed_server& routes, const front_end_settings& s, http_metrics& metrics,
                     access_log& log, caf::actor_system& sys)
    : impl_(std::make_unique<impl>(routes, s, metrics, log, sys)) {
  auto loops = std::clamp<std::size_t>(s.loops != 0 ? s.loops : sys.scheduler().num_workers(), 1,
                                       http_metrics::max_loops);
  for (std::size_t i = 0; i < loops; ++i)
    impl_->loops.push_back(std::make_unique<loop>(impl_->shared, sys, i));
  metrics.loops = loops;
  for (auto& l : impl_->loops)
    impl_->shared.loops.push_back(l.get());
}

front_end::~front_end() {
  stop();
  impl_->compute.stop(); // nothing is queued once run() returned
  impl_->loops.clear();  // their hand-offs go before the actor system
}

void front_end::run(int listen_fd) {
  // Loop i is hosted by CAF worker i when there is one (hosting.hpp); any
  // other runs on a thread of its own.
  std::vector<loop*> hosted;
  for (std::size_t i = 0; i < impl_->loops.size(); ++i) {
    auto* lp = impl_->loops[i].get();
    lp->listen_on(listen_fd);
    if (host(impl_->sys, i, lp))
      hosted.push_back(lp);
    else
      lp->thread = std::thread{[lp] { lp->run(); }};
  }
  for (auto& l : impl_->loops)
    if (l->thread.joinable())
      l->thread.join();
  for (auto* lp : hosted)
    lp->wait_finished();
}

void front_end::stop() {
  impl_->stopping = true;
  for (auto& l : impl_->loops)
    l->wake();
}

void loop::note(const connection* c, std::string_view target, int status) {
  auto path = target.substr(0, target.find('?'));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - c->first_byte);
  sh_.metrics.observe(endpoint_of(path), status, static_cast<uint64_t>(std::max<int64_t>(us.count(), 0)));
  const auto& mode = sh_.s.access_log;
  if (mode == "all" || (mode == "errors" && status >= 400))
    sh_.log.write(std::string{path} + " " + std::to_string(status) + " "
                  + std::to_string(static_cast<double>(us.count()) / 1000.0)
                  + "ms (answered by the front end)");
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
  address_of(addr, ip, bound_port);
  return fd;
}

} // namespace http
