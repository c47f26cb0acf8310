// Online: a point is anomalous when it leaves the range the series has held
// over its last `window` points, or when the mean of its last `smooth` points
// leaves the range of that mean, or when its difference from the same phase
// of the previous period (a day before, by timestamp) leaves the range of
// those differences; each range widened by its margin, none within
// min_deviation of the middle. State layout (format 2; format 1 had blocks
// of window / blocks points and no seasonal view): numbers = the range
// memory (model/range_memory.hpp).
//
// Gaps: the window counts points, so the point after a gap is judged by the
// range the series held before it, on its merits. The seasonal view needs the
// previous period's value at the same phase: after a gap longer than a
// period it stays silent until a period has passed. A cooldown ends after
// `cooldown` typical intervals, however few points came.
#include "model/detectors/detector.hpp"

#include <algorithm>
#include <cmath>

#include "model/range_memory.hpp"

namespace model {

namespace {

enum param : std::size_t { window, blocks, margin, smooth, period_s, phases, season_margin, dir,
                           min_deviation, cooldown };

range::shape shape_of(const detector_spec& spec) {
  const auto& v = spec.values;
  range::shape s;
  s.window = static_cast<std::size_t>(v[window]);
  s.blocks = std::min(static_cast<std::size_t>(v[blocks]), s.window);
  s.smooth = static_cast<std::size_t>(v[smooth]);
  s.period = static_cast<int64_t>(v[period_s]);
  s.phases = static_cast<std::size_t>(v[phases]);
  return s;
}

/// A view's verdict on `x` against its range widened by `widen`: the
/// distance from the middle over the distance to the bound, on the sides
/// `d` checks.
struct verdict {
  double ratio = 0;
  side towards = side::none;
};
verdict view_verdict(double x, range::span r, double widen, direction d) {
  double middle = r.low / 2 + r.high / 2, half = r.high / 2 - r.low / 2 + widen;
  verdict out;
  bool up = x >= middle;
  if ((up && d == direction::lower) || (!up && d == direction::upper))
    return out;
  double distance = up ? x - middle : middle - x;
  out.ratio = half > 0 ? distance / half : (distance > 0 ? 1e308 : 0);
  if (!std::isfinite(out.ratio))
    out.ratio = 1e308;
  out.towards = up ? side::upper : side::lower;
  return out;
}

class range_detector final : public detector {
public:
  range_detector()
      : detector({"range",
                  "Online: a point is anomalous when it leaves the range the series has held over "
                  "its last window points, widened by margin times that range on each side (and "
                  "at least min_deviation from its middle); or when the mean of its last smooth "
                  "points leaves the range of that mean over the window, widened the same way; "
                  "or when its difference from the same phase of the previous period (period_s, "
                  "cut into phases, by timestamp) leaves the range of those differences, widened "
                  "by season_margin. Each range leaves out the most extreme of its blocks on each "
                  "side. Started on the training values and updated by every point predicted on "
                  "the latest version (unless learn=false); after an alarm, cooldown points are "
                  "quiet. The shipped detector that scores best on NAB (docs/detectors.md). "
                  "Learning is checkpointed to the store.",
                  true,
                  {{"window", "number", 3000, 2, 1e6, "",
                    "points remembered: the range is that of the last window points", true},
                   {"blocks", "number", 16, 2, 64, "",
                    "the window is kept as this many blocks' highs and lows; the most extreme "
                    "block on each side is left out of the range, so one spike does not widen it "
                    "for a whole window", true},
                   {"margin", "number", 0.08, 0, 10, "",
                    "the range is widened by this share of itself on each side", false},
                   {"smooth", "number", 30, 1, 1000, "",
                    "the mean of this many last points is watched too, against the range of its "
                    "own past (1: the value only)", true},
                   {"period_s", "number", 86400, 0, 31536000, "",
                    "the seasonal view's period in seconds (86400: a day); 0 turns it off", true,
                    0},
                   {"phases", "number", 96, 1, 1440, "",
                    "phases of the period, each with its reference (the mean of its points in "
                    "the previous period)", true},
                   {"season_margin", "number", 1, 0, 10, "",
                    "the seasonal differences' range is widened by this share of itself on each "
                    "side", false},
                   detectors::direction_param(), detectors::min_deviation_param(),
                   detectors::cooldown_param()},
                  2}) {}

  expected<detector_state> fit(const detector_spec& spec, const training_data& data,
                               const fit_stats& stats) const override {
    // Flat training is fine: the first differing point is news, then learned.
    return detectors::learned_over(*this, spec, data, stats);
  }

  detector_state start(const detector_spec& spec, const fit_stats&) const override {
    detector_state s;
    s.numbers = range::empty(shape_of(spec));
    return s;
  }

  judgement judge(const detector_spec& spec, const fit_stats&, const detector_state& state,
                  point p) const override {
    auto s = shape_of(spec);
    const auto& m = state.numbers;
    auto r = range::range_of(s, m, range::value_view);
    if (!r)
      return {}; // nothing learned yet
    const auto& v = spec.values;
    auto d = detectors::direction_of(v[dir]);
    // In halves, so that a range as wide as the doubles does not overflow.
    double half = r->high / 2 - r->low / 2, middle = r->low / 2 + r->high / 2;
    double floor = v[min_deviation], widen = v[margin] * 2 * half;
    judgement j;
    j.expected = middle;
    double lower = std::min(r->low - widen, middle - floor);
    double upper = std::max(r->high + widen, middle + floor);
    double bound_half = upper / 2 - lower / 2;
    j.score = bound_half > 0 && std::isfinite(bound_half) ? (p.value - middle) / bound_half : 0;
    if (d != direction::lower)
      j.upper = upper;
    if (d != direction::upper)
      j.lower = lower;
    auto best = view_verdict(p.value, *r, widen, d);
    auto consider = [&](verdict x) {
      if (x.ratio > best.ratio)
        best = x;
    };
    if (auto mr = range::range_of(s, m, range::mean_view))
      consider(view_verdict(range::mean_with(s, m, p.value), *mr, v[margin] * (mr->high - mr->low), d));
    auto ref = range::reference(s, m, p.timestamp);
    auto sr = range::range_of(s, m, range::season_view);
    if (ref && sr)
      consider(view_verdict(p.value - *ref, *sr, v[season_margin] * (sr->high - sr->low), d));
    double off = std::fabs(p.value - middle);
    if (floor > 0)
      best.ratio = std::min(best.ratio, off / floor);
    j.anomaly_score = best.ratio;
    j.side = best.towards;
    j.anomaly = best.ratio > 1 && off > floor;
    return j;
  }

  void learn(const detector_spec& spec, detector_state& state, point p) const override {
    auto s = shape_of(spec);
    if (state.numbers.size() != range::size_of(s)) // states are checked when made or read
      state.numbers = range::empty(s);
    range::add(s, state.numbers, p.timestamp, p.value);
    ++state.learned;
  }

  bool valid(const detector_spec& spec, const detector_state& state) const override {
    return range::fits(shape_of(spec), state.numbers);
  }

  /// Format 1 memory: [open count, closed, next slot, recent next, recent
  /// count], then per view the open block's (high, low) and the blocks'
  /// pairs, then the recent values; no seasonal view.
  std::optional<detector_state> from_legacy(const detector_spec& spec,
                                            const legacy_row& row) const override {
    auto s = shape_of(spec);
    const auto& old = row.arrays;
    std::size_t old_view = 2 + 2 * s.blocks;
    if (s.period != 0 || old.size() != 5 + 2 * old_view + (s.smooth - 1))
      return std::nullopt;
    detector_state out;
    out.learned = row.learned;
    out.quiet = row.quiet;
    double sum = 0; // the recent values' sum, kept since format 2
    for (std::size_t i = 0; i < static_cast<std::size_t>(old[4]) && i + 1 < s.smooth; ++i)
      sum += old[old.size() - (s.smooth - 1) + i];
    out.numbers = {old[3], old[4], sum};
    for (std::size_t v = 0; v < 2; ++v) {
      auto at = 5 + v * old_view;
      out.numbers.insert(out.numbers.end(), {old[0], old[1], old[2], old[at], old[at + 1]});
      out.numbers.insert(out.numbers.end(), old.begin() + static_cast<std::ptrdiff_t>(at + 2),
                         old.begin() + static_cast<std::ptrdiff_t>(at + old_view));
    }
    out.numbers.insert(out.numbers.end(), old.end() - static_cast<std::ptrdiff_t>(s.smooth - 1),
                       old.end());
    if (!valid(spec, out))
      return std::nullopt;
    return out;
  }
};

} // namespace

const detector& range_detector_entry() {
  static const range_detector d;
  return d;
}

} // namespace model
