"""Box Content API 2.0 sandbox: what boxsdk 3.14 and the suite use (docs/box-api.md, docs/box-openapi-subset.json).

JWT assertions are verified (RS256 signature with the generated Box-config.json's key, kid, aud, exp <= 60 s, unique
jti); folders with offset and marker paging and case-insensitive 409 ``item_name_in_use``; simple uploads on the
separate upload path with the Content-MD5 (SHA-1) check; upload sessions with part digests, range rules and a
whole-file digest on commit (optionally 202 + Retry-After first); downloads via 302; delete 204 then 404; shared
links; ``fields=`` answered with the mini representation plus the asked fields; ``ClientError`` bodies. File bytes
live on disk under data_dir; request bodies are read outside the state lock, so big uploads do not stall others.

Strict where real Box is (docs/box-api.md, which names its evidence): names without non-printable
characters; ``limit`` at most 1000; preflight and sessions checked against the file-size cap and the quota; a JWT
user subject or ``As-User`` header must name a user of the enterprise; direct uploads up to 50 MB; a commit's parts
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
  POST /_sandbox/rate_limits           {"calls": [1000, 60], "uploads": [240, 60]}   per-user limits (and reset)
  GET  /_sandbox/rate_limited          every 429 the per-user limiter sent, and the limits
  POST /_sandbox/token_error           {"error": "unauthorized_client", "error_description": "...", "count": 1}
  GET  /_sandbox/exchanges             recorded requests with their responses (see BoxApp.record)
  POST /_sandbox/exchanges             {"enabled": true|false}  (and clears them)

CLI:  python -m sandbox.box_server [--port N] [--data-dir DIR]   prints its URLs and box_config_path as one JSON line.
"""
import argparse
import base64
import hashlib
import itertools
import json
import os
import re
import tempfile
import threading
import time
import uuid

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from sandbox.common import SandboxMiddleware, ServerThread, serve_until_interrupted

SERVICE_ACCOUNT = "11446498"
# Managed users of the sandbox enterprise: a JWT user subject or an As-User header must name one of these.
DEFAULT_USERS = {SERVICE_ACCOUNT: ("DAM Automation (service account)", "AutomationUser_sandbox@boxdevedition.com"),
                 "22000001": ("Marketing Ops", "marketing-ops@example.com")}
# Box's per-user limits (developer.box.com rate-limits guide): (requests, window seconds); strict by default.
DEFAULT_RATE_LIMITS = {"calls": (1000, 60.0), "uploads": (240, 60.0)}
SIMPLE_UPLOAD_MAX = 50 * 1000 * 1000  # "limited to a maximum file size of 50MB" (direct-upload guide)
UPLOAD_PATH = re.compile(r"^/api/2\.0/files/(?:\d+/)?(?:content|upload_sessions)$")
DEFAULT_ROOTS = {"a1_a2": "348304357505", "a5_a6": "349441822875", "b1_b2": "349261192115", "a2_a3": "348526703108"}
AUD = "https://api.box.com/oauth2/token"
MIN_CHUNKED = 20 * 1000 * 1000  # "files from 20MB in size" (chunked-upload guide; the decimal reading)
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)$")


def client_error(status, code, message, context_info=None):
    return json.dumps({"type": "error", "status": status, "code": code, "message": message,
                       "context_info": context_info, "help_url": "https://developer.box.com/guides/api-calls/",
                       "request_id": uuid.uuid4().hex[:16]}).encode()


def error_body(status, message):
    code = {401: "unauthorized", 404: "not_found", 429: "rate_limit_exceeded", 500: "internal_server_error",
            502: "bad_gateway", 503: "unavailable"}.get(status, "error")
    if status == 429:
        message = "Request rate limit exceeded, please try again later"
    return "application/json", client_error(status, code, message)


class BoxError(Exception):
    def __init__(self, status, code, message, context_info=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.context_info, self.headers = context_info, headers or {}


def name_in_use(item, as_list=False):
    mini = BoxApp.mini(item)
    return BoxError(409, "item_name_in_use", "Item with the same name already exists",
                    {"conflicts": [mini] if as_list else mini})


def make_box_config(path, enterprise_id="1234567"):
    """A Box-config.json with a fresh RSA key pair (private key encrypted with a passphrase); returns the public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    passphrase = uuid.uuid4().hex
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase.encode())).decode()
    doc = {"boxAppSettings": {"clientID": "sandboxclient" + uuid.uuid4().hex[:8],
                              "clientSecret": "sandbox-box-secret-" + uuid.uuid4().hex[:8],
                              "appAuth": {"publicKeyID": "sbx" + uuid.uuid4().hex[:6], "privateKey": pem,
                                          "passphrase": passphrase}},
           "enterpriseID": enterprise_id}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return doc, key.public_key()


class BoxState(object):
    """Folders and files (bytes on disk), upload sessions, tokens, used jtis; mutations under ``lock``."""

    def __init__(self, data_dir, roots):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self.blob_dir = os.path.join(data_dir, "blobs")
        os.makedirs(self.blob_dir, exist_ok=True)
        self.ids = itertools.count(900000000001)
        self.items = {"0": {"type": "folder", "id": "0", "name": "All Files", "parent_id": None}}
        for name, folder_id in roots.items():
            self.items[folder_id] = {"type": "folder", "id": folder_id, "name": name, "parent_id": "0"}
        self.sessions = {}
        self.trash = {}  # deleted files: Box's default enterprise setting moves them to the trash
        self.tokens = {}
        self.jtis = set()
        self.downloads = {}
        self.commit_202 = 0
        self.commit_retry_after = 1
        self.token_errors = []
        self.part_size = 8 * 1024 * 1024
        self.users = dict(DEFAULT_USERS)
        self.token_users = {}            # token -> user id (absent: the service account)
        # token -> a larger simple-upload limit: only for a benchmark's curl baseline (POST
        # /_sandbox/simple_upload_max); every other token keeps Box's 50 MB.
        self.simple_upload_max = {}
        self.max_file_size = 15 * 1000 ** 3
        self.quota_bytes = 10 * 1000 ** 4
        self.parts_mismatch = 0          # the next commits answer a transient 400 parts_mismatch
        self.move_blocked = 0            # the next moves answer 409 operation_blocked_temporary
        self.rate_limits = dict(DEFAULT_RATE_LIMITS)
        self.rate_log = {}               # (user, kind) -> accepted request times in the window
        self.rate_limited = []           # every 429 sent: {"user", "kind", "path", "time", "retry_after"}

    def new_id(self):
        return str(next(self.ids))

    def children(self, folder_id):
        kids = [i for i in self.items.values() if i["parent_id"] == folder_id]
        return sorted(kids, key=_sort_key)

    def conflict(self, folder_id, name):
        lowered = name.lower()
        for item in self.items.values():
            if item["parent_id"] == folder_id and item["name"].lower() == lowered:
                return item
        return None

    def item(self, item_id, kind=None):
        item = self.items.get(item_id)
        if item is None or (kind and item["type"] != kind):
            raise BoxError(404, "not_found", "Not Found")
        return item

    def store_blob(self, source_path, known=None):
        """Move a temp file into the blob store; returns (path, sha1 hex, size). Touches no shared state.
        ``known`` = (sha1, size) when the caller has already hashed the bytes (no second pass over the file)."""
        if known is not None:
            sha1_hex, size = known
        else:
            h = hashlib.sha1()
            size = 0
            with open(source_path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
                    size += len(chunk)
            sha1_hex = h.hexdigest()
        target = os.path.join(self.blob_dir, uuid.uuid4().hex)
        os.replace(source_path, target)
        return target, sha1_hex, size

    def add_folder(self, parent_id, name):
        folder_id = self.new_id()
        self.items[folder_id] = {"type": "folder", "id": folder_id, "name": name, "parent_id": parent_id,
                                 "etag": "0", "created": time.time()}
        return self.items[folder_id]

    def add_file(self, folder_id, name, blob, sha1, size):
        file_id = self.new_id()
        self.items[file_id] = {"type": "file", "id": file_id, "name": name, "parent_id": folder_id, "blob": blob,
                               "sha1": sha1, "size": size, "versions": 1, "shared_link": None,
                               "etag": "0", "created": time.time()}
        return self.items[file_id]

    def used_bytes(self):
        return sum(i.get("size") or 0 for i in self.items.values() if i["type"] == "file")

    def check_size(self, size, status=403):
        """Box's file-size cap and the account's quota (what a preflight, a session or an upload checks)."""
        if size > self.max_file_size:
            raise BoxError(status, "file_size_limit_exceeded", "File size exceeds the folder owner's file size "
                                                               "limit", {"max_file_size": self.max_file_size})
        if self.used_bytes() + size > self.quota_bytes:
            raise BoxError(status, "storage_limit_exceeded", "Account storage limit reached")

    def rate_check(self, user, kinds, path):
        """Per-user sliding-window limits; a refused request is not counted. Raises the 429 Box sends."""
        now = time.time()
        wait = 0.0
        for kind in kinds:
            limit, window = self.rate_limits[kind]
            stamps = self.rate_log.setdefault((user, kind), [])
            while stamps and stamps[0] <= now - window:
                stamps.pop(0)
            if len(stamps) >= limit:
                wait = max(wait, stamps[0] + window - now)
        if wait > 0:
            retry_after = max(1, int(wait + 0.999))
            self.rate_limited.append({"user": user, "kinds": list(kinds), "path": path, "time": now,
                                      "retry_after": retry_after})
            raise BoxError(429, "rate_limit_exceeded", "Request rate limit exceeded, please try again later",
                           headers={"Retry-After": str(retry_after)})
        for kind in kinds:
            self.rate_log[(user, kind)].append(now)

    def new_version(self, item, blob, sha1, size):
        old = item.get("blob")
        item.update(blob=blob, sha1=sha1, size=size, versions=item["versions"] + 1, etag=str(item["versions"]))
        if old and os.path.exists(old):
            os.remove(old)
        return item


def check_if_match(req, item):
    """Box's optimistic lock: an If-Match that is not the file's current etag is refused with 412."""
    wanted = req.headers.get("If-Match")
    if wanted is not None and wanted.strip('"') != item.get("etag", "0"):
        raise BoxError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource "
                                                   "again and retry")


def _sort_key(item):
    """Box lists folders first, then files; by name (case-insensitive) within each, the id breaking ties."""
    return (item["type"] != "folder", item["name"].lower(), int(item["id"]))


def _marker(item):
    key = _sort_key(item)
    return base64.urlsafe_b64encode(json.dumps([int(key[0]), key[1], key[2]]).encode()).decode()


def _unmarker(marker):
    if not marker:
        return None
    try:
        folder_last, name, item_id = json.loads(base64.urlsafe_b64decode(marker.encode()).decode())
        return (bool(folder_last), name, int(item_id))
    except (ValueError, TypeError):
        raise BoxError(400, "invalid_parameter", "Invalid value for marker")


def _iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S-00:00", time.gmtime(ts))


class BoxApp(object):
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
        path, method = req.path.rstrip("/"), req.method
        if path == "/oauth2/token" and method == "POST":
            return self.token(req)
        if path.startswith("/dl/"):
            return self.download_target(path.split("/")[2])
        user = self.authorise(req)
        with self.state.lock:
            self.state.rate_check(user, ["calls", "uploads"] if method == "POST" and UPLOAD_PATH.match(path)
                                  else ["calls"], path)
        parts = path.split("/")[1:]
        s = self.state
        if parts[:1] == ["2.0"]:
            p = parts[1:]
            if p == ["users", "me"] and method == "GET":
                name, login = s.users[user]
                return self.json({"type": "user", "id": user, "name": name, "login": login})
            if p[:1] == ["folders"] and len(p) == 2 and method == "GET":
                with s.lock:
                    return self.json(self.shaped(self.folder_full(s.item(p[1], "folder")), req))
            if p == ["folders", "trash", "items"] and method == "GET":
                with s.lock:
                    entries = [dict(self.mini(t), item_status="trashed") for t in s.trash.values()]
                return self.json({"total_count": len(entries), "entries": entries, "offset": 0,
                                  "limit": len(entries)})
            if p[:1] == ["folders"] and len(p) == 3 and p[2] == "items" and method == "GET":
                return self.items(req, p[1])
            if p == ["folders"] and method == "POST":
                return self.create_folder(req)
            if p == ["files", "content"] and method == "OPTIONS":
                return self.preflight(req)
            if p[:1] == ["files"] and len(p) == 2 and method == "GET":
                with s.lock:
                    return self.json(self.shaped(self.file_full(s.item(p[1], "file")), req))
            if p[:1] == ["files"] and len(p) == 2 and method == "PUT":
                return self.update_file(req, p[1])
            if p[:1] == ["files"] and len(p) == 2 and method == "DELETE":
                with s.lock:
                    item = s.item(p[1], "file")
                    check_if_match(req, item)
                    s.trash[p[1]] = dict(s.items.pop(p[1]), trashed_at=time.time())  # blob kept: restorable
                return Response(status=204)
            if p[:1] == ["files"] and len(p) == 3 and p[2] == "trash" and method == "GET":
                with s.lock:
                    if p[1] not in s.trash:
                        raise BoxError(404, "not_found", "Not Found")
                    return self.json(dict(self.mini(s.trash[p[1]]), item_status="trashed",
                                          trashed_at=_iso(s.trash[p[1]]["trashed_at"])))
            if p[:1] == ["files"] and len(p) == 3 and p[2] == "content" and method == "GET":
                with s.lock:
                    item = s.item(p[1], "file")
                    token = uuid.uuid4().hex
                    s.downloads[token] = item["id"]
                return Response(status=302, headers={"Location": "{}/dl/{}".format(req.host_url.rstrip("/"), token)})
        if parts[:2] == ["api", "2.0"]:
            p = parts[2:]
            if p == ["files", "content"] and method == "POST":
                return self.upload(req, None)
            if p[:1] == ["files"] and len(p) == 3 and p[2] == "content" and method == "POST":
                return self.upload(req, p[1])
            if p == ["files", "upload_sessions"] and method == "POST":
                return self.create_session(req, None)
            if p[:1] == ["files"] and len(p) == 3 and p[2] == "upload_sessions" and method == "POST":
                return self.create_session(req, p[1])
            if p[:2] == ["files", "upload_sessions"] and len(p) >= 3:
                return self.session_op(req, p[2], p[3] if len(p) > 3 else None)
        raise BoxError(404, "not_found", "No route for {} {}".format(method, path))

    # -- auth ---------------------------------------------------------------------------------------------------------
    def token(self, req):
        import jwt
        form = req.form
        app = self.config["boxAppSettings"]

        def oauth_error(error, description, status=400):
            return self.json({"error": error, "error_description": description}, status)

        with self.state.lock:
            if self.state.token_errors:
                error, description = self.state.token_errors.pop(0)
                return oauth_error(error, description)
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return oauth_error("unsupported_grant_type", "Only JWT is supported by this sandbox")
        if form.get("client_id") != app["clientID"] or form.get("client_secret") != app["clientSecret"]:
            return oauth_error("invalid_client", "The client credentials are invalid")
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            return oauth_error("invalid_grant", "Invalid JWT assertion")
        if header.get("kid") and header["kid"] != app["appAuth"]["publicKeyID"]:
            return oauth_error("invalid_grant", "Please check the 'kid' header. No public key with that id.")
        try:
            claims = jwt.decode(assertion, self.public_key, algorithms=["RS256", "RS384", "RS512"], audience=AUD,
                                options={"require": ["exp", "jti", "iss", "sub", "aud"]})
        except jwt.ExpiredSignatureError:
            return oauth_error("invalid_grant", "Please check the 'exp' claim.")
        except jwt.InvalidSignatureError:
            return oauth_error("invalid_grant", "Signature verification error. The public key identified by the "
                                                "'kid' must correspond to the private key used for signing.")
        except jwt.InvalidAudienceError:
            return oauth_error("invalid_grant", "Please check the 'aud' claim.")
        except jwt.InvalidTokenError as exc:
            return oauth_error("invalid_grant", "Invalid JWT assertion: {}".format(exc))
        if claims["exp"] > time.time() + 60:
            return oauth_error("invalid_grant", "The 'exp' value exceeds the maximum value of 60 seconds beyond the "
                                                "issue time.")
        if claims["iss"] != app["clientID"]:
            return oauth_error("invalid_grant", "Please check the 'iss' claim.")
        jti = str(claims["jti"])
        if not 16 <= len(jti) <= 128:
            return oauth_error("invalid_grant", "Please check the 'jti' claim. It must be 16 to 128 characters.")
        sub_type = claims.get("box_sub_type")
        if sub_type not in ("enterprise", "user") or \
                (sub_type == "enterprise" and claims["sub"] != self.config["enterpriseID"]) or \
                (sub_type == "user" and str(claims["sub"]) not in self.state.users) or \
                not str(claims["sub"]).isdigit():
            return oauth_error("invalid_grant", "Please check the 'sub' claim. The 'sub' specified is invalid.")
        with self.state.lock:
            if jti in self.state.jtis:
                return oauth_error("invalid_grant", "Please check the 'jti' claim. A unique 'jti' value is required.")
            self.state.jtis.add(jti)
            token = uuid.uuid4().hex
            self.state.tokens[token] = time.time() + 3600
            if sub_type == "user":
                self.state.token_users[token] = str(claims["sub"])
        return self.json({"access_token": token, "expires_in": 3600, "token_type": "bearer", "restricted_to": []})

    def authorise(self, req):
        header = req.headers.get("Authorization", "")
        token = header.split(" ", 1)[1] if " " in header else None
        with self.state.lock:
            expiry = self.state.tokens.get(token)
            user = self.state.token_users.get(token, SERVICE_ACCOUNT)
            known = set(self.state.users)
        if expiry is None or expiry < time.time():
            raise BoxError(401, "unauthorized", "Unauthorized", headers={
                "WWW-Authenticate": 'Bearer realm="Service", error="invalid_token", '
                                    'error_description="The access token provided is invalid."'})
        as_user = req.headers.get("As-User")
        if as_user is not None:
            if as_user not in known:
                raise BoxError(403, "access_denied_insufficient_permissions",
                               "As-User names a user this enterprise does not have: {}".format(as_user))
            user = as_user
        return user

    # -- representations ---------------------------------------------------------------------------------------------
    @staticmethod
    def mini(item):
        out = {"type": item["type"], "id": item["id"], "name": item["name"], "etag": item.get("etag", "0"),
               "sequence_id": "0"}
        if item["type"] == "file":
            out.update(sha1=item["sha1"], file_version={"type": "file_version",
                                                        "id": item["id"] + str(item["versions"]),
                                                        "sha1": item["sha1"]})
        return out

    def path_collection(self, item):
        chain, parent = [], item["parent_id"]
        while parent is not None:
            p = self.state.items[parent]
            chain.insert(0, self.mini(p))
            parent = p["parent_id"]
        return {"total_count": len(chain), "entries": chain}

    def file_full(self, item):
        out = self.mini(item)
        name = item["name"]
        out.update(size=item["size"], parent=self.mini(self.state.items[item["parent_id"]]),
                   path_collection=self.path_collection(item), item_status="active",
                   version_number=str(item["versions"]), shared_link=item["shared_link"], description="",
                   extension=name.rsplit(".", 1)[1] if "." in name else "",
                   created_at=_iso(item["created"]), modified_at=_iso(item["created"]))
        return out

    def folder_full(self, item):
        out = self.mini(item)
        kids = self.state.children(item["id"])
        out.update(parent=self.mini(self.state.items[item["parent_id"]]) if item["parent_id"] else None,
                   path_collection=self.path_collection(item), item_status="active",
                   item_collection={"total_count": len(kids), "entries": [self.mini(k) for k in kids[:100]],
                                    "offset": 0, "limit": 100})
        return out

    @staticmethod
    def shaped(full, req):
        """With ``fields=``, Box answers the mini representation plus the fields asked for (and nothing else)."""
        fields = req.args.get("fields")
        if not fields:
            return full
        keep = {"type", "id", "etag", "sequence_id", "name", "sha1", "file_version"} | set(fields.split(","))
        return {k: v for k, v in full.items() if k in keep}

    def entry(self, item, req):
        return self.shaped(self.file_full(item), req) if item["type"] == "file" else self.mini(item)

    # -- folders ------------------------------------------------------------------------------------------------------
    def items(self, req, folder_id):
        try:
            limit = int(req.args.get("limit", 100))
            offset = int(req.args.get("offset", 0))
        except ValueError:
            raise BoxError(400, "bad_request", "Invalid value for limit or offset")
        if not 1 <= limit <= 1000:
            raise BoxError(400, "bad_request", "Invalid value for limit: it must be between 1 and 1000")
        with self.state.lock:
            self.state.item(folder_id, "folder")
            kids = self.state.children(folder_id)
            if req.args.get("usemarker", "").lower() == "true":
                # A stable cursor (like Box's): the sort key of the last item returned, so items removed or added
                # between pages do not shift the next page the way offsets do.
                after = _unmarker(req.args.get("marker"))
                rest = [k for k in kids if after is None or _sort_key(k) > after]
                page = rest[:limit]
                nxt = _marker(page[-1]) if len(rest) > limit else None
                return self.json({"entries": [self.entry(k, req) for k in page], "limit": limit,
                                  "next_marker": nxt, "prev_marker": None})
            page = kids[offset:offset + limit]
            return self.json({"entries": [self.entry(k, req) for k in page], "limit": limit, "offset": offset,
                              "total_count": len(kids), "order": [{"by": "type", "direction": "ASC"}]})

    @staticmethod
    def check_name(name):
        if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name or \
                name != name.rstrip() or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise BoxError(400, "item_name_invalid", "Item name invalid")
        if len(name) > 255:
            raise BoxError(400, "item_name_too_long", "Item name too long")

    @staticmethod
    def body_json(req):
        try:
            body = json.loads(req.get_data(cache=True) or b"{}")
        except ValueError:
            raise BoxError(400, "bad_request", "Could not parse JSON body")
        if not isinstance(body, dict):
            raise BoxError(400, "bad_request", "A JSON object is required")
        return body

    def create_folder(self, req):
        body = self.body_json(req)
        parent_id = (body.get("parent") or {}).get("id")
        self.check_name(body.get("name"))
        with self.state.lock:
            parent = self.state.item(parent_id, "folder")
            existing = self.state.conflict(parent["id"], body["name"])
            if existing:
                raise name_in_use(existing, as_list=True)
            return self.json(self.folder_full(self.state.add_folder(parent["id"], body["name"])), 201)

    # -- files --------------------------------------------------------------------------------------------------------
    def preflight(self, req):
        body = self.body_json(req)
        self.check_name(body.get("name"))
        with self.state.lock:
            self.state.item((body.get("parent") or {}).get("id"), "folder")
            existing = self.state.conflict(body["parent"]["id"], body["name"])
            if existing:
                raise name_in_use(existing)
            size = body.get("size")
            if size is not None:  # the guide: a preflight checks "any file size caps" and "storage quotas"
                self.state.check_size(int(size), status=409)
        return self.json({"upload_url": self.upload_host(req) + "/api/2.0/files/content",
                          "upload_token": "Pc3FIOG9vSGV4VHZ4VlhZ" + uuid.uuid4().hex[:12]})

    def upload(self, req, existing_id):
        """Simple upload (new file or new version): the body goes to a temp file first, outside the lock."""
        def stream_factory(total_content_length=None, content_type=None, filename=None, content_length=None):
            return tempfile.NamedTemporaryFile("w+b", dir=self.state.blob_dir, delete=False)

        head = _HeadTee(req.environ["wsgi.input"])
        req.environ["wsgi.input"] = head
        _, form, files = parse_form_data(req.environ, stream_factory=stream_factory)
        upload = files.get("file")
        try:
            attributes = json.loads(form.get("attributes") or "{}")
        except ValueError:
            attributes = None
        req.environ["box.attributes"] = attributes
        req.environ["box.parts"] = sorted(set(list(form.keys()) + list(files.keys())))
        if upload is None:
            raise BoxError(400, "bad_request", "The file part is missing")
        temp = upload.stream.name
        upload.stream.close()
        blob, sha1, size = self.state.store_blob(temp)
        try:
            header = req.headers.get("Authorization", "")
            with self.state.lock:
                limit = self.state.simple_upload_max.get(header.split(" ", 1)[-1], SIMPLE_UPLOAD_MAX)
            if size > limit:
                raise BoxError(413, "request_entity_too_large", "Direct uploads are limited to 50MB ({} bytes "
                                                                "sent): use an upload session".format(size))
            if attributes is None:
                raise BoxError(400, "bad_request", "attributes is not valid JSON")
            if head.first_part_name() != "attributes":
                raise BoxError(400, "metadata_after_file_contents",
                               "Metadata (the attributes part) must come before the file contents")
            expected = req.headers.get("Content-MD5")
            if expected and expected.lower() != sha1:
                raise BoxError(400, "bad_digest", "The specified content-md5 did not match what we received")
            with self.state.lock:
                if existing_id is not None:
                    item = self.state.item(existing_id, "file")
                    check_if_match(req, item)
                    if attributes.get("name") and attributes["name"] != item["name"]:
                        self.check_name(attributes["name"])
                        clash = self.state.conflict(item["parent_id"], attributes["name"])
                        if clash and clash["id"] != item["id"]:
                            raise name_in_use(clash)
                        item["name"] = attributes["name"]
                    item = self.state.new_version(item, blob, sha1, size)
                    return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 200)
                parent_id = (attributes.get("parent") or {}).get("id")
                self.state.item(parent_id, "folder")
                self.check_name(attributes.get("name"))
                conflict = self.state.conflict(parent_id, attributes["name"])
                if conflict:
                    raise name_in_use(conflict)
                item = self.state.add_file(parent_id, attributes["name"], blob, sha1, size)
                return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 201)
        except BoxError:
            if os.path.exists(blob) and not any(i.get("blob") == blob for i in list(self.state.items.values())):
                os.remove(blob)
            raise

    def update_file(self, req, file_id):
        body = self.body_json(req)
        with self.state.lock:
            item = self.state.item(file_id, "file")
            if ("parent" in body or "name" in body) and self.state.move_blocked > 0:
                self.state.move_blocked -= 1
                raise BoxError(409, "operation_blocked_temporary", "The operation is blocked by another ongoing "
                                                                   "operation on the folder")
            if "parent" in body or "name" in body:
                parent_id = (body.get("parent") or {}).get("id", item["parent_id"])
                name = body.get("name", item["name"])
                self.state.item(parent_id, "folder")
                self.check_name(name)
                conflict = self.state.conflict(parent_id, name)
                if conflict and conflict["id"] != item["id"]:
                    raise name_in_use(conflict)
                item["parent_id"], item["name"] = parent_id, name
            if "shared_link" in body:
                if body["shared_link"] is None:
                    item["shared_link"] = None
                else:
                    token = hashlib.sha1(item["id"].encode()).hexdigest()[:32]
                    access = (body["shared_link"] or {}).get("access") or "company"
                    if access not in ("open", "company", "collaborators"):
                        raise BoxError(400, "bad_request", "Invalid shared link access")
                    item["shared_link"] = {"url": "https://app.box.com/s/" + token, "download_url": None,
                                           "vanity_url": None, "vanity_name": None, "access": access,
                                           "effective_access": access, "effective_permission": "can_download",
                                           "unshared_at": None, "is_password_enabled": False,
                                           "permissions": {"can_download": True, "can_preview": True,
                                                           "can_edit": False},
                                           "download_count": 0, "preview_count": 0}
            return self.json(self.file_full(item))

    def download_target(self, token):
        with self.state.lock:
            file_id = self.state.downloads.pop(token, None)
            item = self.state.items.get(file_id) if file_id else None
        if item is None:
            raise BoxError(404, "not_found", "Download link expired")

        def read(path=item["blob"]):
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 16), b""):
                    yield chunk
        return Response(read(), content_type="application/octet-stream", direct_passthrough=True,
                        headers={"Content-Length": str(item["size"])})

    # -- upload sessions ----------------------------------------------------------------------------------------------
    def create_session(self, req, existing_id):
        body = self.body_json(req)
        if existing_id is None and not body.get("folder_id"):
            raise BoxError(400, "missing_destination", "folder_id is required")
        if body.get("file_size") in (None, ""):
            raise BoxError(400, "missing_file_size", "file_size is required")
        try:
            size = int(body["file_size"])
        except (TypeError, ValueError):
            raise BoxError(400, "invalid_file_size", "file_size must be an integer")
        if size < MIN_CHUNKED:
            raise BoxError(400, "file_size_too_small", "File size is less than minimum allowed for this API")
        with self.state.lock:
            self.state.check_size(size - (self.state.items.get(existing_id) or {}).get("size", 0)
                                  if existing_id else size)
            existing = self.state.item(existing_id, "file") if existing_id else None
            folder_id = existing["parent_id"] if existing else body["folder_id"]
            name = body.get("file_name") or (existing and existing["name"])
            if existing is None and not name:
                raise BoxError(400, "missing_file_name", "file_name is required")
            if folder_id not in self.state.items or self.state.items[folder_id]["type"] != "folder":
                raise BoxError(404, "invalid_parameter" if existing is None else "not_found", "Folder not found")
            self.check_name(name)
            conflict = self.state.conflict(folder_id, name)
            if conflict and (existing is None or conflict["id"] != existing["id"]):
                raise name_in_use(conflict)
            session_id = uuid.uuid4().hex  # lowercase: common.endpoint_key folds it into {id}
            part = self.state.part_size
            path = os.path.join(self.state.blob_dir, "session-" + session_id)
            with open(path, "wb") as f:
                f.truncate(size)
            self.state.sessions[session_id] = {"folder_id": folder_id, "name": name, "size": size,
                                               "part_size": part, "parts": {}, "pending": set(), "path": path,
                                               "existing": existing["id"] if existing else None}
        base = "{}/api/2.0/files/upload_sessions/{}".format(self.upload_host(req), session_id)
        return self.json({"type": "upload_session", "id": session_id, "part_size": part,
                          "total_parts": (size + part - 1) // part, "num_parts_processed": 0,
                          "session_expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                              time.gmtime(time.time() + 7 * 86400)),
                          "session_endpoints": {"upload_part": base, "commit": base + "/commit", "abort": base,
                                                "list_parts": base + "/parts", "status": base,
                                                "log_event": base + "/log"}}, 201)

    def session_op(self, req, session_id, action):
        with self.state.lock:
            sess = self.state.sessions.get(session_id)
        if sess is None:
            raise BoxError(404, "not_found", "Upload session not found")
        method = req.method
        if action is None and method == "PUT":
            return self.put_part(req, sess)
        if action is None and method == "DELETE":
            with self.state.lock:
                self.state.sessions.pop(session_id, None)
            if os.path.exists(sess["path"]):
                os.remove(sess["path"])
            return Response(status=204)
        if action is None and method == "GET":
            with self.state.lock:
                return self.json({"type": "upload_session", "id": session_id, "part_size": sess["part_size"],
                                  "total_parts": (sess["size"] + sess["part_size"] - 1) // sess["part_size"],
                                  "num_parts_processed": len(sess["parts"])})
        if action == "parts" and method == "GET":
            with self.state.lock:
                parts = sorted(sess["parts"].values(), key=lambda p: p["offset"])
            offset = int(req.args.get("offset", 0))
            limit = int(req.args.get("limit", 1000))
            if not 1 <= limit <= 1000:
                raise BoxError(400, "bad_request", "Invalid value for limit: it must be between 1 and 1000")
            return self.json({"entries": parts[offset:offset + limit], "total_count": len(parts), "limit": limit,
                              "offset": offset, "order": [{"by": "offset", "direction": "ASC"}]})
        if action == "commit" and method == "POST":
            return self.commit(req, session_id, sess)
        raise BoxError(405, "method_not_allowed", "Method not allowed")

    def put_part(self, req, sess):
        match = RANGE.match(req.headers.get("Content-Range", ""))
        if not match:
            raise BoxError(400, "bad_request", "Content-Range header is required")
        digest = req.headers.get("Digest", "")
        if not digest.lower().startswith("sha="):
            raise BoxError(400, "bad_request", "Digest header (sha=<base64 SHA-1>) is required")
        lo, hi, total = (int(g) for g in match.groups())
        part = sess["part_size"]
        length = req.content_length
        if total != sess["size"] or lo % part or hi >= total or hi < lo or (hi + 1 != total and hi - lo + 1 != part) \
                or (length is not None and length != hi - lo + 1):
            raise BoxError(416, "requested_range_not_satisfiable", "The range does not match the upload session")
        data = req.get_data()
        if len(data) != hi - lo + 1:
            raise BoxError(416, "requested_range_not_satisfiable", "The body does not match the Content-Range")
        raw = hashlib.sha1(data).digest()
        if digest.split("=", 1)[1] != base64.b64encode(raw).decode():
            raise BoxError(400, "bad_digest", "The digest of the part does not match")
        with self.state.lock:
            if lo in sess["parts"] or lo in sess["pending"]:
                # real Box: 416 (rclone #2054's log; Box's Android app tests 416 + this code), not the spec's 409
                stored = sess["parts"].get(lo) or {"offset": lo, "size": hi - lo + 1}
                raise BoxError(416, "range_overlaps_existing_part", "Part overlaps with previously uploaded part",
                               {"conflicting_part": {k: stored[k] for k in ("part_id", "offset", "size")
                                                     if k in stored}})
            sess["pending"].add(lo)
        try:
            with open(sess["path"], "r+b") as f:
                f.seek(lo)
                f.write(data)
        finally:
            with self.state.lock:
                sess["pending"].discard(lo)
        entry = {"part_id": uuid.uuid4().hex[:8].upper(), "offset": lo, "size": len(data), "sha1": raw.hex()}
        with self.state.lock:
            sess["parts"][lo] = entry
        return self.json({"part": entry})

    def commit(self, req, session_id, sess):
        body = self.body_json(req)
        digest = req.headers.get("Digest", "")
        if not digest.lower().startswith("sha="):
            raise BoxError(400, "bad_request", "Digest header (sha=<base64 SHA-1>) is required")
        with self.state.lock:
            if self.state.commit_202 > 0:
                self.state.commit_202 -= 1
                return Response(status=202, headers={"Retry-After": str(self.state.commit_retry_after)})
            if self.state.parts_mismatch > 0:  # Box right after the last part (rclone #2054): transient
                self.state.parts_mismatch -= 1
                raise BoxError(400, "parts_mismatch", "Parts mismatch: the parts have not all been processed")
            stored = sorted(sess["parts"].values(), key=lambda p: p["offset"])
        listed = sorted(body.get("parts") or [], key=lambda p: p.get("offset", -1))
        fields = ("part_id", "offset", "size", "sha1")
        if [tuple(p.get(k) for k in fields) for p in listed] != [tuple(p[k] for k in fields) for p in stored] or \
                sum(p["size"] for p in stored) != sess["size"]:
            raise BoxError(400, "parts_mismatch", "The parts listed do not match the uploaded parts")
        h = hashlib.sha1()
        with open(sess["path"], "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if digest.split("=", 1)[1] != base64.b64encode(h.digest()).decode():
            raise BoxError(400, "digest_mismatch", "File digest was incorrect")
        with self.state.lock:
            if sess["existing"] and sess["existing"] in self.state.items:
                check_if_match(req, self.state.items[sess["existing"]])  # before the session is used up
            if self.state.sessions.pop(session_id, None) is None:
                raise BoxError(404, "not_found", "Upload session not found")
            if sess["existing"]:
                item = self.state.item(sess["existing"], "file")
            else:
                conflict = self.state.conflict(sess["folder_id"], sess["name"])
                if conflict:
                    os.remove(sess["path"])
                    raise name_in_use(conflict)
                item = None
            # the whole-file hash was just verified above, outside the lock: no second pass while holding it
            blob, sha1, size = self.state.store_blob(sess["path"], known=(h.hexdigest(), sess["size"]))
            if item is not None:
                item = self.state.new_version(item, blob, sha1, size)
            else:
                item = self.state.add_file(sess["folder_id"], sess["name"], blob, sha1, size)
            return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 201)

    # -- control ------------------------------------------------------------------------------------------------------
    def control(self, method, path, payload):
        s = self.state
        payload = payload or {}
        if path.startswith("/_sandbox/tree/") and method == "GET":
            with s.lock:
                return tree(s, path.rsplit("/", 1)[1])
        if path.startswith("/_sandbox/file_bytes/") and method == "GET":
            return {"content_b64": base64.b64encode(file_bytes(s, path.rsplit("/", 1)[1])).decode()}
        if path == "/_sandbox/put_file" and method == "POST":
            data = base64.b64decode(payload["content_b64"]) if "content_b64" in payload else payload["path"]
            return {"file_id": put_file(s, payload["folder_id"], payload["name"], data)}
        if path == "/_sandbox/ensure_folder" and method == "POST":
            return {"folder_id": ensure_folder(s, payload["parent_id"], payload["name"])}
        if path == "/_sandbox/trash" and method == "GET":
            with s.lock:
                return {"entries": [{"id": t["id"], "name": t["name"], "sha1": t["sha1"], "size": t["size"],
                                     "parent_id": t["parent_id"]} for t in s.trash.values()]}
        if path == "/_sandbox/expire_tokens" and method == "POST":
            with s.lock:
                s.tokens.clear()
            return {"ok": True}
        if path == "/_sandbox/commit_202" and method == "POST":
            with s.lock:
                s.commit_202 = int(payload.get("count", 1))
                s.commit_retry_after = int(payload.get("retry_after", 1))
            return {"ok": True}
        if path == "/_sandbox/parts_mismatch" and method == "POST":
            with s.lock:
                s.parts_mismatch = int(payload.get("count", 1))
            return {"ok": True}
        if path == "/_sandbox/move_blocked" and method == "POST":
            with s.lock:
                s.move_blocked = int(payload.get("count", 1))
            return {"ok": True}
        if path == "/_sandbox/simple_upload_max" and method == "POST":
            with s.lock:  # one token only (a bench's curl lanes); the default for everyone else stays 50 MB
                s.simple_upload_max[payload["token"]] = int(payload["bytes"])
            return {"ok": True}
        if path == "/_sandbox/rate_limits" and method == "POST":
            with s.lock:
                for kind in ("calls", "uploads"):
                    if kind in payload:
                        limit, window = payload[kind]
                        s.rate_limits[kind] = (int(limit), float(window))
                s.rate_log.clear()
                s.rate_limited = []
            return {"ok": True}
        if path == "/_sandbox/rate_limited" and method == "GET":
            with s.lock:
                return {"rate_limited": list(s.rate_limited),
                        "limits": {k: list(v) for k, v in s.rate_limits.items()}}
        if path == "/_sandbox/token_error" and method == "POST":
            with s.lock:
                s.token_errors = [(payload.get("error", "unauthorized_client"),
                                   payload.get("error_description",
                                               "This app is not authorized by the enterprise admin."))
                                  ] * int(payload.get("count", 1))
            return {"ok": True}
        if path == "/_sandbox/exchanges" and method == "GET":
            with s.lock:
                return {"exchanges": list(self.exchanges)}
        if path == "/_sandbox/exchanges" and method == "POST":
            with s.lock:
                self.recording = bool(payload.get("enabled", True))
                self.exchanges = []
            return {"ok": True}
        return None


class _HeadTee(object):
    """Passes a WSGI input stream through, keeping its first bytes (to tell which multipart part came first)."""

    def __init__(self, stream, keep=4096):
        self.stream, self.keep, self.head = stream, keep, b""

    def read(self, size=-1):
        data = self.stream.read(size) if size is not None and size >= 0 else self.stream.read()
        if len(self.head) < self.keep:
            self.head += data[:self.keep - len(self.head)]
        return data

    def readline(self, size=-1):
        data = self.stream.readline(size)
        if len(self.head) < self.keep:
            self.head += data[:self.keep - len(self.head)]
        return data

    def first_part_name(self):
        match = re.search(rb'Content-Disposition:[^\r\n]*?\bname="([^"]*)"', self.head, re.IGNORECASE)
        return match.group(1).decode("utf-8", "replace") if match else None


def tree(state, folder_id):
    """Nested view: {"id", "name", "folders": {name: subtree}, "files": {name: {"id","sha1","size","versions"}}}."""
    item = state.item(folder_id, "folder")
    out = {"id": item["id"], "name": item["name"], "folders": {}, "files": {}}
    for kid in state.children(folder_id):
        if kid["type"] == "folder":
            out["folders"][kid["name"]] = tree(state, kid["id"])
        else:
            out["files"][kid["name"]] = {"id": kid["id"], "sha1": kid["sha1"], "size": kid["size"],
                                         "versions": kid["versions"]}
    return out


def put_file(state, folder_id, name, data):
    """Play an agency: bytes, or a file's content (copied in chunks), into a folder; a clash adds a version."""
    temp = os.path.join(state.blob_dir, "in-" + uuid.uuid4().hex)
    if isinstance(data, (bytes, bytearray)):
        with open(temp, "wb") as f:
            f.write(data)
    else:
        with open(data, "rb") as src, open(temp, "wb") as f:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                f.write(chunk)
    blob, sha1, size = state.store_blob(temp)
    with state.lock:
        state.item(folder_id, "folder")
        existing = state.conflict(folder_id, name)
        if existing is not None and existing["type"] == "file":
            return state.new_version(existing, blob, sha1, size)["id"]
        return state.add_file(folder_id, name, blob, sha1, size)["id"]


def ensure_folder(state, parent_id, name):
    with state.lock:
        found = state.conflict(parent_id, name)
        if found:
            return found["id"]
        return state.add_folder(parent_id, name)["id"]


def file_bytes(state, file_id):
    with state.lock:
        blob = state.item(file_id, "file")["blob"]
    with open(blob, "rb") as f:
        return f.read()


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
        self.middleware = SandboxMiddleware(self.app, error_body)
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
