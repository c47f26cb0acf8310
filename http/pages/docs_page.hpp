// The /docs page: the OpenAPI document drawn as one self-contained HTML page
// (inline CSS, no scripts, no external URL): every path and method with its
// parameters, request body and responses, then every schema. Pure function,
// callable from any thread.
#pragma once

#include <string>
#include <string_view>

namespace http {

/// Renders `openapi_json` (an OpenAPI 3.0 document as JSON text). Requires a
/// document that parses; a text that does not gives a page saying so.
std::string render_docs_page(std::string_view openapi_json);

} // namespace http
