#include "http/api/openapi.hpp"

namespace http {

namespace {

constexpr std::string_view document = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "model_server",
    "version": "1.0.0",
    "description": "Time-series anomaly detection: fit a model version per series, predict whether a value is anomalous (value > mean + 3 * std of that version's training values). With auth.tokens-file set, every endpoint but /health/live and /health/ready takes Authorization: Bearer <token>; each operation's x-scope names the scope it needs (read < write < admin). Without it the server is open (docs/security.md)."
  },
  "security": [{}, {"BearerToken": []}],
  "paths": {
    "/fit/{series_id}": {
      "post": {
        "operationId": "fit",
        "summary": "Train a new version of the series' model",
        "x-scope": "write",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitRequest"}}}},
        "responses": {
          "200": {"description": "Stored durably", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitResponse"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "502": {"description": "Cluster only: the node owning the series dropped the connection while the fit was in flight; it may or may not be stored (read /series/{series_id} before retrying)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      }
    },
    "/predict/{series_id}": {
      "post": {
        "operationId": "predict",
        "summary": "Is the value anomalous for this version?",
        "x-scope": "read; write when it teaches an online detector (the latest version of an online detector, without learn=false)",
        "parameters": [
          {"$ref": "#/components/parameters/SeriesId"},
          {"name": "version", "in": "query", "required": false, "description": "N, vN or VN (N >= 1); absent, empty, 0 or latest for the latest version", "schema": {"type": "string"}},
          {"name": "explain", "in": "query", "required": false, "description": "true or 1: add score, expected, lower, upper, anomaly_score and (for an anomalous point) side to the answer", "schema": {"type": "string", "enum": ["true", "false", "1", "0"]}},
          {"name": "learn", "in": "query", "required": false, "description": "false or 0: an online detector does not learn the point (what a read token must send to predict with the latest version of an online detector)", "schema": {"type": "string", "enum": ["true", "false", "1", "0"]}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
        "responses": {
          "200": {"description": "Prediction", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/healthcheck": {
      "get": {
        "operationId": "healthcheck",
        "x-scope": "read",
        "summary": "Series trained and server-side latencies",
        "responses": {"200": {"description": "Health", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Healthcheck"}}}}}
      }
    },
    "/plot": {
      "get": {
        "operationId": "plot",
        "x-scope": "read",
        "summary": "HTML page with a version's training points, mean and threshold",
        "parameters": [
          {"name": "series_id", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "version", "in": "query", "required": false, "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "Self-contained HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/series/{series_id}": {
      "get": {
        "operationId": "listVersions",
        "x-scope": "read",
        "summary": "The stored versions of a series with their statistics, a page at a time",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"},
          {"name": "limit", "in": "query", "required": false, "description": "versions per page, 1-10000 (default 1000)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
          {"name": "after", "in": "query", "required": false, "description": "list versions after this one (the previous page's next)", "schema": {"type": "integer", "minimum": 0}}],
        "responses": {
          "200": {"description": "Versions, with when the series last got a point and its typical interval", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesVersions"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "operationId": "deleteSeries",
        "summary": "Delete every version, training point and saved state of the series; it then answers 404 and its next fit is version 1. Answered once the deletion is committed (durable), by the node owning the series",
        "x-scope": "admin",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"}],
        "responses": {
          "200": {"description": "Deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deleted"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "502": {"description": "Cluster only: the owner stopped answering while the deletion was in flight; it may or may not be done", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/series/{series_id}/versions/{version}": {
      "delete": {
        "operationId": "deleteVersion",
        "summary": "Delete one version with its training points; the other versions keep their numbers, and numbers are never reused (the next fit is the highest so far + 1). Answered once the deletion is committed",
        "x-scope": "admin",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"},
          {"name": "version", "in": "path", "required": true, "description": "N or vN (N >= 1)", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "Deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deleted"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/admin/backup": {
      "post": {
        "operationId": "backup",
        "summary": "A consistent, compacted copy of this node's store, taken while the server serves, written to data-dir/backups/ (every fit acknowledged before the request is in it)",
        "x-scope": "admin",
        "responses": {
          "200": {"description": "The backup's file (in data-dir/backups/), size, series and duration", "content": {"application/json": {"schema": {"type": "object", "properties": {"file": {"type": "string"}, "bytes": {"type": "integer"}, "series": {"type": "integer"}, "took_ms": {"type": "integer"}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "503": {"$ref": "#/components/responses/Unavailable"},
          "507": {"$ref": "#/components/responses/InsufficientStorage"}
        }
      }
    },
    "/series/": {
      "get": {
        "operationId": "silentSeries",
        "x-scope": "read",
        "summary": "Series gone silent: no point for more than silent_for times their typical interval (a \"no data\" signal), a page at a time",
        "parameters": [
          {"name": "silent_for", "in": "query", "required": true, "description": "typical intervals without a point, above 0 (e.g. 3)", "schema": {"type": "number", "exclusiveMinimum": true, "minimum": 0}},
          {"name": "after", "in": "query", "required": false, "description": "list series after this id (the previous page's next)", "schema": {"type": "string"}},
          {"name": "limit", "in": "query", "required": false, "description": "series per page, 1-10000 (default 1000)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}],
        "responses": {
          "200": {"description": "Silent series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SilentSeries"}}}},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "x-scope": "admin",
        "summary": "Prometheus text-format metrics",
        "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/health/live": {
      "get": {"operationId": "live", "summary": "The process is up (no token needed)", "security": [{}], "responses": {"200": {"$ref": "#/components/responses/Status"}}}
    },
    "/health/ready": {
      "get": {
        "operationId": "ready",
        "summary": "Store open, recovery done, not draining (no token needed)",
        "security": [{}],
        "responses": {"200": {"$ref": "#/components/responses/Status"}, "503": {"$ref": "#/components/responses/Status"}}
      }
    },
    "/detectors": {
      "get": {"operationId": "detectors", "x-scope": "read", "summary": "Every detector a fit may choose, with its parameters (defaults, ranges, docs)", "responses": {"200": {"description": "{\"detectors\": [{\"type\", \"online\", \"doc\", \"params\": {name: {\"default\", \"min\", \"max\" or \"choices\", \"doc\"}}}]}", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/openapi.json": {
      "get": {"operationId": "openapi", "x-scope": "read", "summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/anomalydetector/{apiVersion}/timeseries/entire/detect": {
      "post": {
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
      "AzureApiKey": {"type": "apiKey", "in": "header", "name": "Ocp-Apim-Subscription-Key", "description": "The Azure-compatible endpoints' key: with a tokens file, any token of the read scope or above (a bearer token works too); ignored without one"}
    },
    "parameters": {
      "SeriesId": {"name": "series_id", "in": "path", "required": true, "description": "1-128 bytes of [A-Za-z0-9._:-], not containing '..'", "schema": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$"}},
      "AzureApiVersion": {"name": "apiVersion", "in": "path", "required": true, "description": "Any version with the univariate shapes; others get 404", "schema": {"type": "string", "enum": ["v1.0", "v1.1-preview", "v1.1-preview.1", "v1.1-preview.2", "v1.1", "v1.2-preview"]}}
    },
    "responses": {
      "Error": {"description": "The request was refused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {
        "description": "Overloaded, shutting down, the store failed, or (in a cluster) the node owning the series is unreachable; nothing was done; retry later",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unauthorized": {
        "description": "No token, an unknown token, or an Authorization header that is not a bearer token (the server has a tokens file)",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm=\"model_server\" (error=\"invalid_token\" for an unknown token)"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Forbidden": {
        "description": "The token's scope is too small (for a predict: a read token asking the latest version of an online detector to learn; send learn=false)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "InsufficientStorage": {
        "description": "The disk is full, or (a fit of a new series) the store holds store.max-series series; nothing was stored, existing series keep working",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Status": {"description": "Status", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}, "reason": {"type": "string"}}, "required": ["status"]}}}},
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
          "timestamps": {"type": "array", "items": {"type": "integer", "format": "int64", "minimum": 0}, "description": "Unix seconds, strictly increasing"},
          "values": {"type": "array", "items": {"type": "number"}, "description": "Finite, not all equal; same length as timestamps"},
          "detector": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string", "enum": ["contract", "zscore", "mad", "ewma", "seasonal", "range"]}}, "additionalProperties": true, "description": "Optional: the detector of this version and its parameters (GET /detectors). Absent: the server's default (server.default-detector; the contract's rule unless the operator chose another). Detectors other than contract accept repeated timestamps, and flat values when they have a floor"},
          "exclude": {"type": "array", "items": {"type": "array", "items": {"type": "integer", "format": "int64"}, "minItems": 2, "maxItems": 2}, "description": "Optional: [from_ts, to_ts] windows (ends included, from_ts <= to_ts) whose points are left out of training and do not count toward the minimum (known incidents)"}
        }
      },
      "FitResponse": {
        "type": "object",
        "required": ["series_id", "version", "points_used"],
        "properties": {"series_id": {"type": "string"}, "version": {"type": "string"}, "points_used": {"type": "integer"}},
        "additionalProperties": false
      },
      "PredictRequest": {
        "type": "object",
        "required": ["timestamp", "value"],
        "properties": {
          "timestamp": {"oneOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer", "minimum": 0}]},
          "value": {"type": "number"}
        }
      },
      "PredictResponse": {
        "type": "object",
        "required": ["anomaly", "model_version"],
        "properties": {"anomaly": {"type": "boolean"}, "model_version": {"type": "string"},
          "score": {"type": "number", "nullable": true, "description": "explain=true only: (value - expected) / scale; null past the double range"},
          "expected": {"type": "number", "nullable": true, "description": "explain=true only: the detector's center; null past the double range"},
          "lower": {"type": "number", "nullable": true, "description": "explain=true only: below it is anomalous; null when not checked (or past the double range)"},
          "upper": {"type": "number", "nullable": true, "description": "explain=true only: above it is anomalous; null when not checked (or past the double range)"},
          "anomaly_score": {"type": "number", "description": "explain=true only: >= 1 exactly when the point is anomalous, the same meaning for every detector (distance from expected over the distance to the bound it heads for; the largest over a detector's views)"},
          "side": {"type": "string", "enum": ["upper", "lower"], "description": "explain=true and an anomalous point only: the bound it crossed"}},
        "additionalProperties": false
      },
      "Latency": {
        "type": "object",
        "required": ["avg", "p95"],
        "properties": {"avg": {"type": "number"}, "p95": {"type": "number"}}
      },
      "Healthcheck": {
        "type": "object",
        "required": ["series_trained", "inference_latency_ms", "training_latency_ms"],
        "properties": {
          "series_trained": {"type": "integer"},
          "inference_latency_ms": {"$ref": "#/components/schemas/Latency"},
          "training_latency_ms": {"$ref": "#/components/schemas/Latency"}
        },
        "additionalProperties": false
      },
      "SeriesVersions": {
        "type": "object",
        "properties": {
          "series_id": {"type": "string"},
          "versions": {"type": "array", "items": {"type": "object", "properties": {
            "version": {"type": "string"}, "points_used": {"type": "integer"}, "mean": {"type": "number"},
            "std": {"type": "number"}, "threshold": {"type": "number"}, "created_at_ms": {"type": "integer", "format": "int64"}}}},
          "next": {"type": "string", "nullable": true, "description": "pass as `after` for the next page; null on the last page"},
          "last_seen": {"type": "object", "properties": {"server_ms": {"type": "integer", "format": "int64", "description": "server time (Unix ms) of the series' latest point or fit, as last saved (at most server.checkpoint-interval-ms behind)"}, "timestamp": {"type": "integer", "format": "int64", "description": "the latest point's own timestamp"}}},
          "interval_s": {"type": "number", "nullable": true, "description": "the series' typical interval: the median of its last 15 gaps between timestamps"}
        }
      },
      "SilentSeries": {
        "type": "object",
        "properties": {
          "silent_for": {"type": "number"}, "now_ms": {"type": "integer", "format": "int64"},
          "series": {"type": "array", "items": {"type": "object", "properties": {"series_id": {"type": "string"}, "last_seen": {"type": "object"}, "interval_s": {"type": "number"}, "silent_s": {"type": "number"}}}},
          "next": {"type": "string", "nullable": true, "description": "pass as `after` for the next page; null on the last page"}
        }
      },
      "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
      "Deleted": {"type": "object", "required": ["series_id", "deleted_versions"], "properties": {"series_id": {"type": "string"}, "version": {"type": "string", "description": "one version's deletion only"}, "deleted_versions": {"type": "integer"}}},
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
