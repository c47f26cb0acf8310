// The token check at the door: every request is checked on the node the
// client reached, before it is routed (cpp-httplib's pre-routing hook, on
// the thread that serves it). Holds the current token set, swapped whole on
// reload (SIGHUP) while requests go on: a request sees the old set or the new
// one, never a mix. Thread-safe; lives as long as the server.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>

#include "http/auth/policy.hpp"
#include "http/auth/tokens.hpp"
#include "model/expected.hpp"

namespace http::auth {

class gate {
public:
  /// A gate reading its tokens from `tokens_file`; with an empty name the
  /// server is open (every caller has the admin scope). Fails naming the
  /// file and the bad line.
  static model::expected<std::unique_ptr<gate>> open(const std::string& tokens_file);

  /// Reads the tokens file again. On success the new set replaces the old
  /// one for the requests that follow and the answer is a line saying how
  /// many tokens it holds; on failure the old set stays and the answer says
  /// why. Either way, one line to log.
  std::string reload();

  /// Whether tokens are checked at all.
  bool enabled() const { return !file_.empty(); }

  /// Checks `req` against the scope it needs. False after answering it in
  /// `res`: 401 (no token, or an unknown one) with WWW-Authenticate: Bearer,
  /// or 403 (too small a scope); both with a JSON detail (Azure's shape on
  /// the Azure-compatible paths). True otherwise, with the caller's scope
  /// recorded for the handlers on this thread (caller_scope).
  bool admit(const httplib::Request& req, httplib::Response& res) const;

private:
  explicit gate(std::string file) : file_(std::move(file)) {}
  std::string file_;
  std::shared_ptr<const token_set> tokens_; ///< read and swapped with std::atomic_load/store
};

/// The scope of the caller whose request this thread is handling, as the
/// gate admitted it (admin on an open server). Valid from the pre-routing
/// hook to the end of the handler, on that thread.
scope caller_scope();

/// Reads a tokens file; fails naming it and the bad line.
model::expected<token_set> read_tokens_file(const std::string& path);

} // namespace http::auth
