// Test fixtures shared by the suites: temporary directories, an in-process
// server on a free port with a real SQLite file, and a child-process server
// for restart and kill tests. Plain structs, as in httplib's ServerTest.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <sqlite3.h>

#include "http/app/config.hpp"
#include "tests/exec.hpp"
#include "tests/temp_dir.hpp"
#include "http/app/service.hpp"

namespace testing {

/// A client for the server on 127.0.0.1:`port`, with a 30 s read timeout.
inline httplib::Client client_for(int port) {
  httplib::Client c{"127.0.0.1", port};
  c.set_read_timeout(30, 0);
  return c;
}

/// Polls GET /health/live every 10 ms, at most `attempts` times, until it
/// answers 200. A bound port is not enough: the worker pool may still be
/// starting (slowly under sanitizers).
inline bool wait_until_serving(int port, int attempts) {
  for (int i = 0; i < attempts; ++i) {
    if (auto r = client_for(port).Get("/health/live"); r && r->status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// As wait_until_serving, over TLS (any certificate: the tests check theirs
/// themselves). A server that asks for a client certificate refuses this
/// probe's handshake: that too says its loops are serving.
inline bool wait_until_serving_tls(int port, int attempts) {
  for (int i = 0; i < attempts; ++i) {
    httplib::SSLClient c{"127.0.0.1", port};
    c.enable_server_certificate_verification(false);
    c.set_read_timeout(30, 0);
    auto r = c.Get("/health/live");
    if ((r && r->status == 200) || (!r && r.error() != httplib::Error::Connection))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// A raw TCP connection to 127.0.0.1:`port` (for bytes no client library
/// sends), or -1.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// The answer in `r`. A transport error (no answer at all) fails the calling
/// test with the error's name, instead of crashing the test binary on a null
/// result.
inline httplib::Response answer(const httplib::Result& r) {
  REQUIRE_MESSAGE(static_cast<bool>(r), "no HTTP answer: " << httplib::to_string(r.error()));
  return *r;
}

/// The status of `r`, or -1 for a transport error: for client threads, where
/// a failed REQUIRE cannot stop the test.
inline int status_of(const httplib::Result& r) {
  return r ? r->status : -1;
}

/// Raises this process's soft limit of open files to `at_least` (at most the
/// hard limit), for tests that hold thousands of connections.
inline void raise_open_files(rlim_t at_least) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < at_least) {
    lim.rlim_cur = std::min(at_least, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

/// This process's resident memory in bytes (from /proc/self/statm).
inline long resident_bytes() {
  std::ifstream in{"/proc/self/statm"};
  long size = 0, resident = 0;
  in >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

/// Counts the occurrences of `needle` in a byte stream that arrives in
/// pieces: one split across two pieces is counted once, none twice.
struct stream_counter {
  std::string needle;
  std::string carry; ///< the last needle.size() - 1 bytes seen

  int feed(const char* data, std::size_t size) {
    auto text = carry + std::string(data, size);
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++count;
    carry = text.substr(text.size() - std::min(text.size(), needle.size() - 1));
    return count;
  }
};

/// Raw sockets, for bytes and timings no client library produces.
namespace raw {

inline int connect_to(int port) {
  int fd = testing::connect_loopback(port);
  REQUIRE(fd >= 0);
  return fd;
}

inline void send_text(int fd, const std::string& s) {
  ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
}

/// Everything the server sends until it closes or `ms` pass without data.
inline std::string read_all(int fd, int ms) {
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, ms) > 0) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

/// Whether `out` holds a whole response: its headers and the body their
/// Content-Length announces (none without one).
inline bool whole_response(const std::string& out) {
  auto end = out.find("\r\n\r\n");
  if (end == std::string::npos)
    return false;
  auto cl = out.find("Content-Length: ");
  std::size_t body = cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
  return out.size() >= end + 4 + body;
}

/// One whole response from `fd` (headers and a Content-Length body), or
/// what arrived before the server closed or 30 s passed.
inline std::string read_response(int fd) {
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    if (whole_response(out))
      return out;
    if (::poll(&p, 1, 30000) <= 0)
      return out;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

/// True when the server closed `fd` within `ms`.
inline bool closed_within(int fd, int ms) {
  char buf[256];
  pollfd p{fd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::poll(&p, 1, 50) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0)
      return true;
  }
  return false;
}

} // namespace raw

/// The actor system config every in-process test uses (types registered).
inline http::app_config make_app_config() {
  http::app_config cfg;
  cfg.set("scheduler.max-threads", 2);
  return cfg;
}

/// The version in a fit answer's body, or -1 when there is none. The regex
/// is compiled once: libstdc++ fills a shared ctype cache while compiling
/// one, which TSan reports when client threads compile theirs at once.
inline int version_in(const std::string& body) {
  static const std::regex version{R"re("version":"(\d+)")re"};
  std::smatch m;
  return std::regex_search(body, m, version) ? std::stoi(m[1]) : -1;
}

/// A real server (actors, SQLite store, HTTP on a free port) in this process.
struct live_server {
  temp_dir dir;
  http::app_config cfg = make_app_config();
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<http::service> svc;
  std::thread runner;

  explicit live_server(http::server_config values = {}) {
    values.port = 0;
    values.host = "127.0.0.1";
    values.data_dir = dir.path + "/data";
    start(values);
  }

  void start(const http::server_config& values) {
    cfg.values = values;
    sys = std::make_unique<caf::actor_system>(cfg);
    auto started = http::service::start(*sys, values, [](std::string_view) {});
    if (!started)
      throw std::runtime_error(started.detail());
    svc = std::move(started.value());
    runner = std::thread{[this] { svc->run(); }};
    bool tls = !values.tls_cert_file.empty();
    if (!(tls ? wait_until_serving_tls(svc->port(), 500) : wait_until_serving(svc->port(), 500)))
      throw std::runtime_error("server did not come up");
  }

  /// Stops everything, then starts again on the same data directory.
  void restart() {
    auto values = cfg.values;
    shutdown();
    cfg.values = values;
    start(values);
  }

  void shutdown() {
    if (!svc)
      return;
    svc->stop();
    runner.join();
    svc.reset();
    sys.reset();
  }

  ~live_server() { shutdown(); }

  httplib::Client client() const { return client_for(svc->port()); }
};

/// The model_server binary under test (MODEL_SERVER_BIN, else from PATH).
inline std::string server_binary() {
  const char* bin = std::getenv("MODEL_SERVER_BIN");
  return bin ? bin : "model_server";
}

/// Runs `command` in a shell; its exit status and what it printed (both streams).
inline std::pair<int, std::string> run_shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// The model_server binary run as a child process (for signals and kill -9).
struct child_server {
  std::string data_dir;
  std::string log_path;
  std::atomic<pid_t> pid{-1}; ///< read by load threads while the test stops the child
  int port = -1;

  /// `max_files`, when not 0, is the child's hard and soft limit of open files.
  child_server(const std::string& data, std::vector<std::string> extra = {},
               rlim_t max_files = 0)
    : data_dir(data), log_path(data + ".log") {
    std::vector<std::string> args{server_binary(), "--port=0", "--host=127.0.0.1",
                                  "--data-dir=" + data_dir};
    args.insert(args.end(), extra.begin(), extra.end());
    bool tls = false;
    for (const auto& a : args)
      tls = tls || a.rfind("--tls.cert-file=", 0) == 0;
    exec_args program{std::move(args)};
    std::remove(log_path.c_str()); // never read an earlier run's "listening on" line
    pid = ::fork();
    if (pid == 0) { // async-signal-safe calls only until the exec (tests/exec.hpp)
      ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a crashed test leaves no server behind
      if (max_files != 0) {
        rlimit lim{max_files, max_files};
        ::setrlimit(RLIMIT_NOFILE, &lim);
      }
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (log < 0 || ::dup2(log, 2) < 0)
        ::_exit(126);
      program.exec_or_exit();
    }
    port = wait_for_port();
    if (port > 0)
      tls ? wait_until_serving_tls(port, 3000) : wait_until_serving(port, 3000);
  }

  int wait_for_port() {
    std::regex listening{R"(listening on [^:]+:(\d+)[,\s])"};
    for (int i = 0; i < 1000; ++i) {
      std::string text = log();
      std::smatch m;
      if (std::regex_search(text, m, listening))
        return std::stoi(m[1]);
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  /// Sends `sig` and waits for the exit; returns the exit status (or 128+signal).
  /// With `within`, a child still running after it is killed with SIGKILL and
  /// the result is `timed_out`.
  static constexpr int timed_out = -2;
  int stop(int sig = SIGTERM, std::chrono::milliseconds within = {}) {
    if (pid < 0)
      return -1;
    ::kill(pid, sig);
    int status = 0;
    bool exited = within.count() == 0;
    if (exited)
      ::waitpid(pid, &status, 0);
    for (auto end = std::chrono::steady_clock::now() + within;
         !exited && std::chrono::steady_clock::now() < end;) {
      exited = ::waitpid(pid, &status, WNOHANG) == pid;
      if (!exited)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    pid = -1;
    if (!exited)
      return timed_out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  ~child_server() { stop(SIGKILL); }

  /// Whether the server's log holds `what` past its first `from` bytes
  /// within `within` (polled every 10 ms).
  bool logs_within(const std::string& what, std::chrono::milliseconds within,
                   std::size_t from = 0) const {
    for (auto end = std::chrono::steady_clock::now() + within;;) {
      if (auto text = log(); text.size() > from && text.find(what, from) != std::string::npos)
        return true;
      if (std::chrono::steady_clock::now() >= end)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /// The server's stderr so far (shown when a check on the process fails).
  std::string log() const {
    std::ifstream in{log_path};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

  httplib::Client client() const { return client_for(port); }
};

/// Holds SQLite's write lock on `path` (a second connection in a write
/// transaction) until released: fits stall in their commit.
struct store_lock {
  sqlite3* db = nullptr;
  explicit store_lock(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 30000); // the server's writer may be mid-transaction
    REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  void release() {
    if (db) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db);
      db = nullptr;
    }
  }
  ~store_lock() { release(); }
};

/// The value of the Prometheus sample whose line starts with `name` in the
/// text of /metrics (fails the test when there is none).
inline double metric(const std::string& text, const std::string& name) {
  auto pos = text.find("\n" + name + " ");
  REQUIRE_MESSAGE(pos != std::string::npos, name);
  return std::stod(text.substr(pos + name.size() + 2));
}

/// Polls /metrics (every 10 ms, for at most 30 s) until the unlabelled metric
/// `name` satisfies `ok(value)`; false if it never did.
template <class Ok>
bool wait_for_metric(httplib::Client& c, const std::string& name, Ok ok) {
  for (int i = 0; i < 3000; ++i) {
    auto r = c.Get("/metrics");
    if (r) {
      auto at = r->body.find("\n" + name + " ");
      if (at != std::string::npos && ok(std::stod(r->body.substr(at + name.size() + 2))))
        return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// Waits (polling /metrics every 10 ms, at most 30 s) until exactly `n`
/// requests are at the server's workers. False when that never happened.
inline bool wait_for_in_flight(httplib::Client& c, int n) {
  return wait_for_metric(c, "model_server_in_flight_requests", [n](double v) { return v == n; });
}

inline bool wait_for_metric_at_least(httplib::Client& c, const std::string& name, double least) {
  return wait_for_metric(c, name, [least](double v) { return v >= least; });
}

inline bool wait_for_metric_at_most(httplib::Client& c, const std::string& name, double most) {
  return wait_for_metric(c, name, [most](double v) { return v <= most; });
}

/// A valid fit body with `n` points whose values vary around `base`.
inline std::string fit_body(int n = 6, double base = 10.0, long start = 1700000000) {
  std::string ts = "[", vs = "[";
  for (int i = 0; i < n; ++i) {
    ts += (i ? "," : "") + std::to_string(start + i);
    vs += (i ? "," : "") + std::to_string(base + (i % 3) * 0.1);
  }
  return R"({"timestamps":)" + ts + R"(],"values":)" + vs + "]}";
}

} // namespace testing
