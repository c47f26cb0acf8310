// Tokens against the real in-process server: every endpoint with no token, a
// wrong one, and a token of each scope (the auth matrix), reloading the
// tokens on open connections, and the Azure-compatible API's key header.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>

#include <rapidjson/document.h>

#include "http/auth/tokens.hpp"
#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

enum kind { k_none, k_wrong, k_read, k_write, k_admin };
const char* const kind_names[] = {"none", "wrong", "read", "write", "admin"};
const std::string tokens[] = {"", "wrong-token-0123456789abcdef", "read-token-0123456789abcdef",
                              "write-token-0123456789abcdef", "admin-token-0123456789abcdef"};

std::string line(kind k, http::auth::scope s) {
  return http::auth::token_line(tokens[k], s).value();
}

/// A tokens file with the read, write and admin tokens (not the wrong one).
std::string write_tokens(const std::string& dir) {
  auto path = dir + "/tokens";
  std::ofstream{path} << "# test tokens\n" << line(k_read, http::auth::scope::read) << '\n'
                      << line(k_write, http::auth::scope::write) << "  # a writer\n"
                      << line(k_admin, http::auth::scope::admin) << '\n';
  return path;
}

/// A server that checks tokens (its file in its own directory).
struct auth_server {
  testing::temp_dir keys;
  std::string file = write_tokens(keys.path);
  testing::live_server server{config()};

  http::server_config config() {
    http::server_config v;
    v.tokens_file = file;
    return v;
  }
};

httplib::Headers with_token(kind k, bool azure = false) {
  if (k == k_none)
    return {};
  if (azure)
    return {{"Ocp-Apim-Subscription-Key", tokens[k]}};
  return {{"Authorization", "Bearer " + tokens[k]}};
}

httplib::Result send(httplib::Client& c, const std::string& method, const std::string& path,
                     const std::string& body, const httplib::Headers& h) {
  if (method == "GET")
    return c.Get(path.c_str(), h);
  if (method == "DELETE")
    return c.Delete(path.c_str(), h);
  if (method == "PUT")
    return c.Put(path.c_str(), h, body, json);
  return c.Post(path.c_str(), h, body, json);
}

/// An hourly series for the Azure-compatible API.
std::string azure_body() {
  std::string s = R"({"granularity":"hourly","series":[)";
  for (int i = 0; i < 30; ++i) {
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2021-01-%02dT%02d:00:00Z", 1 + i / 24, i % 24);
    s += (i ? "," : "") + std::string{R"({"timestamp":")"} + stamp + R"(","value":)"
         + std::to_string(10 + (i % 3) * 0.1) + "}";
  }
  return s + "]}";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

struct row {
  std::string method;
  std::string path; ///< "{k}" is replaced by the token kind's name
  std::string body;
  std::array<int, 5> expected; ///< none, wrong, read, write, admin
  bool azure = false;          ///< the key goes in Ocp-Apim-Subscription-Key
};

const std::string point = R"({"timestamp":"1700000100","value":10.1})";
const std::string points = R"({"timestamps":[1700000100,1700000101],"values":[10.1,10.0]})";
const std::string ewma_fit =
  R"({"timestamps":[1,2,3,4,5,6],"values":[10,11,10,11,10,11],"detector":{"type":"ewma","alpha":0.3}})";

} // namespace

TEST_CASE("auth: every endpoint with no token, a wrong one, and each scope (the auth matrix)") {
  auth_server s;
  auto c = s.server.client();
  auto as_admin = with_token(k_admin);
  // The series the rows read, learn from and delete: one set per token kind.
  REQUIRE(testing::status_of(c.Post("/fit/s", as_admin, testing::fit_body(), json)) == 200);
  REQUIRE(testing::status_of(c.Post("/fit/online", as_admin, ewma_fit, json)) == 200);
  for (auto k : kind_names)
    for (auto id : {std::string{"d-"} + k, std::string{"v-"} + k})
      for (int i = 0; i < 2; ++i)
        REQUIRE(testing::status_of(c.Post(("/fit/" + id).c_str(), as_admin, testing::fit_body(), json)) == 200);
  const std::vector<row> rows = {
    {"GET", "/health/live", "", {200, 200, 200, 200, 200}},
    {"GET", "/health/ready", "", {200, 200, 200, 200, 200}},
    {"GET", "/healthcheck", "", {401, 401, 200, 200, 200}},
    {"GET", "/openapi.json", "", {401, 401, 200, 200, 200}},
    {"GET", "/detectors", "", {401, 401, 200, 200, 200}},
    {"GET", "/plot?series_id=s", "", {401, 401, 200, 200, 200}},
    {"GET", "/series/s", "", {401, 401, 200, 200, 200}},
    {"GET", "/series/?silent_for=3", "", {401, 401, 200, 200, 200}},
    {"POST", "/predict/s", point, {401, 401, 200, 200, 200}},
    {"POST", "/predict/online", point, {401, 401, 403, 200, 200}},
    {"POST", "/predict/online?learn=false", point, {401, 401, 200, 200, 200}},
    {"POST", "/predict/s/batch", points, {401, 401, 200, 200, 200}},
    {"POST", "/predict/online/batch", points, {401, 401, 403, 200, 200}},
    {"POST", "/predict/online/batch?learn=false", points, {401, 401, 200, 200, 200}},
    {"POST", "/fit/f-{k}", testing::fit_body(), {401, 401, 403, 200, 200}},
    {"DELETE", "/series/v-{k}/versions/1", "", {401, 401, 403, 403, 200}},
    {"DELETE", "/series/d-{k}", "", {401, 401, 403, 403, 200}},
    {"GET", "/metrics", "", {401, 401, 403, 403, 200}},
    {"POST", "/admin/backup", "", {401, 401, 403, 403, 200}},
    {"POST", "/anomalydetector/v1.1/timeseries/entire/detect", azure_body(),
     {401, 401, 200, 200, 200}, true},
    {"POST", "/anomalydetector/v1.1/timeseries/last/detect", azure_body(),
     {401, 401, 200, 200, 200}, true},
    {"GET", "/no/such/endpoint", "", {401, 401, 404, 404, 404}},
    {"PUT", "/fit/s", "", {401, 401, 405, 405, 405}},
  };
  std::string table = "\n| endpoint | none | wrong | read | write | admin |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : rows) {
    table += "| `" + r.method + " " + r.path + "` |";
    for (int k = k_none; k <= k_admin; ++k) {
      auto path = replace_all(r.path, "{k}", kind_names[k]);
      auto res = send(c, r.method, path, r.body, with_token(static_cast<kind>(k), r.azure));
      REQUIRE_MESSAGE(res, r.method, " ", path, " as ", kind_names[k], ": no answer");
      table += " " + std::to_string(res->status) + " |";
      INFO(r.method, " ", path, " as ", kind_names[k], ": ", res->status, " ", res->body);
      CHECK(res->status == r.expected[k]);
      if (res->status == 401) {
        CHECK(res->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
        auto d = parse(res->body);
        REQUIRE(d.IsObject());
        if (r.azure) { // Azure's error shape and code header
          CHECK(d.HasMember("code"));
          CHECK(d.HasMember("message"));
          CHECK(res->get_header_value("x-ms-error-code") == "401");
        } else {
          CHECK(d.HasMember("detail"));
        }
      }
      if (res->status == 403) {
        auto d = parse(res->body);
        REQUIRE(d.IsObject());
        REQUIRE(d.HasMember("detail"));
        std::string detail = d["detail"].GetString();
        CHECK((detail.find("scope") != std::string::npos));
      }
    }
    table += "\n";
  }
  MESSAGE(table);
  // What the refusals left alone: the reader's fit and deletions did nothing.
  CHECK(testing::status_of(c.Get("/series/f-read", as_admin)) == 404);
  CHECK(testing::status_of(c.Get("/series/d-read", as_admin)) == 200);
  CHECK(testing::status_of(c.Get("/series/d-admin", as_admin)) == 404);
  CHECK(testing::answer(c.Get("/series/v-write", as_admin)).body.find(R"("version":"1")") != std::string::npos);
  CHECK(testing::answer(c.Get("/series/v-admin", as_admin)).body.find(R"("version":"1")") == std::string::npos);
}

TEST_CASE("auth: a read token's predict that would teach an online detector is refused, not silently changed") {
  auth_server s;
  auto c = s.server.client();
  REQUIRE(testing::status_of(c.Post("/fit/online", with_token(k_write), ewma_fit, json)) == 200);
  auto refused = c.Post("/predict/online", with_token(k_read), point, json);
  REQUIRE(refused);
  CHECK(refused->status == 403);
  CHECK(refused->body.find("learn=false") != std::string::npos);
  // An older version does not learn, so a reader may predict with it.
  REQUIRE(testing::status_of(c.Post("/fit/online", with_token(k_write), ewma_fit, json)) == 200);
  CHECK(testing::status_of(c.Post("/predict/online?version=1", with_token(k_read), point, json)) == 200);
  CHECK(testing::status_of(c.Post("/predict/online?version=2", with_token(k_read), point, json)) == 403);
  // Nothing was learned by the refused predicts: a writer's explain shows the fitted state.
  auto before = testing::answer(
    c.Post("/predict/online?learn=false&explain=true", with_token(k_write), point, json));
  CHECK(testing::status_of(c.Post("/predict/online", with_token(k_read), point, json)) == 403);
  auto after = testing::answer(
    c.Post("/predict/online?learn=false&explain=true", with_token(k_write), point, json));
  CHECK(before.body == after.body);
  // A writer's predict does learn: the same question then gets another answer.
  CHECK(testing::status_of(c.Post("/predict/online", with_token(k_write),
                                  R"({"timestamp":"1700000100","value":30})", json)) == 200);
  auto learned = testing::answer(
    c.Post("/predict/online?learn=false&explain=true", with_token(k_write), point, json));
  CHECK(learned.body != before.body);
}

TEST_CASE("auth: without a tokens file the server is open, as before") {
  testing::live_server server;
  auto c = server.client();
  REQUIRE(testing::status_of(c.Post("/fit/s", testing::fit_body(), json)) == 200);
  CHECK(testing::status_of(c.Get("/metrics")) == 200);
  CHECK(testing::status_of(c.Post("/predict/s", point, json)) == 200);
  // A stray token is ignored, not checked.
  CHECK(testing::status_of(c.Get("/series/s", with_token(k_wrong))) == 200);
  CHECK(testing::status_of(c.Delete("/series/s")) == 200);
}

TEST_CASE("auth: a reload applies to the next request on an open connection; a bad file keeps the old tokens") {
  auth_server s;
  int fd = testing::raw::connect_to(s.server.svc->port());
  auto ask = [fd](kind k) {
    testing::raw::send_text(fd, "GET /healthcheck HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                  + tokens[k] + "\r\n\r\n");
    auto answer = testing::raw::read_all(fd, 300);
    return answer.substr(0, answer.find("\r\n"));
  };
  CHECK(ask(k_read) == "HTTP/1.1 200 OK");
  CHECK(ask(k_wrong) == "HTTP/1.1 401 Unauthorized");
  // Rotation: the wrong token is added, the read token revoked.
  std::ofstream{s.file} << line(k_wrong, http::auth::scope::read) << '\n'
                        << line(k_admin, http::auth::scope::admin) << '\n';
  auto said = s.server.svc->reload_tokens();
  CHECK(said.find("reloaded") != std::string::npos);
  CHECK(said.find("2 token(s)") != std::string::npos);
  CHECK(ask(k_wrong) == "HTTP/1.1 200 OK"); // the same connection
  CHECK(ask(k_read) == "HTTP/1.1 401 Unauthorized");
  // A file with a mistake: one line saying why; the tokens in force stay.
  std::ofstream{s.file} << "write my-token-in-clear-text\n";
  said = s.server.svc->reload_tokens();
  CHECK(said.find("not reloaded") != std::string::npos);
  CHECK(said.find("line 1") != std::string::npos);
  CHECK(said.find('\n') == std::string::npos);
  CHECK(ask(k_wrong) == "HTTP/1.1 200 OK");
  CHECK(ask(k_read) == "HTTP/1.1 401 Unauthorized");
  ::close(fd);
}

TEST_CASE("auth: the Azure-compatible API takes its key header or a bearer token") {
  auth_server s;
  auto c = s.server.client();
  const char* path = "/anomalydetector/v1.1/timeseries/last/detect";
  CHECK(testing::status_of(c.Post(path, with_token(k_read, true), azure_body(), json)) == 200);
  CHECK(testing::status_of(c.Post(path, with_token(k_read), azure_body(), json)) == 200);
  auto missing = c.Post(path, azure_body(), json);
  CHECK(missing->status == 401);
  CHECK(missing->body.find("missing subscription key") != std::string::npos);
  auto bad = c.Post(path, with_token(k_wrong, true), azure_body(), json);
  CHECK(bad->status == 401);
  CHECK(bad->body.find("invalid subscription key") != std::string::npos);
  // The key header counts on the Azure paths only.
  CHECK(testing::status_of(c.Get("/healthcheck", with_token(k_read, true))) == 401);
}

TEST_CASE("auth: a malformed Authorization header is 401, never a 500 or a pass") {
  auth_server s;
  auto c = s.server.client();
  for (const std::string& value : std::vector<std::string>{"Basic cmVhZDpyZWFk", "Bearer", "bearer ", tokens[k_admin],
                            "Bearer " + tokens[k_admin] + "x", "Bearer  " + tokens[k_read] + " extra"}) {
    auto r = c.Get("/healthcheck", {{"Authorization", value}});
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 401, value);
  }
  CHECK(testing::status_of(c.Get("/healthcheck", {{"Authorization", "bearer " + tokens[k_read]}})) == 200);
}

TEST_CASE("auth: /openapi.json names the bearer scheme and the scope of every operation") {
  testing::live_server server;
  auto d = parse(testing::answer(server.client().Get("/openapi.json")).body);
  REQUIRE(d.IsObject());
  CHECK(d["components"]["securitySchemes"].HasMember("BearerToken"));
  CHECK(d["paths"]["/series/{series_id}"].HasMember("delete"));
  CHECK(d["paths"]["/series/{series_id}/versions/{version}"].HasMember("delete"));
  CHECK(d["paths"]["/admin/backup"].HasMember("post"));
  for (auto& path : d["paths"].GetObject())
    for (auto& op : path.value.GetObject()) {
      bool open = std::string{path.name.GetString()}.rfind("/health/", 0) == 0;
      CHECK_MESSAGE((open || op.value.HasMember("x-scope")), path.name.GetString(), " ",
                    op.name.GetString());
    }
}
