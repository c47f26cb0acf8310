// TLS for the event loops: the server's certificate and key (and optionally
// the CA that client certificates must chain to) as an OpenSSL context that
// SIGHUP replaces, and the non-blocking steps of one connection's session
// over its socket. A step never waits: it says what the socket must become
// (readable, writable) before the step can go on.
//
// tls_context: open() and reload() from any thread; new_session() from the
// loops. The step functions: the thread that owns the connection.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "model/expected.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace http {

/// The files of tls.cert-file, tls.key-file and tls.client-ca-file.
struct tls_files {
  std::string cert_file;      ///< PEM certificate chain, leaf first
  std::string key_file;       ///< PEM private key of the leaf (no passphrase)
  std::string client_ca_file; ///< PEM CAs client certificates must chain to; empty: none asked
  /// The options naming the three files, for messages.
  const char* options[3] = {"tls.cert-file", "tls.key-file", "tls.client-ca-file"};
};

class tls_context {
public:
  /// Loads `files` (TLS 1.2 or newer, ALPN http/1.1). Fails with a sentence
  /// naming the option whose file is missing, unreadable or not PEM, or when
  /// the key does not match the certificate.
  static model::expected<std::shared_ptr<tls_context>> open(const tls_files& files);

  /// Reads the files again: connections accepted from now on use the new
  /// certificate, open ones keep theirs; a bad file keeps the old context.
  /// Returns the line to log. Thread-safe.
  std::string reload();

  /// A server session on `fd` for a new connection, or null (out of memory).
  ssl_st* new_session(int fd) const;

  /// The subject and expiry of the certificate in use, for the log.
  std::string describe() const;

  ~tls_context();

private:
  tls_context() = default;
  tls_files files_;
  mutable std::mutex mtx_;
  ssl_ctx_st* ctx_ = nullptr; ///< owned; replaced under mtx_
};

/// What a TLS step did.
struct tls_step {
  enum class kind : unsigned char {
    done,       ///< handshake finished, or `bytes` were read or written
    want_read,  ///< go on when the socket is readable
    want_write, ///< go on when the socket is writable
    closed,     ///< the peer closed, sent an alert or garbage: close the socket
    plain_http, ///< the first bytes were a plain HTTP request (handshake only)
  };
  kind what = kind::done;
  std::size_t bytes = 0;
};

/// One step of the server handshake.
tls_step tls_handshake(ssl_st* s);
/// Reads up to `size` decrypted bytes into `buf`.
tls_step tls_read(ssl_st* s, char* buf, std::size_t size);
/// Writes up to `size` bytes of `buf` (a partial write is `done`).
tls_step tls_write(ssl_st* s, const char* buf, std::size_t size);
/// Sends close_notify without waiting for the peer's (best effort).
void tls_close_notify(ssl_st* s);
/// Frees the session (not the socket).
void tls_free(ssl_st* s);

} // namespace http
