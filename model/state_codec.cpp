// A detector's state as the store keeps it: an opaque, versioned blob.
//   byte 0     blob format (1)
//   byte 1     the detector's state_format (its layout's version)
//   8 bytes    learned        4 bytes quiet        8 bytes alarm timestamp
//   4 bytes    count n, then n doubles (IEEE 754 bits)
// All little-endian. Reading checks every field and asks the detector
// whether the numbers are a layout it could have made.
#include <cmath>
#include <cstring>

#include "model/detector.hpp"

namespace model {

namespace {

constexpr uint8_t blob_format = 1;
constexpr std::size_t header_bytes = 2 + 8 + 4 + 8 + 4;
/// Most numbers a state may hold (range's largest layout is ~8,000).
constexpr uint64_t max_numbers = 1u << 20;

void put(std::string& out, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

uint64_t get(std::string_view& in, int bytes) {
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i)
    x |= static_cast<uint64_t>(static_cast<uint8_t>(in[static_cast<std::size_t>(i)])) << (8 * i);
  in.remove_prefix(static_cast<std::size_t>(bytes));
  return x;
}

} // namespace

std::string encode_state(const detector_spec& spec, const detector_state& state) {
  std::string out;
  out.reserve(header_bytes + 8 * state.numbers.size());
  put(out, blob_format, 1);
  put(out, detector_of(spec).info().state_format, 1);
  put(out, state.learned, 8);
  put(out, state.quiet, 4);
  put(out, static_cast<uint64_t>(state.alarm_ts), 8);
  put(out, state.numbers.size(), 4);
  for (double x : state.numbers) {
    uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    put(out, bits, 8);
  }
  return out;
}

std::optional<detector_state> decode_state(const detector_spec& spec, std::string_view blob) {
  if (blob.size() < header_bytes)
    return std::nullopt;
  const auto& d = detector_of(spec);
  if (get(blob, 1) != blob_format || get(blob, 1) != d.info().state_format)
    return std::nullopt;
  detector_state s;
  s.learned = get(blob, 8);
  s.quiet = static_cast<uint32_t>(get(blob, 4));
  s.alarm_ts = static_cast<int64_t>(get(blob, 8));
  auto n = get(blob, 4);
  if (n > max_numbers || blob.size() != 8 * n || s.quiet > number_param(spec, "cooldown"))
    return std::nullopt;
  s.numbers.resize(static_cast<std::size_t>(n));
  for (auto& x : s.numbers) {
    uint64_t bits = get(blob, 8);
    std::memcpy(&x, &bits, sizeof x);
  }
  if (!d.valid(spec, s))
    return std::nullopt;
  return s;
}

std::optional<std::pair<detector_spec, detector_state>> from_schema4(std::string_view text,
                                                                     const legacy_row& row) {
  auto spec = from_text(text);
  if (!spec)
    return std::nullopt;
  auto state = detector_of(*spec).from_legacy(*spec, row);
  if (!state || !detector_of(*spec).valid(*spec, *state))
    return std::nullopt;
  if (state->quiet > number_param(*spec, "cooldown"))
    state->quiet = static_cast<uint32_t>(number_param(*spec, "cooldown"));
  return std::make_pair(*spec, std::move(*state));
}

} // namespace model
