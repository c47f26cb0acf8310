// The OpenAPI document against the routes install_routes really installs,
// the /docs page drawn from it, and the build's version in /openapi.json and
// /metrics. The answers' schemas are checked by tests/scripts/openapi_check.py.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include <rapidjson/document.h>

#include "http/api/openapi.hpp"
#include "http/app/build_info.hpp"
#include "http/pages/docs_page.hpp"
#include "tests/support.hpp"

namespace {

const char* const methods[] = {"get", "post", "put", "delete", "patch"};

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// A concrete path for a templated one: each {parameter} becomes a value it
/// accepts ("v1.1" for the Azure API version, "s-1" for anything else).
std::string sample_path(const std::string& templated) {
  static const std::regex param{R"(\{([^}]+)\})"};
  std::string out;
  auto last = templated.cbegin();
  for (auto it = std::sregex_iterator(templated.begin(), templated.end(), param);
       it != std::sregex_iterator(); ++it) {
    out.append(last, templated.cbegin() + it->position());
    out += (*it)[1] == "apiVersion" ? "v1.1" : "s-1";
    last = templated.cbegin() + it->position() + it->length();
  }
  return out.append(last, templated.cend());
}

/// The routes a fresh server gets from install_routes, with the live
/// server's actors behind them.
std::vector<http::route_info> installed_routes(testing::live_server& server) {
  const auto& live = server.svc->context();
  http::api_context ctx{*server.sys, live.router, live.counters, live.series, {}, {}, {}, {},
                       {false}, nullptr, {}};
  httplib::Server srv;
  return http::install_routes(srv, ctx);
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

} // namespace

TEST_CASE("openapi: every installed route is described, and every described operation has a route") {
  testing::live_server server;
  auto routes = installed_routes(server);
  REQUIRE(routes.size() >= 15);
  auto served = testing::answer(server.client().Get("/openapi.json")).body;
  CHECK(served == std::string{http::openapi_json()});
  auto doc = parse(served);
  // cpp-httplib runs the first route of the method whose pattern matches the
  // whole path: each described operation must reach a route of its own.
  std::set<std::size_t> described;
  for (const auto& path : doc["paths"].GetObject()) {
    auto sample = sample_path(path.name.GetString());
    for (const char* m : methods) {
      if (!path.value.HasMember(m))
        continue;
      std::size_t i = 0;
      while (i < routes.size() && !(routes[i].method == upper(m)
                                    && std::regex_match(sample, std::regex{routes[i].pattern})))
        ++i;
      CHECK_MESSAGE(i < routes.size(), upper(m), " ", path.name.GetString(), " (as ", sample,
                    ") is described but no route serves it");
      described.insert(i);
    }
  }
  for (std::size_t i = 0; i < routes.size(); ++i)
    CHECK_MESSAGE(described.count(i) == 1, routes[i].method, " ", routes[i].pattern,
                  " is installed but /openapi.json describes no path it serves");
}

TEST_CASE("openapi: the document names the build's version; /metrics has its build_info") {
  testing::live_server server;
  auto c = server.client();
  auto doc = parse(testing::answer(c.Get("/openapi.json")).body);
  CHECK(std::string{doc["info"]["version"].GetString()} == std::string{http::build_version()});
  auto metrics = testing::answer(c.Get("/metrics")).body;
  auto line = "model_server_build_info{version=\"" + std::string{http::build_version()}
              + "\",commit=\"" + std::string{http::build_commit()} + "\"} 1\n";
  CHECK_MESSAGE(metrics.find(line) != std::string::npos, line);
  CHECK(metrics.find("# TYPE model_server_build_info gauge\n") != std::string::npos);
  CHECK(!http::build_commit().empty());
}

TEST_CASE("docs: /docs draws every operation, parameter and schema, and names no external URL") {
  testing::live_server server;
  auto r = testing::answer(server.client().Get("/docs"));
  CHECK(r.status == 200);
  CHECK(r.get_header_value("Content-Type").find("text/html") == 0);
  const auto& page = r.body;
  auto doc = parse(std::string{http::openapi_json()});
  for (const auto& path : doc["paths"].GetObject())
    for (const char* m : methods) {
      if (!path.value.HasMember(m))
        continue;
      auto heading = "<span class='method " + std::string{m} + "'>" + upper(m)
                     + "</span> <code class='path'>" + path.name.GetString() + "</code>";
      CHECK_MESSAGE(page.find(heading) != std::string::npos, heading);
      const auto& op = path.value[m];
      if (op.HasMember("parameters"))
        for (const auto& p : op["parameters"].GetArray()) {
          std::string name = p.HasMember("$ref") ? p["$ref"].GetString() : p["name"].GetString();
          name = name.substr(name.rfind('/') + 1);
          if (p.HasMember("$ref")) // SeriesId -> series_id etc.: the component's name field
            name = doc["components"]["parameters"][name.c_str()]["name"].GetString();
          CHECK_MESSAGE(page.find("<code>" + name + "</code>") != std::string::npos, name);
        }
      for (const auto& status : op["responses"].GetObject())
        CHECK(page.find("<td class='status'>" + std::string{status.name.GetString()} + "</td>")
              != std::string::npos);
    }
  for (const auto& s : doc["components"]["schemas"].GetObject())
    CHECK(page.find("id='schema-" + std::string{s.name.GetString()} + "'") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("http:") == std::string::npos);
  CHECK(page.find("https:") == std::string::npos);
  CHECK(page.find("//") == std::string::npos); // not even a scheme-relative URL
  CHECK(page.find("@import") == std::string::npos);
}

TEST_CASE("docs: the page escapes the document's text and survives a document it cannot read") {
  auto page = http::render_docs_page(
    R"({"openapi":"3.0.3","info":{"title":"t<b>","version":"1"},"paths":{"/a/{x}":{"get":{"summary":"uses `x` & <i>","responses":{"200":{"description":"ok"}}}}}})");
  CHECK(page.find("t&lt;b&gt;") != std::string::npos);
  CHECK(page.find("uses <code>x</code> &amp; &lt;i&gt;") != std::string::npos);
  CHECK(page.find("<code class='path'>/a/{x}</code>") != std::string::npos);
  CHECK(http::render_docs_page("{").find("could not be read") != std::string::npos);
  CHECK(http::render_docs_page("[]").find("could not be read") != std::string::npos);
}
