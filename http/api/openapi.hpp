// The API description served at GET /openapi.json (OpenAPI 3.0.3): the
// contract's operations (fit, predict, healthcheck, plot) plus the additions
// (series listing, metrics, health). Pure data.
#pragma once

#include <string_view>

namespace http {

/// The OpenAPI document, as JSON text.
std::string_view openapi_json();

} // namespace http
