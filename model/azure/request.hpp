// The requests and results of the univariate Anomaly Detector operations
// (entire, last and change point detection), as values: what the HTTP codec
// fills in and the detection functions (model/azure/detect.hpp) answer. An
// error carries the API's error code and one sentence. Plain data; callable
// from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace model::azure {

/// The API's error codes (the specification's AnomalyDetectorErrorCodes).
enum class error_code : uint8_t {
  invalid_custom_interval,
  bad_argument,
  invalid_granularity,
  invalid_period,
  invalid_model_argument,
  invalid_series,
  invalid_json_format,
  required_granularity,
  required_series,
  invalid_impute_mode,
  invalid_impute_fixed_value,
};

/// The code's name as the API writes it ("InvalidSeries", ...).
const char* name_of(error_code c);

/// Why a request was refused: a code and a sentence naming the field.
struct api_error {
  error_code code;
  std::string detail;
};

/// A `T` or the api_error that refused it. Check `ok()` first.
template <class T>
class result {
public:
  result(T value) : data_(std::move(value)) {}
  result(api_error why) : data_(std::move(why)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(data_); }
  T& value() { return std::get<0>(data_); }
  const api_error& error() const { return std::get<1>(data_); }

private:
  std::variant<T, api_error> data_;
};

enum class granularity : uint8_t {
  yearly, monthly, weekly, daily, hourly, minutely, secondly, microsecond, none
};

/// Parses a granularity name ("minutely", ...); nothing for an unknown one.
std::optional<granularity> granularity_of(const std::string& name);

enum class impute_mode : uint8_t { auto_fill, previous, linear, fixed, zero, not_fill };

/// Parses an impute mode name ("auto", "notFill", ...); nothing for an unknown one.
std::optional<impute_mode> impute_mode_of(const std::string& name);

/// One point of the series: its timestamp (microseconds since the Unix epoch,
/// UTC), absent when the client sent none, and its value.
struct point {
  std::optional<int64_t> time_us;
  double value = 0;
};

/// The options every operation shares, numbers as the client sent them (the
/// detection functions check that integers are integers and ranges hold).
struct series_options {
  std::optional<granularity> gran;       ///< absent: none (entire, last); required for change points
  std::optional<double> custom_interval; ///< granularity units per point (default 1)
  std::optional<double> period;          ///< points per cycle; absent: detected; 0: none
};

/// An entire or last detection request.
struct detect_request {
  std::vector<point> series;
  series_options options;
  std::optional<double> max_anomaly_ratio; ///< (0, 0.5), default 0.25
  std::optional<double> sensitivity;       ///< integer 0-99, default 95
  std::optional<impute_mode> impute;       ///< default auto
  std::optional<double> impute_fixed_value; ///< required by imputeMode fixed
};

/// A change point detection request.
struct changepoint_request {
  std::vector<point> series;
  series_options options;
  std::optional<double> stable_trend_window; ///< integer >= 3, default 10
  std::optional<double> threshold;           ///< (0, 1], default 0.99
};

/// What entire detection answers: one entry per input point.
struct entire_result {
  int period = 0;
  std::vector<double> expected, upper_margin, lower_margin, severity;
  std::vector<bool> anomaly, negative, positive;
};

/// What last detection answers, for the last input point.
struct last_result {
  int period = 0;
  int suggested_window = 0;
  double expected = 0, upper_margin = 0, lower_margin = 0, severity = 0;
  bool anomaly = false, negative = false, positive = false;
};

/// What change point detection answers: one entry per input point.
struct changepoint_result {
  int period = 0;
  std::vector<bool> change_point;
  std::vector<double> confidence;
};

} // namespace model::azure
