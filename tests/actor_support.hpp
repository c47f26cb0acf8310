// Fixtures for actor tests: an actor system config with the server's message
// types, and temporary directories. Links the actors layer only.
#pragma once

#include <caf/actor_system_config.hpp>

#include "actors/messages.hpp"
#include "tests/temp_dir.hpp"

namespace testing {

/// The config every actor test's system uses: types registered, 2 threads.
struct actor_test_config : caf::actor_system_config {
  actor_test_config() {
    set("scheduler.max-threads", 2);
    add_message_types<caf::id_block::model_server>();
  }
};

} // namespace testing
