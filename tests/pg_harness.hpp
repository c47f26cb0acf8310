// A private PostgreSQL server for tests: `initdb` into a temporary folder, the
// server on a free port of 127.0.0.1 with its socket in that folder, stopped
// (and the folder removed) when the object goes, even when a test fails. Run
// as root, initdb and the server run as the `postgres` user the Debian package
// creates (initdb refuses root); otherwise as the calling user. The server is
// this process's child with a parent-death signal, so a crashed test binary
// leaves no server behind. Plain struct; no mocks. Also a TCP proxy the tests
// use to cut one node off from the database.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "tests/exec.hpp"
#include "tests/ports.hpp"
#include "tests/temp_dir.hpp"

namespace testing {

/// Where Debian keeps PostgreSQL's server programs (initdb, postgres).
inline std::string postgres_bindir() {
  for (const char* dir : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
                          "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/14/bin"})
    if (::access((std::string{dir} + "/initdb").c_str(), X_OK) == 0)
      return dir;
  throw std::runtime_error("PostgreSQL's server is not installed: run scripts/setup");
}

struct postgres_server {
  temp_dir dir;
  std::string bin = postgres_bindir();
  int port = free_tcp_port();
  pid_t pid = -1;
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();

  postgres_server() {
    if (::geteuid() == 0) { // initdb refuses root: the package's postgres user
      passwd* pw = ::getpwnam("postgres");
      if (!pw)
        throw std::runtime_error("run as root, the tests need the postgres user (scripts/setup)");
      uid = pw->pw_uid;
      gid = pw->pw_gid;
      if (::chown(dir.path.c_str(), uid, gid) != 0)
        throw std::runtime_error("cannot give " + dir.path + " to the postgres user");
    }
    run_as_user({bin + "/initdb", "-D", data(), "-A", "trust", "-U", "postgres", "--no-sync",
                 "-E", "UTF8", "--locale=C"},
                dir.path + "/initdb.log", true);
    start();
  }

  ~postgres_server() { stop(SIGQUIT); }

  std::string data() const { return dir.path + "/data"; }
  std::string log_path() const { return dir.path + "/server.log"; }

  /// A libpq connection string for this server through 127.0.0.1:`p` (its
  /// own port by default; a proxy's to cut it off).
  std::string conninfo(int p = -1) const {
    return "host=127.0.0.1 port=" + std::to_string(p < 0 ? port : p)
           + " dbname=postgres user=postgres";
  }

  /// Starts the server (again) on the same port and data; waits until it accepts connections.
  void start() {
    pid = run_as_user({bin + "/postgres", "-D", data(), "-p", std::to_string(port), "-k", dir.path,
                       "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                       "-c", "shared_buffers=64MB"},
                      log_path(), false);
    for (int i = 0; i < 3000; ++i) {
      if (PQping(conninfo().c_str()) == PQPING_OK)
        return;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("PostgreSQL did not start; its log:\n" + log());
  }

  /// Stops the server: SIGINT is a fast shutdown, SIGQUIT an immediate one
  /// (a crash, recovered at the next start). Waits until it has exited.
  void stop(int sig = SIGINT) {
    if (pid < 0)
      return;
    ::kill(pid, sig);
    for (int i = 0; i < 3000; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }

  std::string log() const {
    std::ifstream in{log_path()};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

private:
  /// Runs `args` as the server's user with output in `log`: waits for it
  /// (`wait`) or returns its pid (a child that dies with this process).
  pid_t run_as_user(std::vector<std::string> args, const std::string& log, bool wait) {
    pid_t parent = ::getpid();
    exec_args program{std::move(args)};
    pid_t child = ::fork();
    if (child == 0) { // async-signal-safe calls only until the exec (tests/exec.hpp)
      if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0))
        ::_exit(126);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL); // after setuid, which clears it
      if (::getppid() != parent)
        ::_exit(125);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      program.exec_or_exit();
    }
    if (!wait)
      return child;
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream in{log};
      throw std::runtime_error(args[0] + " failed:\n"
                               + std::string{std::istreambuf_iterator<char>{in}, {}});
    }
    return child;
  }
};

/// A TCP proxy on 127.0.0.1 in front of `target_port`, run by its own
/// thread. `cut()` turns it into a black hole (connections stay open, no
/// byte goes through either way, new ones are never served), as a firewall
/// that drops packets would; `restore()` lets traffic through again for new
/// connections (the cut ones stay dead, as after a real partition).
class tcp_proxy {
public:
  explicit tcp_proxy(int target_port) : target_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listen_fd_, 128);
    thread_ = std::thread{[this] { loop(); }};
  }
  ~tcp_proxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    for (auto& p : pairs_) {
      ::close(p.first);
      ::close(p.second);
    }
  }
  int port() const { return port_; }
  void cut() { cut_ = true; }
  void restore() { restore_ = true; }

private:
  void loop() {
    while (!stop_) {
      if (restore_.exchange(false)) { // the cut connections stay dead
        for (auto& p : pairs_) {
          ::close(p.first);
          ::close(p.second);
        }
        pairs_.clear();
        cut_ = false;
      }
      std::vector<pollfd> fds{{listen_fd_, static_cast<short>(cut_ ? 0 : POLLIN), 0}};
      for (auto& p : pairs_) {
        fds.push_back({p.first, static_cast<short>(cut_ ? 0 : POLLIN), 0});
        fds.push_back({p.second, static_cast<short>(cut_ ? 0 : POLLIN), 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0 || cut_)
        continue;
      std::size_t polled = pairs_.size(); // a pair accepted now is polled next time
      if (fds[0].revents & POLLIN)
        accept_one();
      std::vector<std::pair<int, int>> keep;
      for (std::size_t i = polled; i < pairs_.size(); ++i)
        keep.push_back(pairs_[i]);
      for (std::size_t i = 0; i < polled; ++i) {
        bool ok = pump(fds[1 + 2 * i], pairs_[i].second) && pump(fds[2 + 2 * i], pairs_[i].first);
        if (ok) {
          keep.push_back(pairs_[i]);
        } else {
          ::close(pairs_[i].first);
          ::close(pairs_[i].second);
        }
      }
      pairs_ = std::move(keep);
    }
  }
  void accept_one() {
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0)
      return;
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(target_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(client);
      ::close(server);
      return;
    }
    pairs_.emplace_back(client, server);
  }
  static bool pump(const pollfd& from, int to) {
    if (!(from.revents & (POLLIN | POLLHUP | POLLERR)))
      return true;
    char buf[65536];
    auto n = ::recv(from.fd, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    for (ssize_t sent = 0; sent < n;) {
      auto k = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
      if (k <= 0)
        return false;
      sent += k;
    }
    return true;
  }

  int target_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false}, restore_{false};
  std::vector<std::pair<int, int>> pairs_;
  std::thread thread_;
};

} // namespace testing
