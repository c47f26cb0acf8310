#include "http/auth/gate.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "http/api/codec.hpp"
#include "http/azure/codec.hpp"

namespace http::auth {

namespace {

thread_local scope current_caller = scope::admin;

const char* const realm = "Bearer realm=\"model_server\"";

/// Why a request is turned away, and how.
struct refusal {
  int status;
  std::string challenge; ///< WWW-Authenticate
  std::string detail;
  bool key_missing = false; ///< Azure: no key at all
};

void answer(const httplib::Request& req, httplib::Response& res, const refusal& r) {
  res.status = r.status;
  res.set_header("WWW-Authenticate", r.challenge);
  if (!azure_path(req.path))
    return res.set_content(encode_error(r.detail), "application/json");
  // Azure's own wording, in the {code, message} shape of this API's errors.
  auto message = r.key_missing
                   ? "Access denied due to missing subscription key. Make sure to include "
                     "subscription key when making requests to an API."
                   : "Access denied due to invalid subscription key or wrong API endpoint. Make "
                     "sure to provide a valid key for an active subscription and use a correct "
                     "regional API endpoint for your resource.";
  auto code = std::to_string(r.status);
  res.set_header("x-ms-error-code", code);
  res.set_content(azure::encode_error(code, r.status == 401 ? message : r.detail),
                  "application/json; charset=utf-8");
}

/// The token the caller presented, if any; `malformed` when an
/// Authorization header is there but is not a bearer token.
std::optional<std::string_view> presented(const httplib::Request& req, bool& malformed) {
  if (azure_path(req.path)) {
    auto it = req.headers.find("Ocp-Apim-Subscription-Key");
    if (it != req.headers.end() && !it->second.empty())
      return std::string_view{it->second};
  }
  auto it = req.headers.find("Authorization");
  if (it == req.headers.end())
    return std::nullopt;
  auto token = bearer_token(it->second);
  malformed = !token;
  return token;
}

std::string what_needs(const httplib::Request& req) {
  return req.method + " " + req.path;
}

} // namespace

model::expected<token_set> read_tokens_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return model::invalid{"cannot read " + path + ": " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return model::invalid{"cannot read " + path + ": " + std::strerror(errno)};
  auto parsed = parse_tokens(text.str());
  if (!parsed)
    return model::invalid{path + " " + parsed.detail()};
  return parsed;
}

model::expected<std::unique_ptr<gate>> gate::open(const std::string& tokens_file) {
  std::unique_ptr<gate> g{new gate(tokens_file)};
  if (tokens_file.empty())
    return g;
  auto tokens = read_tokens_file(tokens_file);
  if (!tokens)
    return model::invalid{tokens.detail()};
  g->tokens_ = std::make_shared<const token_set>(std::move(tokens.value()));
  return g;
}

std::string gate::reload() {
  if (!enabled())
    return "auth: no auth.tokens-file; nothing to reload (the server stays open)";
  auto tokens = read_tokens_file(file_);
  if (!tokens)
    return "auth: tokens not reloaded, the previous ones stay in force: " + tokens.detail();
  auto count = tokens.value().entries.size();
  std::atomic_store(&tokens_, std::make_shared<const token_set>(std::move(tokens.value())));
  return "auth: reloaded " + file_ + ": " + std::to_string(count) + " token(s)";
}

bool gate::admit(const httplib::Request& req, httplib::Response& res) const {
  current_caller = scope::admin;
  auto needed = required(req.method, req.path);
  if (!enabled() || needed == need::none)
    return true;
  bool malformed = false;
  auto token = presented(req, malformed);
  if (!token) {
    answer(req, res, {401, realm,
                      malformed ? "the Authorization header must read: Bearer <token>"
                                : what_needs(req) + " needs a token: send Authorization: Bearer <token>",
                      !malformed});
    return false;
  }
  auto tokens = std::atomic_load(&tokens_);
  auto granted = scope_of(*tokens, *token);
  if (!granted) {
    answer(req, res, {401, std::string{realm} + ", error=\"invalid_token\"",
                      "the token is not valid (unknown, or revoked)"});
    return false;
  }
  if (static_cast<uint8_t>(*granted) < static_cast<uint8_t>(needed)) {
    auto wanted = name_of(static_cast<scope>(needed));
    answer(req, res, {403,
                      std::string{realm} + ", error=\"insufficient_scope\", scope=\"" + wanted + "\"",
                      what_needs(req) + " needs the " + wanted + " scope; this token has "
                        + name_of(*granted)});
    return false;
  }
  current_caller = *granted;
  return true;
}

scope caller_scope() {
  return current_caller;
}

} // namespace http::auth
