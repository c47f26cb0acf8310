// The detector catalogue and what the rest of the server does with a
// detector, whichever it is: build a spec from a client's parameters, fit,
// judge (with the cooldown and the one score convention), learn, and write
// and read a spec's text and a state's versioned blob. Each detector lives in
// its own file under model/detectors/ behind model::detector; the list is in
// model/detectors/catalogue.cpp. Pure functions; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/cadence.hpp"
#include "model/detectors/detector.hpp"
#include "model/expected.hpp"
#include "model/zscore.hpp"

namespace model {

/// Every detector, in the catalogue's order (GET /detectors); 0 is the contract's rule.
const std::vector<const detector*>& detector_catalogue();

/// The detector a spec names (the contract's rule for an index past the list).
const detector& detector_of(const detector_spec& spec);

/// A type's spec with the catalogue's defaults, or nothing for an unknown name.
std::optional<detector_spec> default_spec(std::string_view type);

bool is_online(const detector_spec& spec);
bool is_contract(const detector_spec& spec);
const char* name_of(const detector_spec& spec);
const char* name_of(direction d);

/// The value of a spec's parameter by name ("k", "alpha", "window", a
/// choice's index); 0 for a name its type does not have.
double number_param(const detector_spec& spec, std::string_view name);

/// One parameter the client passed: a number or a text.
struct detector_param {
  std::string name;
  std::optional<double> number;
  std::optional<std::string> text;
};

/// Builds a spec from a type name and parameters, the rest at the
/// catalogue's defaults. Fails naming the unknown type, the unknown
/// parameter, the wrong kind of value or the value out of range.
expected<detector_spec> make_detector(std::string_view type,
                                      const std::vector<detector_param>& params);

/// Fits `spec` on `data`: the contract's rules where the detector keeps them
/// (model::fit), else the same rules except that timestamps may repeat
/// (non-decreasing) and values may all be equal, then the detector's own fit.
/// `stats` are always the mean and population std, shown by /series.
struct fitted {
  fit_stats stats;
  detector_state state;
};
expected<fitted> fit_detector(const detector_spec& spec, const training_data& data,
                              std::size_t min_points);

/// A point judged by a fitted detector; an online detector in its cooldown
/// reports no anomaly. anomaly_score >= 1 exactly when `anomaly`; `side` only
/// then. `pace`: the series' cadence, so that a cooldown also ends after
/// `cooldown` typical intervals (none: points only).
judgement judge(const detector_spec& spec, const fit_stats& stats, const detector_state& state,
                point p, const cadence* pace = nullptr);

/// Judges `p` as `judge` does, then, for an online detector, counts down or
/// starts its cooldown and learns the point: `state` moves. For the other
/// detectors the same as `judge`.
judgement judge_and_learn(const detector_spec& spec, const fit_stats& stats,
                          detector_state& state, point p, const cadence* pace = nullptr);

/// An online detector's fit replayed: `seen(i, j)` is called for every
/// training point i with the judgement of the state before it (the bounds as
/// they were learned). Nothing for the others. O(points).
template <class Seen>
void replay_learning(const detector_spec& spec, const fit_stats& stats,
                     const training_data& data, Seen&& seen);

/// One line that round-trips a spec (what the store keeps): the type's name
/// and each of its parameters as name=value, numbers in the shortest form
/// that reads back exactly, whatever the process's locale.
std::string to_text(const detector_spec& spec);
/// Reads a text back: parameters it does not name take the catalogue's
/// default (or their value from before they existed); nothing for an unknown
/// type or parameter, a malformed number or one out of its range.
std::optional<detector_spec> from_text(std::string_view text);

/// A state as a versioned blob: format byte, the detector's layout version,
/// learned, quiet, alarm timestamp, then its numbers (little-endian).
std::string encode_state(const detector_spec& spec, const detector_state& state);
/// Reads a blob back for `spec`; nothing unless every field is in range and
/// the detector accepts the numbers (detector::valid).
std::optional<detector_state> decode_state(const detector_spec& spec, std::string_view blob);

/// A schema 4 store's row (the detector's text and its columns) in today's
/// form: the spec (parameters added since at their old meaning) and state.
std::optional<std::pair<detector_spec, detector_state>> from_schema4(std::string_view text,
                                                                     const legacy_row& row);

template <class Seen>
void replay_learning(const detector_spec& spec, const fit_stats& stats,
                     const training_data& data, Seen&& seen) {
  if (!is_online(spec) || data.values.empty())
    return;
  const auto& d = detector_of(spec);
  auto state = d.start(spec, stats);
  for (std::size_t i = 0; i < data.values.size(); ++i) {
    point p{data.timestamps[i], data.values[i]};
    seen(i, judge(spec, stats, state, p));
    d.learn(spec, state, p);
  }
}

} // namespace model
