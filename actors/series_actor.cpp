#include "actors/series_actor.hpp"

#include <map>
#include <optional>

#include "actors/persistence/store.hpp"
#include "actors/series_router.hpp"
#include "model/request_params.hpp"
#include "model/version_list.hpp"

namespace actors {

namespace {

using steady = std::chrono::steady_clock;

struct series_state {
  static inline const char* name = "series";
  std::string id;
  std::shared_ptr<const series_settings> cfg; ///< shared by every series of its shard
  version_list versions;     ///< committed versions by number, with gaps where deleted
  uint64_t erased_upto = 0;  ///< commits up to this number were deleted with the series
  /// The clients of commits sent and not yet answered, by commit number:
  /// answered by the writer's reply, or with 503 when the writer dies holding them.
  std::map<uint64_t, caf::typed_response_promise<model::version_record>> waiting;
  uint64_t commits = 0;
  bool store_down = false;   ///< the writer died: fits are refused at once
  bool passivating = false;  ///< exit once `waiting` drains and the checkpoint is stored
  bool park = false;         ///< passivating to be parked: hand the state to the shard on exit
  bool saving = false;       ///< a checkpoint the writer will confirm is on its way
  uint64_t unsaved = 0;      ///< points the latest version learned since its checkpoint
  bool cadence_unsaved = false; ///< points (or a fit) came since the cadence was saved
  model::cadence pace;       ///< when the last point came; the typical interval
  uint64_t epoch = 0;        ///< ownership epoch every write carries (shared store; 0 otherwise)
  steady::time_point saved_at = steady::now();
  steady::time_point touched_at = saved_at; ///< when the shard last heard it was in use
};

using self_ptr = series_actor::stateful_pointer<series_state>;

/// The record a query selects (owned by `st`, not copied), or the not_found
/// error to answer with.
caf::expected<model::version_record*> select(series_state& st, uint32_t version) {
  if (st.versions.empty())
    return make_error(server_error::not_found, "series " + st.id + " has not been trained");
  if (version == model::latest_version)
    return &st.versions.back();
  if (auto* found = model::find_version(st.versions, version))
    return found;
  return make_error(server_error::not_found, "version " + std::to_string(version)
                                               + " of series " + st.id + " does not exist");
}

/// The checkpoint due now: the latest version's learned state (as its
/// opaque blob) and the series' cadence, marked saved; none when nothing
/// changed since the last one.
std::optional<model::checkpoint_item> take_checkpoint(series_state& st) {
  if ((st.unsaved == 0 && !st.cadence_unsaved) || st.versions.empty())
    return std::nullopt;
  const auto& latest = st.versions.back();
  model::checkpoint_item item{st.id, latest.version, {}, st.unsaved > 0,
                              st.pace.last_seen_ms(), st.pace.last_timestamp(),
                              st.pace.interval_s(), st.epoch};
  if (item.has_state)
    item.state = model::encode_state(latest.detector, latest.state);
  st.unsaved = 0;
  st.cadence_unsaved = false;
  st.saved_at = steady::now();
  return item;
}

/// Sends the due checkpoint, without an answer: a lost one loses learning and
/// freshness, never a fit.
void checkpoint(self_ptr self) {
  if (auto item = take_checkpoint(self->state))
    caf::anon_send(self->state.cfg->writer, save_atom::value, std::move(*item));
}

/// Sends the due checkpoint and calls `then(stored)` once the writer has
/// stored it (or failed to); at once when none is due.
template <class Then>
void checkpoint_confirmed(self_ptr self, Then then) {
  auto item = take_checkpoint(self->state);
  if (!item)
    return then(true);
  self->request(self->state.cfg->writer, caf::infinite, save_atom::value, std::move(*item))
    .then([then](bool ok) mutable { then(ok); }, [then](caf::error&) mutable { then(false); });
}

/// The series as the store holds it (every commit answered, the checkpoint
/// stored): what a load would read.
version_page stored_state(series_state& st) {
  st.versions.shrink_to_fit(); // parked for a while: no spare capacity
  return version_page{std::move(st.versions),
                      model::series_liveness{st.id, st.pace.last_seen_ms(),
                                             st.pace.last_timestamp(), st.pace.interval_s()}};
}

/// Exits; a series passivated to be parked first hands its state to its shard,
/// which gives it to the series' next actor instead of a load. Not with a
/// shared store (the next owner must claim it and load what others wrote),
/// nor when the store is down, nor for a series without versions.
void quit(self_ptr self) {
  auto& st = self->state;
  if (st.park && !st.store_down && !st.cfg->ownership && !st.versions.empty())
    if (auto shard = caf::actor_cast<shard_notices>(st.cfg->shard))
      self->send(shard, passivate_atom::value, st.id, stored_state(st));
  self->quit();
}

/// A passivating actor exits once its commits are answered and its learning
/// is stored: the shard starts the series' next actor only after this one
/// exited, and that one must load the newest state.
void maybe_quit(self_ptr self) {
  auto& st = self->state;
  if (!st.passivating || !st.waiting.empty() || st.saving)
    return;
  if (st.unsaved == 0 && !st.cadence_unsaved)
    return quit(self);
  st.saving = true;
  checkpoint_confirmed(self, [self](bool) {
    self->state.saving = false;
    maybe_quit(self); // points may have come meanwhile
  });
}

/// Bookkeeping after the store answered one commit. The store numbers
/// versions in its transaction and answers a series' commits in order, so a
/// stored version is always the next one here: a failed commit leaves no gap
/// and does not disturb the fits behind it.
void settle(self_ptr self, const model::version_record* stored) {
  auto& st = self->state;
  if (stored) {
    checkpoint(self); // what the old latest version learned, before it stops learning
    st.versions.push_back(*stored);
    model::keep_newest(st.versions, st.cfg->max_versions); // as the store pruned
  }
  maybe_quit(self);
}

prediction prediction_of(const model::judgement& j, uint32_t version) {
  return prediction{j.anomaly,           version,
                    j.score,             j.expected,
                    j.lower.has_value(), j.lower.value_or(0),
                    j.upper.has_value(), j.upper.value_or(0),
                    j.anomaly_score,     static_cast<uint8_t>(j.side)};
}

/// A read-scope caller's predict that would teach version `r` (the latest,
/// with an online detector).
caf::error learning_forbidden(const series_state& st, const model::version_record& r) {
  return make_error(server_error::forbidden,
                    "version " + std::to_string(r.version) + " of series " + st.id + " ("
                      + model::name_of(r.detector) + ") learns from predicts, which the read scope may not "
                      "do: add learn=false, or use a token with the write scope");
}

/// Judges `n` points (timestamps `ts`, values `vs`) in order against
/// `version`, handing each answer to `emit`; an online detector on the latest
/// version also learns each (unless `learn` is false) and checkpoints when it
/// is due. A single predict passes one point and allocates nothing.
template <class Emit>
caf::error judge_points(self_ptr self, uint32_t version, const int64_t* ts, const double* vs,
                        std::size_t n, bool learn, bool may_learn, Emit emit) {
  auto& st = self->state;
  auto found = select(st, version);
  if (!found)
    return std::move(found.error());
  auto& r = **found;
  bool learns = learn && &r == &st.versions.back() && model::is_online(r.detector);
  if (learns && !may_learn)
    return learning_forbidden(st, r);
  auto now = unix_ms_now();
  for (std::size_t i = 0; i < n; ++i) {
    model::point p{ts[i], vs[i]};
    st.pace.see(p.timestamp, now);
    emit(prediction_of(learns ? model::judge_and_learn(r.detector, r.stats, r.state, p, &st.pace)
                              : model::judge(r.detector, r.stats, r.state, p, &st.pace),
                       r.version));
  }
  st.cadence_unsaved = true;
  if (learns)
    st.unsaved += n;
  auto now_steady = steady::now();
  if (st.unsaved >= st.cfg->checkpoint_points
      || now_steady - st.saved_at >= st.cfg->checkpoint_interval)
    checkpoint(self);
  if (now_steady - st.touched_at >= std::chrono::seconds(1)) {
    st.touched_at = now_steady; // keeps its place in the shard's LRU order
    if (auto shard = caf::actor_cast<shard_notices>(st.cfg->shard))
      self->send(shard, touch_atom::value, st.id);
  }
  return caf::none;
}

caf::error store_down_error() {
  return make_error(server_error::store_failed,
                    "the store is down; the server is restarting it, retry");
}

/// Removes and returns the client of commit `n` (none if already answered).
std::optional<caf::typed_response_promise<model::version_record>> take_waiting(self_ptr self,
                                                                                uint64_t n) {
  auto& waiting = self->state.waiting;
  auto it = waiting.find(n);
  if (it == waiting.end())
    return std::nullopt;
  auto rp = std::move(it->second);
  waiting.erase(it);
  return rp;
}

/// The writer died holding our commits: their clients get 503 now, and so
/// does every later fit (the process is restarting; see system.hpp).
void on_writer_down(self_ptr self) {
  auto& st = self->state;
  st.store_down = true;
  for (auto& [n, rp] : st.waiting)
    rp.deliver(store_down_error());
  st.waiting.clear();
  st.saving = false; // a checkpoint the dead writer held is never answered (CAF 0.17)
  maybe_quit(self);
}

/// Whether `err` says the store no longer takes this actor's writes, or may
/// have stored a fit it answered as failed: the actor is then out of step
/// with the store and exits, so that a fresh one loads (or claims) it.
bool out_of_step(const caf::error& err) {
  return err.category() == caf::atom("server")
         && (err.code() == static_cast<uint8_t>(server_error::fenced)
             || err.code() == static_cast<uint8_t>(server_error::in_doubt));
}

/// Leaves once idle, never parked: its versions may miss a stored fit, so the
/// next actor must load (even if a `passivate` to park came first).
void leave_out_of_step(series_state& st) {
  st.passivating = true;
  st.park = false;
}

caf::result<model::version_record> fit(self_ptr self, model::training_data& data,
                                       const model::detector_spec& chosen, int64_t deadline_ms,
                                       std::string& key) {
  if (deadline_passed(deadline_ms))
    return deadline_error();
  auto& st = self->state;
  if (st.store_down)
    return store_down_error();
  const auto& detector = chosen.server_default ? st.cfg->default_detector : chosen;
  auto fitted = model::fit_detector(detector, data, st.cfg->min_training_points);
  if (!fitted)
    return make_error(server_error::invalid_input, fitted.detail());
  // Numbered by the store.
  model::version_record record{0, fitted.value().stats, unix_ms_now(), detector,
                               std::move(fitted.value().state)};
  record.detector.server_default = false;
  st.pace.seed(data.timestamps, record.created_at_ms); // stored with the version
  auto rp = self->make_response_promise<model::version_record>();
  auto n = ++st.commits;
  st.waiting.emplace(n, rp);
  self->request(st.cfg->writer, caf::infinite, commit_atom::value,
                model::commit_item{st.id, record, std::move(data), st.pace.last_timestamp(),
                                   st.pace.interval_s(), std::move(key), st.epoch},
                deadline_ms)
    .then(
      [self, n, record](uint32_t code) mutable {
        auto rp = take_waiting(self, n);
        if ((code & persistence::replayed_flag) != 0) {
          // An idempotent retry: the original version, nothing new stored
          // (its record when still held; pruned or deleted since, its number).
          record.version = code & ~persistence::replayed_flag;
          if (auto* original = model::find_version(self->state.versions, record.version))
            record = *original;
          settle(self, nullptr);
        } else {
          record.version = code;
          settle(self, n > self->state.erased_upto ? &record : nullptr);
        }
        if (rp)
          rp->deliver(record);
      },
      [self, n](caf::error& err) mutable {
        auto rp = take_waiting(self, n);
        if (out_of_step(err))
          leave_out_of_step(self->state);
        settle(self, nullptr);
        if (rp)
          rp->deliver(std::move(err));
      });
  return rp;
}

/// Deletes version `version`, or the series when it is 0 (see the header).
/// The series handles nothing else until the store answered, so no fit,
/// predict or checkpoint runs in between; the fits sent before the deletion
/// are deleted with the series (the writer stores them first).
caf::result<uint32_t> erase(self_ptr self, uint32_t version, int64_t idle_before_ms,
                            int64_t deadline_ms) {
  if (deadline_passed(deadline_ms))
    return deadline_error();
  auto& st = self->state;
  if (st.store_down)
    return store_down_error();
  if (idle_before_ms != 0 && (st.pace.last_seen_ms() >= idle_before_ms || !st.waiting.empty()))
    return uint32_t{0}; // used since: not expired
  if (version != 0 && !model::find_version(st.versions, version))
    return select(st, version).error();
  auto rp = self->make_response_promise<uint32_t>();
  auto sent = st.commits;
  self->request(st.cfg->writer, caf::infinite, delete_atom::value, st.id, version, deadline_ms,
                st.epoch)
    .await(
      [self, rp, version, sent](uint32_t deleted) mutable {
        auto& st = self->state;
        if (version == 0) {
          st.erased_upto = sent;
          st.versions.clear();
          st.pace = model::cadence{};
          st.unsaved = 0;
          st.cadence_unsaved = false;
        } else {
          model::erase_version(st.versions, version);
        }
        rp.deliver(deleted);
      },
      [self, rp](caf::error& err) mutable {
        if (out_of_step(err)) {
          leave_out_of_step(self->state);
          maybe_quit(self);
        }
        rp.deliver(std::move(err));
      });
  return rp;
}

/// Takes the stored versions and cadence (loaded, or parked in the shard) and
/// tells the shard whether the series exists.
void restore(self_ptr self, version_page& stored) {
  auto& st = self->state;
  st.versions = std::move(stored.versions);
  const auto& c = stored.seen;
  if (!c.series_id.empty())
    st.pace.restore(c.last_seen_ms, c.last_timestamp, c.interval_s);
  if (auto shard = caf::actor_cast<shard_notices>(st.cfg->shard))
    self->send(shard, loaded_atom::value, st.id, !st.versions.empty());
}

/// Loads the stored versions and cadence; nothing else is handled until they
/// are in (await suspends the mailbox). Tells the shard whether the series
/// exists, so that an unknown id costs no place among the active series.
void load(self_ptr self) {
  auto& st = self->state;
  const auto& readers = st.cfg->readers;
  auto reader = readers[stable_hash(st.id) % readers.size()];
  self->request(reader, caf::infinite, load_atom::value, st.id)
    .await([self](version_page& stored) { restore(self, stored); },
           [self](caf::error& err) { self->quit(std::move(err)); });
}

series_actor::behavior_type series(self_ptr self, std::string id,
                                   std::shared_ptr<const series_settings> cfg,
                                   std::shared_ptr<version_page> parked) {
  auto& st = self->state;
  st.id = std::move(id);
  st.cfg = std::move(cfg);
  // The writer's down message comes from the shard, which monitors it for all
  // its series: see router_shard.cpp (on_writer_down).
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source == self->state.cfg->writer.address())
      on_writer_down(self);
  });
  // With a shared store the series is claimed first, so that the load sees
  // every write of its previous owner; nothing else is handled until the
  // claim is answered (await suspends the mailbox).
  if (st.cfg->ownership) {
    self->request(st.cfg->ownership, caf::infinite, claim_atom::value, st.id)
      .await(
        [self](claim_grant& g) {
          auto& st = self->state;
          st.epoch = g.epoch;
          if (!g.fresh)
            return load(self);
          // A new series has nothing stored.
          if (auto shard = caf::actor_cast<shard_notices>(st.cfg->shard))
            self->send(shard, loaded_atom::value, st.id, false);
        },
        [self](caf::error& err) { self->quit(std::move(err)); });
  } else if (parked) {
    restore(self, *parked); // parked by the series' previous actor: no load
  } else {
    load(self);
  }
  return {
    [self](fit_atom, model::training_data& data, model::detector_spec& detector,
           int64_t deadline_ms, std::string& key) {
      return fit(self, data, detector, deadline_ms, key);
    },
    // Reads carry the series id, so that the front end may send them here
    // directly, or through the shard: the same message either way.
    [self](predict_atom, const std::string&, const predict_query& q) -> caf::result<prediction> {
      if (deadline_passed(q.deadline_ms))
        return deadline_error();
      prediction out;
      if (auto err = judge_points(self, q.version, &q.timestamp, &q.value, 1, q.learn,
                                  q.may_learn, [&out](const prediction& p) { out = p; }))
        return err;
      return out;
    },
    [self](batch_atom, const std::string&, const batch_query& q) -> caf::result<prediction_list> {
      if (deadline_passed(q.deadline_ms))
        return deadline_error();
      if (q.timestamps.size() != q.values.size())
        return make_error(server_error::invalid_input,
                          "timestamps and values must have the same length");
      prediction_list out;
      out.reserve(q.values.size());
      if (auto err = judge_points(self, q.version, q.timestamps.data(), q.values.data(),
                                  q.values.size(), q.learn, q.may_learn,
                                  [&out](const prediction& p) { out.push_back(p); }))
        return err;
      return out;
    },
    [self](plot_atom, uint32_t version) -> caf::result<version_points> {
      auto record = select(self->state, version);
      if (!record)
        return std::move(record.error());
      auto rp = self->make_response_promise<version_points>();
      self->request(self->state.cfg->readers[stable_hash(self->state.id) % self->state.cfg->readers.size()], caf::infinite, points_atom::value, self->state.id,
                    (*record)->version)
        .then([rp, r = **record](model::training_data& data) mutable {
                rp.deliver(version_points{r, std::move(data)});
              },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](list_atom, uint32_t after, uint32_t limit) -> caf::result<version_page> {
      const auto& st = self->state;
      const auto& all = st.versions;
      if (all.empty())
        return make_error(server_error::not_found, "series " + st.id + " has not been trained");
      // The page is a slice, never the whole list.
      auto first = model::first_after(all, after);
      auto last = std::min<std::size_t>(all.size(), first + limit);
      return version_page{version_list(all.begin() + static_cast<std::ptrdiff_t>(first),
                                       all.begin() + static_cast<std::ptrdiff_t>(last)),
                          model::series_liveness{st.id, st.pace.last_seen_ms(),
                                                 st.pace.last_timestamp(), st.pace.interval_s()}};
    },
    [self](delete_atom, uint32_t version, int64_t idle_before_ms, int64_t deadline_ms) {
      return erase(self, version, idle_before_ms, deadline_ms);
    },
    [self](passivate_atom, bool park) {
      auto& st = self->state;
      if (!st.passivating) // not when already leaving out of step with the store
        st.park = park;
      st.passivating = true;
      maybe_quit(self);
    },
    [self](flush_atom) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      checkpoint_confirmed(self, [rp](bool stored) mutable { rp.deliver(stored); });
      return rp;
    },
  };
}

} // namespace

series_actor spawn_series(caf::actor_system& sys, std::string id,
                          std::shared_ptr<const series_settings> cfg,
                          std::shared_ptr<version_page> parked) {
  return sys.spawn(series, std::move(id), std::move(cfg), std::move(parked));
}

} // namespace actors
