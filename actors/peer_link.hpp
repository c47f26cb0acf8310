// A peer link: this node's side of the connection to one other node of the
// cluster. It has the router's interface, so the series router hands it the
// requests for series that node owns, and it forwards each, in one hop, to the
// node's gateway (a caf::io remote actor), numbered, to be relayed back.
//
//   event loop --(fit|predict|plot|list)--> peer_link --BASP/TCP--> gateway
//        ^                                     |  (on the owner) <--> shard
//        +------------- reply -----------------+
//
// Every forwarded request is answered, whatever CAF does with it. CAF 0.17
// never answers a request whose connection dropped, and can drop an answer
// silently (no route back, after it rearranged its connections), so the link
// answers them itself: reads with `unavailable` (503), fits and predicts that
// may learn with `in_doubt` (502: the owner may have stored the fit, or its
// online detector may have learned the point) --
//  - at once when the remote proxy goes down (the connection closed);
//  - when the peer has answered nothing, not even a ping, for
//    `silence_limit` (a hung node: the link is then down, and requests for
//    its series are answered `unavailable` at once until it answers again);
//  - when two pings in a row found a request neither answered nor at work
//    on the owner (its request or its answer was lost in transit).
// Pings go every `ping_every` and ask about the requests older than the
// previous ping. After this node itself stalled (stopped, starved) for half
// of `silence_limit` or more, the peer may have dropped the connection, its
// closing still unread: nothing is forwarded (`unavailable`, nothing done)
// until the peer answers a ping sent after the stall, so that no request is
// sent into a dead connection and left in doubt. Answers to requests sent
// before the stall do not count: they may have waited, unread, in front of
// that closing. While disconnected the link reconnects by
// itself with exponential back-off. Told to exit (the peer left the
// cluster), it answers what it holds the same way first.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/router_shard.hpp"

namespace actors {

/// What a peer link shows to metrics and /healthcheck; read from any thread.
struct peer_status {
  std::string node;                 ///< its cluster.nodes entry
  std::atomic<bool> up{false};      ///< connected, handshaken, and answering
  std::atomic<uint64_t> series{0};  ///< its series count, as last heard
  std::atomic<bool> refused{false}; ///< its handshake refused us (another node list)

  /// Its HTTP address, as it told us ("" until it did).
  std::string http() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return http_;
  }
  void set_http(std::string addr) {
    std::lock_guard<std::mutex> guard{mtx_};
    http_ = std::move(addr);
  }

private:
  mutable std::mutex mtx_;
  std::string http_;
};

/// The peer links' status, a set that changes as members come and go.
class peer_list {
public:
  std::vector<std::shared_ptr<peer_status>> snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return peers_;
  }
  void set(std::vector<std::shared_ptr<peer_status>> peers) {
    std::lock_guard<std::mutex> guard{mtx_};
    peers_ = std::move(peers);
  }

private:
  mutable std::mutex mtx_;
  std::vector<std::shared_ptr<peer_status>> peers_;
};

struct peer_settings {
  std::string node;                                       ///< "host:port" to connect to
  std::chrono::milliseconds read_wait{31000};             ///< longest wait for a read's answer
  std::chrono::milliseconds fit_wait{std::chrono::hours(24)}; ///< for a fit's (the store decides)
  std::chrono::milliseconds connect_timeout{2000};        ///< one connection attempt
  std::chrono::milliseconds count_timeout{250};           ///< asking the peer's series count
  std::chrono::milliseconds backoff_min{100};             ///< first retry after a failure
  std::chrono::milliseconds backoff_max{2000};            ///< retries back off up to this
  std::chrono::milliseconds silence_limit{2000};          ///< a peer silent this long is down
  std::chrono::milliseconds ping_every{500};              ///< liveness pings while connected
  std::function<void(const std::string&)> log;            ///< state changes, one line each
  bool tls = false; ///< connect through CAF's OpenSSL module (mutual TLS), not in plain
  /// Whether this link dials the peer. When not, it waits for the peer's
  /// (hello_atom, gateway): over TLS only one of two nodes dials, since CAF
  /// 0.17.6's close of the redundant second connection takes the first down.
  bool dial = true;
  /// When set, after connecting the link introduces this node's gateway to
  /// the peer's: (hello_atom, self_node, hello_with), for the peer's link.
  caf::actor hello_with;
  std::string self_node; ///< this node's entry in cluster.nodes, for the hello
  /// Called (on the link's thread) when the peer's up, refused or HTTP
  /// address changed; may be empty.
  std::function<void()> on_change;
};

/// `tmpl` made the settings of the link to `node`. Over TLS only one of two
/// nodes dials, the one whose address sorts first, and introduces itself with
/// a hello; in plain both dial and no hello is sent.
peer_settings with_node(peer_settings tmpl, const std::string& node);

/// Spawns the link; it connects at once. Besides the router interface it
/// answers (count_atom) with the peer's series count (the last known one when
/// the peer does not answer within `count_timeout`), and (store_atom) with the
/// milliseconds since the peer last renewed its lease in the shared store
/// (-1: never; an error when the peer does not answer).
caf::actor spawn_peer_link(caf::actor_system& sys, peer_settings cfg,
                           std::shared_ptr<peer_status> status);

} // namespace actors
