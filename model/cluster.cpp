#include "model/cluster.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "model/hashing.hpp"

namespace model {

expected<node_address> parse_node(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return invalid{"node address \"" + std::string{text} + "\" must be host:port"};
  auto host = text.substr(0, colon);
  if (host.find_first_of(" \t/") != std::string_view::npos)
    return invalid{"node address \"" + std::string{text} + "\" has an invalid host"};
  auto digits = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port == 0
      || port > 65535)
    return invalid{"node address \"" + std::string{text} + "\" needs a port from 1 to 65535"};
  return node_address{std::string{host}, static_cast<uint16_t>(port)};
}

std::vector<std::string> node_list_problems(const std::vector<std::string>& nodes,
                                            const std::string& self) {
  std::vector<std::string> problems;
  if (nodes.empty())
    problems.push_back("option cluster.nodes must list at least one node");
  std::set<std::string> seen;
  for (const auto& node : nodes) {
    if (auto parsed = parse_node(node); !parsed)
      problems.push_back("option cluster.nodes: " + parsed.detail());
    if (!seen.insert(node).second)
      problems.push_back("option cluster.nodes lists \"" + node + "\" twice");
  }
  if (nodes.size() > 256)
    problems.push_back("option cluster.nodes must list at most 256 nodes (got "
                       + std::to_string(nodes.size()) + ")");
  if (self.empty())
    problems.push_back("option cluster.self must be set when cluster.nodes is (this node's "
                       "entry in the list)");
  else if (!seen.count(self))
    problems.push_back("option cluster.self (\"" + self + "\") must be one of cluster.nodes");
  return problems;
}

std::size_t owner_of(std::string_view series_id, const std::vector<std::string>& nodes) {
  auto id_hash = fnv1a(series_id);
  std::size_t best = 0;
  uint64_t best_score = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto score = mix64(id_hash ^ mix64(fnv1a(nodes[i])));
    // Ties (practically never) go to the smaller address, not the list order.
    if (i == 0 || score > best_score || (score == best_score && nodes[i] < nodes[best])) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::string cluster_identifier(const std::vector<std::string>& nodes) {
  auto sorted = nodes;
  std::sort(sorted.begin(), sorted.end());
  uint64_t h = 1469598103934665603ull;
  for (const auto& node : sorted) {
    h = fnv1a(node, h);
    h = fnv1a("\n", h);
  }
  char hex[17];
  static const char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, h >>= 4)
    hex[i] = digits[h & 15];
  hex[16] = 0;
  return "model_server/" + std::to_string(sorted.size()) + "/" + hex;
}

} // namespace model
