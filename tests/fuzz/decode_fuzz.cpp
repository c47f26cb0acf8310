// libFuzzer target: request body decoding and validation as the server does
// it for a fit and a predict (JSON codec, then the model's contract rules).
// Any crash, leak, assertion or undefined behaviour is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/api/codec.hpp"
#include "model/detector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto training = http::decode_fit(body);
  if (training.ok()) {
    const auto& req = training.value();
    auto fitted = model::fit_detector(req.detector, req.data, 3);
    if (fitted.ok()) {
      auto j = model::judge(req.detector, fitted.value().stats, fitted.value().state,
                            {0, fitted.value().stats.mean});
      (void)j;
    }
  }
  auto query = http::decode_predict(body);
  if (query.ok())
    (void)http::encode_prediction({query.value().value > 0, query.value().version}, true);
  return 0;
}
