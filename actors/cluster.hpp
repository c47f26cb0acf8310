// Assembly of the cluster side of a node, in either mode:
//  - static (cluster.nodes): a fixed ring of every listed node, each with its
//    own SQLite store. Checks that the store holds only series this node
//    owns; a node whose peers refuse its node list, with no majority of the
//    list accepting it, serves none of its series (split-brain closed).
//  - PostgreSQL (store.backend = postgres): the ring is the live members of
//    the shared database's members table (actors/membership.hpp), series
//    are claimed with a fencing epoch (actors/ownership.hpp).
// Both publish this node's gateway on cluster.self and keep one peer link per
// other member. Called by actors::start (prepare, then start) and actors::stop
// (close_cluster_port, stop_cluster, then leave_cluster); needs the caf::io
// middleman loaded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/cluster_map.hpp"
#include "actors/membership.hpp"
#include "actors/node_gateway.hpp"
#include "actors/ownership.hpp"
#include "actors/peer_link.hpp"
#include "actors/persistence/pg_store.hpp"
#include "model/expected.hpp"

namespace persistence {
class store;
}

namespace actors {

/// The part of the configuration the cluster needs. Neither `nodes` nor
/// `postgres`: one node.
struct cluster_settings {
  std::vector<std::string> nodes; ///< cluster.nodes, validated (model::node_list_problems)
  std::string self;               ///< cluster.self, this node's node-to-node address
  std::string http;               ///< this node's HTTP address for clients (the owner header)
  std::chrono::milliseconds read_wait{31000};      ///< longest wait for a forwarded read
  std::chrono::milliseconds connect_timeout{2000}; ///< one connection attempt; also how
                                                   ///< long a silent peer counts as up
  std::chrono::milliseconds count_timeout{250};    ///< asking a peer's series count
  std::chrono::milliseconds backoff_max{2000};     ///< reconnects back off up to this
  // PostgreSQL mode
  bool postgres = false;                           ///< membership and ownership in the store
  persistence::pg_settings store;                  ///< the shared database
  std::shared_ptr<persistence::writer_identity> identity; ///< shared with the store connections
  std::chrono::milliseconds lease{3000};           ///< cluster.lease-ms
  std::chrono::milliseconds renew_every{1000};     ///< cluster.renew-ms
  std::chrono::milliseconds fence_margin{500};     ///< cluster.fence-margin-ms
  std::chrono::milliseconds handoff_wait{5000};    ///< cluster.handoff-wait-ms
  std::function<void(const std::string&)> log;     ///< connection changes, one line each
  /// Mutual TLS through CAF's OpenSSL module (loaded, with its certificate,
  /// key and CA file, in the actor system's config): the gateway is published
  /// and peers are reached only over TLS.
  bool tls = false;

  bool enabled() const { return postgres || !nodes.empty(); }
};

/// The running cluster side of this node.
struct cluster_parts {
  bool postgres = false;
  std::shared_ptr<cluster_map> map;   ///< the ring and the fence
  router_actor refuser;               ///< answers for series this node may not serve
  caf::actor gateway;                 ///< published on cluster.self
  uint16_t port = 0;                  ///< the node-to-node port it is published on
  std::vector<caf::actor> links;      ///< static mode: one peer link per other node
  std::shared_ptr<peer_list> peers = std::make_shared<peer_list>(); ///< the links' status
  caf::actor ownership, membership;   ///< PostgreSQL mode
  std::shared_ptr<ownership_counters> claims;
  std::shared_ptr<membership_counters> members;
  cluster_settings cfg;

  bool enabled() const { return map != nullptr; }
};

/// Fails naming a few series when `db` holds series this node would not own
/// under `cfg.nodes` (static mode: a changed node list needs a migration).
model::expected<bool, model::store_failure> check_ownership(persistence::store& db,
                                                            const cluster_settings& cfg);

/// What the cluster needs before the router shards exist: the map, the
/// refuser, and in PostgreSQL mode the ownership actor (the shards' series
/// actors claim through it).
cluster_parts prepare_cluster(caf::actor_system& sys, const cluster_settings& cfg);

/// Publishes a gateway in front of `shards` on cluster.self's address and
/// port, and spawns the peer links (static) or the membership actor
/// (PostgreSQL). Fails when the port cannot be opened.
model::expected<bool, model::store_failure>
start_cluster(caf::actor_system& sys, cluster_parts& parts,
              const std::vector<router_actor>& shards, std::shared_ptr<store_counters> counters);

/// Stops accepting node-to-node connections (unpublishes the gateway), so
/// that peers reconnecting to a node that is stopping are refused at once
/// instead of shaking hands with it. Asynchronous; connections already open
/// close when the actor system stops. Does nothing for empty `parts`.
void close_cluster_port(const cluster_parts& parts);

/// Stops the cluster's actors.
void stop_cluster(cluster_parts& parts);

/// PostgreSQL mode: this node leaves the members table (a bounded round
/// trip), so that the others take its series over at once instead of after
/// its lease. Call once its store actors were told to stop.
void leave_cluster(cluster_parts& parts);

} // namespace actors
