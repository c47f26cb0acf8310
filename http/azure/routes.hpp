// The Anomaly Detector univariate REST API (Azure's, retired in 2026) served
// by this server: POST /anomalydetector/{version}/timeseries/{entire,last,
// changepoint}/detect for every API version with the same univariate shapes.
// Stateless: nothing is stored and no series actor is involved. One handler
// per endpoint, each a pure function from the path's version and the body to
// a status and a JSON body (errors as {"code", "message"}, the API's shape);
// install_azure_routes registers them. The handlers compute for up to tens of
// milliseconds, so they run on the compute pool, not on an event loop.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

namespace http::azure {

/// An answer: the HTTP status, the JSON body and, for errors, the API's error
/// code (also sent as the x-ms-error-code header).
struct reply {
  int status = 200;
  std::string body;
  std::string error_code;
};

/// The API versions answered: v1.0, v1.1-preview, v1.1-preview.1,
/// v1.1-preview.2, v1.1 and v1.2-preview.
bool known_version(std::string_view version);

/// POST /anomalydetector/{version}/timeseries/entire/detect
reply handle_entire(std::string_view version, std::string_view body);
/// POST /anomalydetector/{version}/timeseries/last/detect
reply handle_last(std::string_view version, std::string_view body);
/// POST /anomalydetector/{version}/timeseries/changepoint/detect
reply handle_changepoint(std::string_view version, std::string_view body);

/// Registers the three endpoints (and 405 with Allow: POST for other methods
/// on their paths). The Ocp-Apim-Subscription-Key header is checked before
/// routing, with auth.tokens-file, like a bearer token with the read scope.
/// Returns the POST patterns installed.
std::vector<std::string> install_azure_routes(httplib::Server& srv);

} // namespace http::azure
