// Series identifiers: the rule that decides which ids a client may use.
// Pure function, callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace model {

/// Longest accepted series id, in bytes.
constexpr std::size_t max_series_id_bytes = 128;

/// Returns why `id` is not a valid series id, or nothing when it is valid:
/// 1..128 bytes of [A-Za-z0-9._:-], not containing "..".
std::optional<std::string> series_id_problem(std::string_view id);

/// Longest accepted Idempotency-Key, in bytes.
constexpr std::size_t max_idempotency_key_bytes = 255;

/// Returns why `key` is not a valid Idempotency-Key header value, or nothing
/// when it is valid: empty (no key), or 1..255 bytes of visible ASCII.
std::optional<std::string> idempotency_key_problem(std::string_view key);

} // namespace model
