#include "http/routes.hpp"

#include "actors/bridge.hpp"
#include "http/azure/routes.hpp"
#include "http/codec.hpp"
#include "http/openapi.hpp"
#include "http/plot_page.hpp"
#include "http/query.hpp"
#include "model/request_params.hpp"
#include "model/series_id.hpp"

namespace http {

namespace {

using clock = std::chrono::steady_clock;
using actors::server_error;

const char* const json = "application/json";

void reply_error(httplib::Response& res, int status, std::string_view detail) {
  res.status = status;
  if (status == 503)
    res.set_header("Retry-After", "1");
  res.set_content(encode_error(detail), json);
}

/// The one place where actor errors become HTTP statuses (CONTRACT.md).
int status_of(const caf::error& err) {
  if (err.category() == caf::atom("server")) {
    switch (static_cast<server_error>(err.code())) {
      case server_error::invalid_input:
        return 422;
      case server_error::not_found:
        return 404;
      case server_error::in_doubt:
        return 502; // not 503: that status promises nothing was stored
      default:
        return 503;
    }
  }
  return 503; // an actor died or went away: the store or the system failed
}

uint64_t elapsed_us(clock::time_point start) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start).count());
}

/// The deadline (Unix ms) of a request that starts now.
int64_t deadline_of(const api_context& ctx) {
  return actors::unix_ms_now() + ctx.settings.request_timeout.count();
}

/// How long a client waits for a fit's answer: until the store has decided.
/// Every path answers (the series actor refuses work past its deadline, the
/// writer refuses it before its transaction and otherwise answers with the
/// transaction's outcome, and series actors answer for a writer that died);
/// the store bounds its own waits (10 s busy timeout). This bound only keeps a
/// thread from waiting forever on a disk that never returns.
constexpr auto fit_wait = std::chrono::hours(24);

/// Sends `msg` to the shard owning `id` and waits for a `T`: a fit until the
/// store's decision, anything else its deadline plus the read grace. On
/// anything but a `T` writes the error response and returns false.
template <class T>
bool ask(api_context& ctx, std::string_view id, caf::message msg, httplib::Response& res,
         T& out) {
  auto dest = caf::actor_cast<caf::strong_actor_ptr>(ctx.router.shard_for(id));
  bool fit = msg.match_element<actors::fit_atom>(0);
  auto wait = fit ? std::chrono::duration_cast<std::chrono::milliseconds>(fit_wait)
                  : ctx.settings.request_timeout + ctx.settings.read_grace;
  auto* bridge = actors::bridge::current();
  if (!bridge) { // a route that waits on actors ran on a thread without a bridge
    reply_error(res, 503, "this request cannot be served on this thread; retry");
    return false;
  }
  auto reply = bridge->ask(dest, std::move(msg), wait);
  if (!reply) {
    reply_error(res, 503, "no answer within request-timeout-ms ("
                            + std::to_string(ctx.settings.request_timeout.count())
                            + " ms); the server is overloaded");
    return false;
  }
  if (reply->match_elements<T>()) {
    out = std::move(reply->get_mutable_as<T>(0));
    return true;
  }
  if (reply->match_elements<caf::error>()) {
    const auto& err = reply->get_as<caf::error>(0);
    reply_error(res, status_of(err), actors::error_detail(err));
    return false;
  }
  reply_error(res, 503, "unexpected answer from the series actor");
  return false;
}

/// The validated series id, or false after answering 422.
bool series_id_of(const std::string& id, httplib::Response& res) {
  if (auto problem = model::series_id_problem(id)) {
    reply_error(res, 422, *problem);
    return false;
  }
  return true;
}

/// The validated series id from the path, or false after answering 404 (a
/// path with more segments, such as /fit/a/b, is an unknown path) or 422.
/// An encoded slash (/fit/a%2Fb) is one segment: an id with a bad character.
bool series_id_in_path(const httplib::Request& req, httplib::Response& res) {
  auto raw = std::string_view{req.target}.substr(0, req.target.find('?'));
  if (raw.find('/', 1) != raw.rfind('/')) {
    reply_error(res, 404, "no such endpoint: " + req.method + " " + req.path);
    return false;
  }
  return series_id_of(req.matches[1], res);
}

/// The validated `version` query parameter, or false after answering 422.
bool version_of(const httplib::Request& req, httplib::Response& res, uint32_t& out) {
  auto parsed = parse_version(req.get_param_value("version"));
  if (!parsed) {
    reply_error(res, 422, parsed.detail());
    return false;
  }
  out = parsed.value();
  return true;
}

void handle_fit(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto start = clock::now();
  std::string id = req.matches[1];
  if (!series_id_in_path(req, res))
    return;
  auto request = decode_fit(req.body);
  if (!request)
    return reply_error(res, 422, request.detail());
  model::version_record record;
  if (!ask(ctx, id,
           caf::make_message(actors::fit_atom::value, id, std::move(request.value().data),
                             request.value().detector, deadline_of(ctx)),
           res, record))
    return;
  res.set_content(encode_fit(id, record), json);
  ctx.fit_latency.record(elapsed_us(start));
}

/// The query options predicts and batch predicts share: `version`, `explain`
/// and `learn` (yes unless given). False after answering 422.
struct predict_options {
  uint32_t version = 0;
  bool explain = false;
  bool learn = true;
};

bool predict_options_of(const httplib::Request& req, httplib::Response& res,
                        predict_options& out) {
  if (!version_of(req, res, out.version))
    return false;
  auto explain = parse_flag("explain", req.get_param_value("explain"));
  if (!explain) {
    reply_error(res, 422, explain.detail());
    return false;
  }
  auto learn = parse_flag("learn", req.has_param("learn") ? req.get_param_value("learn") : "true");
  if (!learn) {
    reply_error(res, 422, learn.detail());
    return false;
  }
  out.explain = explain.value();
  out.learn = learn.value();
  return true;
}

/// The same, also carried onto a predict or batch query with its deadline.
template <class Query>
bool predict_options_of(api_context& ctx, const httplib::Request& req, httplib::Response& res,
                        predict_options& out, Query& query) {
  if (!predict_options_of(req, res, out))
    return false;
  query.version = out.version;
  query.learn = out.learn;
  query.deadline_ms = deadline_of(ctx);
  return true;
}

void handle_predict(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto start = clock::now();
  std::string id = req.matches[1];
  if (!series_id_in_path(req, res))
    return;
  auto query = decode_predict(req.body);
  if (!query)
    return reply_error(res, 422, query.detail());
  predict_options opts;
  if (!predict_options_of(ctx, req, res, opts, query.value()))
    return;
  actors::prediction p;
  if (!ask(ctx, id, caf::make_message(actors::predict_atom::value, id, query.value()), res, p))
    return;
  res.set_content(encode_prediction(p, opts.explain), json);
  ctx.predict_latency.record(elapsed_us(start));
}

/// Batch predicts are not in /healthcheck's inference latency (a point's).
void handle_batch(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (!series_id_of(id, res))
    return;
  auto query = decode_batch(req.body);
  if (!query)
    return reply_error(res, 422, query.detail());
  predict_options opts;
  if (!predict_options_of(ctx, req, res, opts, query.value()))
    return;
  actors::prediction_list ps;
  if (!ask(ctx, id, caf::make_message(actors::batch_atom::value, id, std::move(query.value())),
           res, ps))
    return;
  res.set_content(encode_batch(ps, opts.explain), json);
}

void handle_plot(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("series_id"))
    return reply_error(res, 422, "series_id query parameter is required");
  auto id = req.get_param_value("series_id");
  uint32_t version = 0;
  if (!series_id_of(id, res) || !version_of(req, res, version))
    return;
  actors::version_points vp;
  if (!ask(ctx, id, caf::make_message(actors::plot_atom::value, id, version), res, vp))
    return;
  res.set_content(render_plot_page(id, vp), "text/html; charset=utf-8");
}

/// Series stored on the other nodes: each peer link asks its node (a short
/// timeout; a node that does not answer counts with its last known figure).
uint64_t peer_series(const api_context& ctx) {
  uint64_t sum = 0;
  auto* bridge = actors::bridge::current();
  for (std::size_t i = 0; i < ctx.cluster->links.size(); ++i) {
    auto reply = bridge ? bridge->ask(caf::actor_cast<caf::strong_actor_ptr>(ctx.cluster->links[i]),
                                      caf::make_message(actors::count_atom::value),
                                      std::chrono::seconds(2))
                        : std::nullopt;
    if (reply && reply->match_elements<uint64_t>())
      sum += reply->get_as<uint64_t>(0);
    else
      sum += ctx.cluster->peers[i]->series.load();
  }
  return sum;
}

void handle_healthcheck(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  uint64_t series = ctx.counters.series.load();
  if (ctx.cluster)
    series += peer_series(ctx);
  res.set_content(encode_healthcheck(series, ctx.predict_latency, ctx.fit_latency), json);
}

void handle_series(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (!series_id_in_path(req, res))
    return;
  auto page = parse_page(req.get_param_value("limit"), req.get_param_value("after"));
  if (!page)
    return reply_error(res, 422, page.detail());
  auto [after, limit] = page.value();
  actors::version_list versions; // one more than the page: is there a next one?
  if (!ask(ctx, id, caf::make_message(actors::list_atom::value, id, after, limit + 1), res,
           versions))
    return;
  std::optional<uint32_t> next;
  if (versions.size() > limit) {
    versions.pop_back();
    next = versions.back().version;
  }
  res.set_content(encode_versions(id, versions, next), json);
}

void handle_metrics(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  auto text = ctx.metrics.render(ctx.series, ctx.counters);
  if (ctx.cluster)
    text += http_metrics::render_cluster(ctx.cluster->peers);
  res.set_content(text, "text/plain; version=0.0.4");
}

void handle_live(api_context&, const httplib::Request&, httplib::Response& res) {
  res.set_content(R"({"status":"live"})", json);
}

void handle_ready(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  if (ctx.counters.down.load()) {
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content(R"({"status":"store down","reason":"a store actor stopped; the server is restarting"})",
                    json);
    return;
  }
  if (ctx.draining.load()) {
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content(R"({"status":"draining","reason":"the server is shutting down"})", json);
    return;
  }
  res.set_content(R"({"status":"ready"})", json);
}

void handle_detectors(api_context&, const httplib::Request&, httplib::Response& res) {
  static const std::string doc = encode_detectors();
  res.set_content(doc, json);
}

void handle_openapi(api_context&, const httplib::Request&, httplib::Response& res) {
  auto doc = openapi_json();
  res.set_content(doc.data(), doc.size(), json);
}

/// Answers 405 for every method but `allowed` on `pattern`.
void refuse_other_methods(httplib::Server& srv, const char* pattern, const char* allowed) {
  auto refuse = [allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allowed);
    reply_error(res, 405, "method " + req.method + " is not allowed here; use " + allowed);
  };
  if (std::string{allowed} != "GET")
    srv.Get(pattern, refuse);
  if (std::string{allowed} != "POST")
    srv.Post(pattern, refuse);
  srv.Put(pattern, refuse);
  srv.Delete(pattern, refuse);
  srv.Patch(pattern, refuse);
  srv.Options(pattern, refuse);
}

} // namespace

void install_routes(httplib::Server& srv, api_context& ctx) {
  auto bind = [&ctx](auto handler) {
    return [&ctx, handler](const httplib::Request& req, httplib::Response& res) {
      handler(ctx, req, res);
    };
  };
  const char* fit = R"(/fit/([\s\S]*))";
  const char* predict = R"(/predict/([\s\S]*))";
  srv.Post(fit, bind(handle_fit));
  const char* batch = R"(/predict/([^/?]+)/batch)"; // before predict: it would match too
  srv.Post(batch, bind(handle_batch));
  srv.Post(predict, bind(handle_predict));
  srv.Get("/healthcheck", bind(handle_healthcheck));
  srv.Get("/plot", bind(handle_plot));
  const char* series = R"(/series/([\s\S]*))";
  srv.Get(series, bind(handle_series));
  srv.Get("/metrics", bind(handle_metrics));
  srv.Get("/health/live", bind(handle_live));
  srv.Get("/health/ready", bind(handle_ready));
  srv.Get("/openapi.json", bind(handle_openapi));
  srv.Get("/detectors", bind(handle_detectors));
  refuse_other_methods(srv, fit, "POST");
  refuse_other_methods(srv, predict, "POST");
  for (const char* get_only : {"/healthcheck", "/plot", series, "/metrics", "/health/live",
                               "/health/ready", "/openapi.json", "/detectors"})
    refuse_other_methods(srv, get_only, "GET");
  azure::install_azure_routes(srv); // Azure Anomaly Detector's univariate API (stateless)
}

} // namespace http
