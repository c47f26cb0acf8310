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

} // namespace

expected<int64_t> parse_timestamp_digits(std::string_view text) {
  int64_t n = 0;
  if (!parse_digits(text, n))
    return invalid{"timestamp must be a non-negative integer or a string of digits"};
  return n;
}

} // namespace model
