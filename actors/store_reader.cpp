#include "actors/store_reader.hpp"

namespace actors {

namespace {

struct store_reader_state {
  static inline const char* name = "store_reader";
  std::shared_ptr<persistence::store> db;
};

using self_ptr = store_reader_actor::stateful_pointer<store_reader_state>;

caf::error read_failure(const std::string& detail) {
  return make_error(server_error::store_failed, "the store could not be read: " + detail);
}

/// Runs `read`; an exception (bad_alloc for a huge version, say) becomes a
/// store_failed answer, so the reader never dies holding a request.
template <class T, class F>
caf::result<T> guarded(F read) {
  try {
    return read();
  } catch (const std::exception& e) {
    return read_failure(e.what());
  }
}

store_reader_actor::behavior_type store_reader(self_ptr self, std::shared_ptr<persistence::store> db) {
  self->state.db = std::move(db);
  return {
    [self](load_atom, const std::string& id) -> caf::result<version_list> {
      return guarded<version_list>([&]() -> caf::result<version_list> {
        auto result = self->state.db->versions(id);
        if (!result)
          return read_failure(result.detail());
        return std::move(result.value());
      });
    },
    [self](points_atom, const std::string& id,
           uint32_t version) -> caf::result<model::training_data> {
      return guarded<model::training_data>([&]() -> caf::result<model::training_data> {
        auto result = self->state.db->points(id, version);
        if (!result)
          return read_failure(result.detail());
        if (!result.value())
          return make_error(server_error::not_found, "version " + std::to_string(version)
                                                       + " of series " + id + " does not exist");
        return std::move(*result.value());
      });
    },
  };
}

} // namespace

store_reader_actor spawn_store_reader(caf::actor_system& sys, std::unique_ptr<persistence::store> db) {
  return sys.spawn<caf::detached>(store_reader, std::shared_ptr<persistence::store>{std::move(db)});
}

} // namespace actors
