"""Box Content API 2.0 sandbox: what boxsdk 3.14 and the suite use (docs/box-api.md, docs/box-openapi-subset.json).

JWT assertions are verified (RS256 signature with the generated Box-config.json's key, kid, aud, exp <= 60 s, unique
jti); folders with offset and marker paging and case-insensitive 409 ``item_name_in_use``; simple uploads on the
separate upload path with the Content-MD5 (SHA-1) check; upload sessions with part digests, range rules and a
whole-file digest on commit (optionally 202 + Retry-After first); downloads via 302; delete 204 then 404; shared
links; ``fields=`` answered with the mini representation plus the asked fields; ``ClientError`` bodies. File bytes
live on disk under data_dir; request bodies are read outside the state lock, so big uploads do not stall others.
Routes are one table (``ROUTES``, werkzeug.routing rows: adding a route is adding a row); the data and its
representations are box_state.py's, JWT authentication box_auth.py's, uploads and upload sessions box_uploads.py's,
updates, deletes, the trash and versions box_items.py's.

Strict where real Box is (docs/box-api.md, which names its evidence): names without non-printable
characters; preflight and sessions checked against the file-size cap and the quota; a JWT
user subject or ``As-User`` header must name a user of the enterprise (``As-User`` only on an admin's token);
upload sessions end after 7 days; ``limit`` above 1000 is 1000 and ``marker=0`` the first page (as Box does);
If-Match on file and folder updates except moves; ``modified_at`` moves on every write; direct uploads up to 50 MB; a commit's parts
must match the stored parts (id, offset, size, sha1); an overlapping part gets 416 ``range_overlaps_existing_part``;
uploads are answered on a separate upload listener (``session_endpoints``, the preflight's ``upload_url``); per-user
rate limits (1000 calls and 240 uploads a minute, sliding window) answer 429 + Retry-After.

Control endpoints (besides sandbox/common.py's counters, faults and request log), all JSON:
  GET  /_sandbox/tree/<folder_id>      nested names, files with id/sha1/size/versions
  POST /_sandbox/put_file              {"folder_id", "name", "content_b64" | "path"} -> {"file_id"}
  POST /_sandbox/ensure_folder         {"parent_id", "name"} -> {"folder_id"}
  GET  /_sandbox/file_bytes/<file_id>  {"content_b64"}
  GET  /_sandbox/trash                 deleted files (DELETE moves a file to the trash; If-Match is honoured)
  POST /_sandbox/expire_tokens
  POST /_sandbox/commit_202            {"count": 1, "retry_after": 1}   the next commits answer 202 + Retry-After
  POST /_sandbox/parts_mismatch        {"count": 1}   the next commits answer a transient 400 parts_mismatch
  POST /_sandbox/move_blocked          {"count": 1}   the next moves answer 409 operation_blocked_temporary
  POST /_sandbox/age_sessions          {"seconds": 691200}   upload sessions that much older (they end after 7 days)
  POST /_sandbox/rate_limits           {"calls": [1000, 60], "uploads": [240, 60]}   per-user limits (and reset)
  GET  /_sandbox/rate_limited          every 429 the per-user limiter sent, and the limits
  POST /_sandbox/token_error           {"error": "unauthorized_client", "error_description": "...", "count": 1}
  GET  /_sandbox/exchanges             recorded requests with their responses (see BoxApp.record)
  POST /_sandbox/exchanges             {"enabled": true|false}  (and clears them)

CLI:  python -m sandbox.box_server [--port N] [--data-dir DIR]   prints its URLs and box_config_path as one JSON line.
"""
import argparse
import base64
import json
import os
import re
import tempfile
import time
import uuid

from werkzeug.wrappers import Request, Response

from sandbox.box_auth import BoxAuthRoutes, make_box_config
from sandbox.box_items import BoxItemRoutes
from sandbox.box_state import (DEFAULT_ROOTS, BoxError, BoxState, body_json, capped_limit, check_name, client_error,
                               ensure_folder, entry, error_body, file_bytes, file_full, folder_full, marker_of,
                               name_in_use, put_file, shaped, sort_key, tree, unmarker)
from sandbox.box_uploads import BoxUploadRoutes
from sandbox.common import Routes, SandboxMiddleware, ServerThread, serve_until_interrupted

UPLOAD_PATH = re.compile(r"^/api/2\.0/files/(?:\d+/)?(?:content|upload_sessions)$")  # counted as uploads too
UPLOAD_BODY = re.compile(r"^/api/2\.0/files/(?:(?:\d+/)?content|upload_sessions/[^/]+)/?$")  # the switch paces these


def content_route(method, path):
    """The network switch (sandbox/network.py) paces upload bodies: simple uploads and session parts."""
    return "upload" if method in ("POST", "PUT") and UPLOAD_BODY.match(path) and \
        (method == "PUT") == ("/upload_sessions/" in path) else None
API, UPLOAD = "/2.0", "/api/2.0"
ROUTES = Routes([
    ("POST", "/oauth2/token", "token"),
    (None, "/dl/<token>", "download_target"),
    ("GET", API + "/users/me", "me"),
    ("GET", API + "/folders/<folder_id>", "get_folder"),
    ("PUT", API + "/folders/<folder_id>", "update_folder"),
    ("DELETE", API + "/folders/<folder_id>", "delete_folder"),
    ("GET", API + "/folders/trash/items", "trash_items"),
    ("GET", API + "/folders/<folder_id>/items", "items"),
    ("POST", API + "/folders", "create_folder"),
    ("OPTIONS", API + "/files/content", "preflight"),
    ("GET", API + "/files/<file_id>", "get_file"),
    ("PUT", API + "/files/<file_id>", "update_file"),
    ("DELETE", API + "/files/<file_id>", "delete_file"),
    ("POST", API + "/files/<file_id>", "restore_file"),
    ("GET", API + "/files/<file_id>/trash", "trashed_file"),
    ("GET", API + "/files/<file_id>/versions", "file_versions"),
    ("GET", API + "/files/<file_id>/content", "download"),
    ("POST", UPLOAD + "/files/content", "upload"),
    ("POST", UPLOAD + "/files/<existing_id>/content", "upload"),
    ("POST", UPLOAD + "/files/upload_sessions", "create_session"),
    ("POST", UPLOAD + "/files/<existing_id>/upload_sessions", "create_session"),
    (None, UPLOAD + "/files/upload_sessions/<session_id>", "session_op"),
    (None, UPLOAD + "/files/upload_sessions/<session_id>/<action>", "session_op"),
])
PUBLIC = ("token", "download_target")  # answered without a Bearer token (and outside the rate limits)
CONTROL = Routes([  # /_sandbox/ (besides sandbox/common.py's); handlers get the JSON payload ({} if none)
    ("GET", "/_sandbox/tree/<folder_id>", "show_tree"),
    ("GET", "/_sandbox/file_bytes/<file_id>", "show_file_bytes"),
    ("POST", "/_sandbox/put_file", "seed_file"),
    ("POST", "/_sandbox/ensure_folder", "seed_folder"),
    ("GET", "/_sandbox/trash", "show_trash"),
    ("POST", "/_sandbox/expire_tokens", "expire_tokens"),
    ("POST", "/_sandbox/commit_202", "commit_202"),
    ("POST", "/_sandbox/parts_mismatch", "parts_mismatch"),
    ("POST", "/_sandbox/move_blocked", "move_blocked"),
    ("POST", "/_sandbox/age_sessions", "age_sessions"),
    ("POST", "/_sandbox/simple_upload_max", "simple_upload_max"),
    ("POST", "/_sandbox/rate_limits", "rate_limits"),
    ("GET", "/_sandbox/rate_limited", "rate_limited"),
    ("POST", "/_sandbox/token_error", "token_error"),
    ("GET", "/_sandbox/exchanges", "show_exchanges"),
    ("POST", "/_sandbox/exchanges", "record_exchanges"),
])


class BoxApp(BoxAuthRoutes, BoxUploadRoutes, BoxItemRoutes):
    """The WSGI app: one route of ``ROUTES`` per request, a BoxError turned into Box's ClientError answer, and (when
    switched on) every exchange recorded for the OpenAPI conformance check."""

    def __init__(self, state, config, public_key):
        self.state = state
        self.config = config
        self.public_key = public_key
        self.recording = False
        self.exchanges = []
        self.upload_host_url = None  # the separate upload listener (session_endpoints, preflight upload_url)

    def __call__(self, environ, start_response):
        req = Request(environ)
        try:
            response = self.dispatch(req)
        except BoxError as exc:
            response = Response(client_error(exc.status, exc.code, exc.message, exc.context_info), status=exc.status,
                                content_type="application/json", headers=exc.headers)
        if self.recording:
            self.record(req, response)
        return response(environ, start_response)

    def record(self, req, response):
        """One exchange: method, path, query, request headers/body (secrets masked), status, response headers/body."""
        headers = {k.lower(): v for k, v in req.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"].split(" ", 1)[0] + " ***"
        body = None
        ctype = headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            body = {k: ("***" if k in ("client_secret", "assertion") else v) for k, v in req.form.items()}
        elif req.environ.get("box.attributes") is not None:
            body = {"attributes": req.environ["box.attributes"], "parts": req.environ.get("box.parts")}
        elif req.method in ("POST", "PUT", "OPTIONS") and not ctype.startswith(("multipart/", "application/octet")):
            try:
                body = json.loads(req.get_data(cache=True) or b"null")
            except ValueError:
                body = "<not json>"
        out = None
        if response.mimetype == "application/json" and not response.direct_passthrough:
            out = json.loads(response.get_data() or b"null")
        with self.state.lock:
            self.exchanges.append({"method": req.method, "host": req.host, "path": req.path, "query": req.args.to_dict(flat=True),
                                   "headers": headers, "body": body, "status": response.status_code,
                                   "response_headers": {k.lower(): v for k, v in response.headers.items()},
                                   "response": out, "time": time.time()})

    def upload_host(self, req):
        """Where uploads go: the sandbox's own upload listener (like upload.box.com / upload-las.app.box.com)."""
        return (self.upload_host_url or req.host_url).rstrip("/")

    @staticmethod
    def json(doc, status=200, headers=None):
        return Response(json.dumps(doc), status=status, content_type="application/json", headers=headers)

    # -- routing ------------------------------------------------------------------------------------------------------
    def dispatch(self, req):
        """The route of ``ROUTES`` for the request. Every route but the token and download ones needs a valid token
        and a place in the user's rate window, and so does a path without a route (then 404)."""
        path, method = req.path.rstrip("/"), req.method
        endpoint, args = ROUTES.match(method, path)
        if endpoint not in PUBLIC:
            user = self.authorise(req)
            with self.state.lock:
                self.state.rate_check(user, ["calls", "uploads"] if method == "POST" and UPLOAD_PATH.match(path)
                                      else ["calls"], path)
            if endpoint is None:
                raise BoxError(404, "not_found", "No route for {} {}".format(method, path))
            req.environ["box.user"] = user
        return getattr(self, endpoint)(req, **args)

    def me(self, req):
        name, login = self.state.users[req.environ["box.user"]]
        return self.json({"type": "user", "id": req.environ["box.user"], "name": name, "login": login})

    # -- folders ------------------------------------------------------------------------------------------------------
    def get_folder(self, req, folder_id):
        with self.state.lock:
            return self.json(shaped(folder_full(self.state, self.state.item(folder_id, "folder")), req))

    def items(self, req, folder_id):
        limit = capped_limit(req)
        try:
            offset = int(req.args.get("offset", 0))
        except ValueError:
            raise BoxError(400, "bad_request", "Invalid value for offset")
        with self.state.lock:
            self.state.item(folder_id, "folder")
            kids = self.state.children(folder_id)
            if req.args.get("usemarker", "").lower() == "true":
                # A stable cursor (like Box's): the sort key of the last item returned, so items removed or added
                # between pages do not shift the next page the way offsets do.
                after = unmarker(req.args.get("marker"))
                rest = [k for k in kids if after is None or sort_key(k) > after]
                page = rest[:limit]
                nxt = marker_of(page[-1]) if len(rest) > limit else None
                return self.json({"entries": [entry(self.state, k, req) for k in page], "limit": limit,
                                  "next_marker": nxt, "prev_marker": None})
            page = kids[offset:offset + limit]
            return self.json({"entries": [entry(self.state, k, req) for k in page], "limit": limit, "offset": offset,
                              "total_count": len(kids), "order": [{"by": "type", "direction": "ASC"}]})

    def create_folder(self, req):
        body = body_json(req)
        parent_id = (body.get("parent") or {}).get("id")
        check_name(body.get("name"))
        with self.state.lock:
            parent = self.state.item(parent_id, "folder")
            existing = self.state.conflict(parent["id"], body["name"])
            if existing:
                raise name_in_use(existing, as_list=True)
            return self.json(folder_full(self.state, self.state.add_folder(parent["id"], body["name"])), 201)

    # -- files --------------------------------------------------------------------------------------------------------
    def get_file(self, req, file_id):
        with self.state.lock:
            return self.json(shaped(file_full(self.state, self.state.item(file_id, "file")), req))

    def download(self, req, file_id):
        """GET /files/{id}/content: 302 to a one-time download address (download_target)."""
        with self.state.lock:
            item = self.state.item(file_id, "file")
            token = uuid.uuid4().hex
            self.state.downloads[token] = item["id"]
        return Response(status=302, headers={"Location": "{}/dl/{}".format(req.host_url.rstrip("/"), token)})

    def download_target(self, req, token):
        with self.state.lock:
            file_id = self.state.downloads.pop(token, None)
            item = self.state.items.get(file_id) if file_id else None
        if item is None:
            raise BoxError(404, "not_found", "Download link expired")

        def read(path=item["blob"]):
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    yield chunk
        return Response(read(), content_type="application/octet-stream", direct_passthrough=True,
                        headers={"Content-Length": str(item["size"])})

    # -- control (/_sandbox/, see the module docstring) ---------------------------------------------------------------
    def control(self, method, path, payload):
        """The answer to a /_sandbox/ request of ``CONTROL``; None when it has no row (sandbox/common.py: 404)."""
        endpoint, args = CONTROL.match(method, path)
        return getattr(self, endpoint)(payload or {}, **args) if endpoint else None

    def show_tree(self, payload, folder_id):
        with self.state.lock:
            return tree(self.state, folder_id)

    def show_file_bytes(self, payload, file_id):
        return {"content_b64": base64.b64encode(file_bytes(self.state, file_id)).decode()}

    def seed_file(self, payload):
        data = base64.b64decode(payload["content_b64"]) if "content_b64" in payload else payload["path"]
        return {"file_id": put_file(self.state, payload["folder_id"], payload["name"], data)}

    def seed_folder(self, payload):
        return {"folder_id": ensure_folder(self.state, payload["parent_id"], payload["name"])}

    def show_trash(self, payload):
        with self.state.lock:
            return {"entries": [{"id": t["id"], "name": t["name"], "sha1": t["sha1"], "size": t["size"],
                                 "parent_id": t["parent_id"]} for t in self.state.trash.values()]}

    def expire_tokens(self, payload):
        with self.state.lock:
            self.state.tokens.clear()
        return {"ok": True}

    def commit_202(self, payload):
        with self.state.lock:
            self.state.commit_202 = int(payload.get("count", 1))
            self.state.commit_retry_after = int(payload.get("retry_after", 1))
        return {"ok": True}

    def parts_mismatch(self, payload):
        with self.state.lock:
            self.state.parts_mismatch = int(payload.get("count", 1))
        return {"ok": True}

    def age_sessions(self, payload):
        """Move every upload session ``seconds`` closer to its end (7 days after creation: L12)."""
        with self.state.lock:
            for sess in self.state.sessions.values():
                sess["expires"] -= float(payload.get("seconds", 0))
        return {"ok": True}

    def move_blocked(self, payload):
        with self.state.lock:
            self.state.move_blocked = int(payload.get("count", 1))
        return {"ok": True}

    def simple_upload_max(self, payload):
        with self.state.lock:  # one token only (a bench's curl lanes); the default for everyone else stays 50 MB
            self.state.simple_upload_max[payload["token"]] = int(payload["bytes"])
        return {"ok": True}

    def rate_limits(self, payload):
        s = self.state
        with s.lock:
            for kind in ("calls", "uploads"):
                if kind in payload:
                    limit, window = payload[kind]
                    s.rate_limits[kind] = (int(limit), float(window))
            s.rate_log.clear()
            s.rate_limited = []
        return {"ok": True}

    def rate_limited(self, payload):
        with self.state.lock:
            return {"rate_limited": list(self.state.rate_limited),
                    "limits": {k: list(v) for k, v in self.state.rate_limits.items()}}

    def token_error(self, payload):
        with self.state.lock:
            self.state.token_errors = [(payload.get("error", "unauthorized_client"),
                                        payload.get("error_description",
                                                    "This app is not authorized by the enterprise admin."))
                                       ] * int(payload.get("count", 1))
        return {"ok": True}

    def show_exchanges(self, payload):
        with self.state.lock:
            return {"exchanges": list(self.exchanges)}

    def record_exchanges(self, payload):
        with self.state.lock:
            self.recording = bool(payload.get("enabled", True))
            self.exchanges = []
        return {"ok": True}


class BoxSandbox(object):
    """The Box sandbox server with in-process inspection helpers (the same as its /_sandbox/ endpoints)."""

    def __init__(self, data_dir=None, roots=None, port=0, part_size=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="box-sandbox-")
        os.makedirs(self.data_dir, exist_ok=True)
        self.roots = dict(roots or DEFAULT_ROOTS)
        self.box_config_path = os.path.join(self.data_dir, "Box-config.json")
        self.config, public_key = make_box_config(self.box_config_path)
        self.state = BoxState(self.data_dir, self.roots)
        if part_size:
            self.state.part_size = int(part_size)
        self.app = BoxApp(self.state, self.config, public_key)
        self.middleware = SandboxMiddleware(self.app, error_body, content_route)
        self.port = port
        self.server = None
        self.upload_server = None

    def start(self):
        self.server = ServerThread(self.middleware, port=self.port).start()
        # Box hands out upload addresses on their own hosts (upload.box.com, upload-las.app.box.com): a second
        # listener plays that host, so the client's "follow session_endpoints / the preflight's upload_url" code
        # runs in tests instead of URLs it built from its configuration.
        self.upload_server = ServerThread(self.middleware).start()
        self.app.upload_host_url = self.upload_server.url
        return self

    def stop(self):
        for server in (self.upload_server, self.server):
            if server:
                server.stop()
        self.server = self.upload_server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return self.server.url

    @property
    def api_base_url(self):
        return self.server.url + "/2.0"

    @property
    def upload_base_url(self):
        return self.server.url + "/api/2.0"

    @property
    def oauth2_base_url(self):
        return self.server.url + "/oauth2"

    @property
    def upload_host_url(self):
        """The separate upload listener: session_endpoints and the preflight's upload_url point here."""
        return self.upload_server.url

    def client_config(self, **overrides):
        """A config['box'] section pointing at this sandbox."""
        cfg = {"config_path": self.box_config_path, "as_user_id": "", "api_base_url": self.api_base_url,
               "upload_base_url": self.upload_base_url, "oauth2_base_url": self.oauth2_base_url, "ca_bundle": "",
               "connect_timeout_seconds": 5, "read_timeout_seconds": 60, "chunked_upload_threshold_mb": 50,
               "max_retry_wait_seconds": 10, "max_calls_per_minute": 900, "max_uploads_per_minute": 200,
               "link_type": "web_url", "shared_link_access": "company", "roots": dict(self.roots),
               "needs_attention_folder": "_Needs attention"}
        cfg.update(overrides)
        return cfg

    def tree(self, folder_id):
        with self.state.lock:
            return tree(self.state, folder_id)

    def set_network(self, bandwidth_bytes_per_s=0, rtt_ms=0):
        """The network switch (sandbox/network.py): per-connection bandwidth on upload bodies and a round trip on
        every request; 0 = off."""
        return self.middleware.network.set(bandwidth_bytes_per_s, rtt_ms)

    def put_file(self, folder_id, name, data):
        """Play an agency: put bytes (or a file's content) into a folder; returns the file id."""
        return put_file(self.state, folder_id, name, data)

    def ensure_folder(self, parent_id, name):
        return ensure_folder(self.state, parent_id, name)

    def file_bytes(self, file_id):
        return file_bytes(self.state, file_id)

    def trash(self):
        """[{id, name, sha1, size, parent_id}] of every file deleted (Box moves deleted files to the trash)."""
        return self.app.control("GET", "/_sandbox/trash", None)["entries"]

    def expire_tokens(self):
        with self.state.lock:
            self.state.tokens.clear()

    def commit_answers_202(self, count=1, retry_after=1):
        with self.state.lock:
            self.state.commit_202 = count
            self.state.commit_retry_after = retry_after

    def commit_answers_parts_mismatch(self, count=1):
        """The next ``count`` commits answer the transient 400 parts_mismatch Box sends right after the last part."""
        with self.state.lock:
            self.state.parts_mismatch = count

    def age_upload_sessions(self, seconds):
        """Let ``seconds`` pass for every upload session (Box ends a session 7 days after it began)."""
        self.app.age_sessions({"seconds": seconds})

    def block_moves(self, count=1):
        """The next ``count`` moves answer 409 operation_blocked_temporary (the folder is busy)."""
        with self.state.lock:
            self.state.move_blocked = count

    def set_rate_limits(self, calls=None, uploads=None):
        """Per-user limits as (requests, window seconds); clears the windows and the record of 429s."""
        with self.state.lock:
            if calls:
                self.state.rate_limits["calls"] = (int(calls[0]), float(calls[1]))
            if uploads:
                self.state.rate_limits["uploads"] = (int(uploads[0]), float(uploads[1]))
            self.state.rate_log.clear()
            self.state.rate_limited = []

    @property
    def rate_limited(self):
        """Every 429 the per-user limiter sent: [{"user", "kinds", "path", "time", "retry_after"}]."""
        with self.state.lock:
            return list(self.state.rate_limited)

    def fail_token(self, error="unauthorized_client",
                   description="This app is not authorized by the enterprise admin.", count=1):
        with self.state.lock:
            self.state.token_errors = [(error, description)] * count

    def record_exchanges(self, enabled=True):
        with self.state.lock:
            self.app.recording = enabled
            self.app.exchanges = []

    @property
    def exchanges(self):
        with self.state.lock:
            return list(self.app.exchanges)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Box API sandbox")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    sandbox = BoxSandbox(data_dir=args.data_dir, port=args.port).start()
    serve_until_interrupted(sandbox, {"api_base_url": sandbox.api_base_url, "upload_base_url": sandbox.upload_base_url,
                      "upload_host_url": sandbox.upload_host_url,
                      "oauth2_base_url": sandbox.oauth2_base_url, "box_config_path": sandbox.box_config_path,
                      "BOX_API_BASE_URL": sandbox.api_base_url, "BOX_UPLOAD_BASE_URL": sandbox.upload_base_url,
                      "BOX_OAUTH2_BASE_URL": sandbox.oauth2_base_url, "BOX_CONFIG_PATH": sandbox.box_config_path,
                      "roots": sandbox.roots})


if __name__ == "__main__":
    main()
