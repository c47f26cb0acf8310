#include "model/azure/detect.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "model/azure/changepoint.hpp"
#include "model/azure/fit.hpp"
#include "model/azure/period.hpp"
#include "model/azure/series.hpp"

namespace model::azure {

namespace {

api_error bad(std::string detail) {
  return {error_code::bad_argument, std::move(detail)};
}

/// The checked model arguments of a detect request.
struct detect_args {
  double factor = 0, ratio = 0;
  fill_rule fill;
};

result<detect_args> check_args(const detect_request& r) {
  detect_args a;
  double s = r.sensitivity.value_or(default_sensitivity);
  if (!is_whole(s) || s < 0 || s > 99)
    return bad("sensitivity must be an integer from 0 to 99");
  a.factor = margin_factor(s);
  a.ratio = r.max_anomaly_ratio.value_or(default_max_anomaly_ratio);
  if (!(a.ratio > 0 && a.ratio < 0.5))
    return bad("maxAnomalyRatio must be greater than 0 and less than 0.5");
  a.fill.mode = r.impute.value_or(impute_mode::auto_fill);
  if (a.fill.mode == impute_mode::fixed) {
    auto v = r.impute_fixed_value;
    if (!v || !std::isfinite(*v) || std::fabs(*v) > FLT_MAX)
      return api_error{error_code::invalid_impute_fixed_value,
                       "imputeFixedValue must be a finite number when imputeMode is fixed"};
    a.fill.fixed = *v;
  }
  return a;
}

/// Everything a detect operation starts from.
struct prepared_request {
  detect_args args;
  series_settings settings;
  model_series series;
};

result<prepared_request> prepare_detect(const detect_request& r) {
  auto settings = check_settings(r.options, false);
  if (!settings)
    return settings.error();
  auto args = check_args(r);
  if (!args)
    return args.error();
  auto series = prepare(r.series, settings.value(), args.value().fill);
  if (!series)
    return series.error();
  return prepared_request{args.value(), settings.value(), std::move(series.value())};
}

std::size_t period_for(const series_settings& s, const std::vector<double>& x) {
  if (s.period)
    return *s.period;
  std::vector<std::size_t> candidates;
  if (s.gran != granularity::none)
    candidates = candidate_periods(grid_step{s.gran, s.interval}, x.size());
  return detect_period(x, candidates);
}

} // namespace

result<entire_result> detect_entire(const detect_request& r) {
  auto prep = prepare_detect(r);
  if (!prep)
    return prep.error();
  const auto& [args, settings, series] = prep.value();
  const auto& x = series.values;
  std::size_t period = period_for(settings, x);
  auto fit = decompose(x, period);
  std::vector<double> expected, residuals;
  for (std::size_t at : series.position) {
    expected.push_back(fit.expected(at));
    residuals.push_back(x[at] - expected.back());
  }
  auto verdict = judge(residuals, args.factor * fit.inflation, args.ratio, scale_floor(x));
  entire_result out;
  out.period = static_cast<int>(period);
  out.expected = std::move(expected);
  out.upper_margin.assign(residuals.size(), verdict.margin);
  out.lower_margin = out.upper_margin;
  out.severity = std::move(verdict.severity);
  out.anomaly = verdict.anomaly;
  for (std::size_t i = 0; i < residuals.size(); ++i) {
    out.positive.push_back(out.anomaly[i] && residuals[i] > 0);
    out.negative.push_back(out.anomaly[i] && residuals[i] < 0);
  }
  return out;
}

result<last_result> detect_last(const detect_request& r) {
  auto prep = prepare_detect(r);
  if (!prep)
    return prep.error();
  const auto& [args, settings, series] = prep.value();
  std::size_t period = period_for(settings, series.values);
  std::vector<double> training(series.values.begin(), series.values.end() - 1);
  auto fit = decompose(training, period);
  std::vector<double> residuals;
  for (std::size_t k = 0; k + 1 < series.position.size(); ++k) {
    std::size_t at = series.position[k];
    residuals.push_back(training[at] - fit.expected(at));
  }
  auto verdict = judge(residuals, args.factor * fit.inflation, args.ratio, scale_floor(training));
  last_result out;
  out.period = static_cast<int>(period);
  out.suggested_window = static_cast<int>(period >= 2 ? 4 * period + 1 : level_window + 1);
  std::size_t last = series.values.size() - 1;
  out.expected = fit.expected(last);
  double residual = series.values[last] - out.expected;
  out.upper_margin = out.lower_margin = verdict.margin;
  out.severity = severity_of(residual, verdict.margin);
  out.anomaly = std::fabs(residual) > verdict.margin;
  out.positive = out.anomaly && residual > 0;
  out.negative = out.anomaly && residual < 0;
  return out;
}

result<changepoint_result> detect_change_points(const changepoint_request& r) {
  auto settings = check_settings(r.options, true);
  if (!settings)
    return settings.error();
  double w = r.stable_trend_window.value_or(static_cast<double>(default_stable_window));
  double threshold = r.threshold.value_or(default_threshold);
  if (!is_whole(w) || w < 3)
    return bad("stableTrendWindow must be an integer of at least 3");
  if (!(threshold > 0 && threshold <= 1))
    return bad("threshold must be greater than 0 and at most 1");
  auto series = prepare(r.series, settings.value(), fill_rule{impute_mode::linear, 0});
  if (!series)
    return series.error();
  const auto& x = series.value().values;
  if (2 * w > static_cast<double>(x.size()))
    return bad("stableTrendWindow must be at most half the series (" + std::to_string(x.size() / 2)
               + " points)");
  std::size_t period = period_for(settings.value(), x);
  auto found = find_change_points(x, period, static_cast<std::size_t>(w), threshold);
  changepoint_result out;
  out.period = static_cast<int>(period);
  std::size_t from = 0; // a change at a filled point is reported at the next input point
  for (std::size_t at : series.value().position) {
    bool change = false;
    for (; from <= at; ++from)
      change = change || found.change[from];
    out.change_point.push_back(change);
    out.confidence.push_back(found.confidence[at]);
  }
  return out;
}

} // namespace model::azure
