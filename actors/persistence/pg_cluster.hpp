// The cluster's tables in PostgreSQL, as one connection sees them: members
// (join, renew a lease, evict, read the live set) and series ownership (claim
// with a fresh epoch, release). Each call is one round trip to a server-side
// function (pg_schema.cpp) and is bounded by `pg_settings::timeout`; a broken
// connection is reopened at the next call. Used by one thread at a time (the
// membership and ownership actors each own one). No CAF.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/persistence/pg_store.hpp"

namespace persistence {

/// One live member, as the database sees it now.
struct member_row {
  std::string node;          ///< its cluster.self
  std::string http;          ///< its HTTP address, for clients
  int64_t incarnation = 0;
  int64_t age_ms = 0;        ///< since it joined
  int64_t expires_in_ms = 0; ///< until its lease runs out (negative: overdue)
};

/// A claim's outcome for one series: the epoch to write with, or the live
/// member holding it (epoch 0).
struct claim_row {
  std::string id;
  int64_t epoch = 0;
  std::string holder;
  bool fresh = false; ///< the series has no row yet: nothing to load
};

class cluster_table {
public:
  static expected<std::unique_ptr<cluster_table>, store_failure> open(const pg_settings& cfg);

  /// Registers `node` (HTTP address `http`) with a new incarnation, replacing
  /// any earlier one of the same node. Answers (incarnation, epoch floor).
  expected<std::pair<int64_t, int64_t>, store_failure> join(const std::string& node,
                                                            const std::string& http);

  /// Writes this incarnation's heartbeat and, when `may_evict`, deletes the
  /// members whose heartbeat is older than `lease_ms`. Answers the live
  /// members, or nothing when this incarnation was evicted.
  expected<std::optional<std::vector<member_row>>, store_failure>
  renew(const std::string& node, int64_t incarnation, int64_t lease_ms, bool may_evict);

  /// Leaves the cluster: deletes this incarnation's members row, so that the
  /// others take its series over at once instead of after its lease.
  expected<bool, store_failure> leave(const std::string& node, int64_t incarnation);

  /// Claims `ids` for this incarnation (fails when it is not a member).
  expected<std::vector<claim_row>, store_failure> claim(const std::vector<std::string>& ids,
                                                        const std::string& node,
                                                        int64_t incarnation);

  /// Releases `ids` where their epoch is still the one given (anyone may
  /// claim them at once).
  expected<bool, store_failure> release(const std::vector<std::string>& ids,
                                        const std::vector<int64_t>& epochs);

  /// Series with at least one version, over the whole cluster.
  expected<uint64_t, store_failure> series_count();

private:
  explicit cluster_table(pg_settings cfg) : cfg_(std::move(cfg)) {}
  std::pair<pg::result, std::optional<std::string>> call(const std::string& name,
                                                         const pg::params& args);

  pg_settings cfg_;
  std::unique_ptr<pg::connection> c_;
};

} // namespace persistence
