#include "http/auth/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>

namespace http::auth {

namespace {

constexpr std::string_view digest_prefix = "sha256:";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// The 32 bytes of 64 hex digits, or nothing.
std::optional<digest> from_hex(std::string_view hex) {
  if (hex.size() != 64)
    return std::nullopt;
  digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    d[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return d;
}

/// One non-empty line (comment removed): its entry, or why it is not one.
model::expected<token_set::entry> parse_line(std::string_view line) {
  auto gap = line.find_first_of(" \t");
  if (gap == std::string_view::npos)
    return model::invalid{"expected \"<scope> sha256:<hex>\""};
  auto name = line.substr(0, gap);
  auto rest = trim(line.substr(gap));
  auto granted = scope_named(name);
  if (!granted)
    return model::invalid{"unknown scope \"" + std::string{name}
                          + "\" (read, write or admin)"};
  if (rest.substr(0, digest_prefix.size()) != digest_prefix)
    return model::invalid{"the token must be given as sha256:<hex of its SHA-256> (never in "
                          "clear text; model_server --hash-token prints the line)"};
  auto hash = from_hex(rest.substr(digest_prefix.size()));
  if (!hash)
    return model::invalid{"the digest must be 64 hex digits after sha256:"};
  return token_set::entry{*granted, *hash};
}

} // namespace

const char* name_of(scope s) {
  switch (s) {
    case scope::read:
      return "read";
    case scope::write:
      return "write";
    case scope::admin:
      return "admin";
  }
  return "?";
}

std::optional<scope> scope_named(std::string_view name) {
  for (auto s : {scope::read, scope::write, scope::admin})
    if (name == name_of(s))
      return s;
  return std::nullopt;
}

digest sha256(std::string_view text) {
  digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

std::string to_hex(const digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

model::expected<token_set> parse_tokens(std::string_view text) {
  token_set out;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty())
      continue;
    auto parsed = parse_line(line);
    if (!parsed)
      return model::invalid{"line " + std::to_string(number) + ": " + parsed.detail()};
    for (const auto& e : out.entries)
      if (e.hash == parsed.value().hash)
        return model::invalid{"line " + std::to_string(number)
                              + ": the same token is listed twice"};
    out.entries.push_back(parsed.value());
  }
  if (out.entries.empty())
    return model::invalid{"the file holds no token"};
  return out;
}

std::optional<scope> scope_of(const token_set& set, std::string_view token) {
  auto presented = sha256(token);
  uint8_t found = 0;
  for (const auto& e : set.entries) {
    // Branch-free: no entry, matching or not, takes a different path.
    uint8_t match = CRYPTO_memcmp(presented.data(), e.hash.data(), presented.size()) == 0;
    found |= static_cast<uint8_t>(-match) & static_cast<uint8_t>(e.granted);
  }
  if (found == 0)
    return std::nullopt;
  return static_cast<scope>(found);
}

model::expected<std::string> token_line(std::string_view token, scope s) {
  for (unsigned char c : token)
    if (c <= ' ' || c == 0x7f)
      return model::invalid{"a token may not hold spaces or control characters"};
  if (token.size() < 16)
    return model::invalid{"a token must have at least 16 characters (e.g. openssl rand -hex 32)"};
  return std::string{name_of(s)} + " sha256:" + to_hex(sha256(token));
}

std::optional<std::string_view> bearer_token(std::string_view header) {
  header = trim(header);
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size())
    return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return std::nullopt;
  if (header[scheme.size()] != ' ' && header[scheme.size()] != '\t')
    return std::nullopt;
  auto token = trim(header.substr(scheme.size()));
  if (token.empty())
    return std::nullopt;
  return token;
}

} // namespace http::auth
