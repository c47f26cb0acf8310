// Overload checks that the plain and the TLS front-end tests both run, on a
// live server `s` (anything with `client()`) whose SQLite store is the file
// `store`: fits stalled on a locked store, and the in-flight bytes budget.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "tests/support.hpp"

namespace testing {

/// With max-in-flight-fits 3 and one loop: three fits wait on the locked
/// store, a fourth gets 503 with Retry-After, predicts on the same
/// connection go on meanwhile, and the three are stored once it is free.
template <class Server>
void check_stalled_fits(Server& s, const std::string& store) {
  const char* const json = "application/json";
  const std::string predict = R"({"timestamp":"1","value":1})";
  REQUIRE(status_of(s.client().Post("/fit/good", fit_body(), json)) == 200);
  store_lock lock{store};
  std::vector<std::future<int>> fits;
  for (int i = 0; i < 3; ++i)
    fits.push_back(std::async(std::launch::async, [&s, json] {
      return status_of(s.client().Post("/fit/good", fit_body(), json));
    }));
  auto c = s.client();
  REQUIRE(wait_for_in_flight(c, 3));
  c.set_keep_alive(true);
  auto refused = answer(c.Post("/fit/good", fit_body(), json));
  CHECK(refused.status == 503);
  CHECK(refused.has_header("Retry-After"));
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    CHECK(answer(c.Post("/predict/good", predict, json)).status == 200);
    if (i == 0)
      MESSAGE("predict while fits are stalled: ",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count(),
              " ms");
  }
  for (auto& f : fits)
    CHECK(f.wait_for(std::chrono::seconds(0)) != std::future_status::ready); // still stalled
  CHECK(answer(c.Get("/health/live")).status == 200); // never refused
  lock.release();
  for (auto& f : fits)
    CHECK(f.get() == 200);
}

/// With max-in-flight-bytes 64 KiB: one ~40 KB fit held by the locked store
/// leaves no room for a second (503, Retry-After 1), a small predict still
/// passes, and the budget is free again once the first is stored.
template <class Server>
void check_in_flight_bytes(Server& s, const std::string& store) {
  const char* const json = "application/json";
  const std::string predict = R"({"timestamp":"1","value":1})";
  REQUIRE(status_of(s.client().Post("/fit/good", fit_body(), json)) == 200);
  store_lock lock{store};
  auto big = fit_body(3000); // ~40 KB: one fits the 64 KiB budget, two do not
  auto stalled = std::async(std::launch::async, [&s, &big, json] {
    return status_of(s.client().Post("/fit/good", big, json));
  });
  auto c = s.client();
  REQUIRE(wait_for_in_flight(c, 1));
  auto refused = answer(c.Post("/fit/other", big, json));
  CHECK(refused.status == 503);
  CHECK(refused.get_header_value("Retry-After") == "1");
  CHECK(answer(c.Post("/predict/good", predict, json)).status == 200);
  lock.release();
  CHECK(stalled.get() == 200);
  CHECK(answer(c.Post("/fit/other", big, json)).status == 200); // budget free again
}

} // namespace testing
