#include "http/api/query.hpp"

#include <limits>
#include <string>

#include "model/request_params.hpp"

namespace http {

model::expected<uint32_t> parse_version(std::string_view text) {
  const char* rule =
    "version must be N, vN or VN with N >= 1, or 0, latest or empty for the latest version";
  if (text.empty() || text == "latest")
    return model::latest_version;
  bool prefixed = text.front() == 'v' || text.front() == 'V';
  if (prefixed)
    text.remove_prefix(1);
  auto n = model::parse_timestamp_digits(text); // the same rule: plain decimal digits
  if (!n || n.value() > std::numeric_limits<uint32_t>::max() || (prefixed && n.value() == 0))
    return model::invalid{rule};
  return static_cast<uint32_t>(n.value());
}

model::expected<page> parse_page(std::string_view limit, std::string_view after) {
  page p;
  if (!limit.empty()) {
    auto n = model::parse_timestamp_digits(limit);
    if (!n || n.value() < 1 || n.value() > max_page)
      return model::invalid{"limit must be a whole number from 1 to " + std::to_string(max_page)};
    p.limit = static_cast<uint32_t>(n.value());
  }
  if (!after.empty()) {
    auto n = model::parse_timestamp_digits(after);
    if (!n || n.value() > std::numeric_limits<uint32_t>::max())
      return model::invalid{"after must be a version number (a whole number, 0 or more)"};
    p.after = static_cast<uint32_t>(n.value());
  }
  return p;
}

model::expected<bool> parse_flag(std::string_view name, std::string_view text) {
  if (text == "true" || text == "1")
    return true;
  if (text.empty() || text == "false" || text == "0")
    return false;
  return model::invalid{std::string{name} + " must be true or false (got \"" + std::string{text}
                        + "\")"};
}

} // namespace http
