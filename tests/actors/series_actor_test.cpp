#include <doctest/doctest.h>

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
    return ask<model::version_record>(id, fit_atom::value, id, std::move(d), int64_t{0});
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
  auto list = f.ask<version_list>("p", list_atom::value, std::string{"p"}, uint32_t{0},
                                  uint32_t{1000});
  REQUIRE(list);
  CHECK(list->size() == 1);
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
