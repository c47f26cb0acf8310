// A series' stored versions as the series actor keeps them: sorted by version
// number, oldest first, with gaps where versions were deleted (numbers are
// never reused, so a version's position is not its number). Pure functions
// over the list; callable from any thread on a list it owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/version.hpp"

namespace model {

using version_records = std::vector<version_record>;

/// The record numbered `version`, or null. Requires `list` sorted by version.
const version_record* find_version(const version_records& list, uint32_t version);
version_record* find_version(version_records& list, uint32_t version);

/// Index of the first record numbered above `after` (list.size() when none).
std::size_t first_after(const version_records& list, uint32_t after);

/// Removes the record numbered `version`; false when there was none.
bool erase_version(version_records& list, uint32_t version);

/// Keeps the `keep` newest records (all when `keep` is 0); returns how many
/// oldest ones it removed. The store prunes by the same rule in the fit's
/// transaction (store.max-versions-per-series).
std::size_t keep_newest(version_records& list, std::size_t keep);

} // namespace model
