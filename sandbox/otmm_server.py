"""OTMM v6 sandbox: the subset of the OpenText Media Management REST API the suite uses.

Paths, wrappers, the metadata representation and ``exception_body`` errors follow docs/otmm-api.md. Two
listeners share one in-memory state: plain HTTP with OAuth2 bearer tokens (``oauth_base_url``) and HTTPS that
*requires* a client certificate from the sandbox CA (``mtls_base_url``, the gateway: no token needed there).

CLI:  python -m sandbox.otmm_server [--seed FILE] [--port N] [--mtls-port M] [--data-dir DIR]
      (prints DAM_BASE_URL, DAM_AUTH_URL, DAM_MTLS_BASE_URL, DAM_CA_BUNDLE, ... as JSON on one line)

Control endpoints (besides the counters/faults/log ones of sandbox.common), JSON in and out:
  GET  /_sandbox/state               every campaign: folder id, status, locked, assets (path, name, size, sha1, fields)
  GET  /_sandbox/imported            assets created through POST /assets
  POST /_sandbox/assets_under        {"folder_id"} -> {"assets": [...]}
  POST /_sandbox/campaigns           a campaign spec as in the seed -> {"folder_id"}
  POST /_sandbox/folder              {"number", "path": [names]} -> {"folder_id"}
  POST /_sandbox/assets              {"folder_id", "name", "size", "mime", "fields"} -> {"asset_id"}
  POST /_sandbox/campaign_status     {"number", "status"}
  POST /_sandbox/lock                {"number", "user"}  (a person holds the folder's lock; user null releases it)
  POST /_sandbox/expire_tokens
  POST /_sandbox/fail_next_imports   {"count"}  (the next import jobs end FAILED)
  POST /_sandbox/settings            {"job_delay", "token_lifetime", "token_shape": "oauth2"|"otmm",
                                      "max_page_size": N (children pages capped below the client's limit; 0 = off),
                                      "job_shape": "job_state"|"status"|"absent" (body of GET /jobs/{id}),
                                      "single_lock": true|false (false: PUT /assets/{id}/state answers 405, only
                                      the bulk PUT /assets/state works), "model": {field_id: type} (extra fields),
                                      "refused_operators": [operator ids the search answers 500 to],
                                      "folder_load_types": [load_type values a folder GET accepts; [] = any]}

Strict by default, as the public evidence says OTMM is (docs/otmm-api.md, evidence F1-F10):
  - lock/unlock read ``action`` only from a form body (E6, E8); bulk ``PUT /assets/state`` with a selection context;
  - an import job runs on its own clock: its asset exists from ``job_delay`` on, polled or not; ``GET
    /jobs/{id}/assets`` lists it (E4); the body of ``GET /jobs/{id}`` is switchable because no source shows it;
  - slim listings carry only the fields named in ``metadata_to_return`` (none without it), ``level_of_detail=full``
    carries all; ``container_child_counts`` only when a ``data_load_request`` asks (E6, E7, E9);
  - a declared metadata model (CHAR, NUMBER, DATE, DOMAIN, TABLE with column ids): writes with a wrong value type,
    an unknown field or a table id where a column id belongs are refused with ``exception_body`` (E7, E10, E14);
  - session logins (``POST /sessions`` -> JSESSIONID cookie); calls authenticated by that cookie must send
    ``X-Requested-By: <session id>`` on every write (E2-E5); Bearer tokens keep working;
  - root folders include OTMM's special ids (``ARTESIA.PUBLIC.TREEN``, ``<user>N``); duplicate folder names are
    allowed (no 409 rule: none is evidenced).
"""
import argparse
import hashlib
import itertools
import json
import os
import threading
import time
import urllib.parse
import uuid

import yaml
from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from sandbox.common import SandboxMiddleware, ServerThread, serve_until_interrupted
from sandbox.pki import make_pki, server_ssl_context

API = "/otmmapi/v6"
TOKEN_PATH = "/otdsws/oauth2/token"
DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "otmm_seed.yaml")
F = "FERRERO.FIELD."
CAMPAIGN_FIELDS = {"number": F + "CAMPAIGN_ID", "name": F + "CAMPAIGN_NAME", "status": F + "CAMPAIGN_STATUS",
                   "type": F + "CAMPAIGN_TYPE", "global": F + "GLOBAL_MASTER_CAMPAIGN_ID",
                   "agency": F + "AGENCY_EMAIL"}
BLOCK = 65536
SESSION_USER = "dam-integration"
PUBLIC_ROOT = "ARTESIA.PUBLIC.TREEN"
USER_ROOT = SESSION_USER + "N"
NUMBER_TYPES = ("number", "int", "integer", "long", "float", "double", "decimal")
# Display preferences a slim listing may name (preference_id): the OTMM UI's gallery view shows a few fields only.
PREFERENCES = {"ARTESIA.PREFERENCE.GALLERYVIEW.DISPLAYED_FIELDS": {F + "ASSET_TITLE", F + "DESCRIPTION"}}
# The declared metadata model: field id -> CHAR | NUMBER | DATE | DOMAIN | ("TABLE", {column id: type}).
MODEL = dict({f: "CHAR" for f in CAMPAIGN_FIELDS.values()}, **{CAMPAIGN_FIELDS["status"]: "DOMAIN",
    F + "TRACKING_ID": "CHAR", F + "SOURCE_FILE_ID": "CHAR", F + "ASSET_TITLE": "CHAR", F + "DESCRIPTION": "CHAR",
    F + "SUPERSEDED_BY": "CHAR",
    F + "LANGUAGE": "CHAR", F + "STATE": "CHAR", F + "ECOMMERCE_STATUS": "DOMAIN", F + "BRAND": "DOMAIN",
    F + "PRODUCT": "CHAR", F + "MARKET": "CHAR", F + "ASSET_TYPE": "DOMAIN", F + "CHANNEL": "CHAR",
    F + "FORMAT": "CHAR", F + "KEYWORDS": ("TABLE", {"FERRERO.COLUMN.KEYWORD": "CHAR"}),
    F + "USAGE_RIGHTS_END": "DATE", F + "COPYRIGHT": "CHAR", F + "AGENCY": "CHAR", F + "APPROVER_COMMENT": "CHAR",
    F + "APPROVER_NAME": "CHAR", F + "APPROVAL_DATE": "DATE", F + "LEGAL_COMMENT": "CHAR", F + "LEGAL_NAME": "CHAR",
    F + "LEGAL_DATE": "DATE", F + "IACC_COMMENT": "CHAR", F + "IACC_NAME": "CHAR", F + "IACC_DATE": "DATE",
    F + "REJECTION_REASON": "CHAR", F + "PIECE_COUNT": "NUMBER",
    F + "USAGE_TABLE": ("TABLE", {"FERRERO.COLUMN.USAGE_MARKET": "CHAR", "FERRERO.COLUMN.USAGE_UNTIL": "DATE"})})


def iso(ts):
    """OTMM-style ISO time; microseconds keep creation order visible (the client picks the oldest folder)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".{:06d}Z".format(int(ts % 1 * 1e6))


def error_body(status, message):
    return "application/json", json.dumps({"exception_body": {"message": message, "http_response_code": status,
                                                              "debug_message": None}}).encode()


class OTMMError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class State(object):
    """Folders, assets, tokens, locks and jobs; every mutation under one lock."""

    def __init__(self, data_dir):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        os.makedirs(os.path.join(data_dir, "content"), exist_ok=True)
        self.folders, self.assets, self.jobs, self.tokens, self.sessions = {}, {}, {}, {}, {}
        self.counter = itertools.count(1)
        self.job_counter = itertools.count(1100)
        self.job_delay = 0.2
        self.token_lifetime = 3600
        self.fail_next_imports = 0
        self.max_page_size = 0  # 0: children pages as large as the client asks
        self.job_shape = "job_state"  # or "status", "absent"
        self.single_lock = True
        self.refused_operators = set()
        self.folder_load_types = ()  # empty: any; else the load_type values a folder GET accepts
        self.model = dict(MODEL)
        self.roots = [self.new_folder("Public Folders", None, {}, object_id=PUBLIC_ROOT)["asset_id"],
                      self.new_folder("Campaigns", None, {})["asset_id"],
                      self.new_folder("My Folders", None, {}, object_id=USER_ROOT)["asset_id"]]
        self.root_id = self.roots[1]

    def new_id(self):
        return hashlib.sha1("otmm-{}".format(next(self.counter)).encode()).hexdigest()

    def new_folder(self, name, parent_id, fields, type_id="ARTESIA.BASIC.FOLDER", object_id=None):
        folder = {"asset_id": object_id or self.new_id(), "name": name, "parent_ids": [parent_id] if parent_id else [],
                  "fields": dict(fields), "container_type_id": type_id, "locked_by": None,
                  "created": time.time() + next(self.counter) * 1e-6}
        self.folders[folder["asset_id"]] = folder
        return folder

    def new_asset(self, name, parent_id, fields, size=0, mime="application/octet-stream", path=None,
                  import_job_id=None, file_name=None):
        asset = {"asset_id": self.new_id(), "name": name, "parent_ids": [parent_id], "fields": dict(fields),
                 "size": size, "mime_type": mime, "path": path, "import_job_id": import_job_id,
                 "file_name": file_name or name, "locked_by": None, "created": time.time()}
        self.assets[asset["asset_id"]] = asset
        return asset

    def children(self, folder_id):
        kids = [f for f in self.folders.values() if folder_id in f["parent_ids"]]
        kids += [a for a in self.assets.values() if folder_id in a["parent_ids"]]
        return sorted(kids, key=lambda o: (o["name"].lower(), o["asset_id"]))

    def obj(self, object_id):
        found = self.folders.get(object_id) or self.assets.get(object_id)
        if found is None:
            raise OTMMError(404, "Object {} does not exist or is not visible to the user".format(object_id))
        return found

    # -- seed ---------------------------------------------------------------------------------------------------
    def seed(self, seed):
        for field_id, kind in (seed.get("model") or {}).items():  # extra declared fields: CHAR, {TABLE: {...}}
            self.model[field_id] = ("TABLE", kind["TABLE"]) if isinstance(kind, dict) else kind
        defaults = seed.get("asset_defaults") or {}
        for c in seed.get("campaigns") or []:
            self.add_campaign(c, defaults)

    def add_campaign(self, c, defaults=None):
        fields = {CAMPAIGN_FIELDS[k]: c[k] for k in CAMPAIGN_FIELDS if c.get(k) is not None}
        with self.lock:
            folder = self.new_folder("{} {}".format(c["number"], c.get("name", "")).strip(), self.root_id, fields,
                                     "FERRERO.FOLDER.CAMPAIGN")
            self._add_tree(folder["asset_id"], c.get("folders") or {}, defaults or {})
        return folder["asset_id"]

    def add_asset(self, folder_id, spec):
        """One more generated asset in an existing folder: {name, size, mime, fields}."""
        with self.lock:
            if folder_id not in self.folders:
                raise KeyError(folder_id)
            return self.new_asset(spec["name"], folder_id, spec.get("fields") or {}, int(spec.get("size", 1000)),
                                  spec.get("mime", "application/octet-stream"),
                                  file_name=spec.get("file_name"))["asset_id"]

    def link(self, object_id, parent_id):
        """Give an object a second parent (OTMM allows several; cycles included)."""
        with self.lock:
            obj = self.obj(object_id)
            if parent_id not in obj["parent_ids"]:
                obj["parent_ids"].append(parent_id)

    def _add_tree(self, parent_id, tree, defaults):
        for name, content in tree.items():
            sub = self.new_folder(name, parent_id, {})
            content = content or {}
            for a in content.get("assets") or []:
                fields = dict(defaults)
                fields.update(a.get("fields") or {})
                self.new_asset(a["name"], sub["asset_id"], fields, int(a.get("size", 1000)),
                               a.get("mime", "application/octet-stream"), file_name=a.get("file_name"))
            self._add_tree(sub["asset_id"], content.get("folders") or {}, defaults)

    def advance_jobs(self):
        """Finish every import job whose time has come: a job runs on the server's clock, not the client's polls."""
        now = time.time()
        for job_id, job in self.jobs.items():
            if job["asset_id"] is None and not job["fail"] and now >= job["ready_at"]:
                spec = job["spec"]
                job["asset_id"] = self.new_asset(spec["name"], spec["parent"], spec["fields"], spec["size"],
                                                 spec["mime"], spec["path"], import_job_id=int(job_id))["asset_id"]
                self.assets[job["asset_id"]]["import_template_id"] = job.get("template")

    # -- content --------------------------------------------------------------------------------------------------
    def content(self, asset):
        """Iterator over the asset's bytes: its stored file, or deterministic generated bytes."""
        if asset["path"]:
            def read():
                with open(asset["path"], "rb") as f:
                    while True:
                        chunk = f.read(BLOCK)
                        if not chunk:
                            return
                        yield chunk
            return read()
        block = (hashlib.sha256(asset["asset_id"].encode()).digest() * (BLOCK // 32 + 1))[:BLOCK]

        def gen():
            left = asset["size"]
            while left > 0:
                n = min(left, BLOCK)
                yield block[:n]
                left -= n
        return gen()

    def sha1(self, asset):
        h = hashlib.sha1()
        for chunk in self.content(asset):
            h.update(chunk)
        return h.hexdigest()


# -- metadata representation (docs/otmm-api.md section 3) ----------------------------------------------------------
# Stored values: a string or number (scalar), {"domain": code, "label": text} (pick-list) or
# {"table": {column_id: [row values]}} (tabular field, stored under the table id).
VALUE_TYPE = {"CHAR": "string", "DATE": "datetime", "NUMBER": "number", "DOMAIN": "string"}


def _scalar_element(kind, value):
    return {"type": VALUE_TYPE.get(kind, "string"), "value": value}


def element(field_id, value, model=None):
    declared = (model or MODEL).get(field_id, "CHAR")
    if isinstance(value, dict) and "table" in value:
        columns = declared[1] if isinstance(declared, tuple) else {}
        return {"id": field_id, "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": col, "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": _scalar_element(columns.get(col, "CHAR"), v)} for v in rows]}
            for col, rows in value["table"].items()]}
    if isinstance(value, dict) and "domain" in value:
        inner = {"type": "com.artesia.metadata.DomainValue", "field_value": {"type": "string",
                                                                            "value": value["domain"]},
                 "display_value": value.get("label") or value["domain"]}
        return {"id": field_id, "type": "com.artesia.metadata.MetadataField",
                "value": {"value": inner, "domain_value": True, "cascading_domain_value": False}}
    kind = declared if isinstance(declared, str) else "CHAR"
    return {"id": field_id, "type": "com.artesia.metadata.MetadataField", "name": field_id.split(".")[-1],
            "value": {"value": _scalar_element(kind, value), "domain_value": kind == "DOMAIN"}}


def metadata_doc(fields, model=None, only=None):
    """The model document of ``fields``; ``only`` (a set of field ids) keeps just those (a slim listing)."""
    items = sorted((k, v) for k, v in fields.items() if only is None or k in only)
    return {"type": "com.artesia.metadata.MetadataModel", "id": "FERRERO.MODEL.MARKETING", "name": "Marketing",
            "metadata_element_list": [{"id": "FERRERO.FG.MAIN", "type": "com.artesia.metadata.MetadataCategory",
                                       "metadata_element_list": [element(k, v, model) for k, v in items]}]}


def _refuse(message):
    raise OTMMError(400, message)


def _checked_scalar(field_id, kind, inner):
    """The stored value of one written scalar, refused when its type does not fit the declared field type."""
    vtype = str(inner.get("type") or "")
    value = inner.get("value")
    if "field_value" in inner:
        if kind != "DOMAIN":
            _refuse("Field {} is not a domain field; a DomainValue cannot be written to it".format(field_id))
        return {"domain": (inner.get("field_value") or {}).get("value"),
                "label": inner.get("display_value") or inner.get("displayValue")}
    if vtype in NUMBER_TYPES:
        if kind != "NUMBER":
            _refuse("Field {} is of type {}; value type {} does not match".format(field_id, kind, vtype))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value) if "." in str(value) else int(str(value))
            except ValueError:
                _refuse("Field {}: {!r} is not a number".format(field_id, value))
        return value
    if vtype in ("datetime", "date"):
        if kind != "DATE":
            _refuse("Field {} is of type {}; value type {} does not match".format(field_id, kind, vtype))
        text = str(value)
        if not (len(text) >= 10 and text[:4].isdigit() and text[4] == "-"):
            _refuse("Field {}: {!r} is not a date (expected YYYY-MM-DDTHH:MM:SSZ)".format(field_id, value))
        return text
    if vtype == "string":
        if kind not in ("CHAR", "DOMAIN"):
            _refuse("Field {} is of type {}; value type string does not match (expected {})".format(
                field_id, kind, VALUE_TYPE.get(kind)))
        return value
    _refuse("Field {}: unknown value type {!r}".format(field_id, vtype))


def parse_elements(elements, model):
    """{field id: stored value} of written elements; every element is checked against the declared model
    (unknown field, wrong value type, table id where a column id belongs -> 400 with exception_body)."""
    columns = {}
    for table_id, declared in model.items():
        if isinstance(declared, tuple):
            for col in declared[1]:
                columns[col] = (table_id, declared[1][col])
    out = {}
    for el in elements or []:
        field_id, kind = el.get("id"), el.get("type")
        if kind == "com.artesia.metadata.MetadataTableField":
            if field_id not in columns:
                if isinstance(model.get(field_id), tuple):
                    _refuse("{} is a tabular field: write its columns (MetadataTableField) under their column ids "
                            "({})".format(field_id, ", ".join(sorted(model[field_id][1]))))
                _refuse("{} is not a column of any tabular field of the metadata model".format(field_id))
            table_id, col_kind = columns[field_id]
            rows = [_checked_scalar(field_id, col_kind, (v or {}).get("value") or {}) for v in el.get("values") or []]
            out.setdefault(table_id, {"table": {}})["table"][field_id] = rows
        elif kind == "com.artesia.metadata.MetadataTable":
            for col in el.get("metadata_element_list") or []:
                out.update(parse_elements([col], model))
        else:
            if field_id not in model:
                _refuse("Metadata field {} is not part of the metadata model".format(field_id))
            declared = model[field_id]
            if isinstance(declared, tuple):
                _refuse("{} is a tabular field: write its columns (MetadataTableField) under their column ids "
                        "({})".format(field_id, ", ".join(sorted(declared[1]))))
            out[field_id] = _checked_scalar(field_id, declared, (el.get("value") or {}).get("value") or {})
    return out


def scalar(value):
    if isinstance(value, dict):
        return value.get("domain")
    return value


class OTMMApp(object):
    def __init__(self, state):
        self.state = state
        self.client_id = "dam-sandbox-client"
        self.client_secret = "dam-sandbox-secret-" + uuid.uuid4().hex[:8]
        self.session_password = "dam-sandbox-password-" + uuid.uuid4().hex[:8]
        self.token_shape = "oauth2"  # or "otmm"

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except OTMMError as exc:
            ctype, body = error_body(exc.status, exc.message)
            response = Response(body, status=exc.status, content_type=ctype)
        return response(environ, start_response)

    # -- routing --------------------------------------------------------------------------------------------------
    def dispatch(self, req):
        path, method = req.path, req.method
        if path == TOKEN_PATH and method == "POST":
            return self.token(req)
        if not path.startswith(API + "/"):
            raise OTMMError(404, "No resource at {}".format(path))
        parts = path[len(API) + 1:].rstrip("/").split("/")
        if parts == ["sessions"] and method == "POST":
            return self.login(req)
        if parts == ["sessions", "oauth2", "token"] and method == "POST":
            return self.token(req)
        if req.scheme != "https":  # the HTTPS listener is the mTLS gateway: the client certificate is the auth
            self.authorise(req)
        with self.state.lock:
            self.state.advance_jobs()
            if parts == ["sessions"] and method == "GET":
                return self.json({"session_resource": {"session": {"login_name": SESSION_USER}}})
            if parts == ["folders", "rootfolders"]:
                return self.json({"folders_resource": {"folder_list": [
                    self.folder_json(self.state.folders[r], self.detail(req)) for r in self.state.roots]}})
            if parts[0] == "folders" and len(parts) == 2 and method == "GET":
                if self.state.folder_load_types and req.args.get("load_type") not in self.state.folder_load_types:
                    raise OTMMError(400, "Invalid load_type {!r} for a folder".format(req.args.get("load_type")))
                return self.json({"folder_resource": {"folder": self.folder_json(
                    self.folder(parts[1]), self.detail(req, single=True))}})
            if parts[0] == "folders" and len(parts) == 2 and method == "POST":
                return self.create_folder(req, parts[1])
            if parts[0] == "folders" and len(parts) == 2 and method == "PATCH":
                return self.patch(req, self.folder(parts[1]), "edited_folder")
            if parts[0] == "folders" and len(parts) == 3 and parts[2] == "children" and method == "GET":
                return self.children(req, parts[1])
            if parts[0] == "assets" and len(parts) == 1 and method == "POST":
                return self.import_asset(req)
            if parts == ["assets", "state"] and method == "PUT":
                return self.bulk_lock(req)
            if parts[0] == "assets" and len(parts) == 2 and method == "GET":
                return self.json({"asset_resource": {"asset": self.asset_json(
                    self.asset(parts[1]), self.detail(req, single=True))}})
            if parts[0] == "assets" and len(parts) == 2 and method == "PATCH":
                return self.patch(req, self.asset(parts[1]), "edited_asset")
            if parts[0] == "assets" and len(parts) == 3 and parts[2] == "state" and method == "PUT":
                if not self.state.single_lock:
                    raise OTMMError(405, "HTTP 405 Method Not Allowed")
                return self.lock(req, parts[1])
            if parts == ["search", "text"] and method in ("GET", "POST"):
                return self.search(req)
            if parts[0] == "jobs" and len(parts) == 2 and method == "GET":
                return self.job(parts[1])
            if parts[0] == "jobs" and len(parts) == 3 and parts[2] == "assets" and method == "GET":
                return self.job_assets(req, parts[1])
        if parts[0] == "assets" and len(parts) == 3 and parts[2] == "contents" and method == "GET":
            with self.state.lock:
                asset = self.asset(parts[1])
            if req.headers.get("Accept") and req.accept_mimetypes.best_match(
                    [asset["mime_type"], "application/octet-stream"]) is None:
                # a JAX-RS method producing the file's type answers 406 to an Accept it cannot meet (E1 sends */*)
                raise OTMMError(406, "HTTP 406 Not Acceptable: the content is {}".format(asset["mime_type"]))
            return Response(self.state.content(asset), content_type=asset["mime_type"], direct_passthrough=True,
                            headers={"Content-Length": str(asset["size"]),
                                     "Content-Disposition": "attachment; filename*=UTF-8''{}".format(
                                         urllib.parse.quote(asset["file_name"]))})
        raise OTMMError(404, "No resource at {} {}".format(method, path))

    @staticmethod
    def json(doc, status=200):
        return Response(json.dumps(doc), status=status, content_type="application/json")

    def authorise(self, req):
        """A valid Bearer token, or a JSESSIONID cookie from POST /sessions; a write under a cookie session must
        carry ``X-Requested-By: <session id>`` (E2-E5), a write under a Bearer token needs nothing more (E1, E11)."""
        header = req.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        now = time.time()
        if token is not None:
            expiry = self.state.tokens.get(token)
            if expiry is not None and expiry >= now:
                return
            raise OTMMError(401, "The session is not valid or has expired")
        cookie = req.cookies.get("JSESSIONID")
        session = self.state.sessions.get(cookie) if cookie else None
        if session is None or session["expires"] < now:
            raise OTMMError(401, "The session is not valid or has expired")
        if req.method not in ("GET", "HEAD") and req.headers.get("X-Requested-By") != str(session["id"]):
            raise OTMMError(401, "The X-Requested-By header must carry the session id on this request")

    def token(self, req):
        form = req.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self.json({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if form.get("grant_type") not in ("client_credentials", "password"):
            return self.json({"error": "unsupported_grant_type"}, 400)
        token = uuid.uuid4().hex + uuid.uuid4().hex
        with self.state.lock:
            lifetime = self.state.token_lifetime
            self.state.tokens[token] = time.time() + lifetime
        if self.token_shape == "otmm" or req.path.endswith("/sessions/oauth2/token"):
            # OTMM's own /sessions/oauth2/token answer (E1)
            return self.json({"token_info": {"oauth_token": {"accessToken": token, "expiresIn": lifetime,
                                                             "tokenType": "bearer"}}})
        return self.json({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def login(self, req):
        """POST /sessions (form username/password) -> session_resource.session.id and a JSESSIONID cookie."""
        form = req.form
        if form.get("username") != SESSION_USER or form.get("password") != self.session_password:
            raise OTMMError(401, "Invalid user name or password")
        with self.state.lock:
            session_id = next(self.state.counter) + 700000
            cookie = uuid.uuid4().hex.upper()
            self.state.sessions[cookie] = {"id": session_id, "expires": time.time() + self.state.token_lifetime}
        response = self.json({"session_resource": {"session": {"id": session_id, "login_name": SESSION_USER,
                                                               "user_id": "1001"}}})
        response.set_cookie("JSESSIONID", cookie, path="/otmmapi", httponly=True)
        return response

    def folder(self, folder_id):
        f = self.state.folders.get(folder_id)
        if f is None:
            raise OTMMError(404, "Folder {} does not exist or is not visible to the user".format(folder_id))
        return f

    def asset(self, asset_id):
        a = self.state.assets.get(asset_id)
        if a is None:
            raise OTMMError(404, "Asset {} does not exist or is not visible to the user".format(asset_id))
        return a

    @staticmethod
    def detail(req, single=False):
        """What an answer carries: ``fields`` None = every field, a set = only those (slim listing);
        ``counts`` = container_child_counts (only on request, E6/E7)."""
        level = req.values.get("level_of_detail") or ("full" if single else "slim")
        wanted = req.values.get("metadata_to_return")
        fields = None if level == "full" else set(f.strip() for f in (wanted or "").split(",") if f.strip())
        if fields is not None and req.values.get("preference_id"):  # a display preference: a few fields (E9)
            fields |= PREFERENCES.get(req.values["preference_id"], set())
        counts = False
        raw = req.values.get("data_load_request")
        if raw:
            try:
                counts = bool((json.loads(raw).get("data_load_request") or {}).get("child_count_load_type"))
            except (ValueError, AttributeError):
                raise OTMMError(400, "data_load_request is not valid JSON")
        return {"fields": fields, "counts": counts}

    def folder_json(self, f, detail):
        doc = {"asset_id": f["asset_id"], "name": f["name"], "data_type": "CONTAINER",
               "container_type_id": f["container_type_id"], "locked": bool(f["locked_by"]),
               "asset_state": "LOCKED" if f["locked_by"] else "NORMAL", "asset_lock_state_user_id": f["locked_by"],
               "date_imported": iso(f["created"]),
               "metadata": metadata_doc(f["fields"], self.state.model, detail["fields"])}
        if detail["counts"]:
            kids = self.state.children(f["asset_id"])
            n_folders = sum(1 for k in kids if k["asset_id"] in self.state.folders)
            doc["container_child_counts"] = {"total_child_count": len(kids), "container_count": n_folders,
                                             "asset_count": len(kids) - n_folders}
        return doc

    def asset_json(self, a, detail):
        return {"asset_id": a["asset_id"], "name": a["name"], "data_type": "DATA", "mime_type": a["mime_type"],
                "content_type": "BITMAP" if a["mime_type"].startswith("image/") else "OTHER",
                "content_size": a["size"], "version": a.get("version", 1), "latest_version": True,
                "deleted": bool(a.get("deleted")),
                "expired": False, "locked": bool(a["locked_by"]), "import_job_id": a["import_job_id"],
                "asset_state": "LOCKED" if a["locked_by"] else "NORMAL",
                "date_imported": iso(a["created"]),
                "master_content_info": {"id": "c" + a["asset_id"][1:], "name": a["file_name"],
                                        "mime_type": a["mime_type"], "content_size": a["size"],
                                        "url": "{}/renditions/c{}".format(API, a["asset_id"][1:]),
                                        **({"content_checksum": a["checksum"]} if a.get("checksum") else {})},
                "metadata_model_id": "FERRERO.MODEL.MARKETING",
                "metadata": metadata_doc(a["fields"], self.state.model, detail["fields"])}

    def entry_json(self, obj, detail):
        if obj["asset_id"] in self.state.folders:
            return self.folder_json(obj, detail)
        return self.asset_json(obj, detail)

    def children(self, req, folder_id):
        self.folder(folder_id)
        after = int(req.args.get("after", 0))
        limit = int(req.args.get("limit", 25)) or 10 ** 9
        if self.state.max_page_size:  # a server that caps the page below the requested limit
            limit = min(limit, self.state.max_page_size)
        kids = self.state.children(folder_id)[after:after + limit]
        detail = self.detail(req)
        return self.json({"folder_children": {"asset_list": [self.entry_json(k, detail) for k in kids]}})

    def create_folder(self, req, parent_id):
        """No unique-name rule: OTMM is not shown refusing a duplicate folder name, so neither does the sandbox."""
        self.folder(parent_id)
        try:
            doc = json.loads(req.get_data(as_text=True))["folder_resource"]["folder"]
            name = doc["name"]
        except (ValueError, KeyError, TypeError):
            raise OTMMError(400, "A folder_resource.folder with a name is required")
        fields = parse_elements((doc.get("metadata") or {}).get("metadata_element_list"), self.state.model)
        folder = self.state.new_folder(name, parent_id, fields, doc.get("container_type_id", "ARTESIA.BASIC.FOLDER"))
        return self.json({"folder_resource": {"folder": self.folder_json(folder, {"fields": None,
                                                                                 "counts": False})}})

    def caller(self, req):
        """Locks belong to a DAM user, not to a token: the OAuth client, a session and the mTLS gateway all act as
        the integration user (as a gateway maps its certificate to that account), so a later run can take over."""
        return SESSION_USER

    @staticmethod
    def form_action(req):
        """``action`` from a form body only (every real OTMM PUT is form-bodied, E6/E8): a query string is not read."""
        if not (req.mimetype or "").startswith("application/x-www-form-urlencoded"):
            raise OTMMError(400, "The action parameter is required in an application/x-www-form-urlencoded body")
        action = req.form.get("action")
        if action not in ("lock", "unlock"):
            raise OTMMError(400, "Unknown action {!r}".format(action))
        return action

    def _set_lock(self, obj, action, who):
        if obj["locked_by"] and obj["locked_by"] != who:
            raise OTMMError(409, "Could not {} this asset: it is locked by another user".format(action))
        obj["locked_by"] = who if action == "lock" else None

    def lock(self, req, object_id):
        obj = self.state.obj(object_id)
        self._set_lock(obj, self.form_action(req), self.caller(req))
        return self.json({"asset_resource": {"asset": {"asset_id": object_id, "locked": bool(obj["locked_by"])}}})

    def bulk_lock(self, req):
        """PUT /assets/state with action and an AssetIdsSelectionContext (E8); per-object failures are listed."""
        action = self.form_action(req)
        try:
            context = json.loads(req.form["selection_context"])["selection_context_param"]["selection_context"]
            ids = list(context["asset_ids"])
        except (KeyError, ValueError, TypeError):
            raise OTMMError(400, "selection_context must hold an AssetIdsSelectionContext with asset_ids")
        done, failed = [], []
        for object_id in ids:
            try:
                self._set_lock(self.state.obj(object_id), action, self.caller(req))
                done.append(object_id)
            except OTMMError as exc:
                failed.append({"object_id": object_id, "message": exc.message})
        return self.json({"bulk_asset_result_representation": {"bulk_asset_result": {
            "successful_object_list": done, "failed_object_list": failed}}})

    def patch(self, req, obj, wrapper):
        who = self.caller(req)
        if obj["locked_by"] != who:
            raise OTMMError(409 if obj["locked_by"] else 400,
                            "The object must be locked by the current user before it is edited")
        try:
            elements = json.loads(req.get_data(as_text=True))[wrapper]["data"]["metadata"]
        except (ValueError, KeyError, TypeError):
            raise OTMMError(400, "A {}.data.metadata list is required".format(wrapper))
        for field, value in parse_elements(elements, self.state.model).items():
            old = obj["fields"].get(field)
            if isinstance(value, dict) and "table" in value and isinstance(old, dict) and "table" in old:
                value = {"table": dict(old["table"], **value["table"])}
            obj["fields"][field] = value
        return Response(status=200)

    def search(self, req):
        params = req.values
        conditions = json.loads(params["search_condition_list"])["search_condition_list"]["search_condition"]
        after = int(params.get("after", 0))
        limit = int(params.get("limit", 100))
        scope = params.get("folder_filter")
        for cond in conditions:  # an operator this instance does not know: HTTP 500 with exception_body (E10)
            if cond.get("relational_operator_id") in self.state.refused_operators:
                raise OTMMError(500, "Invalid search condition: unknown relational operator {}".format(
                    cond.get("relational_operator_id")))
        hits = []
        objects = list(self.state.folders.values()) + list(self.state.assets.values())
        for obj in sorted(objects, key=lambda o: o["created"]):
            if scope and scope not in obj["parent_ids"]:
                continue
            if all(self._matches(obj, c) for c in conditions):
                hits.append(obj)
        page = hits[after:after + limit]
        detail = self.detail(req)
        return self.json({"search_result_resource": {
            "search_result": {"hit_count": len(page), "total_hit_count": len(hits), "offset": after,
                              "asset_id_list": [h["asset_id"] for h in page], "contains_invalid_conditions": False},
            "asset_list": [self.entry_json(h, detail) for h in page]}})

    @staticmethod
    def _matches(obj, cond):
        value = scalar(obj["fields"].get(cond["metadata_field_id"]))
        if value is None:
            return False
        op = cond.get("relational_operator_id", "ARTESIA.OPERATOR.CHAR.IS")
        if op.endswith("CONTAINS"):
            return str(cond["value"]).lower() in str(value).lower()
        return str(value) == str(cond["value"])

    def import_asset(self, req):
        stream, form, files = parse_form_data(req.environ)
        if "files" not in files or "parent_folder_id" not in form:
            raise OTMMError(400, "A multipart body with files, manifest, asset_representation and parent_folder_id "
                                 "is required")
        parent = self.folder(form["parent_folder_id"])
        rep = json.loads(form.get("asset_representation") or files["asset_representation"].read().decode())
        manifest = json.loads(form.get("manifest") or files["manifest"].read().decode())
        name = manifest["upload_manifest"]["master_files"][0]["file"]["file_name"]
        fields = parse_elements(rep["asset_resource"]["asset"]["metadata"]["metadata_element_list"], self.state.model)
        upload = files["files"]
        path = os.path.join(self.state.data_dir, "content", uuid.uuid4().hex)
        upload.save(path)
        job_id = str(next(self.state.job_counter))
        fail = self.state.fail_next_imports > 0
        if fail:
            self.state.fail_next_imports -= 1
        self.state.jobs[job_id] = {"job_id": job_id, "ready_at": time.time() + self.state.job_delay, "fail": fail,
                                   "template": form.get("import_template_id"),
                                   "spec": {"name": name, "parent": parent["asset_id"], "fields": fields, "path": path,
                                            "size": os.path.getsize(path),
                                            "mime": manifest["upload_manifest"]["master_files"][0]["file"].get(
                                                "file_type") or "application/octet-stream"},
                                   "asset_id": None}
        return self.json({"job_handle": {"job_id": job_id}}, 202)

    def _job(self, job_id):
        job = self.state.jobs.get(job_id)
        if job is None:
            raise OTMMError(404, "Job {} not found".format(job_id))
        return job

    def job(self, job_id):
        """The job body is in no public source (N1): ``job_shape`` switches between guesses, or answers 404."""
        job = self._job(job_id)
        state = "FAILED" if job["fail"] and time.time() >= job["ready_at"] else \
            "COMPLETED" if job["asset_id"] else "RUNNING"
        shape = self.state.job_shape
        if shape == "absent":
            raise OTMMError(404, "No resource at GET {}/jobs/{}".format(API, job_id))
        if shape == "status":
            words = {"RUNNING": "In Progress", "COMPLETED": "Done", "FAILED": "Error"}
            return self.json({"job_resource": {"job": {"id": job_id, "status": words[state]}}})
        return self.json({"job_resource": {"job": {"job_id": job_id, "job_state": state,
                                                   "message": "import failed (sandbox)" if state == "FAILED"
                                                   else None}}})

    def job_assets(self, req, job_id):
        """GET /jobs/{id}/assets -> assets_resource.asset_list (E4): empty until the job has made its asset."""
        job = self._job(job_id)
        assets = [self.state.assets[job["asset_id"]]] if job["asset_id"] in self.state.assets else []
        detail = self.detail(req)
        return self.json({"assets_resource": {"asset_list": [self.asset_json(a, detail) for a in assets]}})

    def control(self, method, path, payload):
        """/_sandbox/ extras: state dump, seeding, token expiry, import failures, campaign status."""
        s = self.state
        with s.lock:
            s.advance_jobs()
            if path == "/_sandbox/state" and method == "GET":
                return summary(s)
            if path == "/_sandbox/expire_tokens" and method == "POST":
                s.tokens.clear()
                s.sessions.clear()
                return {"ok": True}
            if path == "/_sandbox/fail_next_imports" and method == "POST":
                s.fail_next_imports = int(payload.get("count", 1))
                return {"ok": True}
            if path == "/_sandbox/campaign_status" and method == "POST":
                set_field_by_number(s, payload["number"], CAMPAIGN_FIELDS["status"], payload["status"])
                return {"ok": True}
            if path == "/_sandbox/campaigns" and method == "POST":
                return {"folder_id": s.add_campaign(payload)}
            if path == "/_sandbox/assets" and method == "POST":  # {"folder_id", "name", "size", "mime", "fields"}
                return {"asset_id": s.add_asset(payload["folder_id"], payload)}
            if path == "/_sandbox/folder" and method == "POST":  # {"number", "path": ["Master Assets", ...]}
                return {"folder_id": folder_by_path(s, payload["number"], payload.get("path") or [])}
            if path == "/_sandbox/imported" and method == "GET":
                return {"assets": imported_assets(s)}
            if path == "/_sandbox/assets_under" and method == "POST":  # {"folder_id"}
                return {"assets": assets_under(s, payload["folder_id"])}
            if path == "/_sandbox/lock" and method == "POST":  # {"number", "user"}: a person holds the lock
                campaign_folder(s, payload["number"])["locked_by"] = payload.get("user")
                return {"ok": True}
            if path == "/_sandbox/settings" and method == "POST":  # job_delay, token_lifetime, token_shape
                for key in ("job_delay", "token_lifetime"):
                    if key in payload:
                        setattr(s, key, float(payload[key]))
                if "max_page_size" in payload:
                    s.max_page_size = int(payload["max_page_size"] or 0)
                if "token_shape" in payload:
                    self.token_shape = payload["token_shape"]
                if "job_shape" in payload:
                    s.job_shape = payload["job_shape"]
                if "single_lock" in payload:
                    s.single_lock = bool(payload["single_lock"])
                if "folder_load_types" in payload:
                    s.folder_load_types = tuple(payload["folder_load_types"] or ())
                if "refused_operators" in payload:
                    s.refused_operators = set(payload["refused_operators"] or [])
                for field_id, kind in (payload.get("model") or {}).items():
                    s.model[field_id] = ("TABLE", kind["TABLE"]) if isinstance(kind, dict) else kind
                return {"ok": True}
        return None


def campaign_folder(state, campaign_id):
    for f in state.folders.values():
        if f["fields"].get(CAMPAIGN_FIELDS["number"]) == campaign_id:
            return f
    raise KeyError(campaign_id)


def folder_by_path(state, campaign_id, path):
    """Folder id of ``path`` (list of names) below the campaign ``number``."""
    current = campaign_folder(state, campaign_id)["asset_id"]
    for name in path:
        current = next(k["asset_id"] for k in state.children(current)
                       if k["asset_id"] in state.folders and k["name"].lower() == name.lower())
    return current


def assets_under(state, folder_id):
    out, seen, stack = [], set(), [(folder_id, [])]
    while stack:
        fid, path = stack.pop()
        for k in state.children(fid):
            if k["asset_id"] in seen:
                continue
            seen.add(k["asset_id"])
            if k["asset_id"] in state.folders:
                stack.append((k["asset_id"], path + [k["name"]]))
            else:
                out.append({"asset_id": k["asset_id"], "path": "/".join(path), "name": k["name"], "size": k["size"],
                            "sha1": state.sha1(k), "import_job_id": k["import_job_id"], "fields": dict(k["fields"])})
    return sorted(out, key=lambda a: (a["path"], a["name"]))


def imported_assets(state):
    return [{"asset_id": a["asset_id"], "name": a["name"], "parent_ids": list(a["parent_ids"]), "size": a["size"],
             "sha1": state.sha1(a), "import_job_id": a["import_job_id"], "fields": dict(a["fields"]),
             "import_template_id": a.get("import_template_id")}
            for a in state.assets.values() if a["import_job_id"]]


def set_field_by_number(state, campaign_id, field, value):
    campaign_folder(state, campaign_id)["fields"][field] = value


def summary(state):
    """Every campaign with its status and the assets under it (path, name, size, sha1, fields)."""
    out = {}
    for f in state.folders.values():
        campaign_id = f["fields"].get(CAMPAIGN_FIELDS["number"])
        if not campaign_id:
            continue
        assets = []
        stack = [(f["asset_id"], [])]
        seen = set([f["asset_id"]])
        while stack:
            fid, path = stack.pop()
            for k in state.children(fid):
                if k["asset_id"] in seen:  # several parents, or a cycle
                    continue
                seen.add(k["asset_id"])
                if k["asset_id"] in state.folders:
                    stack.append((k["asset_id"], path + [k["name"]]))
                else:
                    assets.append({"asset_id": k["asset_id"], "path": "/".join(path), "name": k["name"],
                                   "size": k["size"], "sha1": state.sha1(k), "import_job_id": k["import_job_id"],
                                   "fields": k["fields"]})
        out[campaign_id] = {"folder_id": f["asset_id"], "status": scalar(f["fields"].get(CAMPAIGN_FIELDS["status"])),
                       "locked": bool(f["locked_by"]), "assets": sorted(assets, key=lambda a: (a["path"], a["name"]))}
    return {"campaigns": out}


class OTMMSandbox(object):
    """Both listeners around one state; see the module docstring."""

    def __init__(self, seed=DEFAULT_SEED, data_dir=None, port=0, mtls_port=0, pki_dir=None, job_delay=0.2,
                 token_lifetime=3600):
        import tempfile
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="otmm-sandbox-")
        self.state = State(self.data_dir)
        self.state.job_delay = job_delay
        self.state.token_lifetime = token_lifetime
        if seed:
            if isinstance(seed, str):
                with open(seed) as f:
                    seed = yaml.safe_load(f)
            self.state.seed(seed)
        self.pki = make_pki(pki_dir or os.path.join(self.data_dir, "pki"))
        self.app = OTMMApp(self.state)
        self.middleware = SandboxMiddleware(self.app, error_body)  # one set of counters and faults for both doors
        self._ports = (port, mtls_port)
        self.http = self.https = None

    def start(self):
        self.http = ServerThread(self.middleware, port=self._ports[0]).start()
        self.https = ServerThread(self.middleware, port=self._ports[1],
                                  ssl_context=server_ssl_context(self.pki, require_client_cert=True)).start()
        return self

    def stop(self):
        for server in (self.http, self.https):
            if server:
                server.stop()

    @property
    def oauth_base_url(self):
        return self.http.url + "/otmmapi"

    @property
    def token_url(self):
        return self.http.url + TOKEN_PATH

    @property
    def mtls_base_url(self):
        return self.https.url + "/otmmapi"

    @property
    def ca_bundle(self):
        return self.pki["ca_cert"]

    @property
    def client_pfx(self):
        return self.pki["client_pfx"]

    @property
    def client_pfx_password(self):
        return self.pki["client_pfx_password"]

    @property
    def client_id(self):
        return self.app.client_id

    @property
    def client_secret(self):
        return self.app.client_secret

    @property
    def session_user(self):
        return SESSION_USER

    @property
    def session_password(self):
        return self.app.session_password

    # -- in-process inspection and steering for tests and the demo --------------------------------------------------
    def snapshot(self):
        with self.state.lock:
            self.state.advance_jobs()
            return summary(self.state)["campaigns"]

    def campaign_status(self, campaign_id):
        return self.snapshot()[campaign_id]["status"]

    def set_campaign_status(self, campaign_id, status):
        with self.state.lock:
            set_field_by_number(self.state, campaign_id, CAMPAIGN_FIELDS["status"], status)

    def set_asset_field(self, asset_id, field, value):
        with self.state.lock:
            self.state.assets[asset_id]["fields"][field] = value

    def add_campaign(self, spec):
        return self.state.add_campaign(spec)

    def expire_tokens(self):
        with self.state.lock:
            self.state.tokens.clear()
            self.state.sessions.clear()

    def settings(self, **values):
        """The /_sandbox/settings switches, in process: job_shape, single_lock, max_page_size, model, ..."""
        return self.app.control("POST", "/_sandbox/settings", values)

    def lock_as(self, campaign_id, user):
        """Lock a campaign folder as another DAM user (a person editing it); None releases it."""
        with self.state.lock:
            campaign_folder(self.state, campaign_id)["locked_by"] = user

    def is_locked(self, campaign_id):
        with self.state.lock:
            return campaign_folder(self.state, campaign_id)["locked_by"]

    def folder_id(self, campaign_id, *path):
        """Id of the campaign folder ``number`` or of a folder below it: folder_id("LC-2026-0042", "Master Assets")."""
        with self.state.lock:
            return folder_by_path(self.state, campaign_id, list(path))

    def add_asset(self, folder_id, name, size=1000, mime="application/octet-stream", fields=None, file_name=None):
        return self.state.add_asset(folder_id, {"name": name, "size": size, "mime": mime, "fields": fields,
                                                "file_name": file_name})

    def link(self, object_id, parent_id):
        self.state.link(object_id, parent_id)

    def assets_under(self, folder_id):
        """[{asset_id, path, name, size, sha1, import_job_id, fields}] of every asset below ``folder_id``."""
        with self.state.lock:
            self.state.advance_jobs()
            return assets_under(self.state, folder_id)

    def imported_assets(self):
        """Every asset created through POST /assets (with its import job id)."""
        with self.state.lock:
            self.state.advance_jobs()
            return imported_assets(self.state)

    def replace_content(self, asset_id, data, checksum=None):
        """A person checks in a new version of an asset: new bytes, version + 1 (and a checksum to publish, or
        None: the DAM gives none)."""
        path = os.path.join(self.data_dir, "v-" + uuid.uuid4().hex)
        with open(path, "wb") as f:
            f.write(data)
        with self.state.lock:
            asset = self.state.assets[asset_id]
            asset.update(path=path, size=len(data), version=asset.get("version", 1) + 1, checksum=checksum)

    def set_checksum(self, asset_id, checksum):
        with self.state.lock:
            self.state.assets[asset_id]["checksum"] = checksum

    def delete_asset(self, asset_id):
        """A person deletes an asset in the DAM (OTMM keeps it flagged deleted)."""
        with self.state.lock:
            self.state.assets[asset_id]["deleted"] = True

    def asset_content_sha1(self, asset_id):
        with self.state.lock:
            return self.state.sha1(self.state.assets[asset_id])

    def fail_next_imports(self, count=1):
        with self.state.lock:
            self.state.fail_next_imports = count


def main(argv=None):
    parser = argparse.ArgumentParser(description="OTMM v6 sandbox")
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mtls-port", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    sandbox = OTMMSandbox(seed=args.seed, data_dir=args.data_dir, port=args.port, mtls_port=args.mtls_port).start()
    serve_until_interrupted(sandbox, {"DAM_BASE_URL": sandbox.oauth_base_url, "DAM_AUTH_URL": sandbox.token_url,
                      "DAM_MTLS_BASE_URL": sandbox.mtls_base_url, "DAM_CA_BUNDLE": sandbox.ca_bundle,
                      "DAM_CLIENT_ID": sandbox.client_id, "DAM_CLIENT_SECRET": sandbox.client_secret,
                      "DAM_USERNAME": sandbox.session_user, "DAM_PASSWORD": sandbox.session_password,
                      "DAM_MTLS_CERT_PATH": sandbox.client_pfx})


if __name__ == "__main__":
    main()
