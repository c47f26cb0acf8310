#include "http/server/exchange.hpp"

#include "http/api/codec.hpp"
#include "http/api/listener.hpp"

namespace http {

namespace {
thread_local exchange* current_exchange = nullptr;
} // namespace

bool admission::enter(bool fit, std::size_t size) {
  auto held = bytes.load(std::memory_order_relaxed);
  auto n = static_cast<int64_t>(size);
  if (in_flight->load(std::memory_order_relaxed) >= static_cast<int64_t>(max_requests)
      || (fit && fits.load(std::memory_order_relaxed) >= static_cast<int64_t>(max_fits))
      || (held > 0 && held + n > static_cast<int64_t>(max_bytes))) {
    rejected->fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  in_flight->fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(n, std::memory_order_relaxed);
  if (fit)
    fits.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void admission::leave(bool fit, std::size_t size) {
  in_flight->fetch_sub(1, std::memory_order_relaxed);
  bytes.fetch_sub(static_cast<int64_t>(size), std::memory_order_relaxed);
  if (fit)
    fits.fetch_sub(1, std::memory_order_relaxed);
}

exchange* exchange::current() {
  return current_exchange;
}

void exchange::defer(httplib::Response& res, deferral d) {
  if (replying_ || pending_ || !limits_)
    return; // pass 2, or a second deferral: nothing to do
  if (!admitted_ && !limits_->enter(d.fit, size_)) {
    // The body is already read, so the connection stays usable.
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content(encode_error("the server is at its in-flight request limit; retry"),
                    "application/json");
    return;
  }
  if (admitted_ && d.fit != as_fit_) // admitted before it was known what it is
    limits_->fits.fetch_add(d.fit ? 1 : -1, std::memory_order_relaxed);
  admitted_ = true;
  as_fit_ = d.fit;
  if (const auto* req = request_) {
    d.method = req->method;
    d.path = req->path;
    d.plain = req->method != "HEAD" && !req->has_header("Accept-Encoding")
              && !req->has_header("Range") && !req->has_header("Expect");
    auto connection = req->get_header_value("Connection");
    d.says_close = connection == "close";
    d.closes = d.says_close || (req->version == "HTTP/1.0" && connection != "Keep-Alive");
  }
  pending_ = std::move(d);
}

httplib::Response& exchange::rendered() {
  if (!rendered_) {
    rendered_.emplace();
    try {
      pending_->render(reply_, *rendered_);
    } catch (const std::exception& e) {
      failure_ = e.what();
    } catch (...) {
      failure_ = "unknown exception";
    }
    if (!failure_.empty()) {
      rendered_.emplace();
      if (pending_->fit) // the store may have decided: in doubt, as at its deadline
        reply_in_doubt(*rendered_, "the server could not write the answer to this fit ("
                                     + failure_ + ")");
      else
        internal_error(*rendered_, failure_);
    }
  }
  return *rendered_;
}

bool exchange::render_reply(httplib::Response& res) {
  if (!replying_)
    return false;
  res = std::move(rendered());
  return true;
}

exchange::scope::scope(exchange& ex) : previous_(current_exchange) {
  current_exchange = &ex;
}

exchange::scope::~scope() {
  current_exchange = previous_;
}

} // namespace http
