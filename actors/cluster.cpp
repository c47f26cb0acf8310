#include "actors/cluster.hpp"

#include <algorithm>
#include <mutex>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/persistence/pg_cluster.hpp"
#include "actors/persistence/store.hpp"
#include "actors/refuser.hpp"
#include "model/cluster.hpp"

namespace actors {

namespace {

/// The peer links' common settings; `node` (and, over TLS, `dial`) is set
/// per link by with_node.
peer_settings peer_template(const cluster_parts& parts) {
  const auto& cfg = parts.cfg;
  peer_settings p;
  p.read_wait = cfg.read_wait;
  p.connect_timeout = cfg.connect_timeout;
  p.count_timeout = cfg.count_timeout;
  p.backoff_max = cfg.backoff_max;
  // cluster.connection-timeout-ms: a peer that answers nothing, not even a
  // ping, for that long is down; pinged four times as often.
  p.silence_limit = cfg.connect_timeout;
  p.ping_every = std::max(std::chrono::milliseconds{10}, cfg.connect_timeout / 4);
  p.log = cfg.log;
  p.tls = cfg.tls;
  p.hello_with = parts.gateway;
  p.self_node = cfg.self;
  return p;
}

/// The static ring: every listed node, with the HTTP addresses the peers
/// told, and the split-brain rule: refused by a peer and not accepted by a
/// majority of the list (itself included), this node serves none of its series.
class static_ring {
public:
  static_ring(const cluster_settings& cfg, std::shared_ptr<cluster_map> map)
    : cfg_(cfg), map_(std::move(map)) {}

  void add(std::string node, router_actor link, std::shared_ptr<peer_status> status) {
    entries_.push_back({std::move(node), std::move(link), std::move(status)});
  }

  /// Recomputes the ring and the rule; called by the links on any change.
  void changed() {
    std::lock_guard<std::mutex> guard{mtx_};
    ring r;
    std::size_t refused = 0, accepted = 0;
    auto sorted = entries_;
    std::sort(sorted.begin(), sorted.end(),
              [](const entry& a, const entry& b) { return a.node < b.node; });
    for (const auto& e : sorted) {
      if (e.node == cfg_.self)
        r.self = r.members.size();
      r.members.push_back({e.node, e.status ? e.status->http() : cfg_.http, e.link});
      r.nodes.push_back(e.node);
      if (e.status) {
        refused += e.status->refused ? 1 : 0;
        accepted += e.status->up ? 1 : 0;
      }
    }
    map_->publish(std::move(r));
    std::string why;
    if (refused > 0 && (1 + accepted) * 2 <= cfg_.nodes.size())
      why = std::to_string(refused) + " of its peers refuse this node's cluster.nodes list and no "
            "majority of the list accepts it: it runs with a node list the others do not share";
    if (map_->refuse(why) && cfg_.log)
      cfg_.log(why.empty() ? "cluster: peers accept this node's node list again: serving its series"
                           : "cluster: not serving: " + why
                               + " (fix cluster.nodes; /health/ready answers 503)");
  }

private:
  struct entry {
    std::string node;
    router_actor link; ///< null for this node
    std::shared_ptr<peer_status> status;
  };
  cluster_settings cfg_;
  std::shared_ptr<cluster_map> map_;
  std::vector<entry> entries_;
  std::mutex mtx_;
};

/// Static mode: one peer link per other listed node.
void start_static(caf::actor_system& sys, cluster_parts& parts) {
  const auto& cfg = parts.cfg;
  auto rule = std::make_shared<static_ring>(cfg, parts.map);
  std::vector<std::shared_ptr<peer_status>> statuses;
  for (const auto& node : cfg.nodes) {
    if (node == cfg.self) {
      rule->add(node, {}, nullptr);
      continue;
    }
    auto status = std::make_shared<peer_status>();
    status->node = node;
    auto p = with_node(peer_template(parts), node);
    p.on_change = [rule] { rule->changed(); };
    auto link = spawn_peer_link(sys, std::move(p), status);
    rule->add(node, caf::actor_cast<router_actor>(link), status);
    parts.links.push_back(std::move(link));
    statuses.push_back(std::move(status));
  }
  parts.peers->set(std::move(statuses));
  rule->changed();
  if (cfg.tls) { // the gateway hands the hellos of dialing peers to their links
    std::vector<std::string> nodes;
    for (const auto& node : cfg.nodes)
      if (node != cfg.self)
        nodes.push_back(node);
    caf::anon_send(parts.gateway, hello_atom::value, std::move(nodes), parts.links);
  }
}

} // namespace

model::expected<bool, model::store_failure> check_ownership(persistence::store& db,
                                                            const cluster_settings& cfg) {
  std::size_t self = std::find(cfg.nodes.begin(), cfg.nodes.end(), cfg.self) - cfg.nodes.begin();
  std::vector<std::string> examples;
  uint64_t foreign = 0;
  auto read = persistence::for_each_series_id(db, [&](const std::string& id) {
    if (model::owner_of(id, cfg.nodes) != self && ++foreign <= 3)
      examples.push_back(id);
  });
  if (!read)
    return read.error();
  if (foreign == 0)
    return true;
  std::string names;
  for (const auto& id : examples)
    names += (names.empty() ? "" : ", ") + id;
  return model::store_failure{
    "the store holds " + std::to_string(foreign) + " series that " + cfg.self
    + " does not own under this cluster.nodes list (for example " + names
    + "); the node list changed, or the data directory belongs to another node. Refusing to "
      "start rather than hide them: migrate them first (docs/cluster.md, static mode)"};
}

cluster_parts prepare_cluster(caf::actor_system& sys, const cluster_settings& cfg) {
  cluster_parts parts;
  parts.cfg = cfg;
  parts.postgres = cfg.postgres;
  parts.map = std::make_shared<cluster_map>();
  parts.refuser = spawn_refuser(sys, parts.map);
  if (cfg.postgres) {
    ownership_settings o;
    o.store = cfg.store;
    o.identity = cfg.identity;
    o.map = parts.map;
    o.handoff_wait = cfg.handoff_wait;
    o.log = cfg.log;
    parts.claims = std::make_shared<ownership_counters>();
    parts.ownership = spawn_ownership(sys, std::move(o), parts.claims);
  }
  return parts;
}

model::expected<bool, model::store_failure>
start_cluster(caf::actor_system& sys, cluster_parts& parts,
              const std::vector<router_actor>& shards, std::shared_ptr<store_counters> counters) {
  const auto& cfg = parts.cfg;
  auto self_addr = model::parse_node(cfg.self).value();
  parts.gateway = spawn_node_gateway(sys, shards, counters, parts.map, cfg.http);
  // Bound to cluster.self's address only; SO_REUSEADDR, so that a node
  // restarted after a crash gets its port back at once.
  auto published = cfg.tls ? caf::openssl::publish(parts.gateway, self_addr.port,
                                                   self_addr.host.c_str(), true)
                           : sys.middleman().publish(parts.gateway, self_addr.port,
                                                     self_addr.host.c_str(), true);
  if (!published) {
    caf::anon_send_exit(parts.gateway, caf::exit_reason::user_shutdown);
    parts.gateway = nullptr;
    return model::store_failure{"cannot open the node-to-node port of cluster.self (" + cfg.self
                                + "): " + sys.render(published.error())};
  }
  parts.port = published.value();
  if (!cfg.postgres) {
    start_static(sys, parts);
    return true;
  }
  membership_settings m;
  m.store = cfg.store;
  // The membership's calls must end well within a renewal period.
  m.store.timeout = std::min(cfg.store.timeout, cfg.renew_every);
  m.store.connect_timeout = std::min(cfg.store.connect_timeout, cfg.renew_every);
  m.identity = cfg.identity;
  m.map = parts.map;
  m.http = cfg.http;
  m.lease = cfg.lease;
  m.renew_every = cfg.renew_every;
  m.fence_margin = cfg.fence_margin;
  m.peer = peer_template(parts);
  m.gateway = parts.gateway;
  m.ownership = parts.ownership;
  m.counters = std::move(counters);
  m.peers = parts.peers;
  m.log = cfg.log;
  parts.members = std::make_shared<membership_counters>();
  parts.membership = spawn_membership(sys, std::move(m), parts.members);
  return true;
}

void close_cluster_port(const cluster_parts& parts) {
  if (!parts.gateway)
    return;
  auto& sys = parts.gateway->home_system();
  auto mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                      : sys.middleman().actor_handle();
  caf::anon_send(mm, caf::unpublish_atom::value, parts.gateway.address(), parts.port);
}

void stop_cluster(cluster_parts& parts) {
  auto reason = caf::exit_reason::user_shutdown;
  for (const auto& link : parts.links)
    caf::anon_send_exit(link, reason);
  for (const auto& a : {parts.gateway, parts.membership, parts.ownership})
    if (a)
      caf::anon_send_exit(a, reason);
  if (parts.refuser)
    caf::anon_send_exit(parts.refuser, reason);
}

void leave_cluster(cluster_parts& parts) {
  if (!parts.postgres || !parts.cfg.identity)
    return;
  parts.cfg.identity->leaving = true; // the membership must not join again
  auto incarnation = parts.cfg.identity->incarnation.load();
  if (incarnation == 0)
    return;
  auto settings = parts.cfg.store;
  settings.timeout = settings.connect_timeout = std::chrono::milliseconds(2000);
  if (auto table = persistence::cluster_table::open(settings))
    if (table.value()->leave(parts.cfg.identity->node, incarnation) && parts.cfg.log)
      parts.cfg.log("cluster: left the cluster (incarnation " + std::to_string(incarnation) + ")");
}

} // namespace actors
