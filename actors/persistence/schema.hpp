// The store's schema and its upgrades: every older store file is brought to
// the current schema in place, at start-up, one transaction per step (a
// crash leaves the older schema, upgraded again at the next start). Used by
// persistence::store::open only; blocks on disk I/O.
#pragma once

#include <optional>
#include <string>

struct sqlite3;

namespace persistence::schema {

/// Schema 2 keeps the training points apart from the version rows; 3 adds
/// each version's detector and what it learned; 4 an online detector's
/// cooldown count; 5 keeps a detector's state as one opaque, versioned blob
/// (the model encodes and checks it; the store knows no layout) and each
/// series' cadence (when it last got a point, its typical interval); 6 keeps
/// the numbering of a series whose versions were all deleted one by one (its
/// next fit continues it: numbers are never reused); 7 the fits' idempotency
/// keys.
///
/// Space: a store is kept in auto_vacuum=INCREMENTAL mode, so the pages a
/// deletion frees go back to the file system in the deleting transaction. A
/// new file is created so; an older one is rewritten once (VACUUM) when it is
/// opened for writing. If that fails (it needs free space about the file's
/// size) the store opens anyway, freed pages are reused by later fits, and
/// the next start tries again.
constexpr int version = 7;

/// Brings a store of schema `from` (0: a new file) to `version`; fails with a
/// sentence saying which step failed and why.
std::optional<std::string> upgrade(sqlite3* db, int from);

} // namespace persistence::schema
