#include "actors/store_backup.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace actors {

namespace {

struct store_backup_state {
  static inline const char* name = "store_backup";
  std::shared_ptr<persistence::store> db;
  std::string dir;
};

using self_ptr = store_backup_actor::stateful_pointer<store_backup_state>;

/// "models-20240131T120000Z.db", or with "-2", "-3"... when taken already.
std::string fresh_name(const std::string& dir) {
  auto now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::string base = std::string{"models-"} + stamp;
  std::string name = base + ".db";
  struct stat st {};
  for (int n = 2; ::stat((dir + "/" + name).c_str(), &st) == 0; ++n)
    name = base + "-" + std::to_string(n) + ".db";
  return name;
}

caf::result<backup_done> take_backup(self_ptr self) {
  auto& st = self->state;
  auto start = std::chrono::steady_clock::now();
  if (::mkdir(st.dir.c_str(), 0750) != 0 && errno != EEXIST)
    return make_error(server_error::store_failed,
                      "cannot create the backup directory " + st.dir + ": " + std::strerror(errno));
  auto name = fresh_name(st.dir);
  auto path = st.dir + "/" + name;
  auto written = st.db->backup_to(path);
  if (!written)
    return make_error(written.error().full ? server_error::no_space : server_error::store_failed,
                      written.detail());
  // The copy opens as a store: the count also proves it readable.
  auto copy = persistence::store::open(path, model::sync_mode::full, true);
  if (!copy)
    return make_error(server_error::store_failed, "the backup " + path + " cannot be read back: "
                                                    + copy.detail());
  auto series = copy.value()->series_count();
  if (!series)
    return make_error(server_error::store_failed, series.detail());
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  return backup_done{name, written.value(), series.value(), took.count()};
}

store_backup_actor::behavior_type store_backup(self_ptr self, std::shared_ptr<persistence::store> db,
                                               std::string dir) {
  self->state.db = std::move(db);
  self->state.dir = std::move(dir);
  return {
    [self](backup_atom) -> caf::result<backup_done> {
      try {
        return take_backup(self);
      } catch (const std::exception& e) {
        return make_error(server_error::store_failed, std::string{"backup failed: "} + e.what());
      }
    },
  };
}

} // namespace

store_backup_actor spawn_store_backup(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::string dir) {
  return sys.spawn<caf::detached>(store_backup, std::shared_ptr<persistence::store>{std::move(db)},
                                  std::move(dir));
}

void register_store_backup(caf::actor_system& sys, const store_backup_actor& actor) {
  sys.registry().put(caf::atom("backup"), caf::actor_cast<caf::strong_actor_ptr>(actor));
}

caf::strong_actor_ptr store_backup_of(caf::actor_system& sys) {
  return sys.registry().get(caf::atom("backup"));
}

void unregister_store_backup(caf::actor_system& sys) {
  sys.registry().erase(caf::atom("backup"));
}

} // namespace actors
