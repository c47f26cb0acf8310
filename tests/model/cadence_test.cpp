#include <doctest/doctest.h>

#include "model/cadence.hpp"
#include "model/exclusions.hpp"

using namespace model;

TEST_CASE("cadence: the typical interval is the median of the last gaps; gaps do not move it") {
  cadence c;
  CHECK(c.interval_s() == 0);
  c.seed({100, 160, 220, 280, 280, 340}, 5000); // a repeated timestamp is no gap
  CHECK(c.interval_s() == 60);
  CHECK(c.last_timestamp() == 340);
  CHECK(c.last_seen_ms() == 5000);
  c.see(7540, 9000); // two hours of silence
  CHECK(c.interval_s() == 60);
  CHECK(c.last_timestamp() == 7540);
  CHECK(c.last_seen_ms() == 9000);
  c.see(100, 9500); // a late point does not move the latest timestamp back
  CHECK(c.last_timestamp() == 7540);
  for (int i = 1; i <= 20; ++i)
    c.see(7540 + 10 * i, 10000);
  CHECK(c.interval_s() == 10); // a new pace, once it is most of the last gaps
  cadence restored;
  restored.restore(9000, 7540, 60);
  CHECK(restored.interval_s() == 60);
}

TEST_CASE("exclusions: points in the windows are left out, ends included") {
  training_data d{{1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}};
  auto kept = without_windows(d, {{6, 7}, {2, 3}, {3, 4}});
  CHECK(kept.timestamps == std::vector<int64_t>{1, 5, 8});
  CHECK(kept.values == std::vector<double>{1, 5, 8});
  CHECK(without_windows(d, {}).values.size() == 8);
  CHECK(without_windows(d, {{0, 100}}).values.empty());
  training_data uneven{{1, 2}, {1}};
  CHECK(without_windows(uneven, {{1, 1}}).timestamps.size() == 2); // left for fit to refuse
}
