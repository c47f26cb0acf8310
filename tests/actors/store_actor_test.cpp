#include <doctest/doctest.h>

#include <future>

#include "actors/bridge.hpp"
#include "actors/system.hpp"
#include "tests/actor_support.hpp"

using namespace actors;

namespace {

/// A store writer on a fresh store, and a way to commit to it and wait.
struct writer_fixture {
  testing::temp_dir dir;
  testing::actor_test_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<store_counters> counters = std::make_shared<store_counters>();
  store_writer_actor writer;

  writer_fixture(model::sync_mode sync, std::size_t max_batch_bytes) {
    auto db = persistence::store::open(dir.path + "/m.db", sync, false);
    REQUIRE(db.ok());
    writer = spawn_store_writer(sys, std::move(db.value()), 64, counters, max_batch_bytes);
  }
  ~writer_fixture() { caf::anon_send_exit(writer, caf::exit_reason::user_shutdown); }

  /// Sends a first version of each of `n` series, all at once, and waits for
  /// every answer (each must be version 1).
  void commit_all(int n, const model::training_data& data) {
    caf::scoped_actor self{sys};
    for (int i = 0; i < n; ++i)
      self->send(writer, commit_atom::value,
                 model::commit_item{"s" + std::to_string(i),
                                    {0, {static_cast<uint32_t>(data.values.size()), 1, 1}, 0, {}, {}},
                                    data},
                 int64_t{0});
    int stored = 0;
    self->receive_for(stored, n)([&](uint32_t version) { CHECK(version == 1); },
                                 caf::after(std::chrono::seconds(60)) >> [&] {
                                   FAIL("the writer did not answer every commit within 60 s");
                                 });
  }
};

} // namespace

TEST_CASE("store writer: concurrent commits are grouped into few transactions") {
  writer_fixture f{model::sync_mode::full, std::size_t{64} << 20};
  constexpr int n = 200;
  f.commit_all(n, {{1, 2, 3}, {0, 1, 2}});
  CHECK(f.counters->versions == n);
  CHECK(f.counters->series == n);
  // 200 commits sent at once are grouped: far fewer transactions than commits
  // (each transaction syncs to disk, while the sends take microseconds), and
  // no more than 64 per transaction.
  MESSAGE(n, " commits in ", f.counters->batches.load(), " transactions");
  CHECK(f.counters->batches >= 4);
  CHECK(f.counters->batches <= n / 4);
}

TEST_CASE("store writer: a transaction is capped in bytes as well as in count") {
  // 1 MiB per transaction; each fit carries 40,000 points (640,000 bytes).
  writer_fixture f{model::sync_mode::normal, 1u << 20};
  model::training_data big;
  for (int i = 0; i < 40000; ++i) {
    big.timestamps.push_back(i);
    big.values.push_back(i % 5);
  }
  constexpr int n = 6;
  f.commit_all(n, big);
  CHECK(f.counters->versions == n);
  CHECK(f.counters->batches == n); // two of them would pass 1 MiB: one per transaction
}

TEST_CASE("bridge: a blocking thread gets replies and errors; late replies are dropped") {
  testing::actor_test_config cfg;
  caf::actor_system sys{cfg};
  // The delay is a parameter on purpose: CAF 0.17.6 dereferences a null
  // shared_ptr<tuple<>> when a function-based actor takes no arguments
  // (init_fun_factory.hpp:85, found by UBSan); every production actor has some.
  auto slow_reply = std::chrono::milliseconds(200);
  auto delivered = std::make_shared<std::promise<void>>();
  auto late_delivered = delivered->get_future();
  auto echo = sys.spawn([](caf::event_based_actor* self, std::chrono::milliseconds delay,
                           std::shared_ptr<std::promise<void>> delivered) -> caf::behavior {
    auto pending = std::make_shared<caf::response_promise>();
    return {
      [](int x) -> caf::result<int> {
        if (x < 0)
          return make_error(server_error::invalid_input, "negative");
        return x * 2;
      },
      [self, pending, delay](const std::string&) -> caf::result<int> {
        *pending = self->make_response_promise();
        self->delayed_send(self, delay, caf::atom("late"));
        return caf::delegated<int>{};
      },
      [pending, delivered](caf::atom_value) {
        pending->deliver(7);
        delivered->set_value(); // the late reply is now at the bridge
      },
    };
  }, slow_reply, delivered);
  {
    bridge b{sys};
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(echo);
    auto r = b.ask(dest, caf::make_message(21), std::chrono::seconds(5));
    REQUIRE(r);
    CHECK(r->get_as<int>(0) == 42);
    auto e = b.ask(dest, caf::make_message(-1), std::chrono::seconds(5));
    REQUIRE(e);
    REQUIRE(e->match_elements<caf::error>());
    CHECK(error_detail(e->get_as<caf::error>(0)) == "negative");
    auto timed_out = b.ask(dest, caf::make_message(std::string{"slow"}),
                           std::chrono::milliseconds(20));
    CHECK_FALSE(timed_out);
    // Once the late reply (7) has reached the bridge, the next question must
    // get its own answer (2): the late one was dropped, not kept for it.
    REQUIRE(late_delivered.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto after = b.ask(dest, caf::make_message(1), std::chrono::seconds(5));
    REQUIRE(after);
    CHECK(after->get_as<int>(0) == 2);
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}
