#include <doctest/doctest.h>

#include <map>
#include <string>

#include "model/cluster.hpp"

using model::owner_of;

namespace {

std::vector<std::string> three() {
  return {"127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"};
}

std::string id(int i) {
  return "series-" + std::to_string(i);
}

} // namespace

TEST_CASE("cluster: parse_node reads host:port and names what is wrong") {
  auto ok = model::parse_node("10.0.0.1:7100");
  REQUIRE(ok);
  CHECK(ok.value().host == "10.0.0.1");
  CHECK(ok.value().port == 7100);
  CHECK(model::parse_node("node-a.internal:1").value().host == "node-a.internal");
  for (const char* bad : {"", "10.0.0.1", ":7100", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
                          "10.0.0.1:7x", "a b:1", "10.0.0.1:-1"}) {
    CAPTURE(bad);
    auto parsed = model::parse_node(bad);
    CHECK_FALSE(parsed);
  }
}

TEST_CASE("cluster: node_list_problems names the option") {
  CHECK(model::node_list_problems(three(), "127.0.0.1:7102").empty());
  auto missing_self = model::node_list_problems(three(), "127.0.0.1:7109");
  REQUIRE(missing_self.size() == 1);
  CHECK(missing_self[0].find("cluster.self") != std::string::npos);
  auto no_self = model::node_list_problems(three(), "");
  REQUIRE(no_self.size() == 1);
  CHECK(no_self[0].find("cluster.self") != std::string::npos);
  auto twice = model::node_list_problems({"h:1", "h:1"}, "h:1");
  REQUIRE(twice.size() == 1);
  CHECK(twice[0].find("twice") != std::string::npos);
  auto bad = model::node_list_problems({"h:1", "nohost"}, "h:1");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].find("cluster.nodes") != std::string::npos);
  CHECK_FALSE(model::node_list_problems({}, "h:1").empty());
}

TEST_CASE("cluster: ownership is deterministic and ignores list order") {
  auto nodes = three();
  std::vector<std::string> reversed{nodes.rbegin(), nodes.rend()};
  for (int i = 0; i < 1000; ++i) {
    auto owner = owner_of(id(i), nodes);
    CHECK(owner == owner_of(id(i), nodes));
    CHECK(nodes[owner] == reversed[owner_of(id(i), reversed)]);
  }
  CHECK(owner_of("anything", {"only:1"}) == 0);
}

TEST_CASE("cluster: ownership spreads series evenly over the nodes") {
  auto nodes = three();
  std::map<std::size_t, int> count;
  constexpr int n = 30000;
  for (int i = 0; i < n; ++i)
    ++count[owner_of(id(i), nodes)];
  REQUIRE(count.size() == 3);
  for (auto [node, c] : count) {
    CAPTURE(node);
    CHECK(c > n / 3 * 0.95);
    CHECK(c < n / 3 * 1.05);
  }
}

TEST_CASE("cluster: removing a node moves only the series it owned") {
  auto nodes = three();
  std::vector<std::string> two{nodes[0], nodes[2]};
  int moved = 0;
  for (int i = 0; i < 3000; ++i) {
    auto before = nodes[owner_of(id(i), nodes)];
    auto after = two[owner_of(id(i), two)];
    if (before != nodes[1])
      CHECK(after == before);
    else
      ++moved;
  }
  CHECK(moved > 800); // about a third moved: exactly node 1's series
}

TEST_CASE("cluster: the identifier is the same for the same set and differs otherwise") {
  auto nodes = three();
  std::vector<std::string> reversed{nodes.rbegin(), nodes.rend()};
  CHECK(model::cluster_identifier(nodes) == model::cluster_identifier(reversed));
  auto four = nodes;
  four.push_back("127.0.0.1:7104");
  CHECK(model::cluster_identifier(nodes) != model::cluster_identifier(four));
  CHECK(model::cluster_identifier({"a:1", "b:2"}) != model::cluster_identifier({"a:1", "b:3"}));
  CHECK(model::cluster_identifier(nodes).rfind("model_server/", 0) == 0);
}
