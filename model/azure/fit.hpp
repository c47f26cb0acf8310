// The expected values and margins of entire and last detection. A series is
// split into a seasonal part (one robust value per phase of the period) and a
// level (a running median of the deseasonalised values that follows a linear
// trend to both ends); expected = level + seasonal. Margins are a multiple of
// the residuals' robust standard deviation set by the sensitivity, widened
// when more points than maxAnomalyRatio allows would fall outside. Pure
// functions; any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace model::azure {

/// Points in the level's running median when the series has no period (with
/// one: the period, at least this).
constexpr std::size_t level_window = 25;

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
/// Two rounds: the seasonal values are the per-phase medians of x minus a
/// running median of one period, then of x minus the level.
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

/// The margin for `residuals` (value - expected, at the input points): the
/// factor times their robust standard deviation times the fit's inflation
/// (at least 1e-12 * `magnitude`, the series' largest absolute value),
/// widened so that at most max(1, floor(ratio * n)) residuals lie outside;
/// then each residual judged.
band judge(const std::vector<double>& residuals, double factor, double ratio, double magnitude);

/// The severity of a residual against a margin (0 when inside).
double severity_of(double residual, double margin);

} // namespace model::azure
