// model_server: reads the configuration, starts the actors and the HTTP
// listener, serves until SIGTERM or SIGINT, then drains and exits 0 (or 3 when
// the drain timeout cut requests off; 4 when a store actor stopped; 2 for a bad
// configuration, 1 when the store or the port is unusable).
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <future>
#include <thread>

#include <caf/all.hpp>

#include "http/app/config.hpp"
#include "http/app/service.hpp"

namespace {

void log_line(std::string_view line) {
  std::cerr << line << '\n';
}

/// Blocks SIGTERM, SIGINT (and SIGUSR1) in every thread started after this
/// call, so the waiter thread is the only one that receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1); // internal: run() returned without a stop signal
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Raises the open-file limit to its hard maximum: every connection is a file.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

int main(int argc, char** argv) {
  auto signals = block_stop_signals();
  raise_file_limit();
  // Past a file-size limit (RLIMIT_FSIZE) a write fails with EFBIG and also
  // raises SIGXFSZ, which would kill the process: the store must instead fail
  // the commit, so fits get 503 while predicts go on (as on a full disk).
  std::signal(SIGXFSZ, SIG_IGN);
  http::app_config cfg;
  auto problems = http::load_config(cfg, argc, argv);
  if (cfg.cli_helptext_printed)
    return 0;
  for (const auto& p : problems)
    std::cerr << "model_server: " << p << '\n';
  if (!problems.empty())
    return 2;
  for (const auto& notice : http::deprecation_notices(cfg.values))
    std::cerr << "model_server: " << notice << '\n';
  caf::actor_system sys{cfg};
  auto svc = http::service::start(sys, cfg.values, log_line);
  if (!svc) {
    std::cerr << "model_server: " << svc.detail() << '\n';
    return 1;
  }
  auto& server = *svc.value();
  const auto grace = std::chrono::milliseconds(cfg.values.drain_grace_ms);
  const auto drain_timeout = std::chrono::milliseconds(cfg.values.drain_timeout_ms);
  std::atomic<bool> store_down{false};
  std::promise<void> served;
  auto served_future = served.get_future();
  std::thread waiter{[&server, signals, grace, drain_timeout, &served_future, &store_down] {
    int sig = 0;
    const timespec tick{0, 250 * 1000 * 1000};
    while ((sig = sigtimedwait(&signals, nullptr, &tick)) < 0) {
      if (server.context().counters.down.load()) {
        std::cerr << "model_server: a store actor stopped; stopping with status 4 so that the "
                     "supervisor restarts the server on the store\n";
        store_down = true;
        break;
      }
    }
    if (sig == SIGUSR1)
      return; // run() ended on its own
    // Shutdown: readiness 503 first, then stop accepting; run() returns when
    // in-flight requests are answered, bounded by drain-timeout-ms.
    if (sig > 0)
      std::cerr << "model_server: signal " << sig << ", draining\n";
    server.drain();
    std::this_thread::sleep_for(grace);
    server.stop();
    if (served_future.wait_for(drain_timeout) != std::future_status::ready) {
      // A forced stop is not a clean one: say what was cut off, exit non-zero.
      const auto& m = server.context().metrics;
      std::cerr << "model_server: drain-timeout-ms passed with " << m.in_flight.load()
                << " request(s) still at the workers and " << m.connections.load()
                << " connection(s) open; exiting with status 3\n";
      std::_Exit(3);
    }
  }};
  std::cerr << "model_server: listening on " << cfg.values.host << ":" << server.port()
            << ", store "
            << (cfg.values.backend == "postgres" ? "PostgreSQL (store.postgres)"
                                                 : cfg.values.data_dir + "/" + cfg.values.store_file)
            << '\n';
  server.run();
  served.set_value();
  pthread_kill(waiter.native_handle(), SIGUSR1); // wakes the waiter if no signal came
  waiter.join();
  svc.value().reset(); // stops the actors; the store writer has nothing pending
  std::cerr << "model_server: stopped\n";
  return store_down ? 4 : 0;
}
