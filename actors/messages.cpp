#include "actors/messages.hpp"

namespace actors {

caf::error make_error(server_error code, std::string detail) {
  return caf::make_error(code, std::move(detail));
}

std::string error_detail(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return "internal error: " + caf::to_string(err);
}

} // namespace actors
