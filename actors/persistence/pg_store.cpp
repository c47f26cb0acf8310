#include "actors/persistence/pg_store.hpp"

#include <chrono>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "actors/persistence/pg_schema.hpp"
#include "model/detector.hpp"

namespace persistence {

namespace {

/// Fits of distinct series, one row each in parallel arrays ($1..$13), in
/// one statement (so that the database runs one plan for many fits, not one
/// each). Each is numbered as its series' latest + 1 if its epoch is the
/// series' current one (or the series is new: its row is created with that
/// epoch) and the writing incarnation ($15, $16) is a member (its row was
/// locked earlier in the transaction, so it cannot be evicted before the
/// commit). Answers (item, version, replayed) per fit written or replayed,
/// (item, 0, false) for a new series past the quota ($18), and no row for a
/// fenced one. An idempotency key committed within its lifetime ($17)
/// answers its version and writes nothing. A round's new series count
/// against the quota in item order (a fenced one takes no place). With the
/// new version, a series keeps its $19 newest (0: all).
const char* const commit_sql = R"sql(
WITH items AS (
  SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::float8[], $5::float8[],
                       $6::int8[], $7::text[], $8::bytea[], $9::int8[], $10::float8[],
                       $11::bytea[], $12::bytea[], $13::text[])
    WITH ORDINALITY AS t(series_id, epoch, points_used, mean, std, created_at_ms, detector, state,
                         last_timestamp, interval_s, timestamps, vals, key, i)),
member AS (
  SELECT EXISTS (SELECT 1 FROM members WHERE node = $15::text AND incarnation = $16::int8) AS yes),
replay AS (
  SELECT t.i, k.version FROM items t JOIN fit_keys k ON k.series_id = t.series_id AND k.key = t.key
  WHERE t.key <> '' AND k.created_at >= now() - make_interval(secs => $17::int8)),
fresh AS ( -- fits that would give their series its first version, in item order
  SELECT t.i, row_number() OVER (ORDER BY t.i) AS n FROM items t
  LEFT JOIN series s ON s.series_id = t.series_id
  WHERE $18::int8 > 0 AND coalesce(s.latest_version, 0) = 0 AND coalesce(s.epoch, t.epoch) = t.epoch
    AND NOT EXISTS (SELECT 1 FROM replay r WHERE r.i = t.i)),
quota AS (
  SELECT f.i FROM fresh f
  WHERE (SELECT count(*) FROM series WHERE latest_version > 0 AND $18::int8 > 0) + f.n > $18::int8),
go AS (
  SELECT t.* FROM items t WHERE (SELECT yes FROM member)
    AND NOT EXISTS (SELECT 1 FROM replay r WHERE r.i = t.i)
    AND NOT EXISTS (SELECT 1 FROM quota q WHERE q.i = t.i)),
bumped AS (
  UPDATE series s SET latest_version = s.latest_version + 1, last_seen_ms = g.created_at_ms,
    last_timestamp = g.last_timestamp, interval_s = g.interval_s
  FROM go g WHERE s.series_id = g.series_id AND s.epoch = g.epoch
  RETURNING g.i, s.latest_version),
created AS (
  INSERT INTO series (series_id, latest_version, epoch, owner, owner_incarnation, last_seen_ms,
                      last_timestamp, interval_s)
  SELECT g.series_id, 1, g.epoch, $15::text, $16::int8, g.created_at_ms, g.last_timestamp,
         g.interval_s
  FROM go g WHERE NOT EXISTS (SELECT 1 FROM bumped b WHERE b.i = g.i)
  ON CONFLICT (series_id) DO NOTHING
  RETURNING series_id, latest_version),
v AS (
  SELECT b.i, b.latest_version AS version FROM bumped b
  UNION ALL SELECT t.i, c.latest_version FROM created c JOIN items t ON t.series_id = c.series_id),
oldest_kept AS (
  SELECT t.series_id, (SELECT o.version FROM versions o WHERE o.series_id = t.series_id
                       ORDER BY o.version DESC LIMIT 1 OFFSET greatest($19::int8 - 1, 0)) AS version
  FROM bumped b JOIN items t ON t.i = b.i WHERE $19::int8 > 0),
pruned AS (
  DELETE FROM versions o USING oldest_kept k
  WHERE o.series_id = k.series_id AND o.version <= k.version),
pruned_points AS (
  DELETE FROM points o USING oldest_kept k
  WHERE o.series_id = k.series_id AND o.version <= k.version),
vrow AS (
  INSERT INTO versions (series_id, version, points_used, mean, std, created_at_ms, detector, state,
                        epoch, writer)
  SELECT t.series_id, v.version, t.points_used, t.mean, t.std, t.created_at_ms, t.detector,
         t.state, t.epoch, $14::text FROM v JOIN items t ON t.i = v.i),
prow AS (
  INSERT INTO points (series_id, version, timestamps, "values")
  SELECT t.series_id, v.version, t.timestamps, t.vals FROM v JOIN items t ON t.i = v.i),
krow AS (
  INSERT INTO fit_keys (series_id, key, version)
  SELECT t.series_id, t.key, v.version FROM v JOIN items t ON t.i = v.i WHERE t.key <> ''
  ON CONFLICT (series_id, key) DO UPDATE SET version = excluded.version, created_at = now())
SELECT i, version::int8, false FROM v UNION ALL SELECT i, version::int8, true FROM replay
UNION ALL SELECT i, 0::int8, false FROM quota
)sql";

/// A checkpoint: the cadence, and the state when given, if the epoch holds
/// and the writing incarnation is a member.
const char* const save_sql = R"sql(
WITH s AS (
  UPDATE series SET last_seen_ms = $3::int8, last_timestamp = $4::int8, interval_s = $5::float8
  WHERE series_id = $1::text AND epoch = $6::int8
    AND EXISTS (SELECT 1 FROM members WHERE node = $9::text AND incarnation = $10::int8)
  RETURNING 1)
UPDATE versions SET state = $7::bytea
WHERE $8::bool AND series_id = $1::text AND version = $2::int8 AND detector IS NOT NULL
  AND EXISTS (SELECT 1 FROM s)
)sql";

const char* const liveness_columns =
  "SELECT series_id, last_seen_ms, last_timestamp, interval_s FROM series ";

std::vector<std::pair<std::string, std::string>> statements() {
  return {
    {"begin", "BEGIN"},
    {"commit", "COMMIT"},
    {"rollback", "ROLLBACK"},
    {"lock_member",
     "SELECT 1::int8 FROM members WHERE node = $1::text AND incarnation = $2::int8 FOR KEY SHARE"},
    {"commit_items", commit_sql},
    // Before commit_items, in its transaction. PostgreSQL caches a prepared
    // statement's generic plan, made for the tables' sizes when it was first
    // planned: made while they are nearly empty, hash joins over whole-table
    // scans of series and fit_keys would be kept as they grow, each batch
    // reading every row (the fit rate fell by half within seconds). Index
    // lookups per item are the right plan for a batch at any size, so that
    // plan is made once and kept (without it, the disabled quota scan's cost
    // made PostgreSQL plan every batch again: 1.4 ms each). Without JIT: the
    // costs of the disabled plans would start it, and it takes 1.5 s to
    // compile this statement.
    {"index_plans",
     "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
     "set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true), "
     "set_config('plan_cache_mode', 'force_generic_plan', true)"},
    {"save", save_sql},
    {"purge_keys", "DELETE FROM fit_keys WHERE created_at < now() - make_interval(secs => $1::int8)"},
    {"versions",
     "SELECT version, points_used, mean, std, created_at_ms, detector, state FROM versions "
     "WHERE series_id = $1::text ORDER BY version"},
    {"points",
     "SELECT timestamps, \"values\" FROM points WHERE series_id = $1::text AND version = $2::int8"},
    {"series_ids",
     "SELECT series_id FROM series WHERE series_id > $1::text AND latest_version > 0 "
     "ORDER BY series_id LIMIT $2::int8"},
    // A whole series: its versions, points, keys and cadence go; its row (the
    // ownership and the epoch) stays, numbered from 0 again. Answers the
    // row's epoch before (none: unknown series), its latest number before,
    // and the versions deleted.
    {"delete_series", R"sql(
WITH before AS (SELECT epoch, latest_version FROM series WHERE series_id = $1::text),
s AS (
  UPDATE series SET latest_version = 0, last_seen_ms = NULL, last_timestamp = NULL,
    interval_s = NULL
  WHERE series_id = $1::text AND epoch = $2::int8 RETURNING 1),
dv AS (DELETE FROM versions WHERE series_id = $1::text AND EXISTS (SELECT 1 FROM s) RETURNING 1),
dp AS (DELETE FROM points WHERE series_id = $1::text AND EXISTS (SELECT 1 FROM s)),
dk AS (DELETE FROM fit_keys WHERE series_id = $1::text AND EXISTS (SELECT 1 FROM s))
SELECT b.epoch, b.latest_version, (SELECT count(*) FROM dv) FROM before b)sql"},
    // One version; answers the row's epoch and the versions deleted (0 or 1).
    {"delete_version", R"sql(
WITH before AS (SELECT epoch FROM series WHERE series_id = $1::text),
dv AS (DELETE FROM versions WHERE series_id = $1::text AND version = $2::int8
         AND (SELECT epoch FROM before) = $3::int8 RETURNING 1),
dp AS (DELETE FROM points WHERE series_id = $1::text AND version = $2::int8
         AND (SELECT epoch FROM before) = $3::int8)
SELECT b.epoch, (SELECT count(*) FROM dv) FROM before b)sql"},
    // A series saved before its cadence counts from its latest fit.
    {"expired",
     "SELECT series_id FROM series s WHERE series_id > $1::text AND latest_version > 0 "
     "AND COALESCE(last_seen_ms, (SELECT max(created_at_ms) FROM versions v "
     "WHERE v.series_id = s.series_id), 0) < $2::int8 ORDER BY series_id LIMIT $3::int8"},
    {"cadence", std::string{liveness_columns}
                  + "WHERE series_id = $1::text AND last_seen_ms IS NOT NULL"},
    {"silent", std::string{liveness_columns}
                 + "WHERE series_id > $1::text AND interval_s > 0 AND $2::int8 - last_seen_ms > "
                   "$3::float8 * interval_s * 1000 + $4::int8 ORDER BY series_id LIMIT $5::int8"},
    {"count", "SELECT count(*) FROM series WHERE latest_version > 0"},
  };
}

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

template <class T>
std::vector<T> array_of(std::string_view bytes) {
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty())
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

/// An item's code from its row (item, version, replayed) of the commit
/// statement: version 0 is a new series refused for store.max-series.
uint32_t code_of(const pg::result& r, int row) {
  auto version = static_cast<uint32_t>(r.i64(row, 1));
  if (version == 0)
    return over_quota;
  return r.boolean(row, 2) ? (version | replayed_flag) : version;
}

/// Most bytes of training points one commit statement carries: PostgreSQL
/// refuses a message of 1 GiB or more, and store.batch-max-bytes allows more.
constexpr std::size_t max_statement_bytes = std::size_t{64} << 20;

/// The items of a batch in rounds of distinct series, each round keeping the
/// batch's order: a series' k-th fit goes to round k, so that it is numbered
/// after the fits before it. A round past `max_statement_bytes` is split in
/// pieces (still distinct series, still before the next round).
std::vector<std::vector<std::size_t>> rounds_of(const std::vector<commit_item>& items,
                                                 const std::vector<std::size_t>& which) {
  std::vector<std::vector<std::size_t>> rounds;
  std::unordered_map<std::string_view, std::size_t> seen;
  for (auto i : which) {
    auto round = seen[items[i].series_id]++;
    if (round == rounds.size())
      rounds.emplace_back();
    rounds[round].push_back(i);
  }
  std::vector<std::vector<std::size_t>> pieces;
  for (const auto& round : rounds) {
    std::size_t bytes = 0;
    for (std::size_t k = 0; k < round.size(); ++k) {
      auto b = items[round[k]].data.bytes();
      if (k == 0 || bytes + b > max_statement_bytes) {
        pieces.emplace_back();
        bytes = 0;
      }
      pieces.back().push_back(round[k]);
      bytes += b;
    }
  }
  return pieces;
}

series_liveness liveness_of(const pg::result& r, int row) {
  return {r.text(row, 0), r.i64(row, 1), r.null(row, 2) ? -1 : r.i64(row, 2),
          r.null(row, 3) ? 0 : r.f64(row, 3)};
}

} // namespace

expected<std::unique_ptr<store>, store_failure>
pg_store::open(const pg_settings& cfg, std::shared_ptr<writer_identity> id, bool migrate) {
  std::unique_ptr<pg_store> self{new pg_store(cfg, std::move(id))};
  if (migrate) {
    auto c = pg::connection::open(cfg.conninfo, cfg.connect_timeout);
    if (!c)
      return store_failure{c.detail()};
    if (auto why = pg_schema::upgrade(*c.value(), cfg.timeout))
      return store_failure{*why};
  }
  if (auto f = self->connect())
    return *f;
  return std::unique_ptr<store>{std::move(self)};
}

std::optional<store_failure> pg_store::connect() {
  if (c_ && c_->usable())
    return std::nullopt;
  c_.reset();
  auto c = pg::connection::open(cfg_.conninfo, cfg_.connect_timeout, statements());
  if (!c)
    return store_failure{c.detail()};
  c_ = std::move(c.value());
  return std::nullopt;
}

std::pair<pg::result, std::optional<std::string>> pg_store::read(const std::string& name,
                                                                 const pg::params& args) {
  for (int attempt = 0;; ++attempt) {
    if (auto f = connect())
      return {pg::result{}, f->detail};
    auto [r, f] = c_->exec(name, args, cfg_.timeout);
    if (!f)
      return {r, std::nullopt};
    if (!f->lost || attempt > 0)
      return {pg::result{}, f->detail};
  }
}

bool pg_store::fenced_locally(uint64_t epoch, int64_t incarnation) const {
  return incarnation == 0 || epoch == 0 || static_cast<int64_t>(epoch) < id_->epoch_floor.load();
}

bool pg_store::ready() {
  // A connection the server closed (it restarted since) is replaced before
  // anything is sent on it: a batch lost on it would be in doubt for nothing.
  if (c_ && !c_->probe())
    c_.reset();
  if (auto f = connect()) {
    last_failure_ = f->detail;
    return false;
  }
  return true;
}

pg::queued pg_store::lock_member(int64_t incarnation) const {
  pg::params who;
  who.text(id_->node).i64(incarnation);
  return {"lock_member", std::move(who)};
}

std::vector<pg::queued> pg_store::begin_commit(int64_t incarnation) const {
  return {{"begin", {}}, {"index_plans", {}}, lock_member(incarnation)};
}

pg::queued pg_store::commit_statement(const std::vector<commit_item>& items,
                                      const std::vector<std::size_t>& which,
                                      int64_t incarnation) const {
  using pg::array;
  array ids{array::of::text}, epochs{array::of::i64}, used{array::of::i64}, means{array::of::f64},
    stds{array::of::f64}, created{array::of::i64}, detectors{array::of::text},
    states{array::of::bytes}, lasts{array::of::i64}, intervals{array::of::f64},
    timestamps{array::of::bytes}, values{array::of::bytes}, keys{array::of::text};
  for (auto i : which) {
    const auto& item = items[i];
    const auto& r = item.record;
    ids.text(item.series_id);
    epochs.i64(static_cast<int64_t>(item.epoch));
    used.i64(r.stats.points_used);
    means.f64(r.stats.mean);
    stds.f64(r.stats.std);
    created.i64(r.created_at_ms);
    if (model::is_contract(r.detector)) {
      detectors.null();
      states.null();
    } else {
      detectors.text(model::to_text(r.detector));
      auto blob = model::encode_state(r.detector, r.state);
      states.bytes(blob.data(), blob.size());
    }
    lasts.i64(item.last_timestamp);
    intervals.f64(item.interval_s);
    const auto& d = item.data;
    timestamps.bytes(d.timestamps.data(), d.timestamps.size() * sizeof d.timestamps[0]);
    values.bytes(d.values.data(), d.values.size() * sizeof d.values[0]);
    keys.text(item.idempotency_key);
  }
  pg::params p;
  for (const auto* a : {&ids, &epochs, &used, &means, &stds, &created, &detectors, &states, &lasts,
                        &intervals, &timestamps, &values, &keys})
    p.binary_array(*a);
  p.text(id_->node + "/" + std::to_string(incarnation)).text(id_->node).i64(incarnation);
  p.i64(key_ttl_.count());
  p.i64(static_cast<int64_t>(max_series_)).i64(static_cast<int64_t>(max_versions_));
  return {"commit_items", std::move(p)};
}

expected<std::vector<uint32_t>, store_failure>
pg_store::commit(const std::vector<commit_item>& items) {
  std::vector<uint32_t> codes(items.size(), fenced);
  auto incarnation = id_->incarnation.load();
  std::vector<std::size_t> sent;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!fenced_locally(items[i].epoch, incarnation))
      sent.push_back(i);
  id_->fenced += items.size() - sent.size();
  if (sent.empty())
    return codes;
  if (!ready())
    return store_failure{"cannot begin a transaction: " + last_failure_};
  // One round trip: this incarnation's members row is locked first (an
  // eviction waits for the commit), every statement checks it is still
  // there; one statement per round of distinct series.
  auto rounds = rounds_of(items, sent);
  auto batch = begin_commit(incarnation);
  for (const auto& round : rounds)
    batch.push_back(commit_statement(items, round, incarnation));
  if (auto now = unix_ms(); now - purged_at_ms_ > 60000) {
    purged_at_ms_ = now;
    pg::params ttl;
    ttl.i64(key_ttl_.count());
    batch.push_back({"purge_keys", std::move(ttl)});
  }
  if (commit_delay_.count() > 0)
    std::this_thread::sleep_for(commit_delay_);
  batch.push_back({"commit", {}});
  auto out = c_->pipeline(batch, cfg_.timeout);
  if (out.failed && out.failed->lost) { // the COMMIT may or may not have run
    for (auto i : sent)
      codes[i] = in_doubt;
    return codes;
  }
  if (out.failed) { // one statement failed, so the transaction did: each alone
    c_->exec("rollback", {}, cfg_.timeout);
    return commit_alone(items, sent, incarnation);
  }
  for (std::size_t k = 0; k < rounds.size(); ++k)
    take_codes(out.results[commit_opening + k], rounds[k], codes);
  for (auto c : codes)
    if (c == 1)
      ++trained_; // a new series (or one numbered again after its deletion)
  return codes;
}

void pg_store::take_codes(const pg::result& r, const std::vector<std::size_t>& round,
                          std::vector<uint32_t>& codes) {
  std::size_t answered = 0;
  for (int row = 0; row < r.rows(); ++row) {
    auto item = static_cast<std::size_t>(r.i64(row, 0)) - 1; // ordinal, from 1
    if (item < round.size()) {
      codes[round[item]] = code_of(r, row);
      ++answered;
    }
  }
  // Items without a row were fenced: their epoch was stale, or this
  // incarnation was evicted (then nothing of it was written).
  id_->fenced += round.size() - answered;
}

std::vector<uint32_t> pg_store::commit_alone(const std::vector<commit_item>& items,
                                             const std::vector<std::size_t>& which,
                                             int64_t incarnation) {
  std::vector<uint32_t> codes(items.size(), fenced);
  for (auto i : which) {
    if (!ready()) {
      codes[i] = refused;
      continue;
    }
    std::vector<std::size_t> one{i};
    auto batch = begin_commit(incarnation);
    batch.push_back(commit_statement(items, one, incarnation));
    batch.push_back({"commit", {}});
    auto out = c_->pipeline(batch, cfg_.timeout);
    if (out.failed) {
      codes[i] = out.failed->lost ? in_doubt : refused;
      if (!out.failed->lost)
        c_->exec("rollback", {}, cfg_.timeout);
      continue;
    }
    take_codes(out.results[commit_opening], one, codes);
  }
  for (auto c : codes)
    if (c == 1)
      ++trained_;
  return codes;
}

expected<bool, store_failure> pg_store::save_states(const std::vector<checkpoint_item>& items) {
  auto incarnation = id_->incarnation.load();
  std::vector<pg::queued> batch;
  for (const auto& item : items) {
    if (fenced_locally(item.epoch, incarnation))
      continue;
    pg::params p;
    p.text(item.series_id).i64(item.version).i64(item.last_seen_ms).i64(item.last_timestamp);
    p.f64(item.interval_s).i64(static_cast<int64_t>(item.epoch));
    p.bytes(item.state.data(), item.state.size()).boolean(item.has_state);
    p.text(id_->node).i64(incarnation);
    batch.push_back({"save", std::move(p)});
  }
  if (batch.empty())
    return true;
  if (!ready())
    return store_failure{"cannot begin a transaction: " + last_failure_};
  batch.insert(batch.begin(), {{"begin", {}}, lock_member(incarnation)});
  batch.push_back({"commit", {}});
  auto out = c_->pipeline(batch, cfg_.timeout);
  if (out.failed) {
    if (!out.failed->lost)
      c_->exec("rollback", {}, cfg_.timeout);
    return store_failure{"cannot save detector states: " + out.failed->detail};
  }
  return true;
}

expected<std::vector<version_record>, store_failure>
pg_store::versions(const std::string& series_id) {
  pg::params p;
  p.text(series_id);
  auto [r, why] = read("versions", p);
  if (why)
    return store_failure{"cannot read versions: " + *why};
  std::vector<version_record> out;
  for (int row = 0; row < r.rows(); ++row) {
    version_record v;
    v.version = static_cast<uint32_t>(r.i64(row, 0));
    v.stats.points_used = static_cast<uint32_t>(r.i64(row, 1));
    v.stats.mean = r.f64(row, 2);
    v.stats.std = r.f64(row, 3);
    v.created_at_ms = r.i64(row, 4);
    v.detector.server_default = false;
    if (!r.null(row, 5)) {
      auto text = r.text(row, 5);
      auto spec = model::from_text(text);
      if (!spec)
        return store_failure{"version " + std::to_string(v.version) + " of " + series_id
                             + " names an unknown detector: " + text};
      auto state = model::decode_state(*spec, r.null(row, 6) ? std::string_view{} : r.bytes(row, 6));
      if (!state)
        return store_failure{"version " + std::to_string(v.version) + " of " + series_id
                             + " has a detector state that cannot be read (" + text + ")"};
      v.detector = *spec;
      v.state = std::move(*state);
    }
    out.push_back(std::move(v));
  }
  return out;
}

expected<std::optional<training_data>, store_failure>
pg_store::points(const std::string& series_id, uint32_t version) {
  pg::params p;
  p.text(series_id).i64(version);
  auto [r, why] = read("points", p);
  if (why)
    return store_failure{"cannot read training points: " + *why};
  if (r.rows() == 0)
    return std::optional<training_data>{};
  return std::optional<training_data>{
    training_data{array_of<int64_t>(r.bytes(0, 0)), array_of<double>(r.bytes(0, 1))}};
}

expected<std::vector<std::string>, store_failure> pg_store::series_ids(const std::string& after,
                                                                        std::size_t limit) {
  pg::params p;
  p.text(after).i64(static_cast<int64_t>(limit));
  auto [r, why] = read("series_ids", p);
  if (why)
    return store_failure{"cannot list series: " + *why};
  std::vector<std::string> ids;
  for (int row = 0; row < r.rows(); ++row)
    ids.push_back(r.text(row, 0));
  return ids;
}

expected<std::optional<series_liveness>, store_failure>
pg_store::cadence(const std::string& series_id) {
  pg::params p;
  p.text(series_id);
  auto [r, why] = read("cadence", p);
  if (why)
    return store_failure{"cannot read a series' cadence: " + *why};
  if (r.rows() == 0)
    return std::optional<series_liveness>{};
  return std::optional<series_liveness>{liveness_of(r, 0)};
}

expected<std::vector<series_liveness>, store_failure>
pg_store::silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
                 std::size_t limit) {
  pg::params p;
  p.text(after).i64(now_ms).f64(factor).i64(slack_ms).i64(static_cast<int64_t>(limit));
  auto [r, why] = read("silent", p);
  if (why)
    return store_failure{"cannot list silent series: " + *why};
  std::vector<series_liveness> out;
  for (int row = 0; row < r.rows(); ++row)
    out.push_back(liveness_of(r, row));
  return out;
}

expected<uint64_t, store_failure> pg_store::series_count() {
  auto [r, why] = read("count", {});
  if (why)
    return store_failure{"cannot count series: " + *why};
  return static_cast<uint64_t>(r.i64(0, 0));
}

} // namespace persistence

namespace persistence {

expected<std::optional<pg::result>, store_failure>
pg_store::erase(const std::string& name, pg::params args, uint64_t epoch) {
  auto incarnation = id_->incarnation.load();
  if (fenced_locally(epoch, incarnation)) {
    ++id_->fenced;
    return std::optional<pg::result>{};
  }
  if (!ready())
    return store_failure{"cannot begin a transaction: " + last_failure_};
  auto out = c_->pipeline({{"begin", {}}, lock_member(incarnation), {name, std::move(args)},
                           {"commit", {}}},
                          cfg_.timeout);
  if (out.failed) {
    if (!out.failed->lost)
      c_->exec("rollback", {}, cfg_.timeout);
    return store_failure{out.failed->detail};
  }
  if (out.results[1].rows() == 0) { // evicted: nothing of this incarnation was written
    ++id_->fenced;
    return std::optional<pg::result>{};
  }
  return std::optional<pg::result>{std::move(out.results[2])};
}

expected<std::optional<uint32_t>, store_failure> pg_store::delete_series(const std::string& series_id,
                                                                         uint64_t epoch) {
  pg::params p;
  p.text(series_id).i64(static_cast<int64_t>(epoch));
  auto r = erase("delete_series", std::move(p), epoch);
  if (!r)
    return store_failure{"cannot delete the series: " + r.error().detail};
  if (!r.value())
    return std::optional<uint32_t>{fenced};
  const auto& rows = *r.value();
  if (rows.rows() == 0) // no row: a series never fitted
    return std::optional<uint32_t>{};
  if (static_cast<uint64_t>(rows.i64(0, 0)) != epoch) {
    ++id_->fenced;
    return std::optional<uint32_t>{fenced};
  }
  auto deleted = static_cast<uint32_t>(rows.i64(0, 2));
  if (rows.i64(0, 1) == 0 && deleted == 0) // numbered from 0 already: nothing known
    return std::optional<uint32_t>{};
  if (deleted > 0 && trained_ > 0)
    --trained_;
  return std::optional<uint32_t>{deleted};
}

expected<uint32_t, store_failure> pg_store::delete_version(const std::string& series_id,
                                                           uint32_t version, uint64_t epoch) {
  pg::params p;
  p.text(series_id).i64(version).i64(static_cast<int64_t>(epoch));
  auto r = erase("delete_version", std::move(p), epoch);
  if (!r)
    return store_failure{"cannot delete the version: " + r.error().detail};
  if (!r.value())
    return fenced;
  const auto& rows = *r.value();
  if (rows.rows() == 0)
    return 0u;
  if (static_cast<uint64_t>(rows.i64(0, 0)) != epoch) {
    ++id_->fenced;
    return fenced;
  }
  return static_cast<uint32_t>(rows.i64(0, 1));
}

expected<std::vector<std::string>, store_failure>
pg_store::expired(int64_t cutoff_ms, const std::string& after, std::size_t limit) {
  pg::params p;
  p.text(after).i64(cutoff_ms).i64(static_cast<int64_t>(limit));
  auto [r, why] = read("expired", p);
  if (why)
    return store_failure{"cannot list expired series: " + *why};
  std::vector<std::string> ids;
  for (int row = 0; row < r.rows(); ++row)
    ids.push_back(r.text(row, 0));
  return ids;
}

expected<uint64_t, store_failure> pg_store::backup_to(const std::string&) {
  return store_failure{"POST /admin/backup copies an embedded SQLite store; back a PostgreSQL "
                       "store up with pg_dump"};
}

} // namespace persistence
