#include "model/request_params.hpp"

#include <charconv>
#include <string>

namespace model {

namespace {

/// Parses `text` as plain decimal digits into `out`; false on anything else.
template <class T>
bool parse_digits(std::string_view text, T& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9')
    return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

const char* const version_rule =
  "version must be N, vN or VN with N >= 1, or 0, latest or empty for the latest version";

} // namespace

expected<uint32_t> parse_version(std::string_view text) {
  if (text.empty() || text == "latest")
    return latest_version;
  bool prefixed = text.front() == 'v' || text.front() == 'V';
  if (prefixed)
    text.remove_prefix(1);
  uint32_t n = 0;
  if (!parse_digits(text, n) || (prefixed && n == 0))
    return invalid{version_rule};
  return n;
}

expected<int64_t> parse_timestamp_digits(std::string_view text) {
  int64_t n = 0;
  if (!parse_digits(text, n))
    return invalid{"timestamp must be a non-negative integer or a string of digits"};
  return n;
}

} // namespace model
