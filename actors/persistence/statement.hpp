// Small helpers for SQLite statements, shared by the store's units
// (sqlite_store.cpp, lifecycle.cpp). Internal to persistence.
#pragma once

#include <string>

#include <sqlite3.h>

namespace persistence {

/// Resets a statement and clears its bindings when the scope ends.
struct stmt_guard {
  sqlite3_stmt* s;
  ~stmt_guard() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

inline void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

} // namespace persistence
