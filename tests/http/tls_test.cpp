// TLS on the event loops, against the in-process server on a real socket with
// certificates made at test time: requests over TLS, what clients verify, and
// the hostile cases of a TLS port (plain HTTP, garbage, alerts, handshakes cut
// short or never finished, many idle sessions, client certificates), and the
// twins of the plain front end's checks: chunked 413, lines past cpp-httplib's
// limit, a pipelining client on one loop, fits stalled on the store.
#include <doctest/doctest.h>

#include <fcntl.h>

#include <atomic>
#include <future>

#include "tests/http/overload_checks.hpp"
#include "tests/tls_support.hpp"

namespace {

using namespace testing::raw;

const char* const json = "application/json";

/// A CA with a certificate for localhost and 127.0.0.1 (`server`), one for
/// another name (`elsewhere`) and a client certificate (`client`).
struct tls_fixture {
  testing::pki pki;
  tls_fixture() {
    pki.issue("server", "localhost");
    pki.issue("elsewhere", "elsewhere.test", "DNS:elsewhere.test");
    pki.issue("client", "a-client", "DNS:a-client");
  }
  http::server_config config(const std::string& cert = "server") const {
    http::server_config v;
    v.tls_cert_file = pki.cert(cert);
    v.tls_key_file = pki.key(cert);
    return v;
  }
};

/// A live server on TLS and HTTPS clients that trust `ca`.
struct tls_server {
  testing::live_server s;
  std::string ca;
  tls_server(const http::server_config& v, std::string ca_file) : s(v), ca(std::move(ca_file)) {}
  int port() const { return s.svc->port(); }
  httplib::Client client() const { return testing::tls_client(port(), ca); }
};

/// The open-connections gauge read over TLS falls to `n` (the reader's own).
bool connections_fall_to(httplib::Client& c, double n) {
  return testing::wait_for_metric_at_most(c, "model_server_open_connections", n);
}

const std::string predict_body = R"({"timestamp":"1","value":1})";

/// `n` TLS sessions to `port` opened, held idle and closed by a child process
/// (tests/http/tls_idle_client.cpp), so that their client ends are not in this
/// process. The child keeps only its pipes to this process of all the
/// descriptors it inherits.
class idle_holder {
public:
  idle_holder(int port, const std::string& ca, int n) {
    testing::exec_args program{{TLS_IDLE_CLIENT, std::to_string(port), ca, std::to_string(n)}};
    long max_fd = ::sysconf(_SC_OPEN_MAX);
    REQUIRE(::pipe(to_child_) == 0);
    REQUIRE(::pipe(from_child_) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) { // async-signal-safe calls only until the exec (tests/exec.hpp)
      if (::dup2(to_child_[0], 0) < 0 || ::dup2(from_child_[1], 1) < 0)
        ::_exit(126);
      for (long fd = 3; fd < max_fd; ++fd) // the server's sockets and the pipes' copies
        ::close(static_cast<int>(fd));
      program.exec_or_exit();
    }
    ::close(to_child_[0]);
    ::close(from_child_[1]);
  }
  idle_holder(const idle_holder&) = delete;
  idle_holder& operator=(const idle_holder&) = delete;
  ~idle_holder() { finish(); }

  /// The next number the child reports, or -1 when none came within 10 min
  /// (the sessions' handshakes, slow under sanitizers).
  int result() {
    int value = -1;
    pollfd p{from_child_[0], POLLIN, 0};
    if (::poll(&p, 1, 600000) > 0 && ::read(from_child_[0], &value, sizeof value) != sizeof value)
      value = -1;
    return value;
  }

  /// Sends a request on each session: how many were answered 200.
  int answered() {
    char go = 1;
    if (::write(to_child_[1], &go, 1) != 1)
      return -1;
    return result();
  }

  /// Closes the sessions (the child exits): the child's exit status.
  int finish() {
    if (pid_ <= 0)
      return -1;
    ::close(to_child_[1]);
    ::close(from_child_[0]);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

private:
  int to_child_[2] = {-1, -1};
  int from_child_[2] = {-1, -1};
  pid_t pid_ = -1;
};

/// Sends `burst` on `t` while reading what comes back, on one thread (an SSL
/// session is used from one thread at a time), counting the answers that
/// begin "HTTP/1.1 200" in `answered`; `started` is set at the first answer
/// bytes. Returns when `n` are counted, the session fails, or 30 s pass
/// without progress.
void pipeline(testing::tls_socket& t, const std::string& burst, int n, std::atomic<int>& answered,
              std::atomic<bool>& started) {
  ::fcntl(t.fd, F_SETFL, ::fcntl(t.fd, F_GETFL) | O_NONBLOCK);
  SSL_set_mode(t.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  testing::stream_counter ok{"HTTP/1.1 200", {}};
  std::size_t sent = 0;
  char buf[65536];
  while (answered < n) {
    bool blocked = false; // the socket takes no more bytes now
    if (sent < burst.size()) {
      std::size_t w = 0;
      auto size = std::min<std::size_t>(burst.size() - sent, 65536);
      int r = SSL_write_ex(t.ssl, burst.data() + sent, size, &w);
      if (r == 1)
        sent += w;
      else if (SSL_get_error(t.ssl, r) == SSL_ERROR_WANT_WRITE)
        blocked = true;
      else
        return;
    }
    for (;;) {
      std::size_t got = 0;
      int r = SSL_read_ex(t.ssl, buf, sizeof buf, &got);
      if (r != 1) {
        int e = SSL_get_error(t.ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
          return;
        break;
      }
      answered += ok.feed(buf, got);
      started = true;
    }
    if (sent < burst.size() && !blocked)
      continue;
    pollfd p{t.fd, static_cast<short>(POLLIN | (blocked ? POLLOUT : 0)), 0};
    if (answered < n && ::poll(&p, 1, 30000) <= 0)
      return;
  }
}

} // namespace

TEST_CASE("tls: fit, predict and /metrics over TLS with a verified certificate, ALPN http/1.1") {
  tls_fixture f;
  tls_server s{f.config(), f.pki.ca()};
  auto c = s.client();
  auto fit = testing::answer(c.Post("/fit/t", testing::fit_body(), json));
  CHECK(fit.status == 200);
  CHECK(testing::version_in(fit.body) == 1);
  auto predict = testing::answer(c.Post("/predict/t", R"({"timestamp":"1700000100","value":10.05})", json));
  CHECK(predict.status == 200);
  CHECK(predict.body.find("\"anomaly\"") != std::string::npos);
  auto metrics = testing::answer(c.Get("/metrics"));
  CHECK(testing::metric(metrics.body, "model_server_tls_handshakes_total") >= 1);
  // ALPN: a client that offers h2 and http/1.1 is given http/1.1.
  testing::tls_socket raw{s.port(), f.pki.ca()};
  REQUIRE(raw.ok);
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(raw.ssl, &proto, &len);
  CHECK(len == 0); // this client offered none: none is chosen, HTTP/1.1 goes on
  REQUIRE(raw.send("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  CHECK(raw.read_answer().substr(0, 15) == "HTTP/1.1 200 OK");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  static const unsigned char offer[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, offer, sizeof offer);
  int fd = connect_to(s.port());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  REQUIRE(SSL_connect(ssl) == 1);
  SSL_get0_alpn_selected(ssl, &proto, &len);
  CHECK(std::string(reinterpret_cast<const char*>(proto), len) == "http/1.1");
  CHECK(SSL_version(ssl) >= TLS1_2_VERSION);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
}

TEST_CASE("tls: clients refuse an untrusted CA and a certificate for another name; TLS 1.1 is refused") {
  tls_fixture f;
  testing::pki foreign{"foreign-ca"};
  {
    tls_server s{f.config(), f.pki.ca()};
    auto trusted = s.client();
    CHECK(testing::status_of(trusted.Get("/health/live")) == 200);
    auto untrusted = testing::tls_client(s.port(), foreign.ca());
    auto r = untrusted.Get("/health/live");
    REQUIRE_FALSE(static_cast<bool>(r));
    CHECK(r.error() == httplib::Error::SSLServerVerification);
    // TLS 1.1 at most: the server refuses the handshake.
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    int fd = connect_to(s.port());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    CHECK(SSL_connect(ssl) != 1);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
    CHECK(testing::status_of(trusted.Get("/health/live")) == 200);
  }
  tls_server other{f.config("elsewhere"), f.pki.ca()};
  auto by_name = testing::tls_client(other.port(), f.pki.ca(), "localhost");
  auto r = by_name.Get("/health/live");
  REQUIRE_FALSE(static_cast<bool>(r));
  CHECK(r.error() == httplib::Error::SSLServerVerification);
}

TEST_CASE("tls: plain HTTP to the TLS port gets a plain-text 400 and is closed") {
  tls_fixture f;
  tls_server s{f.config(), f.pki.ca()};
  int fd = connect_to(s.port());
  send_text(fd, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
  auto answer = read_all(fd, 30000); // until the server closes
  ::close(fd);
  CHECK(answer.substr(0, 24) == "HTTP/1.1 400 Bad Request");
  CHECK(answer.find("Content-Type: text/plain") != std::string::npos);
  CHECK(answer.find("plain HTTP request was sent to HTTPS port") != std::string::npos);
  auto c = s.client();
  CHECK(testing::status_of(c.Get("/health/live")) == 200);
  auto m = testing::answer(c.Get("/metrics"));
  CHECK(testing::metric(m.body, "model_server_tls_handshake_failures_total") >= 1);
}

TEST_CASE("tls: a handshake never finished is closed after tls.handshake-timeout-ms") {
  tls_fixture f;
  auto v = f.config();
  v.tls_handshake_timeout_ms = 300;
  v.keepalive_timeout_s = 3600; // what closes them is the handshake's own limit
  v.read_timeout_s = 3600;
  tls_server s{v, f.pki.ca()};
  int silent = connect_to(s.port());
  int partial = connect_to(s.port());
  // The first bytes of a ClientHello record, then nothing.
  send_text(partial, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  CHECK(closed_within(silent, 30000));
  CHECK(closed_within(partial, 30000));
  ::close(silent);
  ::close(partial);
  auto c = s.client();
  CHECK(testing::status_of(c.Get("/health/live")) == 200);
  auto m = testing::answer(c.Get("/metrics"));
  CHECK(testing::metric(m.body, "model_server_tls_handshake_failures_total") >= 2);
}

TEST_CASE("tls: garbage, alerts, cut handshakes and resets neither crash, hang nor leak") {
  tls_fixture f;
  auto v = f.config();
  v.tls_handshake_timeout_ms = 500; // bytes that look like the start of a record wait for the rest
  tls_server s{v, f.pki.ca()};
  std::vector<std::string> hostile = {
    std::string(4096, '\0'),
    "\x15\x03\x03\x00\x02\x02\x28", // a fatal handshake_failure alert, unasked
    std::string("\x16\x03\x01\xff\xff", 5) + std::string(300, 'A'), // a record too long
    std::string("\x16\x03\x03\x00\x05\x01\x00\x00\x01\x00", 10),   // a ClientHello of nothing
    "\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10", // SSLv2-style hello
    "CONNECT localhost:443 HTTP/1.1\r\n\r\n",
  };
  for (std::size_t i = 0; i < 64; ++i) { // and random bytes
    std::string junk;
    for (std::size_t j = 0; j < 64 + i * 13; ++j)
      junk.push_back(static_cast<char>((i * 7919 + j * 104729 + (j >> 3)) & 0xff));
    hostile.push_back(junk);
  }
  for (const auto& bytes : hostile) {
    int fd = connect_to(s.port());
    send_text(fd, bytes);
    CHECK(closed_within(fd, 30000));
    ::close(fd);
  }
  // A handshake cut off midway by the client, and a reset one.
  for (int abort = 0; abort < 2; ++abort) {
    int fd = connect_to(s.port());
    send_text(fd, std::string("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03", 11));
    if (abort) {
      linger hard{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    ::close(fd);
  }
  // Garbage after a finished handshake, then an abrupt close of another session.
  {
    testing::tls_socket bad{s.port(), f.pki.ca()};
    REQUIRE(bad.ok);
    send_text(bad.fd, std::string("\x17\x03\x03\x00\x10", 5) + std::string(16, 'x'));
    CHECK(closed_within(bad.fd, 30000));
  }
  {
    testing::tls_socket gone{s.port(), f.pki.ca()};
    REQUIRE(gone.ok);
    REQUIRE(gone.send("POST /fit/g HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"));
  } // closed without close_notify, mid-request
  auto c = s.client();
  REQUIRE(testing::status_of(c.Post("/fit/after", testing::fit_body(), json)) == 200);
  c.set_keep_alive(true); // one connection polls: it is the only one left
  CHECK(connections_fall_to(c, 1));
}

TEST_CASE("tls: 2,000 idle TLS sessions stay open and new clients are served meanwhile") {
  // As many as the plain twin holds ("front end: 2,000 idle connections").
  // Not more: each session costs a handshake at both ends, and 10,000 took
  // 23 s to open in a plain build on 2 cores (2,000: 5-6 s), before the
  // sanitizer builds' 3-15 times. A forked child holds the client ends, so
  // that this process's resident memory grows by the server's side only.
  constexpr int n = 2000;
  testing::raise_open_files(n + 1024);
  tls_fixture f;
  auto v = f.config();
  v.keepalive_timeout_s = 3600; // slow handshakes under sanitizers: the first stay idle meanwhile
  tls_server s{v, f.pki.ca()};
  auto c = s.client();
  c.set_keep_alive(true);
  REQUIRE(testing::status_of(c.Post("/fit/idle", testing::fit_body(), json)) == 200);
  auto shaken = testing::metric(testing::answer(c.Get("/metrics")).body,
                                "model_server_tls_handshakes_total");
  auto rss_before = testing::resident_bytes();
  auto start = std::chrono::steady_clock::now();
  idle_holder idle{s.port(), f.pki.ca(), n};
  int opened = idle.result();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(opened == n);
  REQUIRE(testing::wait_for_metric_at_least(c, "model_server_tls_handshakes_total", shaken + n));
  auto rss_after = testing::resident_bytes();
  MESSAGE(n, " idle TLS sessions opened in ", seconds, " s; server RSS ", rss_before >> 20,
          " -> ", rss_after >> 20, " MiB, ", (rss_after - rss_before) / n, " bytes per session");
  auto m = testing::answer(c.Get("/metrics"));
  CHECK(testing::metric(m.body, "model_server_open_connections") >= n + 1);
  auto fresh = s.client();
  CHECK(testing::status_of(fresh.Post("/predict/idle", predict_body, json)) == 200);
  CHECK(idle.answered() == n); // each idle session still answers
  CHECK(idle.finish() == 0);
  CHECK(connections_fall_to(c, 1));
}

TEST_CASE("tls: the hostile-client limits hold inside TLS: slow-loris, silence, oversized lines, "
          "lying Content-Length") {
  tls_fixture f;
  auto v = f.config();
  v.read_timeout_s = 1;
  v.keepalive_timeout_s = 1;
  v.max_body_bytes = 64 * 1024;
  tls_server s{v, f.pki.ca()};
  auto good = s.client();
  REQUIRE(testing::status_of(good.Post("/fit/good", testing::fit_body(), json)) == 200);
  const std::string body = R"({"timestamp":"1","value":1})";
  const std::string head = "POST /predict/good HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "application/json\r\nContent-Length: " + std::to_string(body.size())
                           + "\r\n\r\n";
  std::vector<std::unique_ptr<testing::tls_socket>> slow, silent;
  for (int i = 0; i < 10; ++i) {
    slow.push_back(std::make_unique<testing::tls_socket>(s.port(), f.pki.ca()));
    silent.push_back(std::make_unique<testing::tls_socket>(s.port(), f.pki.ca()));
    REQUIRE((slow.back()->ok && silent.back()->ok));
  }
  for (std::size_t byte = 0; byte < 6; ++byte) { // a byte a record, good clients served meanwhile
    for (auto& t : slow)
      REQUIRE(t->send(head.substr(byte, 1)));
    CHECK(testing::status_of(good.Post("/predict/good", body, json)) == 200);
  }
  for (auto& t : slow) // 408 at the request deadline, then closed
    CHECK(t->read_all(30000).rfind("HTTP/1.1 408", 0) == 0);
  for (auto& t : silent) // idle sessions closed after keepalive-timeout-s
    CHECK(closed_within(t->fd, 30000));
  testing::tls_socket line{s.port(), f.pki.ca()};
  REQUIRE(line.ok);
  REQUIRE(line.send("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(line.read_all(30000).rfind("HTTP/1.1 414", 0) == 0);
  testing::tls_socket big{s.port(), f.pki.ca()};
  REQUIRE(big.ok);
  REQUIRE(big.send("POST /fit/x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n{"));
  CHECK(big.read_all(30000).rfind("HTTP/1.1 413", 0) == 0);
  testing::tls_socket liar{s.port(), f.pki.ca()};
  REQUIRE(liar.ok);
  REQUIRE(liar.send("POST /fit/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"timestam"));
  CHECK(liar.read_all(30000).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(testing::status_of(good.Post("/predict/good", body, json)) == 200);
}

TEST_CASE("tls: with tls.client-ca-file a client without a certificate from that CA is refused") {
  tls_fixture f;
  testing::pki foreign{"foreign-ca"};
  foreign.issue("stranger", "stranger", "DNS:stranger");
  auto v = f.config();
  v.tls_client_ca_file = f.pki.ca();
  tls_server s{v, f.pki.ca()};
  auto with = testing::tls_client(s.port(), f.pki.ca(), "localhost", f.pki.cert("client"),
                                  f.pki.key("client"));
  CHECK(testing::status_of(with.Post("/fit/m", testing::fit_body(), json)) == 200);
  auto without = s.client();
  CHECK_FALSE(static_cast<bool>(without.Get("/health/live")));
  auto stranger = testing::tls_client(s.port(), f.pki.ca(), "localhost", foreign.cert("stranger"),
                                      foreign.key("stranger"));
  CHECK_FALSE(static_cast<bool>(stranger.Get("/health/live")));
  CHECK(testing::status_of(with.Get("/health/live")) == 200);
}

TEST_CASE("tls: the options are validated: both files or neither, readable, matching, a sane timeout") {
  tls_fixture f;
  testing::pki other{"other-ca"};
  other.issue("other", "localhost");
  auto problems = [](const http::server_config& v) {
    std::string all;
    for (const auto& p : http::check_tls(v))
      all += p + "\n";
    return all;
  };
  CHECK(problems(f.config()).empty());
  auto v = f.config();
  v.tls_key_file.clear();
  CHECK(problems(v).find("option tls.key-file is required with tls.cert-file") != std::string::npos);
  v = f.config();
  v.tls_key_file = f.pki.dir.path + "/missing.key";
  CHECK(problems(v).find("option tls.key-file: cannot read") != std::string::npos);
  v = f.config();
  v.tls_key_file = other.key("other");
  CHECK(problems(v).find("option tls.key-file: the key in") != std::string::npos);
  v = f.config();
  v.tls_cert_file = f.pki.key("server"); // a key is no certificate
  CHECK(problems(v).find("option tls.cert-file: no PEM certificate") != std::string::npos);
  v = f.config();
  v.tls_client_ca_file = f.pki.key("server");
  CHECK(problems(v).find("option tls.client-ca-file") != std::string::npos);
  v = http::server_config{};
  v.tls_client_ca_file = f.pki.ca();
  CHECK(problems(v).find("option tls.cert-file is required with tls.client-ca-file") != std::string::npos);
  v = f.config();
  v.tls_handshake_timeout_ms = 10;
  CHECK(problems(v).find("option tls.handshake-timeout-ms") != std::string::npos);
  v = http::server_config{};
  v.cluster_cert_file = f.pki.cert("server");
  CHECK(problems(v).find("option cluster.key-file is required with cluster.cert-file") != std::string::npos);
  CHECK(problems(v).find("option cluster.ca-file is required") != std::string::npos);
  v.cluster_key_file = f.pki.key("server");
  v.cluster_ca_file = f.pki.ca();
  CHECK(problems(v).find("cluster.nodes is empty") != std::string::npos);
  v.backend = "postgres"; // a PostgreSQL cluster has no node list
  CHECK(problems(v).find("runs no cluster") == std::string::npos);
}

TEST_CASE("tls: a chunked body over the limit gets 413 and trains nothing") {
  tls_fixture f;
  auto v = f.config();
  v.max_body_bytes = 4096;
  tls_server s{v, f.pki.ca()};
  testing::tls_socket t{s.port(), f.pki.ca()};
  REQUIRE(t.ok);
  REQUIRE(t.send("POST /fit/chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string chunk(1000, ' ');
  std::string reply;
  for (int i = 0; i < 10 && reply.empty(); ++i) {
    t.send("3e8\r\n" + chunk + "\r\n"); // fails once the server has answered and closed
    reply = t.read_all(200);
  }
  if (reply.empty()) // a slow machine: the answer to the chunks sent is still coming
    reply = t.read_all(30000);
  CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
  auto c = s.client();
  CHECK(testing::answer(c.Get("/series/chunky")).status == 404);
  // The same body in chunks under the limit trains.
  auto body = testing::fit_body();
  testing::tls_socket ok{s.port(), f.pki.ca()};
  REQUIRE(ok.ok);
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  REQUIRE(ok.send("POST /fit/chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + std::string{size} + ";ext=1\r\n" + body + "\r\n0\r\nX-Trailer: t\r\n\r\n"));
  CHECK(ok.read_answer().rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("tls: a header line or request line past what cpp-httplib parses is refused by the "
          "loop, naming it") {
  tls_fixture f;
  tls_server s{f.config(), f.pki.ca()};
  SUBCASE("a 9,000-byte header line, within max-header-bytes, gets 431") {
    testing::tls_socket t{s.port(), f.pki.ca()};
    REQUIRE(t.ok);
    REQUIRE(t.send("GET /health/live HTTP/1.1\r\nX-Long: " + std::string(9000, 'x') + "\r\n\r\n"));
    auto answer = t.read_all(30000);
    CHECK(answer.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(answer.find("header line") != std::string::npos);
  }
  SUBCASE("a request line of 8,192 bytes (CRLF included) is routed; one of 8,193 gets 414") {
    testing::tls_socket routed{s.port(), f.pki.ca()};
    REQUIRE(routed.ok);
    REQUIRE(routed.send("GET /" + std::string(8176, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(routed.read_answer().rfind("HTTP/1.1 404", 0) == 0);
    testing::tls_socket refused{s.port(), f.pki.ca()};
    REQUIRE(refused.ok);
    REQUIRE(refused.send("GET /" + std::string(8177, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(refused.read_all(30000).rfind("HTTP/1.1 414", 0) == 0);
  }
  CHECK(testing::status_of(s.client().Get("/health/live")) == 200);
}

TEST_CASE("tls: one client pipelining 60,000 requests does not hold a one-loop server") {
  tls_fixture f;
  auto v = f.config();
  v.loops = 1;
  tls_server s{v, f.pki.ca()};
  constexpr int n = 60000;
  testing::tls_socket greedy{s.port(), f.pki.ca()};
  REQUIRE(greedy.ok);
  std::string burst;
  for (int i = 0; i < n; ++i)
    burst += "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  std::atomic<int> answered{0};
  std::atomic<bool> started{false};
  auto pump = std::async(std::launch::async,
                         [&] { pipeline(greedy, burst, n, answered, started); });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!started && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(started);
  // Another client, once the greedy one is being answered.
  auto c = s.client();
  auto r = testing::answer(c.Get("/health/live"));
  int greedy_answers = answered.load();
  MESSAGE("the other client was answered after ", greedy_answers, " of the greedy client's ", n,
          " answers");
  CHECK(r.status == 200);
  CHECK(greedy_answers < n / 2); // without a budget per wake-up: nearly all of them
  pump.get();
  CHECK(answered.load() == n);
}

TEST_CASE("tls: fits stalled on the store hold no thread from predicts; overload is 503 and the "
          "session stays usable") {
  tls_fixture f;
  auto v = f.config();
  v.loops = 1; // one loop: were it to wait for a stalled fit, nobody else would be served
  v.max_in_flight_fits = 3;
  v.request_timeout_ms = 60000;
  tls_server s{v, f.pki.ca()};
  testing::check_stalled_fits(s, s.s.dir.path + "/data/models.db");
}

TEST_CASE("tls: request bytes held at the workers are bounded (503 past the budget)") {
  tls_fixture f;
  auto v = f.config();
  v.max_in_flight_bytes = 1 << 16;
  tls_server s{v, f.pki.ca()};
  testing::check_in_flight_bytes(s, s.s.dir.path + "/data/models.db");
}
