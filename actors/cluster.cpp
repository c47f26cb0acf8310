#include "actors/cluster.hpp"

#include <algorithm>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/persistence/store.hpp"
#include "model/cluster.hpp"

namespace actors {

model::expected<bool, model::store_failure> check_ownership(persistence::store& db,
                                                            const cluster_settings& cfg) {
  std::size_t self = std::find(cfg.nodes.begin(), cfg.nodes.end(), cfg.self) - cfg.nodes.begin();
  std::vector<std::string> examples;
  uint64_t foreign = 0;
  std::string after;
  for (;;) {
    auto page = db.series_ids(after, 10000);
    if (!page)
      return model::store_failure{page.detail()};
    if (page.value().empty())
      break;
    for (const auto& id : page.value())
      if (model::owner_of(id, cfg.nodes) != self && ++foreign <= 3)
        examples.push_back(id);
    after = page.value().back();
  }
  if (foreign == 0)
    return true;
  std::string names;
  for (const auto& id : examples)
    names += (names.empty() ? "" : ", ") + id;
  return model::store_failure{
    "the store holds " + std::to_string(foreign) + " series that " + cfg.self
    + " does not own under this cluster.nodes list (for example " + names
    + "); the node list changed, or the data directory belongs to another node. Refusing to "
      "start rather than hide them: migrate them first (README, Running several nodes)"};
}

model::expected<cluster_parts, model::store_failure>
start_cluster(caf::actor_system& sys, const cluster_settings& cfg,
              const std::vector<router_actor>& shards, std::shared_ptr<store_counters> counters) {
  cluster_parts parts;
  parts.view.nodes = cfg.nodes;
  parts.view.self = std::find(cfg.nodes.begin(), cfg.nodes.end(), cfg.self) - cfg.nodes.begin();
  auto self_addr = model::parse_node(cfg.self).value();
  parts.gateway = spawn_node_gateway(sys, shards, std::move(counters));
  // Bound to cluster.self's address only; SO_REUSEADDR, so that a node
  // restarted after a crash gets its port back at once.
  auto published = cfg.tls ? caf::openssl::publish(parts.gateway, self_addr.port,
                                                   self_addr.host.c_str(), true)
                           : sys.middleman().publish(parts.gateway, self_addr.port,
                                                     self_addr.host.c_str(), true);
  if (!published) {
    caf::anon_send_exit(parts.gateway, caf::exit_reason::user_shutdown);
    return model::store_failure{"cannot open the node-to-node port of cluster.self (" + cfg.self
                                + "): " + sys.render(published.error())};
  }
  parts.port = published.value();
  for (std::size_t i = 0; i < cfg.nodes.size(); ++i) {
    if (i == parts.view.self) {
      parts.view.peers.push_back(shards.front()); // never used: local series go to shards
      continue;
    }
    auto status = std::make_shared<peer_status>();
    status->node = cfg.nodes[i];
    peer_settings p;
    p.node = cfg.nodes[i];
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
    if (cfg.tls) { // one of two nodes dials (peer_settings::dial)
      p.dial = cfg.self < cfg.nodes[i];
      if (p.dial) {
        p.hello_with = parts.gateway;
        p.self_node = cfg.self;
      }
    }
    auto link = spawn_peer_link(sys, std::move(p), status);
    parts.view.peers.push_back(caf::actor_cast<router_actor>(link));
    parts.links.push_back(std::move(link));
    parts.peers.push_back(std::move(status));
  }
  if (cfg.tls) { // the gateway hands the hellos of dialing peers to their links
    std::vector<std::string> nodes;
    std::vector<caf::actor> links;
    for (std::size_t i = 0, l = 0; i < cfg.nodes.size(); ++i)
      if (i != parts.view.self) {
        nodes.push_back(cfg.nodes[i]);
        links.push_back(parts.links[l++]);
      }
    caf::anon_send(parts.gateway, hello_atom::value, std::move(nodes), std::move(links));
  }
  return parts;
}

void close_cluster_port(const cluster_parts& parts) {
  if (!parts.gateway)
    return;
  auto& sys = parts.gateway->home_system();
  auto mm = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                      : sys.middleman().actor_handle();
  caf::anon_send(mm, caf::unpublish_atom::value, parts.gateway.address(), parts.port);
}

} // namespace actors
