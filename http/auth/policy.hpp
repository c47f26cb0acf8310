// Who may do what: the scope each request needs, from its method and path
// alone. A predict needs `read`; whether it learns (which needs `write`)
// depends on the series' detector, so the series actor decides it from the
// caller's scope carried in the query (predict_query::may_learn). Pure;
// callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace http::auth {

enum class need : uint8_t {
  none = 0,  ///< open to anyone who reaches the port (orchestrators' probes)
  read = 1,
  write = 2,
  admin = 3,
};

/// The scope `method` on `path` (without its query) needs:
///   none  /health/live, /health/ready
///   write POST /fit/{id}
///   admin DELETE /series/..., /metrics, /admin/...
///   read  everything else: predicts, batches, /plot, /series, /detectors,
///         /healthcheck, /openapi.json, the Azure-compatible API, and unknown
///         paths or methods (so a caller without a token learns nothing).
need required(std::string_view method, std::string_view path);

/// Whether `path` belongs to the Azure-compatible API, which takes its key
/// in Ocp-Apim-Subscription-Key and answers errors in Azure's shape.
bool azure_path(std::string_view path);

} // namespace http::auth
