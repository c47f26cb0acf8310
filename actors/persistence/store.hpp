// The durable store of model versions, behind one interface with two
// backends: one SQLite file in WAL mode (the default, one node) and a shared
// PostgreSQL database (pg_store.hpp, any number of nodes). Its own library
// (persistence), below the actors and beside the model: it links the model's
// value types, SQLite and libpq, no CAF. A `store` object owns one connection
// and is used by one thread at a time (the store actors in actors/ each own
// one); every call blocks on I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/expected.hpp"
#include "model/version.hpp"

namespace persistence {

using model::checkpoint_item;
using model::commit_item;
using model::expected;
using model::store_failure;
using model::sync_mode;
using model::training_data;
using model::series_liveness;
using model::version_record;

/// What `store::commit` answers for an item instead of a version: refused by
/// the database (a constraint), fenced (its epoch is stale: another node owns
/// the series now, or this node was declared dead), or in doubt (the
/// connection broke while the transaction was committing: it may or may not
/// have committed). A replayed fit (its idempotency key was committed before)
/// answers the original version with `replayed_flag` set.
constexpr uint32_t refused = 0;
constexpr uint32_t fenced = 0xFFFFFFFFu;
constexpr uint32_t in_doubt = 0xFFFFFFFEu;
constexpr uint32_t replayed_flag = 0x80000000u;

/// Whether `code` from `store::commit` is a stored (or replayed) version.
constexpr bool is_version(uint32_t code) {
  return code != refused && code != fenced && code != in_doubt;
}

/// The durable store's interface; two backends implement it: the embedded
/// SQLite file (`store::open`, this file) and PostgreSQL (pg_store.hpp).
class store {
public:
  /// Opens (creating when `read_only` is false) the SQLite store at `path`.
  /// Fails when the file is unreadable, corrupt, not a store or from a newer schema.
  static expected<std::unique_ptr<store>, store_failure>
  open(const std::string& path, sync_mode sync, bool read_only);

  virtual ~store() = default;
  store() = default;
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Commits every item in one transaction, numbering each as its series'
  /// stored latest + 1 there (items of one series in order; `record.version`
  /// is ignored), so versions have no gaps and no reuse whatever failed before.
  /// An item whose idempotency key was committed before (for its series, within
  /// the key's lifetime) stores nothing and answers that version with
  /// `replayed_flag`. One the database refuses is left out (`refused`, or
  /// `fenced` for a stale epoch) and the others commit. The result holds each
  /// item's code. Fails, committing nothing, when the transaction could not run.
  virtual expected<std::vector<uint32_t>, store_failure>
  commit(const std::vector<commit_item>& items) = 0;

  /// Saves online detectors' states (opaque blobs) over their version rows
  /// and series' cadences, in one transaction (a version or series that does
  /// not exist, or an item with a stale epoch, is skipped). Fails, saving
  /// nothing, when the transaction could not run.
  virtual expected<bool, store_failure> save_states(const std::vector<checkpoint_item>& items) = 0;

  /// All versions of `series_id`, oldest first (empty when never trained).
  virtual expected<std::vector<version_record>, store_failure>
  versions(const std::string& series_id) = 0;

  /// The training points of one version, or nothing when it does not exist.
  virtual expected<std::optional<training_data>, store_failure>
  points(const std::string& series_id, uint32_t version) = 0;

  /// Up to `limit` series ids greater than `after`, in byte order (a page of
  /// all series; start with "").
  virtual expected<std::vector<std::string>, store_failure>
  series_ids(const std::string& after, std::size_t limit) = 0;

  /// The cadence last saved for `series_id`, if any.
  virtual expected<std::optional<series_liveness>, store_failure>
  cadence(const std::string& series_id) = 0;

  /// Up to `limit` series after `after` (byte order) whose last point came
  /// more than `factor` typical intervals plus `slack_ms` before `now_ms`
  /// (Unix ms): the series gone silent. A scan of the series table.
  virtual expected<std::vector<series_liveness>, store_failure>
  silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
         std::size_t limit) = 0;

  /// Number of series with at least one stored version.
  virtual expected<uint64_t, store_failure> series_count() = 0;

  /// Test hook: every transaction sleeps this long before its COMMIT (a slow
  /// disk). Zero, the default, in every real configuration.
  void set_commit_delay_for_tests(std::chrono::milliseconds delay) { commit_delay_ = delay; }

  /// How long an idempotency key is remembered (default a day); expired keys
  /// are purged by later commits, a batch at a time.
  void set_key_ttl(std::chrono::seconds ttl) { key_ttl_ = ttl; }

protected:
  std::chrono::milliseconds commit_delay_{0};
  std::chrono::seconds key_ttl_{86400};
};

} // namespace persistence
