"""The emulated Box's data and how Box shows it: folders, files (bytes on disk under data_dir), the trash, upload
sessions, tokens and used JWT ids, per-user rate windows; ``ClientError`` bodies; the mini and full representations
(with ``fields=``), marker paging keys, name rules; and the helpers tests use to read and seed it (tree, put_file).
Every mutation runs under ``BoxState.lock``. The routes are box_server.py's, uploads box_uploads.py's.
"""
import base64
import hashlib
import itertools
import json
import os
import threading
import time
import uuid

SERVICE_ACCOUNT = "11446498"
# Managed users of the sandbox enterprise: a JWT user subject or an As-User header must name one of these.
DEFAULT_USERS = {SERVICE_ACCOUNT: ("DAM Automation (service account)", "AutomationUser_sandbox@boxdevedition.com"),
                 "22000001": ("Marketing Ops", "marketing-ops@example.com")}
# Who may send As-User (As-User guides: an admin, co-admin or the service account); the managed user may not.
DEFAULT_ADMINS = frozenset([SERVICE_ACCOUNT])
SESSION_LIFETIME = 7 * 86400  # "The lifetime of an upload session is 7 days" (chunked-upload guide; L12)
MAX_LIMIT = 1000  # "If the value exceeds the maximum, then the maximum value will be used" (pagination guides; L14)
# Box's per-user limits (developer.box.com rate-limits guide): (requests, window seconds); strict by default.
DEFAULT_RATE_LIMITS = {"calls": (1000, 60.0), "uploads": (240, 60.0)}
DEFAULT_ROOTS = {"a1_a2": "348304357505", "a5_a6": "349441822875", "b1_b2": "349261192115", "a2_a3": "348526703108"}


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
    return BoxError(409, "item_name_in_use", "Item with the same name already exists",
                    {"conflicts": [mini(item)] if as_list else mini(item)})


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
        self.admins = set(DEFAULT_ADMINS)
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
        return sorted(kids, key=sort_key)

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
        now = time.time()
        self.items[folder_id] = {"type": "folder", "id": folder_id, "name": name, "parent_id": parent_id,
                                 "etag": "0", "created": now, "modified": now}
        return self.items[folder_id]

    def add_file(self, folder_id, name, blob, sha1, size):
        file_id = self.new_id()
        self.items[file_id] = {"type": "file", "id": file_id, "name": name, "parent_id": folder_id, "blob": blob,
                               "sha1": sha1, "size": size, "versions": 1, "shared_link": None,
                               "etag": "0", "created": time.time(), "modified": time.time(), "history": []}
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
        """The old version stays in the file's history (GET /files/{id}/versions); its bytes are not kept."""
        old = item.get("blob")
        item.setdefault("history", []).insert(0, {"id": version_id(item), "sha1": item["sha1"], "size": item["size"],
                                                  "created": item["created"], "modified": item["modified"]})
        item.update(blob=blob, sha1=sha1, size=size, versions=item["versions"] + 1, etag=str(item["versions"]))
        touch(item)
        if old and os.path.exists(old):
            os.remove(old)
        return item


def touch(item):
    """Every write moves ``modified_at`` (L17: File.modified_at is "when the file was last updated on Box")."""
    item["modified"] = max(time.time(), item.get("modified", 0))


def version_id(item):
    return item["id"] + str(item["versions"])


def capped_limit(req, default=100):
    """``limit`` as Box reads it: above the maximum the maximum is used (L14); not a number or below 1 is 400."""
    try:
        limit = int(req.args.get("limit", default))
    except ValueError:
        raise BoxError(400, "bad_request", "Invalid value for limit")
    if limit < 1:
        raise BoxError(400, "bad_request", "Invalid value for limit: it must be at least 1")
    return min(limit, MAX_LIMIT)


def check_if_match(req, item):
    """Box's optimistic lock: an If-Match that is not the file's current etag is refused with 412."""
    wanted = req.headers.get("If-Match")
    if wanted is not None and wanted.strip('"') != item.get("etag", "0"):
        raise BoxError(412, "precondition_failed", "The resource has been modified. Please retrieve the resource "
                                                   "again and retry")


def sort_key(item):
    """Box lists folders first, then files; by name (case-insensitive) within each, the id breaking ties."""
    return (item["type"] != "folder", item["name"].lower(), int(item["id"]))


def marker_of(item):
    key = sort_key(item)
    return base64.urlsafe_b64encode(json.dumps([int(key[0]), key[1], key[2]]).encode()).decode()


def unmarker(marker):
    if not marker or marker == "0":  # "without the marker parameter, or with the marker set to 0" (L15)
        return None
    try:
        folder_last, name, item_id = json.loads(base64.urlsafe_b64decode(marker.encode()).decode())
        return (bool(folder_last), name, int(item_id))
    except (ValueError, TypeError):
        raise BoxError(400, "invalid_parameter", "Invalid value for marker")


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S-00:00", time.gmtime(ts))


# -- representations -------------------------------------------------------------------------------------------------
def mini(item):
    out = {"type": item["type"], "id": item["id"], "name": item["name"], "etag": item.get("etag", "0"),
           "sequence_id": "0"}
    if item["type"] == "file":
        out.update(sha1=item["sha1"], file_version={"type": "file_version", "id": version_id(item),
                                                    "sha1": item["sha1"]})
    return out


def path_collection(state, item):
    chain, parent = [], item["parent_id"]
    while parent is not None:
        p = state.items[parent]
        chain.insert(0, mini(p))
        parent = p["parent_id"]
    return {"total_count": len(chain), "entries": chain}


def file_full(state, item):
    out = mini(item)
    name = item["name"]
    out.update(size=item["size"], parent=mini(state.items[item["parent_id"]]),
               path_collection=path_collection(state, item), item_status="active",
               version_number=str(item["versions"]), shared_link=item["shared_link"],
               description=item.get("description", ""),
               extension=name.rsplit(".", 1)[1] if "." in name else "",
               created_at=iso(item["created"]), modified_at=iso(item["modified"]))
    return out


def folder_full(state, item):
    out = mini(item)
    kids = state.children(item["id"])
    out.update(parent=mini(state.items[item["parent_id"]]) if item["parent_id"] else None,
               path_collection=path_collection(state, item), item_status="active",
               created_at=iso(item["created"]) if "created" in item else None,
               modified_at=iso(item["modified"]) if "modified" in item else None,
               item_collection={"total_count": len(kids), "entries": [mini(k) for k in kids[:100]],
                                "offset": 0, "limit": 100})
    return out


def shaped(full, req):
    """With ``fields=``, Box answers the mini representation plus the fields asked for (and nothing else)."""
    fields = req.args.get("fields")
    if not fields:
        return full
    keep = {"type", "id", "etag", "sequence_id", "name", "sha1", "file_version"} | set(fields.split(","))
    return {k: v for k, v in full.items() if k in keep}


def entry(state, item, req):
    return shaped(file_full(state, item), req) if item["type"] == "file" else mini(item)


def check_name(name):
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name or \
            name != name.rstrip() or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BoxError(400, "item_name_invalid", "Item name invalid")
    if len(name) > 255:
        raise BoxError(400, "item_name_too_long", "Item name too long")


def body_json(req):
    try:
        body = json.loads(req.get_data(cache=True) or b"{}")
    except ValueError:
        raise BoxError(400, "bad_request", "Could not parse JSON body")
    if not isinstance(body, dict):
        raise BoxError(400, "bad_request", "A JSON object is required")
    return body


# -- inspection and seeding (tests, the demo, /_sandbox/) --------------------------------------------------------------

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
