// Request framing for the event-driven front end: decides, from bytes as they
// arrive, where one HTTP/1.1 request ends (headers, then a Content-Length or
// chunked body, with chunk extensions and trailers), and enforces the size
// limits before any handler sees the request. Uses Debian's http_parser (the
// incremental parser Node.js used), so no framing corner case is hand-written.
// One framer per connection; owned and called by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <http_parser.h>

namespace http {

/// cpp-httplib (as Debian builds it) parses at most this many bytes of the
/// request line and of each header line, end of line included.
constexpr std::size_t httplib_line_limit = 8192;

struct framing_limits {
  std::size_t max_request_line = 8192;  ///< the request line's target (path, query); longer: 414
  std::size_t max_header_bytes = 32768; ///< all header lines together; more: 431
  std::size_t max_body = 16u << 20;     ///< decoded body bytes; more: 413
};

/// What feeding bytes has shown so far.
enum class frame_state {
  need_more, ///< the request is not complete yet
  complete,  ///< one whole request: `length` bytes from its start
  error,     ///< a limit or a framing rule was broken: answer `status`, then close
};

struct frame_result {
  frame_state state = frame_state::need_more;
  std::size_t length = 0;  ///< with complete: bytes of the request, pipelined bytes excluded
  int status = 0;          ///< with error: 400, 413, 414 or 431
  std::string_view detail; ///< with error: what was wrong, one sentence
};

class request_framer {
public:
  explicit request_framer(const framing_limits& limits);
  request_framer(const request_framer&) = delete;
  request_framer& operator=(const request_framer&) = delete;

  /// Feeds the next `size` bytes of the connection. Stops at the end of a
  /// request: with `complete`, bytes after `length` (counted from the request's
  /// first byte) were not consumed and belong to the next request; call
  /// `next()` and feed them again. After `error` the framer is dead.
  frame_result feed(const char* data, std::size_t size);

  /// Starts the next request on the same connection (after `complete`).
  void next();

  /// Whether the headers are complete and the client asked for
  /// `Expect: 100-continue` with a body still to come.
  bool wants_continue() const;
  /// The request target (path and query) once the request line is complete.
  std::string_view target() const { return target_; }
  /// The method once the headers are complete ("" before).
  std::string_view method() const;
  /// Whether the client allows the connection to stay open afterwards.
  bool keep_alive() const;
  /// With `complete` for a chunked body that carried trailer fields: the
  /// offset where they start (0 when there were none). cpp-httplib 0.11 does
  /// not accept trailers, and the server uses none, so the front end drops
  /// the bytes from here to the final CRLF before routing.
  std::size_t trailer_start() const { return trailer_start_; }

private:
  static int on_url(http_parser* p, const char* at, std::size_t len);
  static int on_header_field(http_parser* p, const char* at, std::size_t len);
  static int on_header_value(http_parser* p, const char* at, std::size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t len);
  static int on_message_complete(http_parser* p);
  frame_result fail(int status, std::string_view detail);

  framing_limits limits_;
  http_parser parser_{};
  std::size_t seen_ = 0;        ///< bytes of this request fed so far
  std::size_t line_end_ = 0;    ///< offset where the header lines start; 0 while unknown
  std::size_t header_line_ = 0; ///< bytes of the current header line so far
  std::size_t body_ = 0;        ///< decoded body bytes so far
  std::size_t trailer_start_ = 0;
  const char* base_ = nullptr;  ///< start of the bytes being fed (for offsets in callbacks)
  std::string target_;
  bool headers_done_ = false;
  bool complete_ = false;
  int limit_status_ = 0;        ///< a callback found a limit broken
  enum class expect { none, name, value } expect_state_ = expect::none;
  bool expect_continue_ = false;
  std::string field_;           ///< current header name, lower case, only while short
};

} // namespace http
