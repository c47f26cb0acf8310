// The PostgreSQL backend of persistence::store: every node of a cluster reads
// and writes one shared database. Each object owns one connection (libpq,
// every call bounded in time: pg_conn.hpp) and is used by one thread at a time.
//
// Fencing: every write carries the epoch of the series' ownership row
// (commit_item::epoch), and each transaction first locks this node's own
// members row (its current incarnation): a node declared dead has no row,
// so all its writes are refused, and a write whose epoch is not the series'
// current one is refused inside its own statement. Items claimed by an
// earlier incarnation of this process (epoch below `epoch_floor`) are refused
// before anything is sent.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "actors/persistence/pg_conn.hpp"
#include "actors/persistence/store.hpp"

namespace persistence {

/// Who writes through a PostgreSQL store: this node's row in the members
/// table. Shared by the node's store connections and its membership actor;
/// read and written from any thread.
struct writer_identity {
  std::string node;                    ///< cluster.self
  std::atomic<int64_t> incarnation{0}; ///< 0 until joined (or after eviction): writes are fenced
  std::atomic<int64_t> epoch_floor{0}; ///< epochs below it were claimed by an earlier incarnation
  std::atomic<uint64_t> fenced{0};     ///< items refused for a stale epoch or a dead incarnation
  std::atomic<bool> leaving{false};    ///< the node is stopping: it must not join again
};

struct pg_settings {
  std::string conninfo;             ///< store.postgres, a libpq connection string
  pg::millis timeout{10000};        ///< longest wait for one round trip (store.postgres-timeout-ms)
  pg::millis connect_timeout{5000}; ///< longest wait for a connection
};

class pg_store final : public store {
public:
  /// Connects (creating or upgrading the schema when `migrate`). Fails with
  /// a sentence when the database is unreachable or its schema is newer.
  static expected<std::unique_ptr<store>, store_failure>
  open(const pg_settings& cfg, std::shared_ptr<writer_identity> id, bool migrate);

  expected<std::vector<uint32_t>, store_failure> commit(const std::vector<commit_item>& items) override;
  expected<bool, store_failure> save_states(const std::vector<checkpoint_item>& items) override;
  expected<std::vector<version_record>, store_failure> versions(const std::string& series_id) override;
  expected<std::optional<training_data>, store_failure> points(const std::string& series_id,
                                                               uint32_t version) override;
  expected<std::vector<std::string>, store_failure> series_ids(const std::string& after,
                                                                std::size_t limit) override;
  expected<std::optional<series_liveness>, store_failure> cadence(const std::string& series_id) override;
  expected<std::vector<series_liveness>, store_failure>
  silent(int64_t now_ms, double factor, int64_t slack_ms, const std::string& after,
         std::size_t limit) override;
  expected<uint64_t, store_failure> series_count() override;
  expected<std::optional<uint32_t>, store_failure> delete_series(const std::string& series_id,
                                                                 uint64_t epoch) override;
  expected<uint32_t, store_failure> delete_version(const std::string& series_id, uint32_t version,
                                                   uint64_t epoch) override;
  expected<std::vector<std::string>, store_failure>
  expired(int64_t cutoff_ms, const std::string& after, std::size_t limit) override;
  /// Fails: POST /admin/backup copies a SQLite file; pg_dump backs this up.
  expected<uint64_t, store_failure> backup_to(const std::string& dest) override;
  bool shared() const override { return true; }

private:
  /// Runs one deletion (`name`, with `args`) in a transaction that holds
  /// this incarnation's members row; its result (none: fenced), or why it
  /// failed.
  expected<std::optional<pg::result>, store_failure> erase(const std::string& name,
                                                           pg::params args, uint64_t epoch);
  pg_store(pg_settings cfg, std::shared_ptr<writer_identity> id)
    : cfg_(std::move(cfg)), id_(std::move(id)) {}
  std::optional<store_failure> connect();
  /// Runs a read, reconnecting and retrying once when the connection was lost.
  std::pair<pg::result, std::optional<std::string>> read(const std::string& name,
                                                         const pg::params& args);
  /// Whether a connection is open (one the server closed is replaced first).
  bool ready();
  /// The statement that locks this incarnation's members row (no row: evicted).
  pg::queued lock_member(int64_t incarnation) const;
  std::vector<uint32_t> commit_alone(const std::vector<commit_item>& items,
                                     const std::vector<std::size_t>& which, int64_t incarnation);
  /// The statements that open a commit's transaction (`commit_opening` of
  /// them): BEGIN, its plan settings, this incarnation's members row locked.
  std::vector<pg::queued> begin_commit(int64_t incarnation) const;
  static constexpr std::size_t commit_opening = 3;
  /// Sets the codes of a round's items from its statement's rows.
  void take_codes(const pg::result& r, const std::vector<std::size_t>& round,
                  std::vector<uint32_t>& codes);
  /// One statement committing `which` of `items` (distinct series).
  pg::queued commit_statement(const std::vector<commit_item>& items,
                              const std::vector<std::size_t>& which, int64_t incarnation) const;
  bool fenced_locally(uint64_t epoch, int64_t incarnation) const;

  pg_settings cfg_;
  std::shared_ptr<writer_identity> id_;
  std::unique_ptr<pg::connection> c_;
  int64_t purged_at_ms_ = 0;
  std::string last_failure_; ///< why the last connection attempt failed
};

} // namespace persistence
