#include "http/server/framing.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

namespace http {

namespace {

const http_parser_settings& settings() {
  static const http_parser_settings s = [] {
    // Our own limits apply; http_parser's compiled-in 80 KiB must not come first.
    http_parser_set_max_header_size(std::numeric_limits<uint32_t>::max());
    return http_parser_settings{};
  }();
  return s;
}

/// limit_status_ for one header line longer than cpp-httplib parses (a 431).
constexpr int line_too_long = 4311;

/// Bytes of a request line besides its target: the longest method, two
/// spaces, "HTTP/1.1" and CRLF.
constexpr std::size_t request_line_slack = 32;

request_framer* self(http_parser* p) {
  return static_cast<request_framer*>(p->data);
}

/// Appends `len` bytes of `at`, lower-cased, to `out` while it stays short:
/// only short header names and values are ever compared.
void append_lower(std::string& out, const char* at, std::size_t len) {
  if (out.size() + len > 32)
    len = out.size() < 33 ? 33 - out.size() : 0;
  for (std::size_t i = 0; i < len; ++i)
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
}

} // namespace

request_framer::request_framer(const framing_limits& limits) : limits_(limits) {
  next();
}

void request_framer::next() {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  seen_ = line_end_ = header_line_ = body_ = trailer_start_ = 0;
  target_.clear();
  headers_done_ = complete_ = expect_continue_ = false;
  limit_status_ = 0;
  expect_state_ = expect::none;
  field_.clear();
}

bool request_framer::wants_continue() const {
  return expect_continue_ && headers_done_ && !complete_;
}

std::string_view request_framer::method() const {
  return headers_done_ ? http_method_str(static_cast<http_method>(parser_.method)) : "";
}

bool request_framer::keep_alive() const {
  return http_should_keep_alive(&parser_) != 0 && !parser_.upgrade;
}

frame_result request_framer::fail(int status, std::string_view detail) {
  limit_status_ = status;
  return {frame_state::error, 0, status, detail};
}

frame_result request_framer::feed(const char* data, std::size_t size) {
  static const http_parser_settings callbacks = [] {
    http_parser_settings s = settings();
    s.on_url = on_url;
    s.on_header_field = on_header_field;
    s.on_header_value = on_header_value;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  base_ = data;
  auto parsed = http_parser_execute(&parser_, &callbacks, data, size);
  seen_ += parsed;
  switch (limit_status_) {
    case 413:
      return fail(413, "request body is larger than max-body-bytes");
    case 414:
      return fail(414, "request line is longer than max-request-line-bytes");
    case 431:
      return fail(431, "request headers are larger than max-header-bytes");
    case line_too_long:
      return fail(431, "a request header line is longer than 8,192 bytes");
    default:
      break;
  }
  if (complete_ || (parser_.upgrade && headers_done_))
    return {frame_state::complete, seen_, 0, {}};
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK)
    return fail(400, http_errno_description(HTTP_PARSER_ERRNO(&parser_)));
  // A line that never ends: past the target's limit plus room for a method
  // and the version, the target cannot be within the limit.
  if (!headers_done_ && line_end_ == 0 && seen_ > limits_.max_request_line + request_line_slack)
    return fail(414, "request line is longer than max-request-line-bytes");
  if (!headers_done_ && line_end_ != 0 && seen_ - line_end_ > limits_.max_header_bytes)
    return fail(431, "request headers are larger than max-header-bytes");
  // Chunk framing is overhead on top of the body; bound the raw bytes too.
  if (seen_ > limits_.max_request_line + limits_.max_header_bytes + 2 * limits_.max_body + 4096)
    return fail(413, "request body (with its chunk framing) is larger than max-body-bytes");
  return {};
}

int request_framer::on_url(http_parser* p, const char* at, std::size_t len) {
  auto* f = self(p);
  // The whole line must stay within what cpp-httplib parses: method, target,
  // version and CRLF.
  auto method = std::strlen(http_method_str(static_cast<http_method>(p->method)));
  auto line = method + 1 + f->target_.size() + len + sizeof(" HTTP/1.1\r\n") - 1;
  if (f->target_.size() + len > f->limits_.max_request_line || line > httplib_line_limit) {
    f->limit_status_ = 414;
    return 1;
  }
  f->target_.append(at, len);
  return 0;
}

int request_framer::on_header_field(http_parser* p, const char* at, std::size_t len) {
  auto* f = self(p);
  auto end = f->seen_ + static_cast<std::size_t>(at - f->base_) + len;
  if (f->headers_done_) { // a trailer after a chunked body: bounded by the raw-size rule
    if (f->trailer_start_ == 0)
      f->trailer_start_ = end - len;
    return 0;
  }
  if (f->line_end_ == 0)
    f->line_end_ = end - len;
  if (end - f->line_end_ > f->limits_.max_header_bytes) {
    f->limit_status_ = 431;
    return 1;
  }
  if (f->expect_state_ != expect::name) {
    f->field_.clear();
    f->header_line_ = 0; // a new header line
  }
  f->header_line_ += len;
  if (f->header_line_ + 4 > httplib_line_limit) { // ": " and CRLF
    f->limit_status_ = line_too_long;
    return 1;
  }
  f->expect_state_ = expect::name;
  append_lower(f->field_, at, len);
  return 0;
}

int request_framer::on_header_value(http_parser* p, const char* at, std::size_t len) {
  auto* f = self(p);
  auto end = f->seen_ + static_cast<std::size_t>(at - f->base_) + len;
  if (f->headers_done_)
    return 0;
  if (end - f->line_end_ > f->limits_.max_header_bytes) {
    f->limit_status_ = 431;
    return 1;
  }
  f->header_line_ += len;
  if (f->header_line_ + 4 > httplib_line_limit) { // ": " and CRLF
    f->limit_status_ = line_too_long;
    return 1;
  }
  if (f->expect_state_ == expect::name) {
    f->expect_state_ = f->field_ == "expect" ? expect::value : expect::none;
    f->field_.clear();
  }
  if (f->expect_state_ == expect::value) {
    append_lower(f->field_, at, len);
    f->expect_continue_ = f->field_ == "100-continue";
  }
  return 0;
}

int request_framer::on_headers_complete(http_parser* p) {
  auto* f = self(p);
  f->headers_done_ = true;
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > f->limits_.max_body) {
    f->limit_status_ = 413; // at once, before a byte of the body is read
    http_parser_pause(p, 1);
  }
  return 0;
}

int request_framer::on_body(http_parser* p, const char*, std::size_t len) {
  auto* f = self(p);
  f->body_ += len;
  if (f->body_ > f->limits_.max_body) {
    f->limit_status_ = 413; // a chunked body, as soon as its sum passes the limit
    return 1;
  }
  return 0;
}

int request_framer::on_message_complete(http_parser* p) {
  self(p)->complete_ = true;
  http_parser_pause(p, 1); // stop here: pipelined bytes belong to the next request
  return 0;
}

} // namespace http
