// libFuzzer target: the detector text and state decoders, as the store runs
// them on what it reads back (model::from_text, model::decode_state), then the
// decoded detector judging and learning a point. The input is a text line,
// a NUL, then blob bytes. Any crash, leak, assertion or undefined behaviour
// is a finding; so is a decoded spec whose text does not read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/detector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  auto nul = in.find('\0');
  auto text = in.substr(0, nul);
  auto blob = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
  auto spec = model::from_text(text);
  if (!spec)
    return 0;
  auto again = model::from_text(model::to_text(*spec));
  if (!again || again->values != spec->values)
    std::abort(); // the text form must round-trip
  auto state = model::decode_state(*spec, blob);
  if (!state)
    return 0;
  model::fit_stats stats{3, 1, 0.5};
  auto j = model::judge_and_learn(*spec, stats, *state, {1700000000, 2.5});
  if ((j.anomaly_score >= 1) != j.anomaly)
    std::abort(); // the score convention
  (void)model::encode_state(*spec, *state);
  return 0;
}
