#include "model/version_list.hpp"

#include <algorithm>

namespace model {

namespace {

bool below(const version_record& r, uint32_t v) {
  return r.version < v;
}

} // namespace

version_record* find_version(version_records& list, uint32_t version) {
  auto it = std::lower_bound(list.begin(), list.end(), version, below);
  return it != list.end() && it->version == version ? &*it : nullptr;
}

const version_record* find_version(const version_records& list, uint32_t version) {
  return find_version(const_cast<version_records&>(list), version);
}

std::size_t first_after(const version_records& list, uint32_t after) {
  auto it = std::upper_bound(list.begin(), list.end(), after,
                             [](uint32_t v, const version_record& r) { return v < r.version; });
  return static_cast<std::size_t>(it - list.begin());
}

bool erase_version(version_records& list, uint32_t version) {
  auto it = std::lower_bound(list.begin(), list.end(), version, below);
  if (it == list.end() || it->version != version)
    return false;
  list.erase(it);
  return true;
}

std::size_t keep_newest(version_records& list, std::size_t keep) {
  if (keep == 0 || list.size() <= keep)
    return 0;
  auto drop = list.size() - keep;
  list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(drop));
  return drop;
}

} // namespace model
