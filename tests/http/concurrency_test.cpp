#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <set>

#include "tests/support.hpp"

TEST_CASE("concurrency: 20 parallel fits of one series get 20 distinct consecutive versions") {
  testing::live_server server;
  std::vector<std::future<std::pair<int, std::string>>> calls;
  for (int i = 0; i < 20; ++i)
    calls.push_back(std::async(std::launch::async, [&server, i] {
      auto r = server.client().Post("/fit/shared", testing::fit_body(6, i), "application/json");
      return r ? std::make_pair(r->status, r->body) : std::make_pair(-1, std::string{});
    }));
  std::set<int> versions;
  for (auto& f : calls) {
    auto [status, body] = f.get();
    REQUIRE(status == 200);
    versions.insert(testing::version_in(body));
  }
  CHECK(versions.size() == 20);
  CHECK(*versions.begin() == 1);
  CHECK(*versions.rbegin() == 20);
}

TEST_CASE("concurrency: 100 series fitted in parallel all succeed and all predict") {
  testing::live_server server;
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 100; ++i)
    calls.push_back(std::async(std::launch::async, [&server, i] {
      auto c = server.client();
      auto id = "/s" + std::to_string(i);
      auto fit = c.Post(("/fit" + id).c_str(), testing::fit_body(6, 10 + i % 5),
                        "application/json");
      if (!fit || fit->status != 200)
        return fit ? fit->status : -1;
      auto p = c.Post(("/predict" + id + "?version=1").c_str(),
                      R"({"timestamp":"1705001000","value":10.5})", "application/json");
      return p ? p->status : -1;
    }));
  int ok = 0;
  for (auto& f : calls)
    ok += f.get() == 200;
  CHECK(ok == 100);
  auto h = testing::answer(server.client().Get("/healthcheck"));
  CHECK(h.body.find(R"("series_trained":100)") != std::string::npos);
}
