// The server as one running unit: the actors (actors::start), the routes and
// the bound listener. main runs one; the HTTP tests run one in-process on a
// free port. Create, run() on one thread, stop() from any other.
#pragma once

#include <memory>
#include <string>

#include "actors/system.hpp"
#include "http/app/config.hpp"
#include "http/auth/gate.hpp"
#include "http/server/access_log.hpp"
#include "http/server/front_end.hpp"
#include "http/api/listener.hpp"
#include "http/api/routes.hpp"
#include "model/expected.hpp"

namespace http {

class service {
public:
  /// Opens the store, starts the actors and binds the port. Fails with a
  /// sentence when the data directory, the store or the port is unusable.
  static model::expected<std::unique_ptr<service>, model::store_failure>
  start(caf::actor_system& sys, const server_config& cfg, log_sink log);

  /// Stops listening (if still running) and stops the actors.
  ~service();

  /// The bound TCP port.
  int port() const { return port_; }

  /// Serves until stop(); in-flight requests finish before it returns.
  void run();

  /// Turns readiness to 503 (/health/ready) while still serving. Thread-safe.
  void drain();

  /// Stops accepting connections and requests; run() returns once the
  /// requests already read are answered. Thread-safe; idempotent.
  void stop();

  const api_context& context() const { return *ctx_; }

  /// Reads auth.tokens-file again (SIGHUP): new requests see the new tokens,
  /// connections stay open; a bad file keeps the old ones. Returns the line
  /// to log. Thread-safe.
  std::string reload_tokens() { return gate_->reload(); }

  /// Whether tokens are checked (auth.tokens-file is set).
  bool checks_tokens() const { return gate_->enabled(); }

private:
  service() = default;
  actors::runtime rt_;
  std::unique_ptr<api_context> ctx_;
  std::unique_ptr<auth::gate> gate_;
  routed_server srv_;
  std::unique_ptr<access_log> log_;
  std::unique_ptr<front_end> front_;
  int listen_fd_ = -1;
  int port_ = -1;
};

} // namespace http
