// The one interface every detector implements, and the value types that
// cross it. A detector states, in its own file: its name, its parameters
// (defaults, ranges, docs), whether it is online, how it fits, judges and
// learns, and its state's layout with a format version. The catalogue
// (model/detector.hpp) is the list of them; nothing else knows a layout.
// Pure: standard library only; every member is const and callable from any
// thread.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "model/expected.hpp"
#include "model/zscore.hpp"

namespace model {

enum class direction : uint8_t { upper = 0, lower = 1, both = 2 };
enum class side : uint8_t { none = 0, upper = 1, lower = 2 };

/// One parameter of a detector, as GET /detectors shows it.
struct param_doc {
  const char* name;
  const char* kind; ///< "number", or the choices "upper|lower|both"
  double default_value, min, max;
  const char* default_text; ///< for the choices
  const char* doc;
  bool whole = false; ///< counts something: floored when set
  /// The value a stored text written before the parameter existed means
  /// (NaN: the default).
  double if_absent = std::numeric_limits<double>::quiet_NaN();
};

/// A detector chosen for a version: its place in the catalogue and one value
/// per parameter of its type, in the catalogue's order (a choice holds its
/// index). `server_default`: the fit named no detector, so the server's
/// default (server.default-detector) applies.
struct detector_spec {
  uint8_t type = 0; ///< index in detector_catalogue(); 0 is the contract's rule
  bool server_default = true;
  std::vector<double> values;
};

/// What a fitted detector knows. `numbers` is the detector's own layout (its
/// file documents it, with the layout's format version); the rest is shared:
/// points learned since the fit, alarms still to suppress (cooldown), and the
/// timestamp of the last alarm (a cooldown also ends after a long gap).
struct detector_state {
  uint64_t learned = 0;
  uint32_t quiet = 0;
  int64_t alarm_ts = 0;
  std::vector<double> numbers;
};

/// One point of a series: Unix seconds and a value.
struct point {
  int64_t timestamp = 0;
  double value = 0;
};

/// A point judged. `anomaly_score` has one meaning for every detector: it is
/// >= 1 exactly when the point is anomalous (its distance from `expected`
/// over the distance of the bound it is heading for, the largest over a
/// detector's views); `side` says which bound an anomalous point crossed.
/// A bound is absent on a side the detector does not check.
struct judgement {
  bool anomaly = false;
  double score = 0;    ///< (value - expected) / scale; 0 when the scale is 0
  double expected = 0; ///< the center
  std::optional<double> lower, upper;
  double anomaly_score = 0;
  model::side side = side::none;
};

/// What a schema 4 store kept of a version's detector, before states were
/// opaque blobs: its center and scale, the points learned, the cooldown to
/// run, and its arrays (seasonal phases, or range memory).
struct legacy_row {
  double center = 0, scale = 0;
  uint64_t learned = 0;
  uint32_t quiet = 0;
  std::vector<double> arrays;
};

/// What every detector states about itself.
struct detector_info {
  const char* name;
  const char* doc;
  bool online;
  std::vector<param_doc> params;
  uint8_t state_format; ///< version of the layout of detector_state::numbers
  fit_rules rules{false, false}; ///< the contract's fit rules it keeps
};

class detector {
public:
  explicit detector(detector_info info);
  virtual ~detector() = default;
  const detector_info& info() const { return info_; }
  /// Index of a parameter by name, or -1.
  int param_index(const char* name) const;

  /// A state learned from training data that passed info().rules; `stats`
  /// are its mean and population std. Fails naming what is wrong.
  virtual expected<detector_state> fit(const detector_spec& spec, const training_data& data,
                                       const fit_stats& stats) const = 0;
  /// The point judged by `state` (which does not change). `anomaly` is set
  /// when the point is outside; the catalogue applies the cooldown.
  virtual judgement judge(const detector_spec& spec, const fit_stats& stats,
                          const detector_state& state, point p) const = 0;
  /// An online detector's state before its first training point (the
  /// others: an empty state); its fit is this, then learn() on each point.
  virtual detector_state start(const detector_spec& spec, const fit_stats& stats) const;
  /// An online detector learns one point (the others: nothing).
  virtual void learn(const detector_spec& spec, detector_state& state, point p) const;
  /// Whether `numbers` is a layout this detector could have made for `spec`:
  /// its size, finite figures, counts in range. Run on every state read back.
  virtual bool valid(const detector_spec& spec, const detector_state& state) const = 0;
  /// Phases with bounds of their own (seasonal), else 0.
  virtual std::size_t phases(const detector_spec& spec) const;
  /// The state a schema 4 row held, in this detector's layout (the default:
  /// no numbers); nothing when it cannot be read.
  virtual std::optional<detector_state> from_legacy(const detector_spec& spec,
                                                    const legacy_row& row) const;

private:
  detector_info info_;
};

namespace detectors {

/// Shared parameter docs (the same words for every detector that has one).
param_doc k_param(double default_k);
param_doc direction_param();
param_doc min_deviation_param();
param_doc min_scale_param();
param_doc min_scale_relative_param();
param_doc cooldown_param();

direction direction_of(double index);

/// The judgement of bounds `center` -/+ `half` (sides per `dir`), with the
/// scale for `score`: anomaly, anomaly_score and side filled in.
judgement banded(double value, double center, double half, double scale, direction dir);

/// The median and 1.4826 * MAD of `xs` (non-empty), the scale at least
/// max(min_scale, relative * |median|): an absolute floor and one relative to
/// the values' magnitude.
std::pair<double, double> robust_of(const std::vector<double>& xs, double min_scale,
                                    double relative);

bool all_finite(const std::vector<double>& xs);

/// An online detector's fit: start(), then learn() on every training point.
detector_state learned_over(const detector& d, const detector_spec& spec,
                            const training_data& data, const fit_stats& stats);

/// A schema 4 row's center and scale as the numbers [center, scale].
std::optional<detector_state> center_and_scale(const legacy_row& row);

} // namespace detectors

} // namespace model
