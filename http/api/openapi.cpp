#include "http/api/openapi.hpp"

namespace http {

namespace {

constexpr std::string_view document = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "model_server",
    "version": "1.0.0",
    "description": "Time-series anomaly detection: fit a model version per series, predict whether a value is anomalous (by default value > mean + 3 * std of that version's training values; a fit may choose another detector). Every error is {\"detail\": \"...\"} naming the field, except the Azure endpoints' {code, message}. Any request may also get 400 (malformed HTTP), 404 (unknown path), 405 with Allow (wrong method), 408, 414 or 431 (limits of the front end). With auth.tokens-file set, every endpoint but /health/live and /health/ready takes Authorization: Bearer <token> (401 without a valid one, 403 when its scope is too small); each operation's x-scope names the scope it needs (read < write < admin). Without a tokens file the server is open (docs/security.md).",
    "license": {"name": "MIT"}
  },
  "security": [{}, {"BearerToken": []}],
  "tags": [
    {"name": "series", "description": "Fit, predict and inspect series"},
    {"name": "operations", "description": "Health, metrics and this description"},
    {"name": "azure", "description": "Azure Anomaly Detector's univariate API (stateless)"}
  ],
  "paths": {
    "/fit/{series_id}": {
      "post": {
        "operationId": "fit",
        "tags": ["series"],
        "x-scope": "write",
        "summary": "Train a new version of the series' model",
        "description": "Each fit is a new version (1, 2, 3, ...), answered only once it is committed to the store: 200 always means stored, 503 always means not stored. With an Idempotency-Key, a retry of a fit that was stored answers its original version and stores nothing.",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitRequest"}}}},
        "responses": {
          "200": {"description": "Stored durably (or, a retry with the same Idempotency-Key, stored before)", "headers": {"X-Series-Owner": {"$ref": "#/components/headers/SeriesOwner"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitResponse"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "502": {"description": "Cluster only: the node owning the series dropped the connection or stopped answering while the fit was in flight, or its answer was lost; it may or may not be stored (read /series/{series_id} before retrying)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      }
    },
    "/predict/{series_id}": {
      "post": {
        "operationId": "predict",
        "tags": ["series"],
        "x-scope": "read; write when it would teach an online detector (the latest version of ewma or range without learn=false): a read token gets 403 then",
        "summary": "Is the value anomalous for this version?",
        "description": "By default anomaly = value > mean + 3 * std of the version's training values; a version fitted with another detector answers with that detector's bounds. On the latest version an online detector (ewma, range) learns the point after judging it, unless learn=false.",
        "parameters": [
          {"$ref": "#/components/parameters/SeriesId"},
          {"$ref": "#/components/parameters/Version"},
          {"$ref": "#/components/parameters/Explain"},
          {"$ref": "#/components/parameters/Learn"}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
        "responses": {
          "200": {"description": "Prediction", "headers": {"X-Series-Owner": {"$ref": "#/components/headers/SeriesOwner"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/predict/{series_id}/batch": {
      "post": {
        "operationId": "predictBatch",
        "tags": ["series"],
        "x-scope": "read; write when it would teach an online detector (the latest version of ewma or range without learn=false): a read token gets 403 then",
        "summary": "Judge many points in order, in one message to the series' actor",
        "description": "The points are judged (and, on the latest version of an online detector, learned) in order: a batch answers as the same points sent one by one would. Not counted in /healthcheck's inference latency.",
        "parameters": [
          {"$ref": "#/components/parameters/SeriesId"},
          {"$ref": "#/components/parameters/Version"},
          {"$ref": "#/components/parameters/Explain"},
          {"$ref": "#/components/parameters/Learn"}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}}},
        "responses": {
          "200": {"description": "One verdict per point, in the request's order", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResponse"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/healthcheck": {
      "get": {
        "operationId": "healthcheck",
        "x-scope": "read",
        "tags": ["operations"],
        "summary": "Series trained and server-side latencies",
        "description": "In a cluster series_trained sums every node's count (a peer that does not answer counts with its last figure).",
        "responses": {
          "200": {"description": "Health", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Healthcheck"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/plot": {
      "get": {
        "operationId": "plot",
        "x-scope": "read",
        "tags": ["series"],
        "summary": "HTML page drawing a version's training points and its detector's bounds",
        "description": "Self-contained: inline SVG, no scripts, nothing fetched. At most 2,000 points are drawn (the minimum and maximum of each of 1,000 time buckets).",
        "parameters": [
          {"name": "series_id", "in": "query", "required": true, "description": "The series, as in /fit/{series_id}", "schema": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$"}},
          {"$ref": "#/components/parameters/Version"}
        ],
        "responses": {
          "200": {"description": "Self-contained HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/series/{series_id}": {
      "get": {
        "operationId": "listVersions",
        "x-scope": "read",
        "tags": ["series"],
        "summary": "The stored versions of a series with their statistics, a page at a time",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"},
          {"name": "limit", "in": "query", "required": false, "description": "versions per page, 1-10000 (default 1000)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}},
          {"name": "after", "in": "query", "required": false, "description": "list versions after this one (the previous page's next)", "schema": {"type": "integer", "minimum": 0, "default": 0}}],
        "responses": {
          "200": {"description": "Versions, with when the series last got a point and its typical interval", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesVersions"}}}},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      },
      "delete": {
        "operationId": "deleteSeries",
        "tags": ["series"],
        "x-scope": "admin",
        "summary": "Delete the series: every version, training point and saved state",
        "description": "Answered once the deletion is committed (durable), by the node owning the series. Afterwards the series answers 404 and its next fit is version 1. A fit sent before the deletion is stored, then deleted with the series.",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"}],
        "responses": {
          "200": {"description": "Deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deleted"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "502": {"description": "Cluster only: the owner stopped answering while the deletion was in flight; it may or may not be done (read /series/{series_id} before retrying)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/series/{series_id}/versions/{version}": {
      "delete": {
        "operationId": "deleteVersion",
        "tags": ["series"],
        "x-scope": "admin",
        "summary": "Delete one version with its training points",
        "description": "Answered once the deletion is committed. The other versions keep their numbers, and numbers are never reused: the next fit is the highest number so far + 1, also after deleting the latest version.",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"},
          {"name": "version", "in": "path", "required": true, "description": "N or vN (N >= 1); a deletion names its version (latest is refused)", "schema": {"type": "string", "pattern": "^[vV]?[0-9]+$"}}],
        "responses": {
          "200": {"description": "Deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deleted"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Invalid"},
          "502": {"description": "Cluster only: the owner stopped answering while the deletion was in flight; it may or may not be done", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/admin/backup": {
      "post": {
        "operationId": "backup",
        "tags": ["operations"],
        "x-scope": "admin",
        "summary": "Copy this node's store while it serves",
        "description": "A consistent, compacted copy (SQLite's VACUUM INTO from a read-only connection), synced, written to data-dir/backups/: every fit acknowledged before the request is in it. One at a time; in a cluster, each node copies the series it owns.",
        "responses": {
          "200": {"description": "The backup", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Backup"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "501": {"description": "store.backend=postgres: the store is a shared database, backed up with pg_dump (docs/cluster.md)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      }
    },
    "/series/": {
      "get": {
        "operationId": "silentSeries",
        "x-scope": "read",
        "tags": ["series"],
        "summary": "Series gone silent: no point for more than silent_for times their typical interval (a \"no data\" signal), a page at a time",
        "parameters": [
          {"name": "silent_for", "in": "query", "required": true, "description": "typical intervals without a point, above 0 and at most 1e6 (e.g. 3)", "schema": {"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 1000000}},
          {"name": "after", "in": "query", "required": false, "description": "list series after this id (the previous page's next)", "schema": {"type": "string"}},
          {"name": "limit", "in": "query", "required": false, "description": "series per page, 1-10000 (default 1000)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}}],
        "responses": {
          "200": {"description": "Silent series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SilentSeries"}}}},
          "422": {"$ref": "#/components/responses/Invalid"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/detectors": {
      "get": {
        "operationId": "detectors",
        "x-scope": "read",
        "tags": ["series"],
        "summary": "Every detector a fit may choose, with its parameters (defaults, ranges, docs)",
        "responses": {"200": {"description": "The detectors", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detectors"}}}}}
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "x-scope": "admin",
        "tags": ["operations"],
        "summary": "Prometheus text-format metrics",
        "description": "Requests by endpoint and status, latency histograms, in-flight and rejected requests, connections, series actors, store commits, model_server_build_info{version,commit} and, in a cluster, model_server_cluster_peers{state}.",
        "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/health/live": {
      "get": {"operationId": "live", "tags": ["operations"], "summary": "The process is up (no token needed)", "security": [{}], "responses": {"200": {"$ref": "#/components/responses/Status"}}}
    },
    "/health/ready": {
      "get": {
        "operationId": "ready",
        "tags": ["operations"],
        "summary": "Store open, recovery done, not draining (no token needed)",
        "security": [{}],
        "responses": {"200": {"$ref": "#/components/responses/Status"}, "503": {"$ref": "#/components/responses/Status"}}
      }
    },
    "/openapi.json": {
      "get": {"operationId": "openapi", "tags": ["operations"], "x-scope": "read", "summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}}}}
    },
    "/docs": {
      "get": {"operationId": "docs", "tags": ["operations"], "x-scope": "read", "summary": "This document as a readable HTML page (no scripts, nothing fetched)", "responses": {"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}}
    },
    "/anomalydetector/{apiVersion}/timeseries/entire/detect": {
      "post": {
        "tags": ["azure"],
        "operationId": "azureDetectEntireSeries",
        "summary": "Azure Anomaly Detector (univariate): judge every point of the series against a fit of the whole series. Stateless; nothing is stored",
        "parameters": [{"$ref": "#/components/parameters/AzureApiVersion"}],
        "security": [{}, {"AzureApiKey": []}, {"BearerToken": []}],
        "x-scope": "read",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureDetectRequest"}}}},
        "responses": {
          "200": {"description": "One entry per input point", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureEntireResponse"}}}},
          "400": {"$ref": "#/components/responses/AzureError"},
          "404": {"$ref": "#/components/responses/AzureError"}
        }
      }
    },
    "/anomalydetector/{apiVersion}/timeseries/last/detect": {
      "post": {
        "tags": ["azure"],
        "operationId": "azureDetectLastPoint",
        "summary": "Azure Anomaly Detector (univariate): judge the last point against a fit of the points before it",
        "parameters": [{"$ref": "#/components/parameters/AzureApiVersion"}],
        "security": [{}, {"AzureApiKey": []}, {"BearerToken": []}],
        "x-scope": "read",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureDetectRequest"}}}},
        "responses": {
          "200": {"description": "The last point's verdict", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureLastResponse"}}}},
          "400": {"$ref": "#/components/responses/AzureError"},
          "404": {"$ref": "#/components/responses/AzureError"}
        }
      }
    },
    "/anomalydetector/{apiVersion}/timeseries/changepoint/detect": {
      "post": {
        "tags": ["azure"],
        "operationId": "azureDetectChangePoint",
        "summary": "Azure Anomaly Detector (univariate): level or trend shifts that hold for stableTrendWindow points",
        "parameters": [{"$ref": "#/components/parameters/AzureApiVersion"}],
        "security": [{}, {"AzureApiKey": []}, {"BearerToken": []}],
        "x-scope": "read",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureChangePointRequest"}}}},
        "responses": {
          "200": {"description": "One entry per input point", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureChangePointResponse"}}}},
          "400": {"$ref": "#/components/responses/AzureError"},
          "404": {"$ref": "#/components/responses/AzureError"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "BearerToken": {"type": "http", "scheme": "bearer", "description": "A token from auth.tokens-file (stored there as its SHA-256), with the scope read, write or admin; required when the server has a tokens file. 401 without a valid token, 403 when its scope is too small"},
      "AzureApiKey": {"type": "apiKey", "in": "header", "name": "Ocp-Apim-Subscription-Key", "description": "The Azure-compatible endpoints' key: with a tokens file, any token of the read scope or above (a bearer token works too; 401 in this API's {code, message} shape otherwise); ignored without one"}
    },
    "headers": {
      "SeriesOwner": {"description": "In a cluster: the HTTP host:port of the node owning the series now (cluster.advertise-http), so that a client or proxy can send the series' next requests there directly and save the forwarding hop. Absent on a single node", "schema": {"type": "string"}}
    },
    "parameters": {
      "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false, "description": "1-255 visible ASCII characters chosen by the client, one per fit: a fit retried with the same key (after a 502, a 504 or a lost answer) within store.idempotency-ttl-s answers the version first stored and stores nothing new", "schema": {"type": "string", "maxLength": 255, "pattern": "^[!-~]+$"}},
      "SeriesId": {"name": "series_id", "in": "path", "required": true, "description": "1-128 bytes of [A-Za-z0-9._:-], not containing '..'; one path segment", "schema": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$"}},
      "Version": {"name": "version", "in": "query", "required": false, "description": "N, vN or VN (N >= 1) for version N; absent, empty, 0 or latest for the latest version", "schema": {"type": "string", "pattern": "^(latest|[vV]?[0-9]+)?$"}},
      "Explain": {"name": "explain", "in": "query", "required": false, "description": "true or 1: add score, expected, lower, upper, anomaly_score and side to the answer", "schema": {"type": "string", "enum": ["true", "false", "1", "0"], "default": "false"}},
      "Learn": {"name": "learn", "in": "query", "required": false, "description": "false or 0: an online detector (ewma, range) only scores the point(s) and learns nothing; true or 1 (the default): it learns them, on the latest version only", "schema": {"type": "string", "enum": ["true", "false", "1", "0"], "default": "true"}},
      "AzureApiVersion": {"name": "apiVersion", "in": "path", "required": true, "description": "Any version with the univariate shapes; others get 404", "schema": {"type": "string", "enum": ["v1.0", "v1.1-preview", "v1.1-preview.1", "v1.1-preview.2", "v1.1", "v1.2-preview"]}}
    },
    "responses": {
      "Invalid": {"description": "Refused, naming the field: invalid JSON, a missing or mistyped field, a broken training rule, a bad series id, version or query parameter. Nothing was done", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "The series was never trained, or the version does not exist", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body is larger than http.max-body-bytes (by Content-Length, or by the running sum of a chunked body)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {
        "description": "Overloaded, shutting down, the store failed, past the request's deadline, or (in a cluster) the node owning the series is unreachable; nothing was done; retry later",
        "headers": {"Retry-After": {"description": "Seconds to wait (1)", "schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unauthorized": {
        "description": "No token, an unknown (or revoked) token, or an Authorization header that is not a bearer token; only when the server has a tokens file",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm=\"model_server\" (with error=\"invalid_token\" for an unknown token)"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Forbidden": {
        "description": "The token's scope is too small; for a predict, a read token asking the latest version of an online detector to learn (add learn=false)",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "For a scope checked at the door: Bearer realm=\"model_server\", error=\"insufficient_scope\", scope=\"...\""}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "InsufficientStorage": {
        "description": "The disk is full, or (a fit of a new series) the store holds store.max-series series; nothing was stored, existing series keep working",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Status": {"description": "Status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
      "AzureError": {
        "description": "Refused (400), or an unknown API version (404); nothing was computed",
        "headers": {"x-ms-error-code": {"schema": {"type": "string"}, "description": "The body's code"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureError"}}}
      }
    },
    "schemas": {
      "FitRequest": {
        "type": "object",
        "required": ["timestamps", "values"],
        "properties": {
          "timestamps": {"type": "array", "items": {"type": "integer", "format": "int64", "minimum": 0}, "description": "Unix seconds, strictly increasing (non-decreasing for detectors other than contract); integral floats such as 3.0 are accepted"},
          "values": {"type": "array", "items": {"type": "number"}, "description": "Finite, not all equal (unless the detector has a floor); same length as timestamps; at least server.min-training-points after exclusions"},
          "detector": {"$ref": "#/components/schemas/DetectorSpec"},
          "exclude": {"type": "array", "items": {"type": "array", "items": {"type": "integer", "format": "int64"}, "minItems": 2, "maxItems": 2}, "description": "Optional: [from_ts, to_ts] windows (ends included, from_ts <= to_ts) whose points are left out of training and do not count toward the minimum (known incidents)"}
        }
      },
      "DetectorSpec": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["contract", "zscore", "mad", "ewma", "seasonal", "range"]}},
        "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string", "enum": ["upper", "lower", "both"]}]},
        "description": "A detector and its parameters (GET /detectors lists them with their defaults and ranges). In a fit: optional; absent or null, the server's default (server.default-detector; the contract's rule unless the operator chose another). An unknown type or parameter, or a value out of range, is refused (422)"
      },
      "Detector": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["contract", "zscore", "mad", "ewma", "seasonal", "range"]}},
        "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string", "enum": ["upper", "lower", "both"]}]},
        "description": "A version's detector with every parameter of its type, defaults included"
      },
      "FitResponse": {
        "type": "object",
        "required": ["series_id", "version", "points_used"],
        "properties": {"series_id": {"type": "string"}, "version": {"type": "string", "description": "The new version's number, as a string"}, "points_used": {"type": "integer", "description": "Training points after exclusions"}},
        "additionalProperties": false
      },
      "PredictRequest": {
        "type": "object",
        "required": ["timestamp", "value"],
        "properties": {
          "timestamp": {"oneOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer", "minimum": 0}], "description": "Unix seconds: a digit string or a non-negative integer"},
          "value": {"type": "number", "description": "Finite"}
        }
      },
      "PredictResponse": {
        "type": "object",
        "required": ["anomaly", "model_version"],
        "properties": {"anomaly": {"type": "boolean"}, "model_version": {"type": "string", "description": "The version that judged the point"},
          "score": {"type": "number", "nullable": true, "description": "explain only: (value - expected) / scale; null past the double range"},
          "expected": {"type": "number", "nullable": true, "description": "explain only: the detector's center; null past the double range"},
          "lower": {"type": "number", "nullable": true, "description": "explain only: below it is anomalous; null when not checked (or past the double range)"},
          "upper": {"type": "number", "nullable": true, "description": "explain only: above it is anomalous; null when not checked (or past the double range)"},
          "anomaly_score": {"type": "number", "nullable": true, "description": "explain only: >= 1 exactly when the point is anomalous, the same meaning for every detector (distance from expected over the distance to the bound it heads for; the largest over a detector's views); null past the double range"},
          "side": {"type": "string", "enum": ["upper", "lower"], "description": "explain and an anomalous point only: the bound it crossed"}},
        "additionalProperties": false
      },
      "BatchRequest": {
        "type": "object",
        "required": ["timestamps", "values"],
        "properties": {
          "timestamps": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "integer", "format": "int64", "minimum": 0}, "description": "Unix seconds, one per value"},
          "values": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "number"}, "description": "Finite; 1-100,000, as many as timestamps"}
        }
      },
      "BatchResponse": {
        "type": "object",
        "required": ["anomalies", "model_version"],
        "properties": {
          "anomalies": {"type": "array", "items": {"type": "boolean"}, "description": "One per point, in order"},
          "model_version": {"type": "string"},
          "score": {"type": "array", "items": {"type": "number", "nullable": true}, "description": "explain only, one per point: as in a predict's answer"},
          "expected": {"type": "array", "items": {"type": "number", "nullable": true}, "description": "explain only, one per point"},
          "lower": {"type": "array", "items": {"type": "number", "nullable": true}, "description": "explain only, one per point; null where not checked"},
          "upper": {"type": "array", "items": {"type": "number", "nullable": true}, "description": "explain only, one per point; null where not checked"},
          "anomaly_score": {"type": "array", "items": {"type": "number", "nullable": true}, "description": "explain only, one per point: >= 1 exactly when anomalous"},
          "side": {"type": "array", "items": {"type": "string", "enum": ["upper", "lower"], "nullable": true}, "description": "explain only, one per point: the bound an anomalous point crossed; null for the others"}
        },
        "additionalProperties": false
      },
      "Latency": {
        "type": "object",
        "required": ["avg", "p95"],
        "properties": {"avg": {"type": "number"}, "p95": {"type": "number"}},
        "additionalProperties": false
      },
      "Healthcheck": {
        "type": "object",
        "required": ["series_trained", "inference_latency_ms", "training_latency_ms"],
        "properties": {
          "series_trained": {"type": "integer", "description": "Series with at least one stored version"},
          "inference_latency_ms": {"$ref": "#/components/schemas/Latency"},
          "training_latency_ms": {"$ref": "#/components/schemas/Latency"}
        },
        "additionalProperties": false
      },
      "Bounds": {
        "type": "object",
        "required": ["expected", "lower", "upper"],
        "properties": {"expected": {"type": "number", "nullable": true}, "lower": {"type": "number", "nullable": true}, "upper": {"type": "number", "nullable": true}},
        "additionalProperties": false
      },
      "VersionInfo": {
        "type": "object",
        "required": ["version", "points_used", "mean", "std", "threshold", "created_at_ms", "detector", "lower", "upper"],
        "properties": {
          "version": {"type": "string"}, "points_used": {"type": "integer"}, "mean": {"type": "number"},
          "std": {"type": "number", "description": "Population standard deviation of the training values"},
          "threshold": {"type": "number", "description": "mean + 3 * std (the contract's rule)"},
          "created_at_ms": {"type": "integer", "format": "int64", "description": "Unix ms of the commit"},
          "detector": {"$ref": "#/components/schemas/Detector"},
          "lower": {"type": "number", "nullable": true, "description": "The detector's lower bound (an online detector's as learned now); null when that side is not checked"},
          "upper": {"type": "number", "nullable": true, "description": "The detector's upper bound; null when that side is not checked"},
          "phases": {"type": "array", "items": {"$ref": "#/components/schemas/Bounds"}, "description": "seasonal only: each phase's center and bounds, in the period's order"}
        },
        "additionalProperties": false
      },
      "LastSeen": {
        "type": "object",
        "required": ["server_ms", "timestamp"],
        "properties": {"server_ms": {"type": "integer", "format": "int64", "description": "server time (Unix ms) of the series' latest point or fit, as last saved (at most server.checkpoint-interval-ms behind)"}, "timestamp": {"type": "integer", "format": "int64", "description": "the latest point's own timestamp"}},
        "additionalProperties": false
      },
      "SeriesVersions": {
        "type": "object",
        "required": ["series_id", "versions", "next"],
        "properties": {
          "series_id": {"type": "string"},
          "versions": {"type": "array", "items": {"$ref": "#/components/schemas/VersionInfo"}},
          "next": {"type": "string", "nullable": true, "description": "pass as `after` for the next page; null on the last page"},
          "last_seen": {"$ref": "#/components/schemas/LastSeen"},
          "interval_s": {"type": "number", "nullable": true, "description": "the series' typical interval: the median of its last 15 gaps between timestamps; null before two points"}
        },
        "additionalProperties": false
      },
      "SilentSeries": {
        "type": "object",
        "required": ["silent_for", "now_ms", "series", "next"],
        "properties": {
          "silent_for": {"type": "number"}, "now_ms": {"type": "integer", "format": "int64"},
          "series": {"type": "array", "items": {"type": "object", "required": ["series_id", "last_seen", "interval_s", "silent_s"], "additionalProperties": false, "properties": {
            "series_id": {"type": "string"}, "last_seen": {"$ref": "#/components/schemas/LastSeen"},
            "interval_s": {"type": "number", "nullable": true}, "silent_s": {"type": "number", "description": "seconds since last_seen.server_ms"}}}},
          "next": {"type": "string", "nullable": true, "description": "pass as `after` for the next page; null on the last page"}
        },
        "additionalProperties": false
      },
      "Detectors": {
        "type": "object",
        "required": ["detectors"],
        "properties": {"detectors": {"type": "array", "items": {"type": "object", "required": ["type", "online", "doc", "params"], "additionalProperties": false, "properties": {
          "type": {"type": "string"}, "online": {"type": "boolean", "description": "learns from the points it is asked about"}, "doc": {"type": "string"},
          "params": {"type": "object", "additionalProperties": {"oneOf": [{"$ref": "#/components/schemas/NumberParam"}, {"$ref": "#/components/schemas/ChoiceParam"}]}}}}}},
        "additionalProperties": false
      },
      "NumberParam": {"type": "object", "required": ["default", "min", "max", "doc"], "additionalProperties": false, "properties": {"default": {"type": "number"}, "min": {"type": "number"}, "max": {"type": "number"}, "doc": {"type": "string"}}},
      "ChoiceParam": {"type": "object", "required": ["default", "choices", "doc"], "additionalProperties": false, "properties": {"default": {"type": "string"}, "choices": {"type": "array", "items": {"type": "string"}}, "doc": {"type": "string"}}},
      "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["live", "ready", "draining", "store down"]}, "reason": {"type": "string"}}, "additionalProperties": false},
      "Deleted": {"type": "object", "required": ["series_id", "deleted_versions"], "properties": {"series_id": {"type": "string"}, "version": {"type": "string", "description": "a version's deletion only"}, "deleted_versions": {"type": "integer", "minimum": 0}}, "additionalProperties": false},
      "Backup": {"type": "object", "required": ["file", "bytes", "series", "took_ms"], "properties": {"file": {"type": "string", "description": "its name in data-dir/backups/"}, "bytes": {"type": "integer"}, "series": {"type": "integer"}, "took_ms": {"type": "integer"}}, "additionalProperties": false},
      "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string", "description": "What is wrong, naming the field"}}, "additionalProperties": false},
      "AzurePoint": {"type": "object", "required": ["value"], "properties": {
        "timestamp": {"type": "string", "format": "date-time", "description": "ISO 8601; required unless granularity is none; ascending, unique, on the granularity's grid"},
        "value": {"type": "number", "description": "Finite, within the float range"}}},
      "AzureDetectRequest": {"type": "object", "required": ["series"], "properties": {
        "series": {"type": "array", "minItems": 12, "maxItems": 8640, "items": {"$ref": "#/components/schemas/AzurePoint"}, "description": "12-8,640 points (at least 4 periods when period is given)"},
        "granularity": {"type": "string", "enum": ["yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly", "microsecond", "none"], "description": "Default none: the points are taken as they are"},
        "customInterval": {"type": "integer", "minimum": 1, "description": "Granularity units per point (default 1)"},
        "period": {"type": "integer", "minimum": 0, "description": "Points per cycle; absent: detected; 0: none"},
        "maxAnomalyRatio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 0.5, "exclusiveMaximum": true, "description": "Default 0.25"},
        "sensitivity": {"type": "integer", "minimum": 0, "maximum": 99, "description": "Default 95; margins are 2 * sqrt(100 - sensitivity) residual standard deviations"},
        "imputeMode": {"type": "string", "enum": ["auto", "previous", "linear", "fixed", "zero", "notFill"], "description": "How gaps in the grid are filled (default auto: linear)"},
        "imputeFixedValue": {"type": "number", "description": "Required by imputeMode fixed"}}},
      "AzureChangePointRequest": {"type": "object", "required": ["series", "granularity"], "properties": {
        "series": {"type": "array", "minItems": 12, "maxItems": 8640, "items": {"$ref": "#/components/schemas/AzurePoint"}},
        "granularity": {"type": "string", "enum": ["yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly", "microsecond"]},
        "customInterval": {"type": "integer", "minimum": 1},
        "period": {"type": "integer", "minimum": 0},
        "stableTrendWindow": {"type": "integer", "minimum": 3, "description": "Points the new level or trend must hold (default 10; at most half the series)"},
        "threshold": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "description": "Default 0.99; lower finds fewer change points"}}},
      "AzureEntireResponse": {"type": "object", "required": ["period", "expectedValues", "upperMargins", "lowerMargins", "isAnomaly", "isNegativeAnomaly", "isPositiveAnomaly", "severity"], "properties": {
        "period": {"type": "integer", "description": "0: none"},
        "expectedValues": {"type": "array", "items": {"type": "number"}},
        "upperMargins": {"type": "array", "items": {"type": "number"}},
        "lowerMargins": {"type": "array", "items": {"type": "number"}},
        "isAnomaly": {"type": "array", "items": {"type": "boolean"}, "description": "Outside expected -/+ margin"},
        "isNegativeAnomaly": {"type": "array", "items": {"type": "boolean"}},
        "isPositiveAnomaly": {"type": "array", "items": {"type": "boolean"}},
        "severity": {"type": "array", "items": {"type": "number"}, "description": "0 inside the margins; 1 - margin / |value - expected| outside"}}},
      "AzureLastResponse": {"type": "object", "required": ["period", "suggestedWindow", "expectedValue", "upperMargin", "lowerMargin", "isAnomaly", "isNegativeAnomaly", "isPositiveAnomaly"], "properties": {
        "period": {"type": "integer"}, "suggestedWindow": {"type": "integer", "description": "4 periods + 1, or 14 without a period"},
        "expectedValue": {"type": "number"}, "upperMargin": {"type": "number"}, "lowerMargin": {"type": "number"},
        "isAnomaly": {"type": "boolean"}, "isNegativeAnomaly": {"type": "boolean"}, "isPositiveAnomaly": {"type": "boolean"}, "severity": {"type": "number"}}},
      "AzureChangePointResponse": {"type": "object", "required": ["period", "isChangePoint", "confidenceScores"], "properties": {
        "period": {"type": "integer"},
        "isChangePoint": {"type": "array", "items": {"type": "boolean"}},
        "confidenceScores": {"type": "array", "items": {"type": "number"}, "description": "z^2 / (z^2 + 5.5^2) of the shift's score z, in [0, 1)"}}},
      "AzureError": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "enum": ["InvalidCustomInterval", "BadArgument", "InvalidGranularity", "InvalidPeriod", "InvalidModelArgument", "InvalidSeries", "InvalidJsonFormat", "RequiredGranularity", "RequiredSeries", "InvalidImputeMode", "InvalidImputeFixedValue", "NotFound", "MethodNotAllowed"]},
        "message": {"type": "string"}}}
    }
  }
})json";

} // namespace

std::string_view openapi_json() {
  return document;
}

} // namespace http
