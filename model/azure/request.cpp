#include "model/azure/request.hpp"

namespace model::azure {

const char* name_of(error_code c) {
  switch (c) {
    case error_code::invalid_custom_interval: return "InvalidCustomInterval";
    case error_code::bad_argument: return "BadArgument";
    case error_code::invalid_granularity: return "InvalidGranularity";
    case error_code::invalid_period: return "InvalidPeriod";
    case error_code::invalid_model_argument: return "InvalidModelArgument";
    case error_code::invalid_series: return "InvalidSeries";
    case error_code::invalid_json_format: return "InvalidJsonFormat";
    case error_code::required_granularity: return "RequiredGranularity";
    case error_code::required_series: return "RequiredSeries";
    case error_code::invalid_impute_mode: return "InvalidImputeMode";
    case error_code::invalid_impute_fixed_value: return "InvalidImputeFixedValue";
  }
  return "BadArgument";
}

std::optional<granularity> granularity_of(const std::string& name) {
  static const std::pair<const char*, granularity> names[] = {
    {"yearly", granularity::yearly},       {"monthly", granularity::monthly},
    {"weekly", granularity::weekly},       {"daily", granularity::daily},
    {"hourly", granularity::hourly},       {"minutely", granularity::minutely},
    {"secondly", granularity::secondly},   {"microsecond", granularity::microsecond},
    {"none", granularity::none}};
  for (const auto& [n, g] : names)
    if (name == n)
      return g;
  return std::nullopt;
}

std::optional<impute_mode> impute_mode_of(const std::string& name) {
  static const std::pair<const char*, impute_mode> names[] = {
    {"auto", impute_mode::auto_fill}, {"previous", impute_mode::previous},
    {"linear", impute_mode::linear},  {"fixed", impute_mode::fixed},
    {"zero", impute_mode::zero},      {"notFill", impute_mode::not_fill}};
  for (const auto& [n, m] : names)
    if (name == n)
      return m;
  return std::nullopt;
}

} // namespace model::azure
