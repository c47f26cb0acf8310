// model_server: reads the configuration, starts the actors and the HTTP
// listener, serves until SIGTERM or SIGINT, then drains and exits 0.
#include <sys/resource.h>

#include <csignal>
#include <iostream>
#include <thread>

#include <caf/all.hpp>

#include "http/config.hpp"
#include "http/service.hpp"

namespace {

void log_line(std::string_view line) {
  std::cerr << line << '\n';
}

/// Blocks SIGTERM and SIGINT in every thread started after this call, so the
/// waiter thread is the only one that receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
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
  http::app_config cfg;
  auto problems = http::load_config(cfg, argc, argv);
  if (cfg.cli_helptext_printed)
    return 0;
  for (const auto& p : problems)
    std::cerr << "model_server: " << p << '\n';
  if (!problems.empty())
    return 2;
  caf::actor_system sys{cfg};
  auto svc = http::service::start(sys, cfg.values, log_line);
  if (!svc) {
    std::cerr << "model_server: " << svc.detail() << '\n';
    return 1;
  }
  auto& server = *svc.value();
  std::thread waiter{[&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "model_server: signal " << sig << ", draining\n";
    server.stop();
  }};
  std::cerr << "model_server: listening on " << cfg.values.host << ":" << server.port()
            << ", store " << cfg.values.data_dir << "/" << cfg.values.store_file << '\n';
  server.run();
  // run() returned: either a signal stopped it (waiter is done) or listening
  // failed; wake the waiter in the second case so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  svc.value().reset();
  std::cerr << "model_server: stopped\n";
  return 0;
}
