// The contract between a route handler and the event loop for a request whose
// answer comes from an actor. cpp-httplib runs a handler synchronously, so such
// a request is served in two passes over its buffered bytes:
//   1. the handler decodes and validates the request, then `defer`s: it names
//      the actor, the message and how to render the reply. The loop drops what
//      cpp-httplib wrote in this pass, sends the message and serves others.
//   2. when the reply reaches the loop, the deferral's `render` renders it. A
//      plain request's answer the loop writes itself, as cpp-httplib would
//      (reply_writer.hpp); for any other, cpp-httplib parses the request line
//      and headers again, the pre-routing hook (`render_reply`) renders the
//      reply, and cpp-httplib writes the response.
// No thread waits for an actor. The exchange of the request a thread is
// serving is reachable through `exchange::current()` while it serves it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <caf/all.hpp>
#include <httplib.h>

namespace http {

/// What a handler hands to the loop when its answer needs an actor.
struct deferral {
  caf::strong_actor_ptr dest; ///< who answers: a router shard, a peer link, ...
  caf::message msg;           ///< the request (its sender is the loop)
  /// Non-empty when `dest` is the series' local shard and the message is a read
  /// the series actor accepts as it is: the loop may then skip the shard and
  /// ask the series actor it learned from an earlier reply.
  std::string series_id;
  bool fit = false;   ///< counts against max-in-flight-fits; past its wait it is in doubt (504)
  bool heavy = false; ///< the reply is rendered off the loop (a /plot page)
  std::chrono::milliseconds wait{0}; ///< past this the loop answers by itself
  /// Pass 2: writes the HTTP answer for `reply` (a value or a caf::error).
  std::function<void(caf::message& reply, httplib::Response& res)> render;
  /// The request's method and path, for metrics and the access log, noted
  /// when deferred.
  std::string method, path;
  /// The loop may write the rendered reply itself (reply_writer.hpp) instead
  /// of running cpp-httplib again: nothing in the request asks cpp-httplib
  /// for more than a plain answer (no HEAD, Range, Accept-Encoding or Expect).
  bool plain = false;
  /// cpp-httplib's own reading of the Connection header, which the loop's
  /// writing follows: the answer says `Connection: close` (the first value
  /// is exactly "close"), and the connection closes after it (that, or
  /// HTTP/1.0 without exactly "Keep-Alive").
  bool says_close = false, closes = false;
};

/// Counts the requests waiting on actors against the in-flight limits. Shared
/// by every loop; lock-free.
struct admission {
  std::size_t max_requests = 4096;
  std::size_t max_fits = 1024;
  std::size_t max_bytes = 256u << 20;
  std::atomic<int64_t>* in_flight = nullptr; ///< the metric gauge
  std::atomic<int64_t> fits{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<uint64_t>* rejected = nullptr; ///< the metric counter

  /// Takes a place for a request of `size` bytes; false when a limit is
  /// reached (one request of any size passes when nothing else holds bytes).
  bool enter(bool fit, std::size_t size);
  /// Gives back what `enter` took.
  void leave(bool fit, std::size_t size);
};

/// One request's passage through the handlers, owned by the loop serving it.
class exchange {
public:
  using clock = std::chrono::steady_clock;

  /// Pass 1 of a request of `size` bytes that was complete at `started`.
  exchange(admission& limits, std::size_t size, clock::time_point started)
      : limits_(&limits), size_(size), started_(started) {}

  /// Pass 1 of a request that already holds its place in the in-flight
  /// limits (it runs off the loop), counted as a fit or not.
  exchange(admission& limits, std::size_t size, clock::time_point started, bool as_fit)
      : limits_(&limits), size_(size), started_(started), admitted_(true), as_fit_(as_fit) {}

  /// Pass 2: `reply` is the actor's answer to `pending`.
  exchange(deferral pending, caf::message reply, clock::time_point started)
      : size_(0), started_(started), pending_(std::move(pending)), reply_(std::move(reply)),
        replying_(true) {}

  /// The exchange the calling thread serves now, or null.
  static exchange* current();

  /// Pass 1: the request cpp-httplib parsed, read by `defer` (it lives until
  /// the handler returns).
  void parsed(const httplib::Request* req) { request_ = req; }

  /// Pass 1: asks the loop to send `d` and answer once its reply comes. When
  /// the in-flight limits are reached, answers 503 in `res` instead.
  void defer(httplib::Response& res, deferral d);

  /// Whether `defer` was called and accepted.
  bool deferred() const { return pending_.has_value() && !replying_; }
  /// Whether this request holds a place in the in-flight limits, and as a fit.
  bool admitted() const { return admitted_; }
  bool admitted_as_fit() const { return as_fit_; }
  /// The deferral, once deferred (the loop moves it out).
  std::optional<deferral>& pending() { return pending_; }
  const std::optional<deferral>& pending() const { return pending_; }

  /// Pass 2: the reply rendered into a response (rendered once). A render
  /// that throws gives a 503 (listener.hpp's internal_error), and its
  /// exception's text is kept in render_failure().
  httplib::Response& rendered();
  const std::string& render_failure() const { return failure_; }

  /// Pass 2 hook for cpp-httplib's pre-routing handler: renders the reply into
  /// `res`; false in pass 1.
  bool render_reply(httplib::Response& res);

  /// When the request was complete, for latency figures.
  clock::time_point started() const { return started_; }

  /// Makes `ex` the calling thread's exchange for this object's life.
  class scope {
  public:
    explicit scope(exchange& ex);
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

  private:
    exchange* previous_;
  };

private:
  admission* limits_ = nullptr;
  const httplib::Request* request_ = nullptr;
  std::size_t size_;
  clock::time_point started_;
  std::optional<deferral> pending_;
  caf::message reply_;
  std::optional<httplib::Response> rendered_;
  std::string failure_;
  bool replying_ = false;
  bool admitted_ = false;
  bool as_fit_ = false;
};

} // namespace http
