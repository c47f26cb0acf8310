// Assembly of the cluster side of a node (when cluster.nodes is set): checks
// that the store holds only series this node owns, publishes this node's
// gateway on cluster.self, and spawns one peer link per other node. Called once
// by actors::start (and close_cluster_port once by actors::stop); needs the
// caf::io middleman loaded in the actor system.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/node_gateway.hpp"
#include "actors/peer_link.hpp"
#include "actors/series_router.hpp"
#include "model/expected.hpp"

namespace persistence {
class store;
}

namespace actors {

/// The part of the configuration the cluster needs. Empty `nodes`: one node.
struct cluster_settings {
  std::vector<std::string> nodes; ///< cluster.nodes, validated (model::node_list_problems)
  std::string self;               ///< cluster.self, one of `nodes`
  std::chrono::milliseconds read_wait{31000};      ///< longest wait for a forwarded read
  std::chrono::milliseconds connect_timeout{2000}; ///< one connection attempt; also how
                                                   ///< long a silent peer counts as up
  std::chrono::milliseconds count_timeout{250};    ///< asking a peer's series count
  std::chrono::milliseconds backoff_max{2000};     ///< reconnects back off up to this
  std::function<void(const std::string&)> log;     ///< connection changes, one line each
  /// Mutual TLS through CAF's OpenSSL module (loaded, with its certificate,
  /// key and CA file, in the actor system's config): the gateway is published
  /// and peers are reached only over TLS.
  bool tls = false;
};

/// The running cluster side of this node.
struct cluster_parts {
  caf::actor gateway;                 ///< published on cluster.self
  uint16_t port = 0;                  ///< the node-to-node port it is published on
  std::vector<caf::actor> links;      ///< peer links, one per other node
  std::vector<std::shared_ptr<peer_status>> peers; ///< their status, same order
  cluster_view view;                  ///< for the series router
};

/// Fails naming a few series when `db` holds series this node would not own
/// under `cfg.nodes` (a changed node list needs a migration: README).
model::expected<bool, model::store_failure> check_ownership(persistence::store& db,
                                                            const cluster_settings& cfg);

/// Publishes a gateway in front of `shards` on cluster.self's address and port,
/// and spawns the peer links. Fails when the port cannot be opened.
model::expected<cluster_parts, model::store_failure>
start_cluster(caf::actor_system& sys, const cluster_settings& cfg,
              const std::vector<router_actor>& shards, std::shared_ptr<store_counters> counters);

/// Stops accepting node-to-node connections (unpublishes the gateway), so
/// that peers reconnecting to a node that is stopping are refused at once
/// instead of shaking hands with it. Asynchronous; connections already open
/// close when the actor system stops. Does nothing for empty `parts`.
void close_cluster_port(const cluster_parts& parts);

} // namespace actors
