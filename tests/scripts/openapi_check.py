#!/usr/bin/python3
"""The served OpenAPI document is valid OpenAPI 3.0, and real answers match it.

  openapi_check.py MODEL_SERVER_BINARY

1. Starts the binary on a free port with a fresh store and reads /openapi.json.
2. Validates the document against the OpenAPI 3.0 JSON Schema that Debian's
   openapi-specification package ships, then checks what that schema cannot:
   every $ref resolves, every {parameter} of a path is declared in: path and
   required, operationIds are unique.
3. Makes calls that reach every operation (successes and the errors a client
   can provoke) and checks each answer against the document: its status is
   documented for that operation, its Content-Type is a documented media
   type, and a JSON body validates against that response's schema
   (python3-jsonschema; OpenAPI 3.0's `nullable` turned into JSON Schema).
   Every operation must have been answered 2xx at least once.
Exits 0 when all hold, 1 with one line per failure otherwise.
"""
import copy
import json
import time
import warnings
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request

import jsonschema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from server_process import start  # noqa: E402

OAS30_SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"
METHODS = ("get", "post", "put", "delete", "patch", "options", "head")
failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text)


def resolve(doc, node):
    """Follows local $refs ("#/components/...") until a node without one."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return None
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node.get(part) if isinstance(node, dict) else None
    return node


def check_document(doc):
    """Validity: the OpenAPI 3.0 schema, then the rules it does not state."""
    with open(OAS30_SCHEMA) as f:
        meta = json.load(f)
    for error in jsonschema.Draft4Validator(meta).iter_errors(doc):
        fail(f"not OpenAPI 3.0 at /{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")

    def refs(node, where):
        if isinstance(node, dict):
            if "$ref" in node and resolve(doc, node) is None:
                fail(f"{where}: $ref {node['$ref']} does not resolve")
            for k, v in node.items():
                refs(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                refs(v, f"{where}/{i}")
    refs(doc, "#")
    ids = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            name = f"{method.upper()} {path}"
            oid = op.get("operationId")
            if oid in ids:
                fail(f"{name}: operationId {oid} also used by {ids[oid]}")
            ids[oid] = name
            params = [resolve(doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]
            in_path = {p["name"] for p in params if p and p.get("in") == "path" and p.get("required")}
            for p in re.findall(r"\{([^}]+)\}", path):
                if p not in in_path:
                    fail(f"{name}: path parameter {p} is not declared (in: path, required)")
            for p in in_path - set(re.findall(r"\{([^}]+)\}", path)):
                fail(f"{name}: declares path parameter {p} that the path does not have")


def to_json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema draft 4: `nullable: true`
    becomes a "null" type (and a null choice of an enum)."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    return out


class Api:
    """Calls the server and checks each answer against the document."""

    def __init__(self, port, doc):
        self.base = f"http://127.0.0.1:{port}"
        self.doc = doc
        converted = to_json_schema(copy.deepcopy(doc))
        with warnings.catch_warnings():  # deprecated after Debian 12's 4.10, still there
            warnings.simplefilter("ignore", DeprecationWarning)
            self.resolver = jsonschema.RefResolver.from_schema(converted)
        self.converted = converted
        self.answered_2xx = set()
        self.checked = 0

    def operation(self, template, method):
        item = self.doc["paths"].get(template)
        if item is None or method not in item:
            fail(f"{method.upper()} {template} is not in the document")
            return None
        return item[method]

    def call(self, method, template, path, body=None, status=None):
        """Sends the request; checks the answer; returns (status, parsed body or text)."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method.upper(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                code, ctype, raw = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            code, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
        name = f"{method.upper()} {path}"
        if status is not None and code != status:
            fail(f"{name}: status {code}, expected {status}: {raw[:200]!r}")
        op = self.operation(template, method)
        if op is None:
            return code, None
        responses = op.get("responses", {})
        described = responses.get(str(code), responses.get("default"))
        if described is None:
            fail(f"{name}: status {code} is not documented for {method.upper()} {template}")
            return code, None
        described = resolve(self.doc, described)
        content = described.get("content", {})
        media = ctype.split(";")[0].strip()
        if content and media not in content:
            fail(f"{name}: Content-Type {media} is not documented for {code} (have {list(content)})")
            return code, None
        if 200 <= code < 300:
            self.answered_2xx.add((template, method))
        if media != "application/json":
            return code, raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(raw)
        except ValueError as e:
            fail(f"{name}: body is not JSON ({e})")
            return code, None
        schema = to_json_schema(content[media].get("schema", {}))
        validator = jsonschema.Draft4Validator(schema, resolver=self.resolver)
        for error in validator.iter_errors(parsed):
            where = "/".join(map(str, error.absolute_path))
            fail(f"{name}: {code} answer does not match its schema at /{where}: {error.message[:300]}")
        self.checked += 1
        return code, parsed


def fit_body(n=24, base=10.0, detector=None, step=60):
    body = {"timestamps": [1700000000 + i * step for i in range(n)],
            "values": [base + (i % 5) * 0.5 for i in range(n)]}
    if detector:
        body["detector"] = detector
    return body


def azure_series(n=24):
    return [{"timestamp": f"2024-01-{1 + i // 24:02d}T{i % 24:02d}:00:00Z", "value": 10 + (i % 6) + (30 if i == n - 1 else 0)}
            for i in range(n)]


def exercise(api):
    """Every operation, its success and the errors a client can cause."""
    call = api.call
    fit, pred, batch = "/fit/{series_id}", "/predict/{series_id}", "/predict/{series_id}/batch"
    call("post", fit, "/fit/s1", fit_body(), 200)
    call("post", fit, "/fit/s1", fit_body(base=20), 200)
    call("post", fit, "/fit/season", fit_body(48, detector={"type": "seasonal", "period_s": 3600, "phases": 4}, step=300), 200)
    call("post", fit, "/fit/rng", fit_body(40, detector={"type": "range", "window": 16, "blocks": 4}), 200)
    call("post", fit, "/fit/up", fit_body(detector={"type": "zscore", "direction": "upper"}), 200)
    call("post", fit, "/fit/s1", b"{", 422)
    call("post", fit, "/fit/bad..id", fit_body(), 422)
    call("post", fit, "/fit/s1", {"timestamps": [1, 2], "values": [1.0, 2.0]}, 422)
    call("post", fit, "/fit/s1", {"timestamps": [1], "values": [1.0], "detector": {"type": "nope"}}, 422)
    call("post", fit, "/fit/big", b"[" + b"1," * 150000 + b"1]", 413)
    call("post", pred, "/predict/s1", {"timestamp": "1700009000", "value": 10.5}, 200)
    call("post", pred, "/predict/s1?version=1&explain=true", {"timestamp": 1700009000, "value": 1e6}, 200)
    call("post", pred, "/predict/up?explain=1", {"timestamp": 1700009000, "value": -1e6}, 200)
    call("post", pred, "/predict/rng?explain=true&learn=false", {"timestamp": 1700009000, "value": 11}, 200)
    call("post", pred, "/predict/season?explain=true", {"timestamp": 1700009000, "value": 99}, 200)
    call("post", pred, "/predict/s1?version=9", {"timestamp": "1", "value": 1}, 404)
    call("post", pred, "/predict/never", {"timestamp": "1", "value": 1}, 404)
    call("post", pred, "/predict/s1?version=x", {"timestamp": "1", "value": 1}, 422)
    call("post", pred, "/predict/s1?learn=maybe", {"timestamp": "1", "value": 1}, 422)
    call("post", pred, "/predict/s1", {"timestamp": "-1", "value": 1}, 422)
    points = {"timestamps": [1700009000 + i for i in range(5)], "values": [10, 11, 1e6, -1e6, 10.2]}
    call("post", batch, "/predict/s1/batch", points, 200)
    call("post", batch, "/predict/s1/batch?explain=true&version=v2", points, 200)
    call("post", batch, "/predict/up/batch?explain=true", points, 200)
    call("post", batch, "/predict/rng/batch?explain=true&learn=0", points, 200)
    call("post", batch, "/predict/s1/batch?version=7", points, 404)
    call("post", batch, "/predict/s1/batch", {"timestamps": [1], "values": []}, 422)
    call("get", "/healthcheck", "/healthcheck", None, 200)
    call("get", "/plot", "/plot?series_id=s1", None, 200)
    call("get", "/plot", "/plot?series_id=rng&version=1", None, 200)
    call("get", "/plot", "/plot?series_id=nope", None, 404)
    call("get", "/plot", "/plot", None, 422)
    versions = "/series/{series_id}"
    _, page = call("get", versions, "/series/s1?limit=1", None, 200)
    if page and page.get("next") is None:
        fail("/series/s1?limit=1: a first page of two versions has no next")
    call("get", versions, "/series/s1?after=1", None, 200)
    _, season = call("get", versions, "/series/season", None, 200)
    if season and "phases" not in season["versions"][0]:
        fail("/series/season: a seasonal version shows no phases")
    call("get", versions, "/series/rng", None, 200)
    call("get", versions, "/series/up", None, 200)
    call("get", versions, "/series/nope", None, 404)
    call("get", versions, "/series/s1?limit=0", None, 422)
    # The server runs with a 10 ms checkpoint interval: a series is silent for
    # a tiny silent_for once that much has passed since its last point.
    time.sleep(0.2)
    _, silent = call("get", "/series/", "/series/?silent_for=0.000001&limit=2", None, 200)
    if silent is not None and not silent.get("series"):
        fail("/series/?silent_for=0.000001: no series listed, so their schema was not exercised")
    call("get", "/series/", "/series/?silent_for=0", None, 422)
    call("get", "/detectors", "/detectors", None, 200)
    call("post", "/admin/backup", "/admin/backup", None, 200)
    one = "/series/{series_id}/versions/{version}"
    call("post", fit, "/fit/gone", fit_body(), 200)
    call("post", fit, "/fit/gone", fit_body(base=20), 200)
    call("delete", one, "/series/gone/versions/1", None, 200)
    call("delete", one, "/series/gone/versions/1", None, 404)
    call("delete", one, "/series/gone/versions/x", None, 422)
    call("delete", versions, "/series/gone", None, 200)
    call("delete", versions, "/series/gone", None, 404)
    call("get", "/metrics", "/metrics", None, 200)
    call("get", "/health/live", "/health/live", None, 200)
    call("get", "/health/ready", "/health/ready", None, 200)
    call("get", "/openapi.json", "/openapi.json", None, 200)
    call("get", "/docs", "/docs", None, 200)
    for op in ("entire", "last", "changepoint"):
        template = f"/anomalydetector/{{apiVersion}}/timeseries/{op}/detect"
        body = {"series": azure_series(), "granularity": "hourly"}
        call("post", template, f"/anomalydetector/v1.1/timeseries/{op}/detect", body, 200)
        call("post", template, f"/anomalydetector/v1.0/timeseries/{op}/detect", {"series": []}, 400)
        call("post", template, f"/anomalydetector/v9.9/timeseries/{op}/detect", body, 404)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if not os.path.exists(OAS30_SCHEMA):
        sys.exit(f"openapi_check: {OAS30_SCHEMA} is missing: install openapi-specification "
                 "(scripts/setup test)")
    work = tempfile.mkdtemp()
    proc, port, _ = start(sys.argv[1], ["--data-dir=" + os.path.join(work, "data"),
                                        "--http.max-body-bytes=200000",
                                        "--server.checkpoint-interval-ms=10"], os.path.join(work, "log"))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=30) as r:
            doc = json.load(r)
        check_document(doc)
        api = Api(port, doc)
        exercise(api)
        for path, item in doc["paths"].items():
            for method in METHODS:
                if method in item and (path, method) not in api.answered_2xx:
                    fail(f"{method.upper()} {path}: no call answered 2xx (add one to exercise())")
        print(f"openapi_check: {len(doc['paths'])} paths; {api.checked} JSON answers validated")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"openapi_check: {len(failures)} failure(s)")
        sys.exit(1)
    print("openapi_check: the document is valid OpenAPI 3.0 and every answer matches it")


if __name__ == "__main__":
    main()
