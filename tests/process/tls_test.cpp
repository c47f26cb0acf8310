// The model_server binary on a TLS port, as a child process: SIGHUP reloads
// the certificate for new connections (a bad file keeps the old one, in one
// log line), curl as a reference client, and start-up refusing bad TLS files
// with status 2 and a message naming the option.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>

#include "tests/tls_support.hpp"

namespace {

using testing::run_shell;
using testing::server_binary;

/// How often `what` occurs in `text`.
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

/// Waits (every 10 ms, at most 30 s) until `s`'s log holds `what` `n` times.
bool logged(const testing::child_server& s, const std::string& what, std::size_t n) {
  for (int i = 0; i < 3000; ++i) {
    if (count(s.log(), what) >= n)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void copy_file(const std::string& from, const std::string& to) {
  std::ifstream in{from};
  std::ofstream{to + ".tmp"} << in.rdbuf();
  REQUIRE(std::rename((to + ".tmp").c_str(), to.c_str()) == 0);
}

} // namespace

TEST_CASE("process: SIGHUP reloads the certificate for new connections; a bad file keeps the old one") {
  testing::pki pki;
  pki.issue("first", "localhost");
  pki.issue("second", "localhost");
  testing::temp_dir dir;
  auto cert = dir.path + "/server.pem", key = dir.path + "/server.key";
  copy_file(pki.cert("first"), cert);
  copy_file(pki.key("first"), key);
  testing::child_server s{dir.path + "/data", {"--tls.cert-file=" + cert, "--tls.key-file=" + key}};
  REQUIRE_MESSAGE(s.port > 0, s.log());
  CHECK(s.log().find("tls: HTTPS only, certificate " + cert) != std::string::npos);
  testing::tls_socket before{s.port, pki.ca()};
  REQUIRE(before.ok);
  CHECK(before.peer_cn() == "localhost");
  X509* first = SSL_get1_peer_certificate(before.ssl);
  // Rotation: the second certificate in place, then SIGHUP.
  copy_file(pki.cert("second"), cert);
  copy_file(pki.key("second"), key);
  ::kill(s.pid, SIGHUP);
  REQUIRE_MESSAGE(logged(s, "tls: reloaded " + cert, 1), s.log());
  testing::tls_socket after{s.port, pki.ca()};
  REQUIRE(after.ok);
  X509* second = SSL_get1_peer_certificate(after.ssl);
  CHECK(X509_cmp(first, second) != 0); // the new connection sees the new certificate
  // The connection made before the reload goes on with the old one.
  REQUIRE(before.send("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  CHECK(before.read_answer().substr(0, 15) == "HTTP/1.1 200 OK");
  // A bad key: one log line, and new connections keep the second certificate.
  std::ofstream{key} << "not a key\n";
  ::kill(s.pid, SIGHUP);
  REQUIRE_MESSAGE(logged(s, "tls: reload failed", 1), s.log());
  CHECK(count(s.log(), "tls: reload failed") == 1);
  CHECK(s.log().find("option tls.key-file") != std::string::npos);
  testing::tls_socket later{s.port, pki.ca()};
  REQUIRE(later.ok);
  X509* third = SSL_get1_peer_certificate(later.ssl);
  CHECK(X509_cmp(second, third) == 0);
  X509_free(first);
  X509_free(second);
  X509_free(third);
  CHECK(s.stop(SIGTERM) == 0);
}

TEST_CASE("process: curl over TLS verifies the server; it speaks HTTP/1.1 when asked for h2") {
  if (run_shell("command -v curl").first != 0) {
    MESSAGE("curl is not installed: skipped");
    return;
  }
  testing::pki pki;
  pki.issue("server", "localhost");
  testing::temp_dir dir;
  testing::child_server s{dir.path + "/data",
                          {"--tls.cert-file=" + pki.cert("server"), "--tls.key-file=" + pki.key("server")}};
  REQUIRE_MESSAGE(s.port > 0, s.log());
  auto url = "https://localhost:" + std::to_string(s.port) + "/health/live";
  auto ok = run_shell("curl -sS --http2 --cacert " + pki.ca() + " -w ' %{http_version}' " + url);
  CHECK(ok.first == 0);
  CHECK(ok.second == R"({"status":"live"} 1.1)");
  auto untrusted = run_shell("curl -sS " + url); // the system's CAs do not know this one
  CHECK(untrusted.first == 60);
  auto plain = run_shell("curl -sS -i http://127.0.0.1:" + std::to_string(s.port) + "/health/live");
  CHECK(plain.second.substr(0, 24) == "HTTP/1.1 400 Bad Request");
  CHECK(s.stop(SIGTERM) == 0);
}

TEST_CASE("process: unusable TLS files stop the start with status 2, naming the option") {
  testing::pki pki;
  pki.issue("server", "localhost");
  testing::temp_dir dir;
  auto start = [&](const std::string& options) {
    return run_shell(server_binary() + " --port=0 --host=127.0.0.1 --data-dir=" + dir.path + "/data " + options);
  };
  auto missing = start("--tls.cert-file=" + pki.cert("server"));
  CHECK(missing.first == 2);
  CHECK(missing.second.find("option tls.key-file is required with tls.cert-file") != std::string::npos);
  auto unreadable = start("--tls.cert-file=" + pki.cert("server") + " --tls.key-file=" + dir.path
                          + "/none.key");
  CHECK(unreadable.first == 2);
  CHECK(unreadable.second.find("option tls.key-file: cannot read") != std::string::npos);
  auto cluster = start("--cluster.cert-file=" + pki.cert("server") + " --cluster.key-file="
                       + pki.key("server"));
  CHECK(cluster.first == 2);
  CHECK(cluster.second.find("option cluster.ca-file is required with cluster.cert-file")
        != std::string::npos);
}
