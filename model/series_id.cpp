#include "model/series_id.hpp"

namespace model {

namespace {

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || c == '.' || c == '_' || c == ':' || c == '-';
}

} // namespace

std::optional<std::string> series_id_problem(std::string_view id) {
  if (id.empty())
    return "series_id must not be empty";
  if (id.size() > max_series_id_bytes)
    return "series_id must be at most 128 bytes long";
  for (char c : id)
    if (!allowed(c))
      return "series_id may only contain letters, digits and . _ : -";
  if (id.find("..") != std::string_view::npos)
    return "series_id must not contain '..'";
  return std::nullopt;
}

std::optional<std::string> idempotency_key_problem(std::string_view key) {
  if (key.size() > max_idempotency_key_bytes)
    return "header Idempotency-Key must be at most " + std::to_string(max_idempotency_key_bytes)
           + " bytes (got " + std::to_string(key.size()) + ")";
  for (unsigned char c : key)
    if (c < 0x21 || c > 0x7e)
      return std::string{"header Idempotency-Key must be visible ASCII characters (no spaces)"};
  return std::nullopt;
}

} // namespace model
