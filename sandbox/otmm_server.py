"""OTMM v6 sandbox: the subset of the OpenText Media Management REST API the suite uses.

Paths, wrappers, the metadata representation and ``exception_body`` errors follow docs/otmm-api.md. Two
listeners share one in-memory state: plain HTTP with OAuth2 bearer tokens (``oauth_base_url``) and HTTPS that
*requires* a client certificate from the sandbox CA (``mtls_base_url``, the gateway: no token needed there).
Routes are one table (``ROUTES``, werkzeug.routing rows: adding a route is adding a row); the data is
otmm_state.py's, the documents answered and taken otmm_documents.py's, the write routes (folders, locks, PATCH,
imports and their jobs) otmm_writes.py's.

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
                                      "known_operators": [the operator ids the search knows],
                                      "unknown_operators": "refuse"|"ignore"|"flag" (500 / no hits /
                                      contains_invalid_conditions), "session_cookie": "set"|"none"|"dropped"
                                      (the login sets no JSESSIONID / a gateway drops it: only otmmauthtoken
                                      carries the session), "bearer_writes": false (Bearer tokens may only read),
                                      "subfolders_route": false (no GET /folders/{id}/folders),
                                      "folder_load_types": [load_type values a folder GET accepts; [] = any]}
  POST /_sandbox/expire_asset        {"asset_id"}  (its rights expired: ``expired: true``)
  POST /_sandbox/index_lag           {"number", "lag": true|false}  (search hits keep the folder's fields as now)

Strict by default, as the public evidence says OTMM is (docs/otmm-api.md, evidence F1-F10):
  - lock/unlock read ``action`` only from a form body (E6, E8); bulk ``PUT /assets/state`` with a selection context;
  - an import job runs on its own clock: its asset exists from ``job_delay`` on, polled or not; ``GET
    /jobs/{id}/assets`` lists it (E4); the body of ``GET /jobs/{id}`` is switchable because no source shows it;
  - slim listings carry only the fields named in ``metadata_to_return`` (none without it), ``level_of_detail=full``
    carries all; ``container_child_counts`` only when a ``data_load_request`` asks (E6, E7, E9);
  - a declared metadata model (CHAR, NUMBER, DATE, DOMAIN, TABLE with column ids): writes with a wrong value type,
    an unknown field or a table id where a column id belongs are refused with ``exception_body`` (E7, E10, E14);
  - session logins (``POST /sessions`` -> JSESSIONID cookie and ``message_digest``); calls authenticated by the
    cookie, or by the digest in ``otmmauthtoken`` (E16), must send ``X-Requested-By: <session id>`` on every write
    (E2-E5); Bearer tokens keep working; a password grant checks the user's password (E26);
  - reads carry what the load asks for: no metadata without ``load_type`` metadata/full or ``load_metadata`` (E23);
    table rows carry ``display_value`` (E24); dates are whole seconds (E22); assets can be expired (E18);
  - search (otmm_search.py) takes scalar, tabular, full-text and keyword-only forms and refuses unknown operator ids
    (E10, E15); lookup domains are served (E1); ``GET /folders/{id}/folders`` lists subfolders (E6, E20);
  - root folders include OTMM's special ids (``ARTESIA.PUBLIC.TREEN``, ``<user>N``); duplicate folder names are
    allowed (no 409 rule: none is evidenced).
"""
import argparse
import json
import os
import re
import time
import urllib.parse
import uuid

import yaml
from werkzeug.wrappers import Request, Response

from sandbox.common import Routes, SandboxMiddleware, ServerThread, serve_until_interrupted
from sandbox.otmm_documents import asset_json, entry_json, folder_json, lookup_domain_json, wanted_detail
from sandbox.otmm_search import search_answer
from sandbox.otmm_state import (API, CAMPAIGN_FIELDS, LOOKUP_DOMAINS, SESSION_USER, OTMMError, State, assets_under,
                                campaign_folder, error_body, folder_by_path, imported_assets, set_field_by_number,
                                summary, user_id)
from sandbox.otmm_writes import OTMMWriteRoutes
from sandbox.pki import make_pki, server_ssl_context

TOKEN_PATH = "/otdsws/oauth2/token"
DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "otmm_seed.yaml")
ROUTES = Routes([
    ("POST", TOKEN_PATH, "token"),
    ("POST", API + "/sessions/oauth2/token", "token"),
    ("POST", API + "/sessions", "login"),
    ("GET", API + "/sessions", "session_info"),
    (None, API + "/folders/rootfolders", "root_folders"),
    ("GET", API + "/folders/<folder_id>", "get_folder"),
    ("POST", API + "/folders/<parent_id>", "create_folder"),
    ("PATCH", API + "/folders/<folder_id>", "patch_folder"),
    ("GET", API + "/folders/<folder_id>/children", "children"),
    ("GET", API + "/folders/<folder_id>/folders", "subfolders"),
    ("GET", API + "/lookupdomains", "lookup_domains"),
    ("GET", API + "/lookupdomains/<domain_id>", "lookup_domain"),
    ("POST", API + "/assets", "import_asset"),
    ("PUT", API + "/assets/state", "bulk_lock"),
    ("GET", API + "/assets/<asset_id>", "get_asset"),
    ("PATCH", API + "/assets/<asset_id>", "patch_asset"),
    ("PUT", API + "/assets/<object_id>/state", "lock"),
    ("GET", API + "/assets/<asset_id>/contents", "contents"),
    (("GET", "POST"), API + "/search/text", "search"),
    ("GET", API + "/jobs/<job_id>", "job"),
    ("GET", API + "/jobs/<job_id>/assets", "job_assets"),
])
OPEN = ("token", "login")  # answered without a credential
STREAMED = ("contents",)  # answered outside the state lock (a long download must not stall other requests)
CONTENT = re.compile(r"^" + re.escape(API) + r"/assets/[^/]+/contents/?$")  # what the network switch paces


def content_route(method, path):
    """The network switch (sandbox/network.py) paces asset downloads."""
    return "download" if method == "GET" and CONTENT.match(path) else None
CONTROL = Routes([  # /_sandbox/ (besides sandbox/common.py's); handlers get the JSON payload
    ("GET", "/_sandbox/state", "show_state"),
    ("POST", "/_sandbox/expire_tokens", "expire_tokens"),
    ("POST", "/_sandbox/fail_next_imports", "fail_imports"),
    ("POST", "/_sandbox/campaign_status", "set_status"),
    ("POST", "/_sandbox/campaigns", "seed_campaign"),
    ("POST", "/_sandbox/assets", "seed_asset"),
    ("POST", "/_sandbox/folder", "seed_folder"),
    ("GET", "/_sandbox/imported", "show_imported"),
    ("POST", "/_sandbox/assets_under", "show_assets_under"),
    ("POST", "/_sandbox/lock", "hold_lock"),
    ("POST", "/_sandbox/settings", "change_settings"),
    ("POST", "/_sandbox/expire_asset", "expire_asset_rights"),
    ("POST", "/_sandbox/index_lag", "lag_index"),
])


class OTMMApp(OTMMWriteRoutes):
    """The WSGI app behind both listeners: one route of ``ROUTES`` per request, an OTMMError turned into an
    ``exception_body`` answer."""

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
        """The route of ``ROUTES`` for the request. Below the API, every route but the token and login ones needs a
        credential (on the plain listener; the HTTPS listener is the mTLS gateway, the client certificate is the
        auth) and runs under the state lock after the due import jobs have finished, and so does a path without a
        route (then 404)."""
        path, method = req.path, req.method
        inside = path.startswith(API + "/")
        endpoint, args = ROUTES.match(method, API + "/" + path[len(API) + 1:].rstrip("/") if inside else path)
        if endpoint in OPEN:
            return getattr(self, endpoint)(req, **args)
        if not inside:
            raise OTMMError(404, "No resource at {}".format(path))
        if req.scheme != "https":
            self.authorise(req)
        with self.state.lock:
            self.state.advance_jobs()
            if endpoint is not None and endpoint not in STREAMED:
                return getattr(self, endpoint)(req, **args)
        if endpoint is None:
            raise OTMMError(404, "No resource at {} {}".format(method, path))
        return getattr(self, endpoint)(req, **args)

    @staticmethod
    def json(doc, status=200):
        return Response(json.dumps(doc), status=status, content_type="application/json")

    def authorise(self, req):
        """A valid Bearer token, or a session from POST /sessions carried by its JSESSIONID cookie or its digest in
        ``otmmauthtoken`` (E16); a write under a session must carry ``X-Requested-By: <session id>`` (E2-E5), a write
        under a Bearer token needs nothing more (E1, E11) unless ``bearer_writes`` is off."""
        header = req.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        now, write = time.time(), req.method not in ("GET", "HEAD")
        if token is not None:
            expiry = self.state.tokens.get(token)
            if expiry is None or expiry < now:
                raise OTMMError(401, "The session is not valid or has expired")
            if write and not self.state.bearer_writes and not req.path.endswith("/search/text"):  # a POST read
                raise OTMMError(403, "This OAuth token may read but not change content")
            return
        cookie = req.cookies.get("JSESSIONID") if self.state.session_cookie == "set" else None
        session = self.state.sessions.get(cookie) if cookie else None
        digest = req.headers.get("otmmauthtoken")
        if session is None and digest:
            session = next((s for s in self.state.sessions.values() if s.get("digest") == digest), None)
        if session is None or session["expires"] < now:
            raise OTMMError(401, "The session is not valid or has expired")
        if write and req.headers.get("X-Requested-By") != str(session["id"]):
            raise OTMMError(401, "The X-Requested-By header must carry the session id on this request")

    def token(self, req):
        """OAuth2 token endpoints (OTDS and OTMM's own): the client must be known, and a password grant must carry
        the user's right name and password (E26; RFC 6749 section 5.2 answers ``invalid_grant``)."""
        form = req.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self.json({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if form.get("grant_type") not in ("client_credentials", "password"):
            return self.json({"error": "unsupported_grant_type"}, 400)
        if form.get("grant_type") == "password" and (form.get("username") != SESSION_USER or
                                                     form.get("password") != self.session_password):
            return self.json({"error": "invalid_grant",
                              "error_description": "The user name or password is not valid"}, 400)
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
        """POST /sessions (form username/password) -> session_resource.session.{id, message_digest} and a JSESSIONID
        cookie (none with ``session_cookie: none``)."""
        form = req.form
        if form.get("username") != SESSION_USER or form.get("password") != self.session_password:
            raise OTMMError(401, "Invalid user name or password")
        with self.state.lock:
            session_id = next(self.state.counter) + 700000
            cookie, digest = uuid.uuid4().hex.upper(), uuid.uuid4().hex
            self.state.sessions[cookie] = {"id": session_id, "digest": digest,
                                           "expires": time.time() + self.state.token_lifetime}
            set_cookie = self.state.session_cookie != "none"
        response = self.json({"session_resource": {"session": {
            "id": session_id, "login_name": SESSION_USER, "user_id": user_id(SESSION_USER),
            "message_digest": digest, "validation_key": -2045393682, "local_session": False}}})
        if set_cookie:
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

    # -- reads ----------------------------------------------------------------------------------------------------
    def session_info(self, req):
        """GET /sessions: who the caller is (every door acts as the integration user here)."""
        return self.json({"session_resource": {"session": {"login_name": SESSION_USER,
                                                           "user_id": user_id(SESSION_USER)}}})

    @staticmethod
    def _window(req, items):
        """``after``/``limit`` of a folder list; ``limit=0`` (or none) means all (E6)."""
        after, limit = int(req.args.get("after", 0) or 0), int(req.args.get("limit", 0) or 0)
        return items[after:after + limit] if limit else items[after:]

    def root_folders(self, req):
        roots = self._window(req, [self.state.folders[r] for r in self.state.roots])
        return self.json({"folders_resource": {"folder_list": [
            folder_json(self.state, f, wanted_detail(req)) for f in roots]}})

    def subfolders(self, req, folder_id):
        """GET /folders/{id}/folders (E6, E20): the folders directly below, whatever else the folder holds."""
        if not self.state.subfolders_route:
            raise OTMMError(404, "No resource at GET {}/folders/{}/folders".format(API, folder_id))
        self.folder(folder_id)
        kids = self._window(req, [k for k in self.state.children(folder_id) if k["asset_id"] in self.state.folders])
        detail = wanted_detail(req)
        return self.json({"folders_resource": {"folder_list": [folder_json(self.state, k, detail) for k in kids]}})

    def lookup_domains(self, req):
        return self.json({"lookup_domains_resource": {"lookup_domains": [
            lookup_domain_json(d, values) for d, values in sorted(LOOKUP_DOMAINS.items())]}})

    def lookup_domain(self, req, domain_id):
        if domain_id not in LOOKUP_DOMAINS:
            raise OTMMError(404, "Lookup domain {} does not exist".format(domain_id))
        return self.json({"lookup_domain_resource": {"lookup_domain": lookup_domain_json(
            domain_id, LOOKUP_DOMAINS[domain_id])}})

    def get_folder(self, req, folder_id):
        if self.state.folder_load_types and req.args.get("load_type") not in self.state.folder_load_types:
            raise OTMMError(400, "Invalid load_type {!r} for a folder".format(req.args.get("load_type")))
        return self.json({"folder_resource": {"folder": folder_json(
            self.state, self.folder(folder_id), wanted_detail(req, single=True))}})

    def get_asset(self, req, asset_id):
        return self.json({"asset_resource": {"asset": asset_json(
            self.state, self.asset(asset_id), wanted_detail(req, single=True))}})

    def children(self, req, folder_id):
        self.folder(folder_id)
        after = int(req.args.get("after", 0))
        limit = int(req.args.get("limit", 25)) or 10 ** 9
        if self.state.max_page_size:  # a server that caps the page below the requested limit
            limit = min(limit, self.state.max_page_size)
        kids = self.state.children(folder_id)[after:after + limit]
        detail = wanted_detail(req)
        return self.json({"folder_children": {"asset_list": [entry_json(self.state, k, detail) for k in kids]}})

    def search(self, req):
        return self.json(search_answer(self.state, req))

    def contents(self, req, asset_id):
        with self.state.lock:
            asset = self.asset(asset_id)
        if req.headers.get("Accept") and req.accept_mimetypes.best_match(
                [asset["mime_type"], "application/octet-stream"]) is None:
            # a JAX-RS method producing the file's type answers 406 to an Accept it cannot meet (E1 sends */*)
            raise OTMMError(406, "HTTP 406 Not Acceptable: the content is {}".format(asset["mime_type"]))
        return Response(self.state.content(asset), content_type=asset["mime_type"], direct_passthrough=True,
                        headers={"Content-Length": str(asset["size"]),
                                 "Content-Disposition": "attachment; filename*=UTF-8''{}".format(
                                     urllib.parse.quote(asset["file_name"]))})

    # -- control (/_sandbox/, see the module docstring) -------------------------------------------------------------
    def control(self, method, path, payload):
        """The answer to a /_sandbox/ request of ``CONTROL`` (after the due import jobs finished); None when it has
        no row (sandbox/common.py: 404)."""
        endpoint, args = CONTROL.match(method, path)
        with self.state.lock:
            self.state.advance_jobs()
            return getattr(self, endpoint)(payload, **args) if endpoint else None

    def show_state(self, payload):
        return summary(self.state)

    def expire_tokens(self, payload):
        self.state.tokens.clear()
        self.state.sessions.clear()
        return {"ok": True}

    def fail_imports(self, payload):
        self.state.fail_next_imports = int(payload.get("count", 1))
        return {"ok": True}

    def set_status(self, payload):
        set_field_by_number(self.state, payload["number"], CAMPAIGN_FIELDS["status"], payload["status"])
        return {"ok": True}

    def seed_campaign(self, payload):
        return {"folder_id": self.state.add_campaign(payload)}

    def seed_asset(self, payload):  # {"folder_id", "name", "size", "mime", "fields"}
        return {"asset_id": self.state.add_asset(payload["folder_id"], payload)}

    def seed_folder(self, payload):  # {"number", "path": ["Master Assets", ...]}
        return {"folder_id": folder_by_path(self.state, payload["number"], payload.get("path") or [])}

    def show_imported(self, payload):
        return {"assets": imported_assets(self.state)}

    def show_assets_under(self, payload):  # {"folder_id"}
        return {"assets": assets_under(self.state, payload["folder_id"])}

    def hold_lock(self, payload):  # {"number", "user"}: a person holds the lock
        campaign_folder(self.state, payload["number"])["locked_by"] = payload.get("user")
        return {"ok": True}

    def expire_asset_rights(self, payload):  # {"asset_id"}: its usage rights expired (E18)
        self.state.assets[payload["asset_id"]]["expired"] = True
        return {"ok": True}

    def lag_index(self, payload):  # {"number", "lag"}: the search keeps seeing the folder's fields as they are now
        folder = campaign_folder(self.state, payload["number"])
        self.state.index_lag.pop(folder["asset_id"], None)
        if payload.get("lag", True):
            self.state.index_lag[folder["asset_id"]] = dict(folder["fields"])
        return {"ok": True}

    def change_settings(self, payload):  # job_delay, token_lifetime, token_shape, ...
        s = self.state
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
        if "known_operators" in payload:
            s.known_operators = set(payload["known_operators"] or [])
        for key in ("unknown_operators", "session_cookie"):
            if key in payload:
                setattr(s, key, payload[key])
        for key in ("bearer_writes", "subfolders_route"):
            if key in payload:
                setattr(s, key, bool(payload[key]))
        for field_id, kind in (payload.get("model") or {}).items():
            s.model[field_id] = ("TABLE", kind["TABLE"]) if isinstance(kind, dict) else kind
        return {"ok": True}


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
        self.middleware = SandboxMiddleware(self.app, error_body, content_route)  # one set of counters, faults, network
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

    def set_network(self, bandwidth_bytes_per_s=0, rtt_ms=0):
        """The network switch (sandbox/network.py): per-connection bandwidth on asset downloads and a round trip
        on every request; 0 = off."""
        return self.middleware.network.set(bandwidth_bytes_per_s, rtt_ms)

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
            asset.update(path=path, size=len(data), version=asset.get("version", 1) + 1, checksum=checksum,
                          updated=time.time())

    def set_checksum(self, asset_id, checksum):
        with self.state.lock:
            self.state.assets[asset_id]["checksum"] = checksum

    def lag_index(self, campaign_id, lag=True):  # search hits keep the folder's fields as now, or catch up
        self.app.control("POST", "/_sandbox/index_lag", {"number": campaign_id, "lag": lag})

    def expire_asset(self, asset_id):
        """An asset's rights expire in the DAM (``expired: true``; OpenText's client skips it like a deleted one,
        E18)."""
        self.app.control("POST", "/_sandbox/expire_asset", {"asset_id": asset_id})

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
