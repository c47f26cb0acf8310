#include "http/app/service.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/series_count.hpp"
#include "http/server/access_log.hpp"

namespace http {

namespace {

/// Creates `dir` and its parents when missing; false with `why` on failure.
bool make_dirs(const std::string& dir, std::string& why) {
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    auto part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      why = "cannot create data directory " + part + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

} // namespace

model::expected<std::unique_ptr<service>, model::store_failure>
service::start(caf::actor_system& sys, const server_config& cfg, log_sink log) {
  std::string why;
  if (cfg.backend != "postgres" && !make_dirs(cfg.data_dir, why)) // postgres: no disk of its own
    return model::store_failure{why};
  auto gate = auth::gate::open(cfg.tokens_file);
  if (!gate)
    return model::store_failure{"option auth.tokens-file: " + gate.detail()};
  std::shared_ptr<tls_context> tls;
  if (!cfg.tls_cert_file.empty()) {
    auto opened = tls_context::open({cfg.tls_cert_file, cfg.tls_key_file, cfg.tls_client_ca_file});
    if (!opened)
      return model::store_failure{opened.detail()};
    tls = opened.value();
  }
  // The port first: in a cluster the HTTP address others hand to clients
  // names it (with --port=0, the one the system chose).
  auto listener = listener_of(cfg);
  int port = -1;
  int fd = open_listener(listener.host, listener.port, listener.backlog, port);
  if (fd < 0)
    return model::store_failure{"cannot listen on " + cfg.host + ":" + std::to_string(cfg.port)
                                + " (address in use or not available)"};
  auto settings = actors_of(cfg);
  settings.cluster.log = [log](const std::string& line) { log(line); };
  settings.cluster.http = advertised_http(cfg, port);
  auto rt = actors::start(sys, settings);
  if (!rt) {
    ::close(fd);
    return model::store_failure{rt.detail()};
  }
  std::unique_ptr<service> self{new service};
  self->listen_fd_ = fd;
  self->port_ = port;
  self->rt_ = std::move(rt.value());
  self->gate_ = std::move(gate.value());
  self->ctx_.reset(new api_context{sys, *self->rt_.router, *self->rt_.counters, *self->rt_.series,
                                  api_of(cfg)});
  if (self->rt_.cluster.enabled()) {
    self->ctx_->cluster = &self->rt_.cluster;
    // Static mode sums the nodes' own stores; a shared store counts them all.
    if (!self->rt_.cluster.postgres)
      self->ctx_->series_count = actors::spawn_series_count(sys, self->rt_.cluster.links,
                                                            self->rt_.counters);
  }
  auto front = front_end_of(cfg);
  front.keep_alive = keep_alive_header(listener);
  front.tls = tls;
  self->tls_ = std::move(tls);
  // Access-log lines and notices leave the loops through one writer thread.
  self->log_ = std::make_unique<access_log>(log, front.access_log_queue,
                                            self->ctx_->metrics.log_lines_dropped);
  auto* writer = self->log_.get();
  configure(self->srv_, listener, [writer](std::string_view line) { writer->write(std::string{line}); },
            self->ctx_->metrics, self->gate_.get());
  install_routes(self->srv_, *self->ctx_);
  self->front_ = std::make_unique<front_end>(self->srv_, front, self->ctx_->metrics, *self->log_, sys);
  return self;
}

service::~service() {
  stop();
  front_.reset(); // its hand-offs go before the actors stop
  log_.reset();   // writes what is queued
  if (ctx_ && ctx_->series_count)
    caf::anon_send_exit(ctx_->series_count, caf::exit_reason::user_shutdown);
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  actors::stop(rt_);
}

void service::run() {
  front_->run(listen_fd_);
}

void service::drain() {
  if (ctx_)
    ctx_->draining = true;
}

void service::stop() {
  drain();
  if (front_)
    front_->stop();
  // New connections are refused from here on, not left in the backlog to be
  // reset at exit; the socket is closed when the service goes.
  if (listen_fd_ >= 0)
    ::shutdown(listen_fd_, SHUT_RDWR);
}

} // namespace http
