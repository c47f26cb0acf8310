// HTML text escaping for the rendered pages (/plot, /docs).
#pragma once

#include <string>
#include <string_view>

namespace http {

/// `s` safe inside an element or a quoted attribute (either quote).
inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

} // namespace http
