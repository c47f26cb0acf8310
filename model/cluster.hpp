// Cluster membership as pure functions: parsing node addresses, validating a
// node list, deciding which node owns a series (rendezvous hashing) and the
// identifier that nodes with the same list share. Callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"

namespace model {

/// One node-to-node address, "host:port".
struct node_address {
  std::string host;
  uint16_t port = 0;
};

/// Parses "host:port" (port 1..65535, host non-empty, no spaces), or says why not.
expected<node_address> parse_node(std::string_view text);

/// Checks a node list and this node's entry in it: at least one entry, each a
/// valid address, no duplicates, `self` among them. Returns the problems, each
/// naming the option (cluster.nodes or cluster.self); empty when valid.
std::vector<std::string> node_list_problems(const std::vector<std::string>& nodes,
                                            const std::string& self);

/// Index in `nodes` of the node owning `series_id`: the node whose hash of
/// (node, id) is highest (rendezvous hashing). Depends only on the set of
/// entries, not their order; removing a node moves only the series it owned.
/// Requires a non-empty list.
std::size_t owner_of(std::string_view series_id, const std::vector<std::string>& nodes);

/// A name for this exact node list (order does not matter), so that only nodes
/// configured with the same list accept each other's handshake.
std::string cluster_identifier(const std::vector<std::string>& nodes);

} // namespace model
