// model_server: reads the configuration, starts the actors and the HTTP
// listener, serves until SIGTERM or SIGINT, then drains and exits 0 (or 3 when
// the drain timeout cut requests off; 4 when a store actor stopped; 2 for a bad
// configuration, 1 when the store or the port is unusable). SIGHUP reloads
// auth.tokens-file and the TLS certificate and key. `model_server --hash-token[=SCOPE]` reads a token on
// standard input, prints its tokens-file line and exits; `--version` prints
// the version and the build's git commit.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <future>
#include <iterator>
#include <thread>

#include <caf/all.hpp>

#include "http/app/allocator.hpp"
#include "http/app/build_info.hpp"
#include "http/app/config.hpp"
#include "http/app/service.hpp"

namespace {

/// One line to stderr in one write, so that lines from several threads never
/// interleave (tests and supervisors parse them).
void log_line(std::string_view line) {
  std::string text;
  text.reserve(line.size() + 1);
  text.append(line).push_back('\n');
  for (std::size_t done = 0; done < text.size();) {
    auto n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    done += static_cast<std::size_t>(n);
  }
}

void log_server(std::string_view line) {
  log_line("model_server: " + std::string{line});
}

/// Blocks SIGTERM, SIGINT, SIGHUP (and SIGUSR1) in every thread started after
/// this call, so the waiter thread is the only one that receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP); // reload the tokens
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

/// `--hash-token` or `--hash-token=SCOPE` (read, write, admin; default read)
/// among the arguments, or null.
const char* hash_token_argument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view{argv[i]}.substr(0, 12) == "--hash-token")
      return argv[i];
  return nullptr;
}

/// Reads a token on standard input (one trailing newline dropped) and prints
/// its tokens-file line; the token itself is never printed. Exit status.
int hash_token(std::string_view argument) {
  auto scope_name = argument.size() > 13 && argument[12] == '=' ? argument.substr(13)
                                                                  : std::string_view{"read"};
  auto granted = http::auth::scope_named(scope_name);
  if (!granted || (argument.size() > 12 && argument[12] != '=')) {
    std::cerr << "model_server: use --hash-token or --hash-token=read|write|admin\n";
    return 2;
  }
  std::string token{std::istreambuf_iterator<char>{std::cin}, {}};
  if (!token.empty() && token.back() == '\n')
    token.pop_back();
  if (!token.empty() && token.back() == '\r')
    token.pop_back();
  auto line = http::auth::token_line(token, *granted);
  if (!line) {
    std::cerr << "model_server: " << line.detail() << '\n';
    return 2;
  }
  std::cout << line.value() << '\n';
  return 0;
}

/// How long the actor runtime may take to stop once every actor of ours has
/// ended. It normally takes milliseconds.
constexpr auto runtime_stop_timeout = std::chrono::seconds(5);

/// Ends the actor system and returns `status`. First waits for every actor of
/// ours, the store writers included, as the actor system's destructor does.
/// Then CAF's middleman stops, and it waits for its connections. Over mutual
/// TLS, CAF 0.17.6 retries a handshake the peer never answers (a stopped or
/// frozen node, whose kernel still accepts TCP) in a busy loop on its network
/// thread: `openssl::session::do_some` counts SSL_ERROR_WANT_READ during
/// SSL_connect as progress. The middleman then never stops. Nothing of ours
/// is left to lose at that point, so past runtime_stop_timeout the process
/// exits with `status` without it.
int end_runtime(std::optional<caf::actor_system>& sys, int status) {
  sys->await_all_actors_done();
  std::mutex mutex;
  std::condition_variable cv;
  bool ended = false;
  std::thread watchdog{[&] {
    std::unique_lock lock{mutex};
    if (cv.wait_for(lock, runtime_stop_timeout, [&] { return ended; }))
      return;
    log_server("the actor runtime did not stop within "
               + std::to_string(runtime_stop_timeout.count())
               + " s of its actors (in a cluster over mutual TLS, CAF's network thread may be "
                 "retrying a handshake a stopped peer never answers); exiting with status "
               + std::to_string(status) + " without it");
    std::_Exit(status);
  }};
  sys.reset();
  {
    std::lock_guard lock{mutex};
    ended = true;
  }
  cv.notify_one();
  watchdog.join();
  return status;
}

} // namespace

int main(int argc, char** argv) {
  if (auto* argument = hash_token_argument(argc, argv))
    return hash_token(argument);
  for (int i = 1; i < argc; ++i)
    if (std::string_view{argv[i]} == "--version") {
      std::cout << "model_server " << http::build_version() << " (commit "
                << http::build_commit() << ")\n";
      return 0;
    }
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
    log_server(p);
  if (!problems.empty())
    return 2;
  for (const auto& notice : http::deprecation_notices(cfg.values))
    log_server(notice);
  std::optional<caf::actor_system> sys; // ended by end_runtime, bounded
  sys.emplace(cfg);
  auto svc = http::service::start(*sys, cfg.values, log_line);
  if (!svc) {
    log_server(svc.detail());
    return end_runtime(sys, 1);
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
    while ((sig = sigtimedwait(&signals, nullptr, &tick)) < 0 || sig == SIGHUP) {
      if (sig == SIGHUP) { // connections and requests go on meanwhile
        log_server(server.reload_tokens());
        if (auto line = server.reload_tls(); !line.empty())
          log_server(line);
        continue;
      }
      if (server.context().counters.down.load()) {
        log_server("a store actor stopped; stopping with status 4 so that the supervisor "
                   "restarts the server on the store");
        store_down = true;
        break;
      }
    }
    if (sig == SIGUSR1)
      return; // run() ended on its own
    // Shutdown: readiness 503 first, then stop accepting; run() returns when
    // in-flight requests are answered, bounded by drain-timeout-ms.
    if (sig > 0)
      log_server("signal " + std::to_string(sig) + ", draining");
    server.drain();
    std::this_thread::sleep_for(grace);
    server.stop();
    if (served_future.wait_for(drain_timeout) != std::future_status::ready) {
      // A forced stop is not a clean one: say what was cut off, exit non-zero.
      const auto& m = server.context().metrics;
      log_server("drain-timeout-ms passed with " + std::to_string(m.in_flight.load())
                 + " request(s) still waiting on actors and "
                 + std::to_string(m.connections.load())
                 + " connection(s) open; exiting with status 3");
      std::_Exit(3);
    }
  }};
  if (server.checks_tokens())
    log_server("auth: tokens from " + cfg.values.tokens_file
               + " are required (SIGHUP reloads the file)");
  else
    log_server("auth: no auth.tokens-file: anyone who reaches port "
               + std::to_string(server.port()) + " may read, write and delete every series");
  if (auto cert = server.tls_certificate(); !cert.empty())
    log_server("tls: HTTPS only, certificate " + cert + " (SIGHUP reloads it)");
  if (!cfg.values.cluster_cert_file.empty())
    log_server("cluster: mutual TLS between nodes, certificates from " + cfg.values.cluster_ca_file);
  log_server("listening on " + cfg.values.host + ":" + std::to_string(server.port())
             + ", store "
             + (cfg.values.backend == "postgres" ? std::string{"PostgreSQL (store.postgres)"}
                                                 : cfg.values.data_dir + "/" + cfg.values.store_file)
             + ", allocator " + http::allocator_in_use());
  server.run();
  served.set_value();
  pthread_kill(waiter.native_handle(), SIGUSR1); // wakes the waiter if no signal came
  waiter.join();
  svc.value().reset(); // stops the actors; the store writer has nothing pending
  log_server("stopped");
  return end_runtime(sys, store_down ? 4 : 0);
}
