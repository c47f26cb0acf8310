// Ports for the servers a test starts with a fixed address (node-to-node
// addresses, a private PostgreSQL): chosen below the kernel's ephemeral
// range, so that no port the kernel hands out meanwhile (a server's HTTP port
// 0, an outgoing connection's local port) can take one before its server
// binds it, and distinct within one call.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace testing {

/// `n` distinct TCP ports on 127.0.0.1 that nothing is bound to now, all
/// below the first ephemeral port (ip_local_port_range).
inline std::vector<int> free_tcp_ports(std::size_t n) {
  int ephemeral = 32768;
  std::ifstream range{"/proc/sys/net/ipv4/ip_local_port_range"};
  range >> ephemeral;
  const int low = 10000;
  if (ephemeral - low < 1000)
    throw std::runtime_error("the ephemeral port range leaves no room for fixed test ports");
  std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick{low, ephemeral - 1};
  std::vector<int> ports, held; // each port's socket is held until all are found
  for (int tries = 0; ports.size() < n && tries < 10000; ++tries) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(pick(rng)));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) { // also free of TIME_WAIT
      ports.push_back(ntohs(a.sin_port));
      held.push_back(fd);
    } else {
      ::close(fd);
    }
  }
  for (int fd : held)
    ::close(fd);
  if (ports.size() < n)
    throw std::runtime_error("no free TCP ports below the ephemeral range");
  return ports;
}

/// One such port.
inline int free_tcp_port() {
  return free_tcp_ports(1).front();
}

/// "127.0.0.1:<port>" with such a port, one that no address in `taken` uses.
inline std::string free_loopback_address(const std::vector<std::string>& taken = {}) {
  for (;;) {
    auto a = "127.0.0.1:" + std::to_string(free_tcp_port());
    if (std::find(taken.begin(), taken.end(), a) == taken.end())
      return a;
  }
}

} // namespace testing
