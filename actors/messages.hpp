// Every message type and atom that actors exchange, in one type-ID block.
// All types here are serialisable (each has an `inspect` overload), so a
// series owner can live in another process behind caf::io without changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "model/version.hpp"
#include "model/zscore.hpp"

namespace actors {

/// Why an actor could not answer. Mapped to HTTP statuses only in http/.
enum class server_error : uint8_t {
  invalid_input = 1, ///< the request breaks a contract rule (detail in the context)
  not_found,         ///< series never trained, or the version does not exist
  store_failed,      ///< the store could not read or write
  overloaded,        ///< too much queued work, or the request's deadline passed
  unavailable,       ///< the node owning the series is unreachable (nothing was done)
  in_doubt,          ///< the owner's connection dropped mid-fit: it may or may not be stored
  fenced,            ///< refused by the shared store: this node no longer holds the series
  forbidden,         ///< the caller's scope does not allow it (a read token asking to learn)
  no_space,          ///< the disk is full, or the store holds store.max-series series
};

/// Builds an error carrying a one-sentence detail for the client.
caf::error make_error(server_error code, std::string detail);

/// The detail sentence stored in `err`, or a generic description.
std::string error_detail(const caf::error& err);

/// A predict request: `version` is `model::latest_version` for the latest.
struct predict_query {
  int64_t timestamp = 0;
  double value = 0;
  uint32_t version = 0;
  int64_t deadline_ms = 0; ///< see `deadline_passed`
  bool learn = true;       ///< an online detector on the latest version learns the point
  /// False for a caller with the read scope: a predict that would learn is
  /// refused (`forbidden`) instead. Decided by the node the client reached.
  bool may_learn = true;
};

/// The current time in Unix milliseconds (deadlines, version creation times).
int64_t unix_ms_now();

/// Deadlines are Unix milliseconds (the same on every node); 0 means none.
/// Work not yet started when its deadline passed is refused (`overloaded`):
/// its client has been answered 503 already.
bool deadline_passed(int64_t deadline_ms);

/// The `overloaded` error for work refused because its deadline passed.
caf::error deadline_error();

/// A predict answer: whether the value is anomalous, under which version, and
/// why (shown with ?explain=true). A bound is absent on a side the detector
/// does not check (flags, because CAF 0.17 cannot serialise NaN).
struct prediction {
  bool anomaly = false;
  uint32_t version = 0;
  double score = 0;
  double expected = 0;
  bool has_lower = false;
  double lower = 0;
  bool has_upper = false;
  double upper = 0;
  double anomaly_score = 0; ///< >= 1 exactly when anomalous, for every detector
  uint8_t side = 0;         ///< model::side: which bound an anomalous point crossed
};

/// The silent-series query: series whose last point came more than `factor`
/// typical intervals plus `slack_ms` before `now_ms`, a page after `after`.
struct silent_query {
  int64_t now_ms = 0;
  double factor = 3;
  int64_t slack_ms = 0;
  std::string after;
  uint32_t limit = 1000;
};

using liveness_list = std::vector<model::series_liveness>;

/// A batch predict: `values` judged in order against one version (latest:
/// `model::latest_version`); an online detector learns them in order.
struct batch_query {
  std::vector<int64_t> timestamps; ///< Unix seconds, one per value (a seasonal phase)
  std::vector<double> values;
  uint32_t version = 0;
  int64_t deadline_ms = 0;
  bool learn = true;
  bool may_learn = true; ///< as predict_query's
};

/// Most points one batch predict may hold.
constexpr std::size_t max_batch_points = 100000;

using prediction_list = std::vector<prediction>;

/// One version with the training points it was fitted on (for /plot).
struct version_points {
  model::version_record record;
  model::training_data data;
};

using version_list = std::vector<model::version_record>;

/// A page of a series' versions, with when the series last saw a point and
/// its typical interval (GET /series/{id}).
struct version_page {
  version_list versions;
  model::series_liveness seen;
};
/// A claim's answer (PostgreSQL mode): the epoch every write of the series
/// actor carries, and whether the series had no row yet (nothing to load).
struct claim_grant {
  uint64_t epoch = 0;
  bool fresh = false;
};

/// Numbers of forwarded requests (a peer link's own numbering): asked about
/// in a liveness ping, answered with those still at work on the owner.
using request_numbers = std::vector<uint64_t>;

/// Series ids (a page of series past their time to live).
using series_ids = std::vector<std::string>;

/// A finished online backup: its file (inside the backup directory), size,
/// the series it holds and how long it took.
struct backup_done {
  std::string file;
  uint64_t bytes = 0;
  uint64_t series = 0;
  int64_t took_ms = 0;
};

} // namespace actors

namespace model {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, training_data& x) {
  return f(caf::meta::type_name("training_data"), x.timestamps, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fit_stats& x) {
  return f(caf::meta::type_name("fit_stats"), x.points_used, x.mean, x.std);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, detector_spec& x) {
  return f(caf::meta::type_name("detector_spec"), x.type, x.server_default, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, detector_state& x) {
  return f(caf::meta::type_name("detector_state"), x.learned, x.quiet, x.alarm_ts, x.numbers);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_item& x) {
  return f(caf::meta::type_name("checkpoint_item"), x.series_id, x.version, x.state,
           x.has_state, x.last_seen_ms, x.last_timestamp, x.interval_s, x.epoch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, series_liveness& x) {
  return f(caf::meta::type_name("series_liveness"), x.series_id, x.last_seen_ms,
           x.last_timestamp, x.interval_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_record& x) {
  return f(caf::meta::type_name("version_record"), x.version, x.stats, x.created_at_ms,
           x.detector, x.state);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_item& x) {
  return f(caf::meta::type_name("commit_item"), x.series_id, x.record, x.data,
           x.last_timestamp, x.interval_s, x.idempotency_key, x.epoch);
}

} // namespace model

namespace actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, predict_query& x) {
  return f(caf::meta::type_name("predict_query"), x.timestamp, x.value, x.version,
           x.deadline_ms, x.learn, x.may_learn);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prediction& x) {
  return f(caf::meta::type_name("prediction"), x.anomaly, x.version, x.score, x.expected,
           x.has_lower, x.lower, x.has_upper, x.upper, x.anomaly_score, x.side);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, silent_query& x) {
  return f(caf::meta::type_name("silent_query"), x.now_ms, x.factor, x.slack_ms, x.after,
           x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_query& x) {
  return f(caf::meta::type_name("batch_query"), x.timestamps, x.values, x.version,
           x.deadline_ms, x.learn, x.may_learn);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_points& x) {
  return f(caf::meta::type_name("version_points"), x.record, x.data);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_grant& x) {
  return f(caf::meta::type_name("claim_grant"), x.epoch, x.fresh);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, backup_done& x) {
  return f(caf::meta::type_name("backup_done"), x.file, x.bytes, x.series, x.took_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_page& x) {
  return f(caf::meta::type_name("version_page"), x.versions, x.seen);
}

} // namespace actors

CAF_ERROR_CODE_ENUM(actors::server_error, "server")

CAF_BEGIN_TYPE_ID_BLOCK(model_server, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(model_server, (model::training_data))
  CAF_ADD_TYPE_ID(model_server, (model::fit_stats))
  CAF_ADD_TYPE_ID(model_server, (model::version_record))
  CAF_ADD_TYPE_ID(model_server, (model::commit_item))
  CAF_ADD_TYPE_ID(model_server, (model::detector_spec))
  CAF_ADD_TYPE_ID(model_server, (model::checkpoint_item))
  CAF_ADD_TYPE_ID(model_server, (actors::predict_query))
  CAF_ADD_TYPE_ID(model_server, (actors::prediction))
  CAF_ADD_TYPE_ID(model_server, (actors::batch_query))
  CAF_ADD_TYPE_ID(model_server, (actors::prediction_list))
  CAF_ADD_TYPE_ID(model_server, (actors::version_points))
  CAF_ADD_TYPE_ID(model_server, (actors::version_list))
  CAF_ADD_TYPE_ID(model_server, (model::detector_state))
  CAF_ADD_TYPE_ID(model_server, (model::series_liveness))
  CAF_ADD_TYPE_ID(model_server, (actors::silent_query))
  CAF_ADD_TYPE_ID(model_server, (actors::liveness_list))
  CAF_ADD_TYPE_ID(model_server, (actors::version_page))
  CAF_ADD_TYPE_ID(model_server, (actors::request_numbers))
  CAF_ADD_TYPE_ID(model_server, (actors::claim_grant))
  CAF_ADD_TYPE_ID(model_server, (actors::series_ids))
  CAF_ADD_TYPE_ID(model_server, (actors::backup_done))
  CAF_ADD_ATOM(model_server, actors, fit_atom, "fit")
  CAF_ADD_ATOM(model_server, actors, predict_atom, "predict")
  CAF_ADD_ATOM(model_server, actors, plot_atom, "plot")
  CAF_ADD_ATOM(model_server, actors, list_atom, "list")
  CAF_ADD_ATOM(model_server, actors, load_atom, "load")
  CAF_ADD_ATOM(model_server, actors, commit_atom, "commit")
  CAF_ADD_ATOM(model_server, actors, flush_atom, "flush")
  CAF_ADD_ATOM(model_server, actors, points_atom, "points")
  CAF_ADD_ATOM(model_server, actors, passivate_atom, "passivate")
  CAF_ADD_ATOM(model_server, actors, tick_atom, "tick")
  CAF_ADD_ATOM(model_server, actors, count_atom, "count")
  CAF_ADD_ATOM(model_server, actors, retry_atom, "retry")
  CAF_ADD_ATOM(model_server, actors, save_atom, "save")
  CAF_ADD_ATOM(model_server, actors, batch_atom, "batch")
  CAF_ADD_ATOM(model_server, actors, cadence_atom, "cadence")
  CAF_ADD_ATOM(model_server, actors, silent_atom, "silent")
  CAF_ADD_ATOM(model_server, actors, ping_atom, "ping")
  CAF_ADD_ATOM(model_server, actors, claim_atom, "claim")
  CAF_ADD_ATOM(model_server, actors, ring_atom, "ring")
  CAF_ADD_ATOM(model_server, actors, evicted_atom, "evicted")
  CAF_ADD_ATOM(model_server, actors, store_atom, "store")
  CAF_ADD_ATOM(model_server, actors, http_atom, "http")
  CAF_ADD_ATOM(model_server, actors, loaded_atom, "loaded")
  CAF_ADD_ATOM(model_server, actors, touch_atom, "touch")
  CAF_ADD_ATOM(model_server, actors, delete_atom, "delete")
  CAF_ADD_ATOM(model_server, actors, expire_atom, "expire")
  CAF_ADD_ATOM(model_server, actors, backup_atom, "backup")
  CAF_ADD_ATOM(model_server, actors, hello_atom, "hello")
CAF_END_TYPE_ID_BLOCK(model_server)
