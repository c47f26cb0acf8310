// The pure parts of http/auth: the tokens file, digests, the constant-time
// lookup, the bearer header and the scope each request needs.
#include <doctest/doctest.h>

#include <chrono>

#include "http/auth/policy.hpp"
#include "http/auth/tokens.hpp"

using namespace http::auth;

namespace {

std::string line_for(const std::string& token, scope s) {
  auto line = token_line(token, s);
  REQUIRE(line.ok());
  return line.value();
}

} // namespace

TEST_CASE("auth tokens: SHA-256 matches the published test vectors") {
  CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("auth tokens: a file of scopes and digests, with comments, finds each token's scope") {
  auto text = "# model_server tokens\n\n" + line_for("reader-token-0123456789", scope::read)
              + "   # dashboards\n" + line_for("writer-token-0123456789", scope::write) + "\r\n"
              + "  " + line_for("admin-token-01234567890", scope::admin) + "  \n";
  auto set = parse_tokens(text);
  REQUIRE_MESSAGE(set.ok(), (set.ok() ? "" : set.detail()));
  CHECK(set.value().entries.size() == 3);
  CHECK(scope_of(set.value(), "reader-token-0123456789") == scope::read);
  CHECK(scope_of(set.value(), "writer-token-0123456789") == scope::write);
  CHECK(scope_of(set.value(), "admin-token-01234567890") == scope::admin);
  CHECK_FALSE(scope_of(set.value(), "admin-token-0123456789"));
  CHECK_FALSE(scope_of(set.value(), ""));
  // The digest itself is not a token.
  CHECK_FALSE(scope_of(set.value(), to_hex(sha256("reader-token-0123456789"))));
}

TEST_CASE("auth tokens: a bad file is refused naming its line") {
  auto good = line_for("a-good-token-0123456789", scope::read);
  auto problem = [](const std::string& text) {
    auto set = parse_tokens(text);
    REQUIRE_FALSE(set.ok());
    return set.detail();
  };
  CHECK(problem("# only comments\n\n").find("no token") != std::string::npos);
  CHECK(problem(good + "\nwrite my-clear-text-token\n").find("line 2") != std::string::npos);
  CHECK(problem("write my-clear-text-token\n").find("clear text") != std::string::npos);
  CHECK(problem("owner sha256:" + std::string(64, 'a')).find("unknown scope") != std::string::npos);
  CHECK(problem("read sha256:abc").find("64 hex") != std::string::npos);
  CHECK(problem("read sha256:" + std::string(64, 'g')).find("64 hex") != std::string::npos);
  CHECK(problem("read").find("line 1") != std::string::npos);
  auto twice = problem(good + "\n" + "admin " + good.substr(good.find(' ') + 1) + "\n");
  CHECK(twice.find("line 2") != std::string::npos);
  CHECK(twice.find("twice") != std::string::npos);
}

TEST_CASE("auth tokens: --hash-token's line, and tokens it refuses") {
  CHECK(line_for("0123456789abcdef", scope::write)
        == "write sha256:" + to_hex(sha256("0123456789abcdef")));
  CHECK_FALSE(token_line("short", scope::read).ok());
  CHECK_FALSE(token_line("has a space in it!!", scope::read).ok());
  CHECK_FALSE(token_line("tab\tinside-0123456789", scope::read).ok());
  CHECK_FALSE(token_line("", scope::read).ok());
}

TEST_CASE("auth tokens: the bearer header") {
  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>{"abc"});
  CHECK(bearer_token("bearer   abc ") == std::optional<std::string_view>{"abc"});
  CHECK(bearer_token("BEARER abc") == std::optional<std::string_view>{"abc"});
  CHECK_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
  CHECK_FALSE(bearer_token("Bearer"));
  CHECK_FALSE(bearer_token("Bearer   "));
  CHECK_FALSE(bearer_token("Bearerabc"));
  CHECK_FALSE(bearer_token(""));
}

TEST_CASE("auth policy: the scope each request needs") {
  CHECK(required("GET", "/health/live") == need::none);
  CHECK(required("GET", "/health/ready") == need::none);
  CHECK(required("POST", "/health/live") == need::none);
  CHECK(required("POST", "/fit/a") == need::write);
  CHECK(required("POST", "/predict/a") == need::read); // learning is the series actor's call
  CHECK(required("POST", "/predict/a/batch") == need::read);
  CHECK(required("GET", "/plot") == need::read);
  CHECK(required("GET", "/series/a") == need::read);
  CHECK(required("GET", "/series/") == need::read);
  CHECK(required("DELETE", "/series/a") == need::admin);
  CHECK(required("DELETE", "/series/a/versions/2") == need::admin);
  CHECK(required("GET", "/metrics") == need::admin);
  CHECK(required("POST", "/admin/backup") == need::admin);
  CHECK(required("GET", "/admin/backup") == need::admin);
  CHECK(required("GET", "/detectors") == need::read);
  CHECK(required("GET", "/healthcheck") == need::read);
  CHECK(required("GET", "/openapi.json") == need::read);
  CHECK(required("POST", "/anomalydetector/v1.1/timeseries/last/detect") == need::read);
  CHECK(required("GET", "/no/such/path") == need::read);
  CHECK(required("DELETE", "/fit/a") == need::read); // a wrong method: 405 for a reader
  CHECK(azure_path("/anomalydetector/v1.0/timeseries/entire/detect"));
  CHECK_FALSE(azure_path("/fit/anomalydetector"));
}

TEST_CASE("auth tokens: what a lookup costs (printed, not asserted)") {
  for (int n : {3, 100}) {
    std::string text;
    for (int i = 0; i < n; ++i)
      text += line_for("token-number-" + std::to_string(i) + "-0123456789", scope::read) + "\n";
    auto set = parse_tokens(text).value();
    const std::string presented = "token-number-1-0123456789";
    constexpr int rounds = 200000;
    int found = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i)
      found += scope_of(set, presented).has_value();
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    CHECK(found == rounds);
    MESSAGE("token lookup with ", n, " tokens in the file: ", ns / rounds, " ns (SHA-256 and ", n,
            " constant-time comparisons)");
  }
}
