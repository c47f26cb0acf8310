#include "http/api/routes.hpp"

#include "actors/store_backup.hpp"
#include "http/api/codec.hpp"
#include "http/auth/gate.hpp"
#include "http/api/openapi.hpp"
#include "http/pages/docs_page.hpp"
#include "http/pages/plot_page.hpp"
#include "http/api/query.hpp"
#include "http/server/exchange.hpp"
#include "http/azure/routes.hpp"
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

/// The one place where actor errors become HTTP statuses (docs/api.md,
/// "Status codes": 503 promises nothing was stored; in doubt is 502).
int status_of(const caf::error& err) {
  if (err.category() == caf::atom("server")) {
    switch (static_cast<server_error>(err.code())) {
      case server_error::invalid_input:
        return 422;
      case server_error::not_found:
        return 404;
      case server_error::in_doubt:
        return 502; // not 503: that status promises nothing was stored
      case server_error::forbidden:
        return 403;
      case server_error::no_space:
        return 507;
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

/// How a request is asked of its actor.
struct ask_options {
  bool fit = false;   ///< a fit: past its wait it is in doubt (504), never 503
  bool direct = false; ///< a read the series actor may be asked for directly, skipping its shard
  bool heavy = false; ///< render the reply off the event loop
  bool owner = false; ///< name the series' owner in the answer (a cluster's X-Series-Owner)
  std::chrono::milliseconds wait{0}; ///< longest wait; 0: the deadline plus the read grace
};

/// Asks `dest` with `msg`, without waiting: the event loop sends it and, when
/// the reply comes, `on_value` renders a `T` into the response; an error
/// becomes its status (status_of) and detail. Fits and reads alike are
/// answered at their deadline plus the read grace at the latest. `id`, when
/// not empty, is the series a direct read may go to.
template <class T, class OnValue>
void ask_actor(api_context& ctx, caf::strong_actor_ptr dest, std::string_view id,
               caf::message msg, httplib::Response& res, ask_options o, OnValue on_value) {
  auto* ex = exchange::current();
  if (!ex) // a route that needs an actor ran outside the front end
    return reply_error(res, 503, "this request cannot be served here; retry");
  deferral d;
  d.dest = std::move(dest);
  d.msg = std::move(msg);
  if (o.direct && ctx.router.owns(id))
    d.series_id = std::string{id};
  d.fit = o.fit;
  d.heavy = o.heavy;
  d.wait = o.wait.count() > 0 ? o.wait : ctx.settings.request_timeout + ctx.settings.read_grace;
  d.render = [on_value = std::move(on_value), &ctx, owner = o.owner ? std::string{id} : std::string{}](
               caf::message& reply, httplib::Response& res) {
    if (!owner.empty()) // as it is now: after a takeover, the new owner
      if (auto http = ctx.router.owner_http(owner); !http.empty())
        res.set_header("X-Series-Owner", http);
    if (reply.match_elements<T>())
      return on_value(reply.get_mutable_as<T>(0), res);
    if (reply.match_elements<caf::error>()) {
      const auto& err = reply.get_as<caf::error>(0);
      return reply_error(res, status_of(err), actors::error_detail(err));
    }
    reply_error(res, 503, "unexpected answer from the series actor");
  };
  ex->defer(res, std::move(d));
}

/// The same, to the actor serving series `id`: its router shard, or the peer
/// link of the node that owns it.
template <class T, class OnValue>
void ask(api_context& ctx, std::string_view id, caf::message msg, httplib::Response& res,
         ask_options o, OnValue on_value) {
  o.owner = true;
  ask_actor<T>(ctx, caf::actor_cast<caf::strong_actor_ptr>(ctx.router.shard_for(id)), id,
               std::move(msg), res, o, std::move(on_value));
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
  auto key = req.get_header_value("Idempotency-Key");
  if (auto problem = model::idempotency_key_problem(key))
    return reply_error(res, 422, *problem);
  auto msg = caf::make_message(actors::fit_atom::value, id, std::move(request.value().data),
                               request.value().detector, deadline_of(ctx), std::move(key));
  ask<model::version_record>(ctx, id, std::move(msg), res, {true, false, false},
                             [&ctx, id, start](model::version_record& record, httplib::Response& res) {
                               res.set_content(encode_fit(id, record), json);
                               ctx.fit_latency.record(elapsed_us(start));
                             });
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
  // Whether the predict may learn is decided where the series lives (by its
  // detector); the caller's scope travels with the query.
  query.may_learn = auth::caller_scope() >= auth::scope::write;
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
  ask<actors::prediction>(ctx, id, caf::make_message(actors::predict_atom::value, id, query.value()),
                          res, {false, true, false},
                          [&ctx, start, explain = opts.explain](actors::prediction& p,
                                                                httplib::Response& res) {
                            res.set_content(encode_prediction(p, explain), json);
                            ctx.predict_latency.record(elapsed_us(start));
                          });
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
  ask<actors::prediction_list>(
    ctx, id, caf::make_message(actors::batch_atom::value, id, std::move(query.value())), res,
    {false, true, false}, [explain = opts.explain](actors::prediction_list& ps, httplib::Response& res) {
      res.set_content(encode_batch(ps, explain), json);
    });
}

void handle_plot(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("series_id"))
    return reply_error(res, 422, "series_id query parameter is required");
  auto id = req.get_param_value("series_id");
  uint32_t version = 0;
  if (!series_id_of(id, res) || !version_of(req, res, version))
    return;
  // The page is drawn off the event loop: a version may hold a million points.
  ask<actors::version_points>(ctx, id, caf::make_message(actors::plot_atom::value, id, version),
                              res, {false, false, true},
                              [id](actors::version_points& vp, httplib::Response& res) {
                                res.set_content(render_plot_page(id, vp),
                                                "text/html; charset=utf-8");
                              });
}

/// On a single node /healthcheck is answered on the loop from counters; in a
/// cluster it asks the series count actor, which sums every node's.
void handle_healthcheck(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  auto render = [&ctx](uint64_t series, httplib::Response& res) {
    res.set_content(encode_healthcheck(series, ctx.predict_latency, ctx.fit_latency), json);
  };
  if (!ctx.series_count)
    return render(ctx.counters.series.load(), res);
  ask_actor<uint64_t>(ctx, caf::actor_cast<caf::strong_actor_ptr>(ctx.series_count), {},
                      caf::make_message(actors::count_atom::value), res, {}, render);
}

void handle_silent(api_context& ctx, const httplib::Request& req, httplib::Response& res);

void handle_series(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (id.empty() && req.has_param("silent_for")) // GET /series/?silent_for=K
    return handle_silent(ctx, req, res);
  if (!series_id_in_path(req, res))
    return;
  auto page = parse_page(req.get_param_value("limit"), req.get_param_value("after"));
  if (!page)
    return reply_error(res, 422, page.detail());
  auto [after, limit] = page.value();
  // One more than the page: is there a next one?
  ask<actors::version_page>(
    ctx, id, caf::make_message(actors::list_atom::value, id, after, limit + 1), res,
    {false, false, false}, [id, limit = limit](actors::version_page& page, httplib::Response& res) {
      auto& versions = page.versions;
      std::optional<uint32_t> next;
      if (versions.size() > limit) {
        versions.pop_back();
        next = versions.back().version;
      }
      res.set_content(encode_versions(id, versions, next, page.seen), json);
    });
}

/// GET /series/?silent_for=K: series whose last point came more than K typical
/// intervals ago (a "no data" signal), a page at a time (`after`, `limit`).
void handle_silent(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto query = parse_silent(req.get_param_value("silent_for"), req.get_param_value("after"),
                            req.get_param_value("limit"));
  if (!query)
    return reply_error(res, 422, query.detail());
  query.value().now_ms = actors::unix_ms_now();
  auto factor = query.value().factor;
  auto now_ms = query.value().now_ms;
  auto limit = query.value().limit;
  ask_actor<actors::liveness_list>(
    ctx, actors::liveness_reader(ctx.sys), {},
    caf::make_message(actors::silent_atom::value, std::move(query.value())), res, {},
    [factor, now_ms, limit](actors::liveness_list& silent, httplib::Response& res) {
      std::optional<std::string> next;
      if (silent.size() == limit)
        next = silent.back().series_id;
      res.set_content(encode_silent(silent, factor, now_ms, next), json);
    });
}

/// DELETE /series/{id} and DELETE /series/{id}/versions/{v}: answered after
/// the deletion is committed, by the node owning the series.
void ask_delete(api_context& ctx, const std::string& id, std::optional<uint32_t> version,
                httplib::Response& res) {
  auto msg = caf::make_message(actors::delete_atom::value, id, version.value_or(0), int64_t{0},
                               deadline_of(ctx));
  ask<uint32_t>(ctx, id, std::move(msg), res, {true, false, false},
                [id, version](uint32_t deleted, httplib::Response& res) {
                  res.set_content(encode_deleted(id, deleted, version), json);
                });
}

void handle_delete_series(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (series_id_in_path(req, res))
    ask_delete(ctx, id, std::nullopt, res);
}

void handle_delete_version(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (!series_id_of(id, res))
    return;
  auto version = parse_version(req.matches[2].str());
  if (!version || version.value() == model::latest_version)
    return reply_error(res, 422, "the version in the path must be a number N >= 1 (or vN); "
                                 "a deletion names its version");
  ask_delete(ctx, id, version.value(), res);
}

/// POST /admin/backup: a consistent copy of this node's store, taken while
/// it serves, in data-dir's backups/ (actors/store_backup.hpp).
void handle_backup(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  if (ctx.settings.shared_store)
    return reply_error(res, 501, "POST /admin/backup copies an embedded SQLite store; with "
                                 "store.backend=postgres back the shared database up with "
                                 "pg_dump (docs/cluster.md)");
  auto backup = actors::store_backup_of(ctx.sys);
  if (!backup)
    return reply_error(res, 503, "backups are not available (the server is stopping)");
  ask_options o;
  o.wait = std::chrono::hours(1); // the copy runs to its end in any case
  ask_actor<actors::backup_done>(ctx, std::move(backup), {},
                                 caf::make_message(actors::backup_atom::value), res, o,
                                 [](actors::backup_done& b, httplib::Response& res) {
                                   res.set_content(encode_backup(b), json);
                                 });
}

void handle_metrics(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  auto text = ctx.metrics.render(ctx.series, ctx.counters);
  if (ctx.cluster)
    text += http_metrics::render_cluster(*ctx.cluster);
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
  if (ctx.cluster) // fenced, refused by its peers, or not joined yet: docs/cluster.md
    if (auto why = ctx.cluster->map->reason(); !why.empty()) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_content(encode_not_serving(why), json);
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

void handle_docs(api_context&, const httplib::Request&, httplib::Response& res) {
  static const std::string page = render_docs_page(openapi_json());
  res.set_content(page, "text/html; charset=utf-8");
}

/// cpp-httplib's server as install_routes sees it: Get, Post and Delete
/// install a route and record it; anything else (the 405 refusals) reaches
/// the server through the conversion, unrecorded.
class recording_server {
public:
  recording_server(httplib::Server& srv, std::vector<route_info>& out) : srv_(srv), out_(out) {}
  operator httplib::Server&() const { return srv_; }
  template <class Handler>
  void Get(const std::string& pattern, Handler handler) {
    record("GET", pattern);
    srv_.Get(pattern, std::move(handler));
  }
  template <class Handler>
  void Post(const std::string& pattern, Handler handler) {
    record("POST", pattern);
    srv_.Post(pattern, std::move(handler));
  }
  template <class Handler>
  void Delete(const std::string& pattern, Handler handler) {
    record("DELETE", pattern);
    srv_.Delete(pattern, std::move(handler));
  }
  /// Records a route installed elsewhere (the Azure routes).
  void record(std::string method, std::string pattern) {
    out_.push_back({std::move(method), std::move(pattern)});
  }

private:
  httplib::Server& srv_;
  std::vector<route_info>& out_;
};

/// Answers 405 for every method but those in `allowed` ("GET, DELETE") on `pattern`.
void refuse_other_methods(httplib::Server& srv, const char* pattern, const char* allowed) {
  auto refuse = [allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allowed);
    reply_error(res, 405, "method " + req.method + " is not allowed here; use " + allowed);
  };
  std::string_view ok{allowed};
  if (ok.find("GET") == std::string_view::npos)
    srv.Get(pattern, refuse);
  if (ok.find("POST") == std::string_view::npos)
    srv.Post(pattern, refuse);
  srv.Put(pattern, refuse);
  if (ok.find("DELETE") == std::string_view::npos)
    srv.Delete(pattern, refuse);
  srv.Patch(pattern, refuse);
  srv.Options(pattern, refuse);
}

} // namespace

std::vector<route_info> install_routes(httplib::Server& server, api_context& ctx) {
  std::vector<route_info> installed;
  recording_server srv{server, installed};
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
  const char* version = R"(/series/([^/]+)/versions/([^/]+))"; // before series: it would match too
  srv.Delete(version, bind(handle_delete_version));
  srv.Delete(series, bind(handle_delete_series));
  srv.Post("/admin/backup", bind(handle_backup));
  srv.Get("/metrics", bind(handle_metrics));
  srv.Get("/health/live", bind(handle_live));
  srv.Get("/health/ready", bind(handle_ready));
  srv.Get("/openapi.json", bind(handle_openapi));
  srv.Get("/detectors", bind(handle_detectors));
  srv.Get("/docs", bind(handle_docs));
  refuse_other_methods(srv, fit, "POST");
  refuse_other_methods(srv, predict, "POST");
  for (const char* get_only : {"/healthcheck", "/plot", "/metrics", "/health/live",
                               "/health/ready", "/openapi.json", "/detectors", "/docs"})
    refuse_other_methods(srv, get_only, "GET");
  refuse_other_methods(srv, series, "GET, DELETE");
  refuse_other_methods(srv, "/admin/backup", "POST");
  // Azure Anomaly Detector's univariate API (stateless)
  for (auto& pattern : azure::install_azure_routes(srv))
    srv.record("POST", std::move(pattern));
  return installed;
}

} // namespace http
