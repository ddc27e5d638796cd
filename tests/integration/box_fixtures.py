"""Fixtures for the Box tests: a sandbox per test, a client on it, and a checker of recorded exchanges against
Box's own OpenAPI document (box-openapi-subset.json: $BOX_OPENAPI_SPEC, ../shared/ beside the project, or docs/).

Test modules import the fixtures by name (``from tests.integration.box_fixtures import box_sandbox, ...``).
"""
import hashlib
import json
import os
import re

import pytest

from sandbox.box_server import BoxSandbox

SPEC_CANDIDATES = [os.environ.get("BOX_OPENAPI_SPEC", ""),
                   os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "box-openapi-subset.json"),
                   os.path.join(os.path.dirname(__file__), "..", "..", "docs", "box-openapi-subset.json")]

# Operations the client uses that the trimmed subset does not carry (both are ordinary Box 2.0 operations):
# GET /users/me (ping: which service account we are) and PUT /files/{file_id} with parent/name (move to quarantine).
OUTSIDE_SUBSET = {("GET", "/users/me"), ("PUT", "/files/{file_id}")}


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_random(path, size, seed=0):
    """A file of ``size`` pseudo-random bytes written in 1 MiB pieces (never all in memory)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 32768  # 1 MiB
    with open(path, "wb") as f:
        left, n = size, 0
        while left > 0:
            piece = (hashlib.sha1(str((seed, n)).encode()).digest() + block)[:min(left, len(block))]
            f.write(piece)
            left -= len(piece)
            n += 1
    return path


@pytest.fixture
def box_sandbox(tmp_path):
    sandbox = BoxSandbox(data_dir=str(tmp_path / "box-sandbox"), part_size=1024 * 1024).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def box_cfg(box_sandbox):
    return box_sandbox.client_config()


@pytest.fixture
def box_client(box_cfg):
    from scripts.shared.box.box_client import BoxClient
    return BoxClient(box_cfg)


def walk_files(tree, prefix=()):
    """{(folder names..., file name): file info} of a sandbox tree."""
    out = {}
    for name, info in tree["files"].items():
        out[prefix + (name,)] = info
    for name, sub in tree["folders"].items():
        out.update(walk_files(sub, prefix + (name,)))
    return out


# -- OpenAPI conformance -----------------------------------------------------------------------------------------------
def load_spec():
    for path in SPEC_CANDIDATES:
        if path and os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    pytest.fail("box-openapi-subset.json not found (set BOX_OPENAPI_SPEC); looked in {}".format(SPEC_CANDIDATES))


class SpecChecker(object):
    """Checks a recorded exchange (sandbox ``exchanges``) against the spec: the operation exists on the right host,
    required parameters are sent, query parameters are declared, JSON request bodies match their schema, the status
    is documented (or an error the spec covers with ``default``) and the JSON answer matches the schema for it."""

    def __init__(self, spec):
        self.spec = spec
        self.schemas = spec["components"]["schemas"]
        self.ops = []
        for raw_path, methods in spec["paths"].items():
            path = raw_path.split("#")[0]
            regex = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
            for method, op in methods.items():
                if method in ("get", "post", "put", "delete", "options"):
                    servers = op.get("servers") or spec.get("servers")
                    host = "upload" if "/api/2.0" in servers[0]["url"] else (
                        "auth" if servers[0]["url"].rstrip("/") == "https://api.box.com" else "api")
                    self.ops.append((method.upper(), path, regex, host, raw_path, op))

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    # Known and documented gaps between the spec and real Box (box-api.md), tolerated explicitly:
    # * ClientError.code is an open string in practice (item_name_in_use, bad_digest, rate_limit_exceeded...);
    # * context_info.conflicts is a single object for file conflicts (box-api.md §1.1), a list for folders;
    # * boxsdk sends unset upload attributes as JSON null (box-api.md §3.5), which Box accepts: in *requests*
    #   a null is treated as "not sent";
    # * a name listed in ``required`` without a property definition (the shared link's 'accessed') is spec errata.
    def validate(self, value, schema, where, problems, open_enums=("code",)):
        schema = self.resolve(schema)
        if where.endswith(".conflicts") and isinstance(value, dict) and schema.get("type") == "array":
            value = [value]
        if value is None and " request" in where or (value is None and " attributes" in where):
            return
        if value is None:
            if not schema.get("nullable") and schema.get("type") and "allOf" not in schema:
                problems.append("{}: null where {} expected".format(where, schema.get("type")))
            return
        for sub in schema.get("allOf", []):
            self.validate(value, sub, where, problems)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                if not any(not self._errors(value, s, where) for s in schema[key]):
                    problems.append("{}: matches none of {}".format(where, key))
        kind = schema.get("type")
        types = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int,
                 "number": (int, float)}
        if kind in types:
            if not isinstance(value, types[kind]) or (kind in ("integer", "number") and isinstance(value, bool)):
                problems.append("{}: {!r} is not {}".format(where, value, kind))
                return
        if "enum" in schema and where.rsplit(".", 1)[-1] not in open_enums and value not in schema["enum"]:
            problems.append("{}: {!r} not in {}".format(where, value, schema["enum"]))
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value and name in schema.get("properties", {}):
                    problems.append("{}: required {!r} missing".format(where, name))
            for name, sub in schema.get("properties", {}).items():
                if name in value:
                    self.validate(value[name], sub, "{}.{}".format(where, name), problems)
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                self.validate(v, schema["items"], "{}[{}]".format(where, i), problems)

    def _errors(self, value, schema, where):
        problems = []
        self.validate(value, schema, where, problems)
        return problems

    def find(self, method, path):
        if path.startswith("/oauth2/"):
            host, rel = "auth", path
        elif path.startswith("/api/2.0/"):
            host, rel = "upload", path[len("/api/2.0"):]
        elif path.startswith("/2.0/"):
            host, rel = "api", path[len("/2.0"):]
        else:
            return None, None, path
        candidates = [o for o in self.ops if o[0] == method and o[2].match(rel)]
        # the most literal template wins (/files/content before /files/{file_id})
        candidates.sort(key=lambda o: o[1].count("{"))
        return (candidates[0] if candidates else None), host, rel

    def check(self, ex):
        """Problems (a list of strings) of one exchange; empty when it conforms."""
        method, path = ex["method"], ex["path"]
        if path.startswith("/dl/"):
            return []  # the 302 target (dl.boxcloud.com in real Box) is outside the API
        op, host, rel = self.find(method, path)
        label = "{} {}".format(method, path)
        if op is None:
            if any(method == m and re.match("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$", rel or "")
                   for m, p in OUTSIDE_SUBSET):
                return []
            return ["{}: no such operation in the spec".format(label)]
        _, template, _, op_host, raw_path, spec_op = op
        problems = []
        if op_host != host:
            problems.append("{}: sent to the {} host, the spec puts {} on {}".format(label, host, raw_path, op_host))
        params = [self.resolve(p) for p in spec_op.get("parameters", [])]
        declared_query = {p["name"] for p in params if p["in"] == "query"}
        for name in ex["query"]:
            if name not in declared_query:
                problems.append("{}: query parameter {!r} not in the spec".format(label, name))
        if ex["status"] < 400:  # an error answer may be about exactly a missing parameter
            for p in params:
                if p.get("required") and p["in"] == "header" and p["name"].lower() not in ex["headers"]:
                    problems.append("{}: required header {!r} missing".format(label, p["name"]))
                if p.get("required") and p["in"] == "query" and p["name"] not in ex["query"] and \
                        raw_path != "/files/{file_id}#add_shared_link":
                    problems.append("{}: required query {!r} missing".format(label, p["name"]))
        body_spec = (spec_op.get("requestBody") or {}).get("content", {})
        if "application/json" in body_spec and isinstance(ex["body"], (dict, list)):
            problems += self._errors(ex["body"], body_spec["application/json"]["schema"], label + " request")
        if "multipart/form-data" in body_spec and isinstance(ex["body"], dict):
            attrs = ex["body"].get("attributes") or {}
            schema = self.resolve(body_spec["multipart/form-data"]["schema"])
            problems += self._errors(attrs, schema["properties"]["attributes"], label + " attributes")
            if "file" not in (ex["body"].get("parts") or []):
                problems.append("{}: no file part".format(label))
        if "application/x-www-form-urlencoded" in body_spec and isinstance(ex["body"], dict):
            problems += self._errors(ex["body"], body_spec["application/x-www-form-urlencoded"]["schema"],
                                     label + " form")
        responses = spec_op["responses"]
        status = str(ex["status"])
        if status in responses:
            answer = responses[status]
        elif ex["status"] >= 400 and "default" in responses:
            answer = responses["default"]
        else:
            return problems + ["{}: status {} not documented ({})".format(label, status, sorted(responses))]
        content = (answer.get("content") or {}).get("application/json")
        if content and ex["response"] is not None:
            problems += self._errors(ex["response"], content["schema"], "{} -> {}".format(label, status))
        if ex["status"] == 302 and "location" not in ex["response_headers"]:
            problems.append("{}: 302 without Location".format(label))
        if ex["status"] == 202 and "retry-after" not in ex["response_headers"] and "commit" in path:
            problems.append("{}: 202 without Retry-After".format(label))
        if isinstance(ex["response"], dict) and ex["response"].get("code") == "range_overlaps_existing_part" and \
                ex["status"] != 416:  # real Box answers 416 here (box-evidence.md finding 1), whatever the spec says
            problems.append("{}: range_overlaps_existing_part answered {}, real Box sends 416".format(label, status))
        return problems

    def operation_ids(self, exchanges):
        out = set()
        for ex in exchanges:
            op, _, _ = self.find(ex["method"], ex["path"])
            if op is not None:
                out.add(op[5]["operationId"])
        return out
