#include "actors/store_reader.hpp"

namespace actors {

namespace {

struct store_reader_state {
  static inline const char* name = "store_reader";
  std::shared_ptr<persistence::store> db;
  int64_t cadence_lag_ms = 0;
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

store_reader_actor::behavior_type store_reader(self_ptr self, std::shared_ptr<persistence::store> db,
                                               int64_t cadence_lag_ms) {
  self->state.db = std::move(db);
  self->state.cadence_lag_ms = cadence_lag_ms;
  return {
    [self](expire_atom, int64_t cutoff_ms, const std::string& after,
           uint32_t limit) -> caf::result<series_ids> {
      return guarded<series_ids>([&]() -> caf::result<series_ids> {
        auto result = self->state.db->expired(cutoff_ms, after, limit);
        if (!result)
          return read_failure(result.detail());
        return std::move(result.value());
      });
    },
    [self](load_atom, const std::string& id) -> caf::result<version_page> {
      return guarded<version_page>([&]() -> caf::result<version_page> {
        auto versions = self->state.db->versions(id);
        if (!versions)
          return read_failure(versions.detail());
        version_page out{std::move(versions.value()), {}};
        if (out.versions.empty())
          return out; // never trained: no cadence either
        auto seen = self->state.db->cadence(id);
        if (!seen)
          return read_failure(seen.detail());
        out.seen = seen.value().value_or(model::series_liveness{});
        return out;
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
    [self](cadence_atom, const std::string& id) -> caf::result<model::series_liveness> {
      return guarded<model::series_liveness>([&]() -> caf::result<model::series_liveness> {
        auto result = self->state.db->cadence(id);
        if (!result)
          return read_failure(result.detail());
        return result.value().value_or(model::series_liveness{});
      });
    },
    [self](silent_atom, const silent_query& q) -> caf::result<liveness_list> {
      return guarded<liveness_list>([&]() -> caf::result<liveness_list> {
        auto slack = std::max(q.slack_ms, self->state.cadence_lag_ms);
        auto result = self->state.db->silent(q.now_ms, q.factor, slack, q.after, q.limit);
        if (!result)
          return read_failure(result.detail());
        return std::move(result.value());
      });
    },
  };
}

} // namespace

store_reader_actor spawn_store_reader(caf::actor_system& sys, std::unique_ptr<persistence::store> db,
                                      std::chrono::milliseconds cadence_lag) {
  return sys.spawn<caf::detached>(store_reader, std::shared_ptr<persistence::store>{std::move(db)},
                                  static_cast<int64_t>(cadence_lag.count()));
}

void register_liveness_reader(caf::actor_system& sys, const store_reader_actor& reader) {
  sys.registry().put(caf::atom("reader"), caf::actor_cast<caf::strong_actor_ptr>(reader));
}

caf::strong_actor_ptr liveness_reader(caf::actor_system& sys) {
  return sys.registry().get(caf::atom("reader"));
}

} // namespace actors
