#include <doctest/doctest.h>

#include <sqlite3.h>

#include <future>
#include <thread>

#include "actors/system.hpp"
#include "tests/actor_support.hpp"

using namespace actors;

namespace {

/// An actor system with the real store in a temp dir, driven by a scoped actor.
struct actor_fixture {
  testing::temp_dir dir;
  testing::actor_test_config cfg;
  caf::actor_system sys{cfg};
  runtime rt;

  actor_fixture() { boot(); }
  ~actor_fixture() { stop(rt); }

  void boot() {
    actors_settings s;
    s.store_path = dir.path + "/m.db";
    auto started = start(sys, s);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.detail()));
    rt = std::move(started.value());
  }

  template <class T, class... Ts>
  caf::expected<T> ask(const std::string& id, Ts&&... xs) {
    caf::scoped_actor self{sys};
    caf::expected<T> out{caf::sec::unexpected_message};
    self->request(rt.router->shard_for(id), std::chrono::seconds(30), std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  caf::expected<model::version_record> fit(const std::string& id, model::training_data d) {
    return ask<model::version_record>(id, fit_atom::value, id, std::move(d),
                                    model::detector_spec{}, int64_t{0}, std::string{});
  }
};

model::training_data sample(double base = 10) {
  return {{1, 2, 3, 4}, {base, base + 1, base - 1, base + 0.5}};
}

} // namespace

TEST_CASE("series actor: fit creates consecutive versions; predict uses the one asked for") {
  actor_fixture f;
  auto v1 = f.fit("s", sample(10));
  REQUIRE(v1);
  CHECK(v1->version == 1);
  CHECK(v1->stats.points_used == 4);
  auto v2 = f.fit("s", sample(100));
  REQUIRE(v2);
  CHECK(v2->version == 2);
  auto p1 = f.ask<prediction>("s", predict_atom::value, std::string{"s"},
                              predict_query{0, 50.0, 1});
  REQUIRE(p1);
  CHECK(p1->anomaly);
  CHECK(p1->version == 1);
  auto latest = f.ask<prediction>("s", predict_atom::value, std::string{"s"},
                                  predict_query{0, 50.0, 0});
  REQUIRE(latest);
  CHECK_FALSE(latest->anomaly);
  CHECK(latest->version == 2);
  CHECK(f.rt.counters->series == 1);
}

TEST_CASE("series actor: errors are values with a detail") {
  actor_fixture f;
  auto bad = f.fit("s", {{1, 2, 3}, {1, 1, 1}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == make_error(server_error::invalid_input, "values must not all be equal"));
  auto missing = f.ask<prediction>("nope", predict_atom::value, std::string{"nope"},
                                   predict_query{0, 1.0, 0});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == static_cast<uint8_t>(server_error::not_found));
  CHECK(error_detail(missing.error()) == "series nope has not been trained");
  REQUIRE(f.fit("s", sample()));
  auto no_version = f.ask<prediction>("s", predict_atom::value, std::string{"s"},
                                      predict_query{0, 1.0, 2});
  REQUIRE_FALSE(no_version);
  CHECK(error_detail(no_version.error()) == "version 2 of series s does not exist");
}

TEST_CASE("series actor: plot and list answer the stored version and its points") {
  actor_fixture f;
  REQUIRE(f.fit("p", sample(5)));
  auto vp = f.ask<version_points>("p", plot_atom::value, std::string{"p"}, uint32_t{0});
  REQUIRE(vp);
  CHECK(vp->record.version == 1);
  CHECK(vp->data.values == sample(5).values);
  auto page = f.ask<version_page>("p", list_atom::value, std::string{"p"}, uint32_t{0},
                                  uint32_t{1000});
  REQUIRE(page);
  CHECK(page->versions.size() == 1);
  CHECK(page->seen.series_id == "p");
}

TEST_CASE("series actor: versions survive a restart of the actor system's actors") {
  actor_fixture f;
  REQUIRE(f.fit("r", sample(1)));
  REQUIRE(f.fit("r", sample(2)));
  stop(f.rt);
  f.boot(); // new shards, new series actors, same store file
  CHECK(f.rt.counters->series == 1);
  auto v3 = f.fit("r", sample(3));
  REQUIRE(v3);
  CHECK(v3->version == 3);
  auto p = f.ask<prediction>("r", predict_atom::value, std::string{"r"}, predict_query{0, 0, 2});
  REQUIRE(p);
  CHECK(p->version == 2);
}

TEST_CASE("series actor: the ids stored before a start are known (past a page of 10,000); an id "
          "never stored costs no actor, and a fit on one needs no load") {
  actor_fixture f;
  stop(f.rt);
  {
    auto db = persistence::store::open(f.dir.path + "/m.db", model::sync_mode::normal, false);
    REQUIRE(db.ok());
    std::vector<model::commit_item> items;
    for (int i = 0; i < 10050; ++i)
      items.push_back({"k" + std::to_string(i), {0, {4, 10, 1}, 0, {}, {}}, sample()});
    REQUIRE(db.value()->commit(items).ok());
  }
  f.boot();
  CHECK(f.rt.counters->series == 10050);
  for (const char* id : {"k0", "k5000", "k9999", "k10049"}) {
    auto p = f.ask<prediction>(id, predict_atom::value, std::string{id}, predict_query{0, 10, 0});
    REQUIRE_MESSAGE(p, id);
    CHECK(p->version == 1);
  }
  auto started = f.rt.series->activations.load();
  auto missing = f.ask<prediction>("never", predict_atom::value, std::string{"never"},
                                   predict_query{0, 1.0, 0});
  REQUIRE_FALSE(missing);
  CHECK(error_detail(missing.error()) == "series never has not been trained");
  auto listed = f.ask<version_page>("never", list_atom::value, std::string{"never"}, uint32_t{0},
                                    uint32_t{10});
  REQUIRE_FALSE(listed);
  CHECK(listed.error().code() == static_cast<uint8_t>(server_error::not_found));
  CHECK(f.rt.series->activations.load() == started); // no actor for either
  auto loads = f.rt.series->loads.load();
  CHECK(loads == 4); // the four stored series above
  auto v1 = f.fit("fresh", sample(3));
  REQUIRE(v1);
  CHECK(v1->version == 1);
  CHECK(f.rt.series->loads.load() == loads); // started empty
  auto p = f.ask<prediction>("fresh", predict_atom::value, std::string{"fresh"},
                             predict_query{0, 3, 0});
  REQUIRE(p);
  CHECK(p->version == 1);
  CHECK(f.rt.counters->series == 10051);
}

TEST_CASE("series actor: a writer that dies holding fits gets them answered, not lost") {
  actor_fixture f;
  REQUIRE(f.fit("w", sample()));
  // Fit A waits inside the writer's transaction on a held write lock; fit B's
  // commit queues behind it. An exit request queued after B (normal priority)
  // makes the writer die right after it took B into its next batch: it holds
  // B's promise when it dies.
  sqlite3* lock = nullptr;
  REQUIRE(sqlite3_open((f.dir.path + "/m.db").c_str(), &lock) == SQLITE_OK);
  sqlite3_busy_timeout(lock, 5000); // the fit's cadence checkpoint may be writing
  REQUIRE(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto a = std::async(std::launch::async, [&f] { return f.fit("w", sample(20)); });
  for (int i = 0; i < 3000 && f.rt.counters->committing.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(f.rt.counters->committing.load() == 1); // A is inside the transaction
  auto b = std::async(std::launch::async, [&f] { return f.fit("w", sample(30)); });
  // B's commit most likely reaches the writer's mailbox before the exit
  // request; if it comes after, the dead writer bounces it: either way B gets
  // an error at once, which is what is checked.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  caf::anon_send(caf::actor_cast<caf::actor>(f.rt.writer),
                 caf::exit_msg{caf::actor_addr{}, caf::exit_reason::kill});
  sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(lock);
  auto ra = a.get();
  auto rb = b.get();
  CHECK(ra); // A committed before the writer died
  REQUIRE_FALSE(rb);
  // B is answered with an error at once, not left until the 30 s ask timeout.
  CHECK(rb.error() != caf::make_error(caf::sec::request_timeout));
  MESSAGE("fit held by the dead writer answered: ", caf::to_string(rb.error()));
  for (int i = 0; i < 3000 && !f.rt.counters->down; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(f.rt.counters->down); // readiness turns 503; main stops with status 4
  auto later = f.fit("w", sample(40));
  REQUIRE_FALSE(later);
  CHECK(later.error() != caf::make_error(caf::sec::request_timeout));
  auto fresh = f.fit("new", sample(40)); // a series activated after the death
  CHECK_FALSE(fresh);
}
