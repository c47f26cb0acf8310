// Deletion through the router shards and series actors with the real store:
// ordering against fits in flight, and the conditional delete of expiry.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include "actors/system.hpp"
#include "tests/actor_support.hpp"

using namespace actors;

namespace {

struct fixture {
  testing::temp_dir dir;
  testing::actor_test_config cfg;
  caf::actor_system sys{cfg};
  runtime rt;

  fixture() { boot(); }
  ~fixture() { stop(rt); }

  void boot() {
    actors_settings s;
    s.store_path = dir.path + "/m.db";
    s.backup_dir = dir.path + "/backups";
    auto started = start(sys, s);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.detail()));
    rt = std::move(started.value());
  }

  void restart() {
    stop(rt);
    boot();
  }

  template <class T, class... Ts>
  caf::expected<T> ask(const std::string& id, Ts&&... xs) {
    caf::scoped_actor self{sys};
    caf::expected<T> out{caf::sec::unexpected_message};
    self->request(rt.router->shard_for(id), std::chrono::seconds(30), std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  caf::message fit_msg(const std::string& id, double base) {
    return caf::make_message(fit_atom::value, id, sample(base), model::detector_spec{}, int64_t{0}, std::string{});
  }

  static model::training_data sample(double base) {
    return {{1, 2, 3, 4}, {base, base + 1, base - 1, base + 0.5}};
  }

  caf::expected<uint32_t> erase(const std::string& id, uint32_t version, int64_t idle_before = 0) {
    return ask<uint32_t>(id, delete_atom::value, id, version, idle_before, int64_t{0});
  }

  version_list listed(const std::string& id) {
    auto page = ask<version_page>(id, list_atom::value, id, uint32_t{0}, uint32_t{1000});
    return page ? page->versions : version_list{};
  }
};

} // namespace

TEST_CASE("deletion: a fit in flight before a whole-series delete goes with it; a fit after it is version 1") {
  fixture f;
  REQUIRE(f.ask<model::version_record>("s", fit_atom::value, std::string{"s"},
                                       fixture::sample(1), model::detector_spec{}, int64_t{0}, std::string{}));
  // The first fit waits in the writer on a held write lock while the delete
  // and the second fit queue behind it.
  sqlite3* lock = nullptr;
  REQUIRE(sqlite3_open((f.dir.path + "/m.db").c_str(), &lock) == SQLITE_OK);
  sqlite3_busy_timeout(lock, 5000);
  REQUIRE(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  caf::scoped_actor self{f.sys};
  const auto& shard = f.rt.router->shard_for("s");
  self->send(shard, fit_atom::value, std::string{"s"}, fixture::sample(10), model::detector_spec{},
             int64_t{0}, std::string{});
  self->send(shard, delete_atom::value, std::string{"s"}, uint32_t{0}, int64_t{0}, int64_t{0});
  self->send(shard, fit_atom::value, std::string{"s"}, fixture::sample(100),
             model::detector_spec{}, int64_t{0}, std::string{});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(lock);
  std::vector<uint32_t> fitted;
  std::vector<uint32_t> deleted;
  int answers = 0;
  self->receive_for(answers, 3)(
    [&](model::version_record& r) { fitted.push_back(r.version); },
    [&](uint32_t n) { deleted.push_back(n); },
    [&](caf::error& e) { FAIL("unexpected error: ", caf::to_string(e)); },
    caf::after(std::chrono::seconds(30)) >> [] { FAIL("no answer within 30 s"); });
  CHECK(fitted == std::vector<uint32_t>{2, 1}); // the first fit was version 2, then deleted
  CHECK(deleted == std::vector<uint32_t>{2});
  auto left = f.listed("s");
  REQUIRE(left.size() == 1);
  CHECK(left[0].version == 1);
  CHECK(left[0].stats.mean == doctest::Approx(100.125));
  CHECK(f.rt.counters->series == 1);
  CHECK(f.rt.counters->series_deleted == 1);
}

TEST_CASE("deletion: expiry deletes only a series unused since the cutoff") {
  fixture f;
  REQUIRE(f.ask<model::version_record>("e", fit_atom::value, std::string{"e"},
                                       fixture::sample(1), model::detector_spec{}, int64_t{0}, std::string{}));
  auto fitted_at = unix_ms_now();
  // Used after the cutoff (its fit): nothing deleted.
  auto kept = f.erase("e", 0, fitted_at - 60000);
  REQUIRE(kept);
  CHECK(*kept == 0);
  CHECK(f.listed("e").size() == 1);
  // Not used since a cutoff after its fit: deleted.
  auto gone = f.erase("e", 0, unix_ms_now() + 1000);
  REQUIRE(gone);
  CHECK(*gone == 1);
  CHECK(f.listed("e").empty());
  auto again = f.erase("e", 0);
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == static_cast<uint8_t>(server_error::not_found));
}

TEST_CASE("deletion: a version that does not exist is not_found; the others stay") {
  fixture f;
  for (int i = 0; i < 3; ++i)
    REQUIRE(f.ask<model::version_record>("v", fit_atom::value, std::string{"v"},
                                         fixture::sample(i + 1), model::detector_spec{},
                                         int64_t{0}, std::string{}));
  REQUIRE(f.erase("v", 2));
  auto missing = f.erase("v", 2);
  REQUIRE_FALSE(missing);
  CHECK(error_detail(missing.error()) == "version 2 of series v does not exist");
  auto left = f.listed("v");
  REQUIRE(left.size() == 2);
  CHECK(left[0].version == 1);
  CHECK(left[1].version == 3);
  auto p = f.ask<prediction>("v", predict_atom::value, std::string{"v"}, predict_query{0, 1.0, 3});
  REQUIRE(p);
  CHECK(p->version == 3);
}

TEST_CASE("deletion: after a restart, deleting a series whose versions were all deleted one by "
          "one still resets its numbering") {
  fixture f;
  auto fit = [&f](double base) {
    return f.ask<model::version_record>("n", fit_atom::value, std::string{"n"},
                                        fixture::sample(base), model::detector_spec{}, int64_t{0},
                                        std::string{});
  };
  REQUIRE(fit(1));
  REQUIRE(fit(2));
  REQUIRE(f.erase("n", 1));
  REQUIRE(f.erase("n", 2));
  f.restart(); // the series now has a numbering and no versions
  auto gone = f.erase("n", 0);
  REQUIRE_MESSAGE(gone, (gone ? "" : error_detail(gone.error())));
  CHECK(*gone == 0);
  auto v = fit(3);
  REQUIRE(v);
  CHECK(v->version == 1);
}
