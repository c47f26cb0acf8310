// TLS for the tests: certificates made at test time with the openssl command
// (never committed), clients that verify them, and a raw OpenSSL client for
// the handshakes and idle connections no client library makes on request.
#pragma once

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support.hpp"

namespace testing {

/// A CA and certificates it signs, in a temporary directory: P-256 keys,
/// valid for two days. `issue` makes `<name>.pem` and `<name>.key`.
struct pki {
  temp_dir dir;
  std::string ca_name;

  explicit pki(std::string ca = "ca") : ca_name(std::move(ca)) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=" + ca_name + " -keyout " + key(ca_name) + " -out " + cert(ca_name));
  }

  std::string cert(const std::string& name) const { return dir.path + "/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir.path + "/" + name + ".key"; }
  std::string ca() const { return cert(ca_name); }

  /// A certificate for `cn` with the subject alternative names `san`
  /// (e.g. "DNS:localhost,IP:127.0.0.1"), signed by this CA.
  void issue(const std::string& name, const std::string& cn,
             const std::string& san = "DNS:localhost,IP:127.0.0.1") const {
    auto ext = dir.path + "/" + name + ".ext";
    std::ofstream{ext} << "subjectAltName=" << san << "\n";
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + cn
        + " -keyout " + key(name) + " -out " + dir.path + "/" + name + ".csr");
    run("openssl x509 -req -days 2 -in " + dir.path + "/" + name + ".csr -CA " + ca() + " -CAkey "
        + key(ca_name) + " -CAcreateserial -extfile " + ext + " -out " + cert(name));
  }

  /// A cluster node's options for mutual TLS with certificate `name` of this
  /// CA (issued with issue()).
  std::vector<std::string> cluster_args(const std::string& name = "node") const {
    return {"--cluster.cert-file=" + cert(name), "--cluster.key-file=" + key(name),
            "--cluster.ca-file=" + ca()};
  }

  static void run(const std::string& command) {
    // Run outside the check: the fuzz targets build with doctest disabled.
    [[maybe_unused]] int status = std::system((command + " >/dev/null 2>&1").c_str());
    REQUIRE_MESSAGE(status == 0, command);
  }
};

/// An HTTPS client for localhost:`port` that trusts `ca` only and checks the
/// host name (30 s read timeout). `cert`/`key`: a client certificate.
inline httplib::Client tls_client(int port, const std::string& ca, const std::string& host = "localhost",
                                  const std::string& cert = {}, const std::string& key = {}) {
  httplib::Client c{"https://" + host + ":" + std::to_string(port), cert, key};
  c.set_ca_cert_path(ca.c_str());
  c.enable_server_certificate_verification(true);
  c.set_read_timeout(30, 0);
  return c;
}

/// A raw TLS connection to 127.0.0.1:`port` made with OpenSSL directly
/// (blocking), trusting `ca`: for idle connections, the certificate the
/// server shows, and bytes after the handshake.
struct tls_socket {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  bool ok = false; ///< the handshake succeeded

  tls_socket(int port, const std::string& ca) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    fd = connect_loopback(port);
    if (fd < 0)
      return;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    ok = SSL_connect(ssl) == 1;
    ERR_clear_error();
  }
  tls_socket(const tls_socket&) = delete;
  tls_socket& operator=(const tls_socket&) = delete;
  ~tls_socket() {
    if (ssl)
      SSL_free(ssl);
    if (fd >= 0)
      ::close(fd);
    SSL_CTX_free(ctx);
  }

  /// The common name of the certificate the server showed.
  std::string peer_cn() const {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert)
      return {};
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }

  bool send(const std::string& s) {
    std::size_t n = 0;
    return SSL_write_ex(ssl, s.data(), s.size(), &n) == 1 && n == s.size();
  }

  /// Everything the server sends until it closes (or sends close_notify) or
  /// `ms` pass without bytes, as raw::read_all does for plain sockets. The
  /// socket is non-blocking meanwhile: records that carry no data (TLS 1.3
  /// session tickets) would otherwise hold a read until data came.
  std::string read_all(int ms) {
    std::string out;
    char buf[4096];
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    for (;;) {
      std::size_t n = 0;
      int r = SSL_read_ex(ssl, buf, sizeof buf, &n);
      if (r == 1) {
        out.append(buf, n);
        continue;
      }
      int error = SSL_get_error(ssl, r);
      ERR_clear_error();
      pollfd p{fd, POLLIN, 0};
      if (error != SSL_ERROR_WANT_READ || ::poll(&p, 1, ms) <= 0)
        break;
    }
    ::fcntl(fd, F_SETFL, flags);
    return out;
  }

  /// One whole answer whose body has Content-Length (blocking), or "".
  std::string read_answer() {
    std::string out;
    char buf[4096];
    for (;;) {
      if (raw::whole_response(out))
        return out;
      std::size_t n = 0;
      if (SSL_read_ex(ssl, buf, sizeof buf, &n) != 1)
        return out;
      out.append(buf, n);
    }
  }
};

} // namespace testing
