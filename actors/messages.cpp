#include "actors/messages.hpp"

#include <chrono>

namespace actors {

caf::error make_error(server_error code, std::string detail) {
  return caf::make_error(code, std::move(detail));
}

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool deadline_passed(int64_t deadline_ms) {
  return deadline_ms != 0 && unix_ms_now() > deadline_ms;
}

caf::error deadline_error() {
  return make_error(server_error::overloaded,
                    "the request waited past its deadline (request-timeout-ms) and was not "
                    "processed; retry");
}

std::string error_detail(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return "internal error: " + caf::to_string(err);
}

} // namespace actors
