// The series actor: owns one series' model versions and answers its fits and
// predicts itself. Exactly one exists per active series (its router shard
// makes sure of that), so fits on one series are serialised without locks.
//
//   router_shard --fit/predict/plot/list--> series_actor --commit--> store_writer
//                                               |  (first message) load / points
//                                               v
//                                          store_reader
//
// On start it loads the series' versions and its cadence (when its last point
// came, its typical interval) from the store and handles nothing else until
// they are in. A fit is answered only after the store committed it.
// `passivate` (from its shard, which then sends it nothing more) makes it exit
// once its last commit is answered and its last checkpoint is stored, so a new
// actor for the series never loads an older state. With `park` set it then
// hands that state (versions and cadence) to its shard, which keeps it without
// an actor and gives it to the series' next actor in place of a load.
// `flush` (at shutdown) answers once its checkpoint is stored.
// (delete, version, idle_before_ms, deadline_ms) deletes one version, or the
// whole series when `version` is 0, through the writer; the series handles
// nothing else until the store answered. With `idle_before_ms` (time to
// live) the series is deleted only if it has had no fit or predict since
// then; otherwise nothing is deleted and the answer is 0.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>
#include <string>

#include "actors/messages.hpp"
#include "actors/store_reader.hpp"
#include "actors/store_writer.hpp"

namespace actors {

using series_actor = caf::typed_actor<
  caf::replies_to<fit_atom, model::training_data, model::detector_spec, int64_t,
                  std::string>::with<model::version_record>,
  caf::replies_to<predict_atom, std::string, predict_query>::with<prediction>,
  caf::replies_to<batch_atom, std::string, batch_query>::with<prediction_list>,
  caf::replies_to<plot_atom, uint32_t>::with<version_points>,
  caf::replies_to<list_atom, uint32_t, uint32_t>::with<version_page>,
  caf::replies_to<delete_atom, uint32_t, int64_t, int64_t>::with<uint32_t>,
  caf::replies_to<flush_atom>::with<bool>,
  caf::reacts_to<passivate_atom, bool>>;

/// What a series actor tells its router shard (a part of the shard's interface).
using shard_notices = caf::typed_actor<caf::reacts_to<loaded_atom, std::string, bool>,
                                       caf::reacts_to<touch_atom, std::string>,
                                       caf::reacts_to<passivate_atom, std::string, version_page>>;

/// What the series actors of one router shard share (one copy per shard).
struct series_settings {
  std::size_t min_training_points = 3; ///< fewer points are rejected (422)
  store_writer_actor writer;
  std::vector<store_reader_actor> readers; ///< a series loads from readers[hash(id) % size]
  /// Its router shard: told when a series has loaded (with or without
  /// versions), and touched at most once a second by a series in use, since
  /// the event loops may ask a series actor directly, past the shard.
  caf::actor_addr shard;
  /// An online detector's learning is saved (checkpointed) after this many
  /// points, or at the first point after `checkpoint_interval`, and when the
  /// series is passivated.
  std::size_t checkpoint_points = 100;
  std::chrono::milliseconds checkpoint_interval{5000};
  /// The detector of fits that name none (server.default-detector).
  model::detector_spec default_detector;
  /// With a shared store (PostgreSQL): the ownership actor, asked for the
  /// series' epoch before anything is loaded (actors/ownership.hpp); every
  /// write carries it. Null otherwise.
  caf::actor ownership;
  /// Versions kept per series (store.max-versions-per-series; 0: all). The
  /// store prunes the oldest in the fit's transaction; the actor follows.
  std::size_t max_versions = 0;
};

/// Spawns the actor owning `id`; `id` must already be valid. `parked`: the
/// state the series' previous actor handed to the shard (then nothing is
/// loaded), or null.
series_actor spawn_series(caf::actor_system& sys, std::string id,
                          std::shared_ptr<const series_settings> cfg,
                          std::shared_ptr<version_page> parked = nullptr);

} // namespace actors
