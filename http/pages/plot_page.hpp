// The /plot page: a self-contained HTML document (inline SVG, no scripts, no
// external fonts) showing a version's training points (at most 2,000 drawn:
// min and max per time bucket beyond that), its detector's bounds, a legend
// naming every mark, and a time axis at round UTC times.
// Pure function, callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include "actors/messages.hpp"

namespace http {

/// Renders the page for `series_id` at the version in `vp`.
std::string render_plot_page(std::string_view series_id, const actors::version_points& vp);

} // namespace http
