// The loop's side of serving a request: cpp-httplib's passes over the
// buffered bytes (exchange.hpp), the send to an actor through the loop's
// hand-off, the reply's way back, the wait's deadline, and results of work
// done off the loop.
#include <caf/sec.hpp>

#include "http/api/listener.hpp"
#include "http/server/access_log.hpp"
#include "http/server/compute_pool.hpp"
#include "http/server/reply_writer.hpp"
#include "http/server/loop.hpp"

namespace http {

namespace {

/// Requests decoded off the loop: bodies of megabytes, and the stateless
/// Azure-compatible detections, which compute over a whole series.
bool heavy_request(const connection* c, std::size_t heavy_body) {
  return c->fed >= heavy_body || c->framer.target().substr(0, 17) == "/anomalydetector/";
}

/// Whether `reply` says its receiver had stopped before it read the request
/// (CAF bounces a request sent to a terminated actor with this error).
bool bounced(const caf::message& reply) {
  return reply.match_elements<caf::error>()
         && reply.get_as<caf::error>(0) == caf::sec::request_receiver_down;
}

} // namespace

/// Runs cpp-httplib over the request at the start of `c->in`, on the calling
/// thread (the loop, or the compute thread that holds `c`).
void loop::serve(connection* c, exchange& ex) {
  bool close = closes_after(c);
  bool closed = false;
  exchange::scope in_scope{ex};
  buffered_stream strm{*c, c->out};
  sh_.routes.serve_one(strm, close, closed);
  ex.parsed(nullptr); // that request is gone
  c->close_after = close || closed;
}

/// Whether the connection closes after the answer to the request being served.
bool loop::closes_after(const connection* c) const {
  auto max = sh_.s.keepalive_max_requests;
  return stopping() || !c->framer.keep_alive() || (max != 0 && c->served + 1 >= max);
}

/// Pass 2 of a plain request without cpp-httplib: the loop writes the
/// rendered reply itself (reply_writer.hpp) and records it as cpp-httplib's
/// logger does. False when the request or the response is left to
/// cpp-httplib (then `serve` writes what was rendered).
bool loop::answer_plainly(connection* c, exchange& ex) {
  const auto& d = *ex.pending();
  if (!d.plain)
    return false;
  auto out_before = c->out.size();
  try {
    auto& res = ex.rendered();
    bool close = closes_after(c);
    if (!write_reply(c->out, res, close || d.says_close, sh_.s.keep_alive))
      return false;
    c->close_after = close || d.closes;
    if (auto line = record_answer(sh_.metrics, sh_.s.access_log, d.method, d.path, res.status,
                                  microseconds_since(ex.started()));
        !line.empty())
      sh_.log.write(std::move(line));
    return true;
  } catch (const std::exception&) { // out of memory: cpp-httplib's pass answers
    c->out.resize(out_before);
    return false;
  }
}

void loop::dispatch(connection* c) {
  auto started = clock::now();
  if (!heavy_request(c, sh_.s.heavy_body)) {
    auto out_before = c->out.size();
    exchange ex{sh_.limits, c->fed, started};
    serve(c, ex);
    return after_pass(c, ex, out_before);
  }
  // Off the loop: it holds its place in the in-flight limits from here (a
  // fit's among the fits).
  bool fit = c->framer.target().substr(0, 5) == "/fit/";
  if (!sh_.limits.enter(fit, c->fed))
    return refuse(*this, c, 503, "the server is at its in-flight request limit; retry", false);
  c->state = connection::phase::processing;
  sh_.compute.post([this, c, started, fit] {
    auto out_before = c->out.size();
    auto ex = std::make_shared<exchange>(sh_.limits, c->fed, started, fit);
    serve(c, *ex);
    post_result([this, c, ex, out_before] {
      after_pass(c, *ex, out_before);
      go_on(c);
    });
  });
}

/// After pass 1: a deferred request goes to its actor; any other is answered
/// (the caller moves `c` on).
void loop::after_pass(connection* c, exchange& ex, std::size_t out_before) {
  if (ex.deferred()) {
    c->out.resize(out_before); // what cpp-httplib wrote in pass 1 is not the answer
    c->close_after = false;
    auto& d = *ex.pending();
    return send(c, std::move(d), c->fed, ex.started());
  }
  if (ex.admitted())
    sh_.limits.leave(ex.admitted_as_fit(), c->fed); // decoded off the loop, answered without an actor
  finished(*this, c);
}

void loop::send(connection* c, deferral d, std::size_t size, clock::time_point started) {
  auto w = std::make_unique<connection::waiting_for>();
  w->size = size;
  w->started = started;
  c->deadline = clock::now() + d.wait;
  w->request = std::move(d);
  auto& r = w->request;
  auto direct = r.series_id.empty() ? nullptr : handoff_->series_actor(r.series_id);
  w->direct = direct != nullptr;
  // A request that may have to be sent again keeps its message (a read: the
  // series actor takes it by const reference, so sharing it copies nothing).
  w->id = r.series_id.empty() ? handoff_->ask(r.dest, std::move(r.msg))
                              : handoff_->ask(direct ? direct : r.dest, r.msg);
  c->state = connection::phase::waiting;
  waiting_.emplace(w->id, c);
  c->wait = std::move(w);
}

void loop::take_replies() {
  handoff_->take(replies_);
  for (auto& r : replies_)
    on_reply(r);
  replies_.clear();
}

void loop::on_reply(handoff::reply& r) {
  auto it = waiting_.find(r.id);
  if (it == waiting_.end())
    return; // answered already (its deadline passed), or its connection closed
  auto* c = it->second;
  waiting_.erase(it);
  auto& w = *c->wait;
  if (w.direct && bounced(r.msg)) {
    // The series actor had stopped (passivated): ask its shard, which starts a new one.
    handoff_->forget(w.request.series_id);
    w.direct = false;
    w.id = handoff_->ask(w.request.dest, w.request.msg);
    waiting_.emplace(w.id, c);
    return;
  }
  if (!w.request.series_id.empty() && !w.direct && !r.msg.match_elements<caf::error>())
    handoff_->remember(w.request.series_id, r.from);
  auto pending = std::move(c->wait);
  bool heavy = pending->request.heavy;
  auto ex = std::make_shared<exchange>(std::move(pending->request), std::move(r.msg),
                                       pending->started);
  auto answer = [this, c, fit = ex->pending()->fit, size = pending->size] {
    sh_.limits.leave(fit, size);
    finished(*this, c);
    go_on(c);
  };
  auto log_failure = [this](const exchange& done) { // as cpp-httplib's exception handler
    if (const auto& failure = done.render_failure(); !failure.empty())
      sh_.log.write("internal error on " + done.pending()->method + " " + done.pending()->path
                    + ": " + failure);
  };
  if (!heavy) {
    if (!answer_plainly(c, *ex))
      serve(c, *ex);
    log_failure(*ex);
    return answer();
  }
  c->state = connection::phase::processing;
  sh_.compute.post([this, c, ex, answer, log_failure] {
    serve(c, *ex);
    log_failure(*ex);
    post_result(answer);
  });
}

/// The wait's deadline passed: the loop answers by itself, and the reply, if
/// it ever comes, is dropped. A read changed nothing (503); a fit may or may
/// not have been stored, so it is in doubt (504), never 503.
void loop::expire(connection* c) {
  bool fit = c->wait->request.fit;
  done_waiting(c);
  if (fit)
    refuse(*this, c, 504,
           "the store did not decide within request-timeout-ms; the fit may or may not be "
           "stored: read GET /series/{id} before retrying",
           false);
  else
    refuse(*this, c, 503, "no answer within request-timeout-ms; the server is overloaded",
           false);
  go_on(c);
}

void loop::done_waiting(connection* c) {
  waiting_.erase(c->wait->id);
  sh_.limits.leave(c->wait->request.fit, c->wait->size);
  c->wait.reset();
}

void loop::post_result(std::function<void()> f) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> guard{results_mtx_};
    was_empty = results_.empty() && arrivals_.empty();
    results_.push_back(std::move(f));
  }
  if (was_empty)
    wake();
}

void loop::take_results() {
  std::vector<std::function<void()>> now;
  std::vector<std::pair<int, sockaddr_storage>> arrived;
  {
    std::lock_guard<std::mutex> guard{results_mtx_};
    now.swap(results_);
    arrived.swap(arrivals_);
  }
  for (auto& f : now)
    f();
  for (auto& [fd, peer] : arrived)
    adopt(fd, peer);
}

} // namespace http
