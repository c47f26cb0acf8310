// libFuzzer target: the scalar request parameters (series id, version query
// parameter, timestamp digits) and the error body that echoes their detail.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/api/codec.hpp"
#include "http/api/query.hpp"
#include "model/request_params.hpp"
#include "model/series_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto problem = model::series_id_problem(text))
    (void)http::encode_error(*problem);
  auto version = http::parse_version(text);
  if (!version.ok())
    (void)http::encode_error(version.detail());
  (void)model::parse_timestamp_digits(text);
  return 0;
}
