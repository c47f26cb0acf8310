// The expected values and margins of entire and last detection. A series is
// split into a seasonal part (one robust value per phase of the period) and a
// level (a running median of the deseasonalised values that follows a linear
// trend to both ends); expected = level + seasonal. Margins are a multiple of
// the residuals' standard deviation, estimated robustly and from their tail
// (so heavy-tailed noise widens them), set by the sensitivity and widened
// when more points than maxAnomalyRatio allows would fall outside. Pure
// functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace model::azure {

/// Points in the level's running median (of the deseasonalised values when
/// there is a period): short, so that the level follows a shift in a few
/// points and the last point's level is extended over 6 points at most.
constexpr std::size_t level_window = 13;

/// A fitted series: the level of every point and the seasonal value of every
/// phase (empty without a period).
struct decomposition {
  std::vector<double> level;
  std::vector<double> seasonal;
  double end_slope = 0; ///< the level's slope at the end, to extrapolate it
  /// How much the residuals of the fitted points understate a point's error
  /// (the medians took in those points' own noise): at least 1, larger for
  /// few cycles or a short series.
  double inflation = 1;

  /// The expected value at index i (i may lie past the end: extrapolated).
  double expected(std::size_t i) const;
};

/// Fits `x` (at least 2 periods when period >= 2; periods below 2 mean none).
/// Two rounds: the seasonal values are the per-phase medians of x minus its
/// moving average over one period, then of x minus the level; each phase's
/// value is then the median of its p / 36 neighbours' around the cycle.
decomposition decompose(const std::vector<double>& x, std::size_t period);

/// The margin multiplier of a sensitivity (0-99): 2 * sqrt(100 - s), so
/// 20 at 0, 4.47 at 95 and 2 at 99 robust standard deviations.
double margin_factor(double sensitivity);

/// What judging residuals gives: the margin (the same on both sides and at
/// every point) and, per judged residual, the verdict and severity.
struct band {
  double margin = 0;
  std::vector<bool> anomaly;
  std::vector<double> severity; ///< 0 inside the band; 1 - margin / |residual| outside
};

/// The residuals' standard deviation: the larger of 1.4826 * MAD (or the mean
/// absolute deviation's equivalent, robust_scale) and the 99th percentile of
/// |residual - median| / 2.576. Both are the sd for normal noise; the second
/// is larger when the tails are heavier than normal.
double residual_scale(const std::vector<double>& residuals);

/// The least scale margins are built on: 1 % of the series' spread (its
/// interquartile range / 1.349), and at least 1e-12 of its largest |value|
/// (so that rounding is never news). 0 for a constant series.
double scale_floor(const std::vector<double>& x);

/// The margin for `residuals` (value - expected, at the input points): the
/// factor (the sensitivity's, times the fit's inflation) times their
/// residual_scale (at least `floor`), widened so that at most
/// max(1, floor(ratio * n)) residuals lie outside; then each residual judged.
band judge(const std::vector<double>& residuals, double factor, double ratio, double floor);

/// The severity of a residual against a margin (0 when inside).
double severity_of(double residual, double margin);

} // namespace model::azure
