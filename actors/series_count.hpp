// The series count actor: answers (count_atom) with the number of series
// stored on every node of a cluster — this node's counter plus each peer
// link's answer (a peer that does not answer in time counts with the figure it
// last gave; see peer_link.hpp). /healthcheck asks it in a cluster, so that no
// HTTP thread waits on the peers.
//
//   loop --count--> series_count --count--> peer_link (each) --> other node
#pragma once

#include <memory>
#include <vector>

#include "actors/store_writer.hpp"

namespace actors {

/// Spawns the actor; `own->series` is this node's count.
caf::actor spawn_series_count(caf::actor_system& sys, std::vector<caf::actor> links,
                              std::shared_ptr<store_counters> own);

} // namespace actors
