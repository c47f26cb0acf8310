// The PostgreSQL store's schema and its upgrades, created and migrated at
// start-up by the first connection that opens the store (concurrent starts
// wait on an advisory lock; each step is one transaction). Used by
// persistence::pg_store::open only; blocks on the network.
#pragma once

#include <optional>
#include <string>

#include "actors/persistence/pg_conn.hpp"

namespace persistence::pg_schema {

/// Schema 1: series (with their ownership row: owner, incarnation, epoch),
/// versions (with the epoch and node that wrote each), points, fit keys,
/// members and their events, and the server-side functions the cluster uses
/// (ms_join, ms_renew, ms_claim, ms_release).
constexpr int version = 1;

/// Brings the database to `version`; fails with a sentence saying why (a
/// database of a newer schema is refused).
std::optional<std::string> upgrade(pg::connection& c, pg::millis timeout);

} // namespace persistence::pg_schema
