#include "actors/store_writer.hpp"

#include <chrono>
#include <map>
#include <utility>
#include <vector>

namespace actors {

namespace {

/// Who waits for a pending item, and until when (Unix ms, 0 none).
struct waiter {
  caf::typed_response_promise<uint32_t> promise;
  int64_t deadline_ms = 0;
};

struct store_writer_state {
  static inline const char* name = "store_writer";
  std::shared_ptr<persistence::store> db;
  std::shared_ptr<store_counters> counters;
  std::shared_ptr<known_series> known; ///< ids the store holds (null: not kept)
  std::size_t max_batch = 256;
  std::size_t max_batch_bytes = std::size_t{64} << 20;
  std::size_t bytes = 0;                  ///< training points of `items`, in bytes
  std::vector<model::commit_item> items; ///< the next transaction, as store::commit takes it
  std::vector<waiter> waiters;            ///< one per item, same order
  bool flush_queued = false;
  /// Online detectors' states and series' cadences to save, by (series,
  /// version): the latest wins (a cadence alone keeps the state pending).
  std::map<std::pair<std::string, uint32_t>, model::checkpoint_item> states;
  /// Who waits for the pending states to be stored (a passivating series).
  std::vector<caf::typed_response_promise<bool>> state_waiters;
};

using self_ptr = store_writer_actor::stateful_pointer<store_writer_state>;

/// Refuses pending items whose deadline passed while they waited: their
/// clients were answered 503, so they must not become versions.
void drop_expired(store_writer_state& st) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < st.items.size(); ++i) {
    if (deadline_passed(st.waiters[i].deadline_ms)) {
      st.waiters[i].promise.deliver(deadline_error());
      continue;
    }
    if (kept != i) {
      st.items[kept] = std::move(st.items[i]);
      st.waiters[kept] = std::move(st.waiters[i]);
    }
    ++kept;
  }
  st.items.resize(kept);
  st.waiters.resize(kept);
}

void commit_pending(self_ptr self);

/// The error for a store failure: `no_space` (507) when the disk is full.
caf::error store_error(const model::store_failure& failure, const std::string& what) {
  return make_error(failure.full ? server_error::no_space : server_error::store_failed,
                    what + failure.detail
                      + (failure.full ? " (no space left: delete data or add space)" : ""));
}

caf::error fenced_error() {
  return make_error(server_error::fenced,
                    "this node no longer holds the series (another node took it over); "
                    "nothing was stored, retry");
}

/// The answer for an item the store did not number (persistence::store::commit).
caf::error refusal(uint32_t code) {
  if (code == persistence::fenced)
    return fenced_error();
  if (code == persistence::in_doubt)
    return make_error(server_error::in_doubt,
                      "the connection to the store broke while the fit was committing; it may or "
                      "may not be stored: read GET /series/{id} before retrying, or retry with the "
                      "same Idempotency-Key");
  if (code == persistence::over_quota)
    return make_error(server_error::no_space,
                      "the store holds store.max-series series; delete a series before fitting "
                      "a new one (existing series can still be fitted)");
  return make_error(server_error::store_failed, "the store refused this version; nothing was stored");
}

/// The series gauge after the store changed: a store of its own counts every
/// series; a shared one only this node's changes, so the gauge moves by them.
void count_series(store_writer_state& st, uint64_t before) {
  if (!st.db->shared())
    st.counters->series = st.db->trained_series();
  else
    st.counters->series += st.db->trained_series() - before; // modulo 2^64: may go down
}

void flush(self_ptr self);

/// Deletes a series (`version` 0) or one version, after everything sent
/// before it (so a fit acknowledged before the deletion is deleted too);
/// `epoch` fences it in a shared store, as a fit.
caf::result<uint32_t> erase(self_ptr self, const std::string& id, uint32_t version,
                            int64_t deadline_ms, uint64_t epoch) {
  auto& st = self->state;
  flush(self);
  if (deadline_passed(deadline_ms))
    return deadline_error();
  auto before = st.db->trained_series();
  try {
    if (version == 0) {
      auto gone = st.db->delete_series(id, epoch);
      if (!gone)
        return store_error(gone.error(), "the store could not delete the series: ");
      count_series(st, before);
      if (!gone.value())
        return make_error(server_error::not_found, "series " + id + " has not been trained");
      if (*gone.value() == persistence::fenced)
        return fenced_error();
      ++st.counters->series_deleted;
      st.counters->versions_deleted += *gone.value();
      return *gone.value();
    }
    auto gone = st.db->delete_version(id, version, epoch);
    if (!gone)
      return store_error(gone.error(), "the store could not delete the version: ");
    count_series(st, before);
    if (gone.value() == persistence::fenced)
      return fenced_error();
    if (gone.value() == 0)
      return make_error(server_error::not_found, "version " + std::to_string(version)
                                                   + " of series " + id + " does not exist");
    ++st.counters->versions_deleted;
    return uint32_t{1};
  } catch (const std::exception& e) {
    ++st.counters->failures;
    return make_error(server_error::store_failed,
                      std::string{"the store could not delete: "} + e.what());
  }
}

/// Writes every pending item in one transaction and answers each promise. An
/// exception (bad_alloc in a huge batch, say) fails this batch's fits (503),
/// never the actor: no promise is left unanswered.
void save_states(self_ptr self) {
  auto& st = self->state;
  if (st.states.empty())
    return;
  std::vector<model::checkpoint_item> items;
  items.reserve(st.states.size());
  for (auto& [key, item] : st.states)
    items.push_back(std::move(item));
  st.states.clear();
  bool stored = false;
  try {
    stored = static_cast<bool>(st.db->save_states(items));
  } catch (const std::exception&) {
  }
  if (!stored)
    ++st.counters->failures; // learning since the last checkpoint is lost; fits are not
  for (auto& w : st.state_waiters)
    w.deliver(stored);
  st.state_waiters.clear();
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_queued = false;
  save_states(self);
  drop_expired(st);
  if (st.items.empty())
    return;
  try {
    commit_pending(self);
  } catch (const std::exception& e) {
    st.counters->committing = 0;
    ++st.counters->failures;
    for (auto& w : st.waiters)
      w.promise.deliver(make_error(server_error::store_failed,
                                   std::string{"the store could not save the version: "}
                                     + e.what()));
    st.items.clear();
    st.waiters.clear();
    st.bytes = 0;
  }
}

void commit_pending(self_ptr self) {
  auto& st = self->state;
  auto start = std::chrono::steady_clock::now();
  st.counters->committing = static_cast<int64_t>(st.items.size());
  auto before = st.db->trained_series();
  auto result = st.db->commit(st.items);
  st.counters->committing = 0;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - start);
  st.counters->commit_us_sum += static_cast<uint64_t>(us.count());
  if (!result) {
    ++st.counters->failures;
    for (auto& w : st.waiters)
      w.promise.deliver(store_error(result.error(), "the store could not save the version: "));
  } else {
    ++st.counters->batches;
    count_series(st, before); // before any answer: a client may read it next
    if (st.known) // every stored series, before any answer (known_series.hpp)
      for (std::size_t i = 0; i < st.items.size(); ++i)
        if (persistence::is_version(result.value()[i]))
          st.known->add(st.items[i].series_id);
    for (std::size_t i = 0; i < st.items.size(); ++i) {
      auto version = result.value()[i];
      if (!persistence::is_version(version)) {
        st.waiters[i].promise.deliver(refusal(version));
        continue;
      }
      if ((version & persistence::replayed_flag) == 0) // not an idempotent retry
        ++st.counters->versions;
      st.waiters[i].promise.deliver(version);
    }
  }
  st.items.clear();
  st.waiters.clear();
  st.bytes = 0;
}

store_writer_actor::behavior_type store_writer(self_ptr self, std::shared_ptr<persistence::store> db,
                                               std::size_t max_batch,
                                               std::shared_ptr<store_counters> counters,
                                               std::size_t max_batch_bytes,
                                               std::shared_ptr<known_series> known) {
  self->state.db = std::move(db);
  self->state.known = std::move(known);
  self->state.max_batch = max_batch;
  self->state.max_batch_bytes = max_batch_bytes;
  self->state.counters = std::move(counters);
  return {
    [self](commit_atom, model::commit_item& item, int64_t deadline_ms) -> caf::result<uint32_t> {
      auto& st = self->state;
      auto bytes = item.data.bytes();
      if (!st.items.empty() && st.bytes + bytes > st.max_batch_bytes)
        flush(self); // the pending batch is full in bytes: it goes first, alone
      st.items.push_back(std::move(item));
      st.waiters.push_back({self->make_response_promise<uint32_t>(), deadline_ms});
      st.bytes += bytes;
      if (st.items.size() >= st.max_batch || st.bytes >= st.max_batch_bytes) {
        flush(self);
      } else if (!st.flush_queued) {
        // The flush lands behind every commit already queued: they join this batch.
        st.flush_queued = true;
        self->send(self, flush_atom::value);
      }
      return caf::delegated<uint32_t>{};
    },
    [self](save_atom, model::checkpoint_item& item) -> caf::result<bool> {
      auto& st = self->state;
      auto key = std::make_pair(item.series_id, item.version);
      auto& slot = st.states[key];
      if (!item.has_state && slot.has_state) { // a newer cadence keeps the pending state
        item.state = std::move(slot.state);
        item.has_state = true;
      }
      slot = std::move(item);
      // A request (a passivating series) is answered once its state is stored.
      if (self->current_mailbox_element()->mid.is_request())
        st.state_waiters.push_back(self->make_response_promise<bool>());
      if (!st.flush_queued) {
        st.flush_queued = true;
        self->send(self, flush_atom::value);
      }
      return caf::delegated<bool>{};
    },
    [self](flush_atom) { flush(self); },
    [self](delete_atom, const std::string& id, uint32_t version, int64_t deadline_ms,
           uint64_t epoch) {
      return erase(self, id, version, deadline_ms, epoch);
    },
  };
}

} // namespace

store_writer_actor spawn_store_writer(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::size_t max_batch,
                                      std::shared_ptr<store_counters> counters,
                                      std::size_t max_batch_bytes,
                                      std::shared_ptr<known_series> known) {
  return sys.spawn<caf::detached>(store_writer, std::shared_ptr<persistence::store>{std::move(db)},
                                  max_batch, std::move(counters), max_batch_bytes,
                                  std::move(known));
}

} // namespace actors
