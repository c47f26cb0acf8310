// A peer link: this node's side of the connection to one other node of the
// cluster. It has the router's interface, so the series router hands it the
// requests for series that node owns, and it forwards each, in one hop, to the
// node's gateway (a caf::io remote actor).
//
//   HTTP worker --(fit|predict|plot|list)--> peer_link --BASP/TCP--> gateway
//        ^                                     |  (on the owner) --> shard
//        +------------- reply -----------------+
//
// CAF 0.17 never answers a request whose connection dropped, so the link keeps
// every forwarded request and answers them itself the moment the remote proxy
// goes down: reads with `unavailable` (503), fits with `in_doubt` (the owner
// may have stored it). While the node is down every request is answered
// `unavailable` at once. The link reconnects by itself with exponential
// back-off. Heartbeats (middleman.heartbeat-interval / connection-timeout)
// turn a hung node into a dropped connection.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/router_shard.hpp"

namespace actors {

/// What a peer link shows to metrics and /healthcheck; read from any thread.
struct peer_status {
  std::string node;                 ///< its cluster.nodes entry
  std::atomic<bool> up{false};      ///< connected and handshaken
  std::atomic<uint64_t> series{0};  ///< its series count, as last heard
};

struct peer_settings {
  std::string node;                                       ///< "host:port" to connect to
  std::chrono::milliseconds read_wait{31000};             ///< longest wait for a read's answer
  std::chrono::milliseconds fit_wait{std::chrono::hours(24)}; ///< for a fit's (the store decides)
  std::chrono::milliseconds connect_timeout{2000};        ///< one connection attempt
  std::chrono::milliseconds count_timeout{250};           ///< asking the peer's series count
  std::chrono::milliseconds backoff_min{100};             ///< first retry after a failure
  std::chrono::milliseconds backoff_max{2000};            ///< retries back off up to this
  std::function<void(const std::string&)> log;            ///< state changes, one line each
};

/// Spawns the link; it connects at once. Besides the router interface it
/// answers (count_atom) with the peer's series count (the last known one when
/// the peer does not answer within `count_timeout`).
caf::actor spawn_peer_link(caf::actor_system& sys, peer_settings cfg,
                           std::shared_ptr<peer_status> status);

} // namespace actors
