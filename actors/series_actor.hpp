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
// as soon as its last commit is answered; everything it owns is in the store.
#pragma once

#include <chrono>
#include <cstddef>
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
  caf::reacts_to<passivate_atom>>;

/// What a series actor needs besides its id.
struct series_settings {
  std::size_t min_training_points = 3; ///< fewer points are rejected (422)
  store_writer_actor writer;
  store_reader_actor reader;
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
};

/// Spawns the actor owning `id`; `id` must already be valid.
series_actor spawn_series(caf::actor_system& sys, std::string id, const series_settings& cfg);

} // namespace actors
