// Helpers the detector tests share: training data at one point a second and
// specs built through the catalogue, as a client's parameters would be.
#pragma once

#include <doctest/doctest.h>

#include "model/detector.hpp"

namespace testing {

inline model::training_data data_of(std::vector<double> values, int64_t step = 1) {
  model::training_data d;
  for (std::size_t i = 0; i < values.size(); ++i)
    d.timestamps.push_back(1000 + static_cast<int64_t>(i) * step);
  d.values = std::move(values);
  return d;
}

inline model::detector_param num(std::string name, double x) {
  return {std::move(name), x, std::nullopt};
}

inline model::detector_param text(std::string name, std::string x) {
  return {std::move(name), std::nullopt, std::move(x)};
}

inline model::detector_spec spec(std::string_view type,
                                 std::vector<model::detector_param> params = {}) {
  auto s = model::make_detector(type, params);
  REQUIRE_MESSAGE(s, (s ? "" : s.detail()));
  return s.value();
}

inline model::fitted fitted_on(const model::detector_spec& s, const model::training_data& d) {
  auto f = model::fit_detector(s, d, 3);
  REQUIRE_MESSAGE(f, (f ? "" : f.detail()));
  return f.value();
}

/// A point at `t` (Unix seconds).
inline model::point at(double value, int64_t t = 5000) {
  return {t, value};
}

} // namespace testing
