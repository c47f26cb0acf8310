#include <doctest/doctest.h>

#include <future>

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
