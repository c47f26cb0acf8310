#include "http/api/openapi.hpp"

namespace http {

namespace {

constexpr std::string_view document = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "model_server",
    "version": "1.0.0",
    "description": "Time-series anomaly detection: fit a model version per series, predict whether a value is anomalous (value > mean + 3 * std of that version's training values)."
  },
  "paths": {
    "/fit/{series_id}": {
      "post": {
        "operationId": "fit",
        "summary": "Train a new version of the series' model",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitRequest"}}}},
        "responses": {
          "200": {"description": "Stored durably", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FitResponse"}}}},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "502": {"description": "Cluster only: the node owning the series dropped the connection while the fit was in flight; it may or may not be stored (read /series/{series_id} before retrying)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "503": {"$ref": "#/components/responses/Unavailable"}
        }
      }
    },
    "/predict/{series_id}": {
      "post": {
        "operationId": "predict",
        "summary": "Is the value anomalous for this version?",
        "parameters": [
          {"$ref": "#/components/parameters/SeriesId"},
          {"name": "version", "in": "query", "required": false, "description": "N, vN or VN (N >= 1); absent, empty, 0 or latest for the latest version", "schema": {"type": "string"}},
          {"name": "explain", "in": "query", "required": false, "description": "true or 1: add score, expected, lower, upper, anomaly_score and (for an anomalous point) side to the answer", "schema": {"type": "string", "enum": ["true", "false", "1", "0"]}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
        "responses": {
          "200": {"description": "Prediction", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}}},
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
        "summary": "Series trained and server-side latencies",
        "responses": {"200": {"description": "Health", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Healthcheck"}}}}}
      }
    },
    "/plot": {
      "get": {
        "operationId": "plot",
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
        "summary": "The stored versions of a series with their statistics, a page at a time",
        "parameters": [{"$ref": "#/components/parameters/SeriesId"},
          {"name": "limit", "in": "query", "required": false, "description": "versions per page, 1-10000 (default 1000)", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
          {"name": "after", "in": "query", "required": false, "description": "list versions after this one (the previous page's next)", "schema": {"type": "integer", "minimum": 0}}],
        "responses": {
          "200": {"description": "Versions, with when the series last got a point and its typical interval", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesVersions"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/series/": {
      "get": {
        "operationId": "silentSeries",
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
        "summary": "Prometheus text-format metrics",
        "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/health/live": {
      "get": {"operationId": "live", "summary": "The process is up", "responses": {"200": {"$ref": "#/components/responses/Status"}}}
    },
    "/health/ready": {
      "get": {
        "operationId": "ready",
        "summary": "Store open, recovery done, not draining",
        "responses": {"200": {"$ref": "#/components/responses/Status"}, "503": {"$ref": "#/components/responses/Status"}}
      }
    },
    "/detectors": {
      "get": {"operationId": "detectors", "summary": "Every detector a fit may choose, with its parameters (defaults, ranges, docs)", "responses": {"200": {"description": "{\"detectors\": [{\"type\", \"online\", \"doc\", \"params\": {name: {\"default\", \"min\", \"max\" or \"choices\", \"doc\"}}}]}", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/openapi.json": {
      "get": {"operationId": "openapi", "summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    }
  },
  "components": {
    "parameters": {
      "SeriesId": {"name": "series_id", "in": "path", "required": true, "description": "1-128 bytes of [A-Za-z0-9._:-], not containing '..'", "schema": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$"}}
    },
    "responses": {
      "Error": {"description": "The request was refused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {
        "description": "Overloaded, shutting down, the store failed, or (in a cluster) the node owning the series is unreachable; nothing was done; retry later",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Status": {"description": "Status", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}, "reason": {"type": "string"}}, "required": ["status"]}}}}
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
      "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
    }
  }
})json";

} // namespace

std::string_view openapi_json() {
  return document;
}

} // namespace http
