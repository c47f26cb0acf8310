#include "http/server/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace http {

namespace {

/// The oldest queued OpenSSL error as text; clears this thread's queue.
std::string ssl_error() {
  unsigned long last = 0;
  while (auto e = ERR_get_error())
    last = last == 0 ? e : last; // the first one names the cause
  ERR_clear_error();
  if (last == 0)
    return "unknown error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

/// "" when `path` can be opened for reading, else why not.
std::string unreadable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f)
    return std::strerror(errno);
  std::fclose(f);
  return {};
}

/// A key with a passphrase fails to load instead of prompting on a terminal.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

/// ALPN: http/1.1 when the client offers it; otherwise no protocol is
/// agreed and the connection goes on as HTTP/1.1 (a client offering only h2
/// gets no ALPN answer, as from a server that does not know ALPN).
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, http11, sizeof http11, in, inlen)
      != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

/// A context for `f`, or null with `why` naming the option.
SSL_CTX* build(const tls_files& f, std::string& why) {
  struct {
    const char* option;
    const std::string& path;
  } files[] = {{f.options[0], f.cert_file}, {f.options[1], f.key_file},
               {f.options[2], f.client_ca_file}};
  const std::string cert_opt = f.options[0], key_opt = f.options[1], ca_opt = f.options[2];
  for (const auto& file : files)
    if (!file.path.empty())
      if (auto err = unreadable(file.path); !err.empty()) {
        why = "option " + std::string{file.option} + ": cannot read " + file.path + ": " + err;
        return nullptr;
      }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    why = "cannot create a TLS context: " + ssl_error();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE
                             | SSL_OP_NO_COMPRESSION);
  // Partial writes and a buffer that may move between retries (the
  // connection's out string); idle sessions give their record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                          | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  static const unsigned char sid[] = "model_server";
  SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  auto fail = [&](std::string text) {
    why = std::move(text) + ": " + ssl_error();
    SSL_CTX_free(ctx);
    return nullptr;
  };
  if (SSL_CTX_use_certificate_chain_file(ctx, f.cert_file.c_str()) != 1)
    return fail("option " + cert_opt + ": no PEM certificate in " + f.cert_file);
  EVP_PKEY* key = nullptr;
  if (FILE* in = std::fopen(f.key_file.c_str(), "r")) {
    key = PEM_read_PrivateKey(in, nullptr, no_passphrase, nullptr);
    std::fclose(in);
  }
  if (!key)
    return fail("option " + key_opt + ": no PEM private key without a passphrase in "
                + f.key_file);
  bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!used || SSL_CTX_check_private_key(ctx) != 1)
    return fail("option " + key_opt + ": the key in " + f.key_file
                + " does not match the certificate in " + cert_opt);
  if (!f.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, f.client_ca_file.c_str(), nullptr) != 1)
      return fail("option " + ca_opt + ": no PEM CA certificate in " + f.client_ca_file);
    auto* names = SSL_load_client_CA_file(f.client_ca_file.c_str());
    if (!names)
      return fail("option " + ca_opt + ": no CA names in " + f.client_ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return ctx;
}

/// The step a failed OpenSSL call `r` on `s` asks for; clears the error queue.
tls_step failed(SSL* s, int r) {
  switch (SSL_get_error(s, r)) {
    case SSL_ERROR_WANT_READ:
      return {tls_step::kind::want_read};
    case SSL_ERROR_WANT_WRITE:
      return {tls_step::kind::want_write};
    case SSL_ERROR_SSL: {
      auto e = ERR_peek_error();
      bool http = ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST;
      ERR_clear_error();
      return {http ? tls_step::kind::plain_http : tls_step::kind::closed};
    }
    default: // SSL_ERROR_ZERO_RETURN (close_notify), SSL_ERROR_SYSCALL (reset, EOF)
      ERR_clear_error();
      return {tls_step::kind::closed};
  }
}

} // namespace

model::expected<std::shared_ptr<tls_context>> tls_context::open(const tls_files& files) {
  std::string why;
  auto* ctx = build(files, why);
  if (!ctx)
    return model::invalid{why};
  std::shared_ptr<tls_context> self{new tls_context};
  self->files_ = files;
  self->ctx_ = ctx;
  return self;
}

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

std::string tls_context::reload() {
  std::string why;
  auto* fresh = build(files_, why);
  if (!fresh)
    return "tls: reload failed, new connections keep the previous certificate: " + why;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    std::swap(ctx_, fresh);
  }
  SSL_CTX_free(fresh); // sessions made from it hold their own reference
  return "tls: reloaded " + describe() + "; new connections use it";
}

ssl_st* tls_context::new_session(int fd) const {
  SSL* s = nullptr;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    s = SSL_new(ctx_);
  }
  if (!s)
    return nullptr;
  if (SSL_set_fd(s, fd) != 1) {
    SSL_free(s);
    return nullptr;
  }
  SSL_set_accept_state(s);
  return s;
}

std::string tls_context::describe() const {
  std::lock_guard<std::mutex> lock{mtx_};
  X509* cert = SSL_CTX_get0_certificate(ctx_);
  if (!cert)
    return files_.cert_file;
  char subject[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  std::string until = "?";
  if (auto* bio = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(bio, X509_get0_notAfter(cert)) == 1) {
      char buf[64] = {0};
      auto n = BIO_read(bio, buf, sizeof buf - 1);
      until.assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    BIO_free(bio);
  }
  return files_.cert_file + " (" + subject + ", valid until " + until + ")";
}

tls_step tls_handshake(ssl_st* s) {
  ERR_clear_error();
  int r = SSL_do_handshake(s);
  if (r == 1)
    return {};
  return failed(s, r);
}

tls_step tls_read(ssl_st* s, char* buf, std::size_t size) {
  ERR_clear_error();
  std::size_t n = 0;
  int r = SSL_read_ex(s, buf, size, &n);
  if (r == 1)
    return {tls_step::kind::done, n};
  auto step = failed(s, r);
  return step.what == tls_step::kind::plain_http ? tls_step{tls_step::kind::closed} : step;
}

tls_step tls_write(ssl_st* s, const char* buf, std::size_t size) {
  ERR_clear_error();
  std::size_t n = 0;
  int r = SSL_write_ex(s, buf, size, &n);
  if (r == 1)
    return {tls_step::kind::done, n};
  auto step = failed(s, r);
  return step.what == tls_step::kind::plain_http ? tls_step{tls_step::kind::closed} : step;
}

void tls_close_notify(ssl_st* s) {
  ERR_clear_error();
  if (SSL_is_init_finished(s))
    SSL_shutdown(s);
  ERR_clear_error();
}

void tls_free(ssl_st* s) {
  SSL_free(s);
}

} // namespace http
