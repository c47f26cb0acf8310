// Detectors a version can be fitted with, chosen by the client at fit time:
// the contract's rule (the default), a z-score with a sensitivity `k` and a
// direction, and a robust median/MAD score whose scale has a floor (so that
// flat series work). Each has an absolute `min_deviation` below which nothing
// is anomalous. The catalogue of types and parameters (GET /detectors) lives
// here too. Pure functions on value types; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"
#include "model/zscore.hpp"

namespace model {

enum class detector_type : uint8_t {
  contract = 0, ///< value > mean + 3 * std of the training values (the default)
  zscore = 1,   ///< |value - mean| against k * std, in a direction
  mad = 2,      ///< |value - median| against k * 1.4826 * MAD (at least min_scale)
  ewma = 3,     ///< online: an exponentially weighted mean and variance, learned per point
  seasonal = 4, ///< mad per phase of a period (hour of the day, say)
  range = 5,    ///< online: outside the range of the last `window` points (model/range_memory)
};

enum class direction : uint8_t { upper = 0, lower = 1, both = 2 };

/// A detector and its parameters, as the client chose them (defaults filled in).
struct detector_spec {
  detector_type type = detector_type::contract;
  double k = 3;                 ///< sensitivity: bounds at center -/+ k * scale
  direction dir = direction::upper;
  double min_deviation = 0;     ///< |value - center| at or below this is never anomalous
  double min_scale = 0;         ///< mad: the scale's floor
  double alpha = 0.01;          ///< ewma: weight of each new point
  double cooldown = 100;        ///< online: points after an alarm whose alarms are suppressed
  double period_s = 86400;      ///< seasonal: the period, in seconds
  double phases = 24;           ///< seasonal: equal phases the period is cut into
  double window = 3000;         ///< range: points remembered
  double blocks = 16;           ///< range: blocks the window is kept in
  double margin = 0.05;         ///< range: widening of the range, as a share of it
  double smooth = 10;           ///< range: points in the moving mean it also watches
};

/// The phase of the period `timestamp` (Unix seconds) falls in (seasonal).
std::size_t phase_of(const detector_spec& spec, int64_t timestamp);

/// Whether the detector learns from the points it judges (ewma, range).
bool is_online(detector_type t);

/// What fitting a detector learned: the center and scale its bounds use. An
/// online detector goes on learning: its center and scale move with every
/// point, `learned` counts those points and `quiet` the alarms still to
/// suppress after the last one. The range detector's bounds come from its
/// `memory`; its center and scale are the middle and half-width of its bounds.
struct detector_fit {
  double center = 0;
  double scale = 0;
  uint64_t learned = 0;
  uint32_t quiet = 0;
  std::vector<double> phase_center, phase_scale; ///< seasonal: one per phase
  std::vector<double> memory; ///< range: what it remembers (model/range_memory)

  static detector_fit of(double center, double scale, uint64_t learned = 0) {
    detector_fit f;
    f.center = center;
    f.scale = scale;
    f.learned = learned;
    return f;
  }
};

/// One parameter the client passed: a number or a text.
struct detector_param {
  std::string name;
  std::optional<double> number;
  std::optional<std::string> text;
};

/// Builds a spec from a type name and parameters. Fails naming the unknown
/// type, the unknown parameter, the wrong kind of value or the value out of
/// range (the ranges are the catalogue's).
expected<detector_spec> make_detector(std::string_view type, const std::vector<detector_param>& params);

/// Fits `spec` on `data`: the contract's rules for the contract detector
/// (model::fit); for the others the same rules except that timestamps may
/// repeat (non-decreasing) and values may all be equal when the detector has a
/// floor (mad's min_scale, or a min_deviation). `stats` are always the mean and
/// population std, shown by /series whatever the detector.
struct fitted {
  fit_stats stats;
  detector_fit params;
};
expected<fitted> fit_detector(const detector_spec& spec, const training_data& data,
                              std::size_t min_points);

/// A point judged by a fitted detector: bounds absent when that side is not checked.
/// (`judge`: an online detector in its cooldown reports no anomaly.)
struct judgement {
  bool anomaly = false;
  double score = 0;    ///< (value - center) / scale; 0 when scale is 0
  double expected = 0; ///< the center
  std::optional<double> lower, upper;
};
/// `timestamp` (Unix seconds) picks a seasonal detector's phase; without one
/// a seasonal detector judges by its statistics over the whole period.
judgement judge(const detector_spec& spec, const fit_stats& stats, const detector_fit& params,
                double value, std::optional<int64_t> timestamp = std::nullopt);

/// An online detector's update with one point (moving mean and variance).
void learn(const detector_spec& spec, detector_fit& state, double value);

/// Judges `value` as `judge` does, then, for an online detector, counts down
/// or starts its cooldown and learns the value: `params` move. For the other
/// detectors the same as `judge`.
judgement judge_and_learn(const detector_spec& spec, const fit_stats& stats,
                          detector_fit& params, double value,
                          std::optional<int64_t> timestamp = std::nullopt);

/// An online detector's fit replayed: `seen(i, j)` is called for every
/// training point i with the judgement of the state before it (the bounds as
/// they were learned). Nothing for the others. O(points), no allocation per point.
template <class Seen>
void replay_learning(const detector_spec& spec, const fit_stats& stats,
                     const training_data& data, Seen&& seen);

/// The type's name ("contract", "zscore", "mad") and the direction's.
const char* name_of(detector_type t);
const char* name_of(direction d);

/// The value of a spec's number parameter by its catalogue name ("k",
/// "alpha", "window", ...); 0 for a name no detector has.
double number_param(const detector_spec& spec, std::string_view name);

/// One line of text that round-trips a spec (what the store keeps).
std::string to_text(const detector_spec& spec);
std::optional<detector_spec> from_text(std::string_view text);

/// The catalogue: every type with its parameters, defaults, ranges and docs.
struct param_doc {
  const char* name;
  const char* kind; ///< "number" or one of the choices, "upper|lower|both"
  double default_value, min, max;
  const char* default_text; ///< for choices
  const char* doc;
};
struct detector_doc {
  detector_type type;
  const char* doc;
  std::vector<param_doc> params;
};
const std::vector<detector_doc>& detector_catalogue();

/// The state an online detector's fit starts from, before its first point.
detector_fit initial_state(const detector_spec& spec, const training_data& data);

template <class Seen>
void replay_learning(const detector_spec& spec, const fit_stats& stats,
                     const training_data& data, Seen&& seen) {
  if (!is_online(spec.type) || data.values.empty())
    return;
  auto state = initial_state(spec, data);
  for (std::size_t i = 0; i < data.values.size(); ++i) {
    seen(i, judge(spec, stats, state, data.values[i], data.timestamps[i]));
    learn(spec, state, data.values[i]);
  }
}

} // namespace model
