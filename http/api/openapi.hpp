// The API description served at GET /openapi.json (OpenAPI 3.0.3) and drawn
// as HTML at GET /docs: every route install_routes serves (openapi_tests
// checks it), with each answer's schema (tests/scripts/openapi_check.py
// validates real answers against them). Pure data.
#pragma once

#include <string_view>

namespace http {

/// The OpenAPI document, as JSON text.
std::string_view openapi_json();

} // namespace http
