// Tokens and their scopes: the tokens file's format, SHA-256 digests, and
// the constant-time lookup of a presented token. No token is kept in clear
// text: a file line reads `<scope> sha256:<hex of the token's SHA-256>`.
// Pure functions and values (OpenSSL for the digest); callable from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"

namespace http::auth {

/// What a token may do; each scope includes the ones below it.
enum class scope : uint8_t {
  read = 1,  ///< predicts that change nothing, /plot, /series, /detectors, /healthcheck, /openapi.json
  write = 2, ///< also fits and predicts that learn
  admin = 3, ///< also deletions, backups and /metrics
};

/// "read", "write" or "admin".
const char* name_of(scope s);
/// The scope named `name`, or nothing.
std::optional<scope> scope_named(std::string_view name);

using digest = std::array<unsigned char, 32>;

/// SHA-256 of `text`.
digest sha256(std::string_view text);
/// Lower-case hex of `d` (64 characters).
std::string to_hex(const digest& d);

/// The tokens a server accepts, as digests with their scopes.
struct token_set {
  struct entry {
    scope granted;
    digest hash;
  };
  std::vector<entry> entries;
};

/// Parses a tokens file: one `<scope> sha256:<64 hex digits>` per line; `#`
/// starts a comment; blank lines are skipped. Fails naming the first bad
/// line (a token given in clear text, an unknown scope, a digest of the wrong
/// length, the same token twice) or when the file holds no token.
model::expected<token_set> parse_tokens(std::string_view text);

/// The scope of `token`, or nothing when it is not in `set`. Its digest is
/// compared with every entry with CRYPTO_memcmp, all of them whatever
/// matched: the time taken does not depend on the token's bytes.
std::optional<scope> scope_of(const token_set& set, std::string_view token);

/// The tokens-file line for `token` with scope `s` (model_server
/// --hash-token). Fails when the token cannot be sent in a header as it is
/// (empty, spaces or control characters) or is shorter than 16 characters.
model::expected<std::string> token_line(std::string_view token, scope s);

/// The token of an `Authorization: Bearer <token>` header value (the scheme
/// in any case), or nothing when the value is not of that form.
std::optional<std::string_view> bearer_token(std::string_view header);

} // namespace http::auth
