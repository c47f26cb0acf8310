// The loop's own writing of an actor's rendered reply (pass 2 of a deferred
// request, exchange.hpp), byte for byte what cpp-httplib 0.11.4's
// Server::write_response_core writes for it in the plain case: a status it
// names below, a body (or a success without one), and a request without HEAD,
// Range or Accept-Encoding. It saves pass 2's second parse of the request and
// cpp-httplib's writing, a fifth of the loop's time per predict. Anything else
// is left to cpp-httplib.
#pragma once

#include <string>

#include <httplib.h>

namespace http {

/// Appends to `out` the response for `res`, with `Connection: close` when
/// `close`, else `Keep-Alive: keep_alive` (listener.hpp's keep_alive_header).
/// False, with nothing appended and `res` unchanged, for a response it leaves
/// to cpp-httplib.
bool write_reply(std::string& out, httplib::Response& res, bool close,
                 const std::string& keep_alive);

} // namespace http
