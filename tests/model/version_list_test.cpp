#include <doctest/doctest.h>

#include "model/version_list.hpp"

namespace {

model::version_records numbered(std::initializer_list<uint32_t> vs) {
  model::version_records out;
  for (auto v : vs) {
    model::version_record r;
    r.version = v;
    out.push_back(r);
  }
  return out;
}

std::vector<uint32_t> numbers(const model::version_records& list) {
  std::vector<uint32_t> out;
  for (const auto& r : list)
    out.push_back(r.version);
  return out;
}

} // namespace

TEST_CASE("version list: lookup by number across gaps") {
  auto list = numbered({1, 2, 5, 9});
  CHECK(model::find_version(list, 5)->version == 5);
  CHECK(model::find_version(list, 9) == &list.back());
  CHECK(model::find_version(list, 3) == nullptr);
  CHECK(model::find_version(list, 10) == nullptr);
  CHECK(model::find_version(model::version_records{}, 1) == nullptr);
}

TEST_CASE("version list: pages start after a version number, not a position") {
  auto list = numbered({2, 4, 7});
  CHECK(model::first_after(list, 0) == 0);
  CHECK(model::first_after(list, 2) == 1);
  CHECK(model::first_after(list, 3) == 1);
  CHECK(model::first_after(list, 6) == 2);
  CHECK(model::first_after(list, 7) == 3);
  CHECK(model::first_after(list, 100) == 3);
}

TEST_CASE("version list: erasing keeps the other numbers") {
  auto list = numbered({1, 2, 3});
  CHECK(model::erase_version(list, 2));
  CHECK(numbers(list) == std::vector<uint32_t>{1, 3});
  CHECK_FALSE(model::erase_version(list, 2));
  CHECK(model::erase_version(list, 3));
  CHECK(numbers(list) == std::vector<uint32_t>{1});
}

TEST_CASE("version list: keep_newest prunes the oldest, 0 keeps all") {
  auto list = numbered({1, 2, 3, 4, 5});
  CHECK(model::keep_newest(list, 0) == 0);
  CHECK(list.size() == 5);
  CHECK(model::keep_newest(list, 3) == 2);
  CHECK(numbers(list) == std::vector<uint32_t>{3, 4, 5});
  CHECK(model::keep_newest(list, 3) == 0);
  CHECK(model::keep_newest(list, 10) == 0);
}
