"""Box Content API 2.0 sandbox: what boxsdk 3.14 and the suite use (../shared/box-api.md, box-openapi-subset.json).

JWT assertions are verified (RS256 signature with the generated Box-config.json's key, aud, exp <= 60 s, unique
jti); folders with offset and marker paging and case-insensitive 409 ``item_name_in_use``; simple uploads on the
separate upload path with the Content-MD5 (SHA-1) check; upload sessions with part digests, range rules and a
whole-file digest on commit (optionally 202 + Retry-After first); downloads via 302; delete 204 then 404; shared
links; ``ClientError`` bodies. File bytes live on disk under data_dir.

CLI:  python -m sandbox.box_server [--port N] [--data-dir DIR]
"""
import argparse
import base64
import hashlib
import itertools
import json
import os
import tempfile
import threading
import time
import uuid

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from sandbox.common import SandboxMiddleware, ServerThread

DEFAULT_ROOTS = {"a1_a2": "348304357505", "a5_a6": "349441822875", "b1_b2": "349261192115", "a2_a3": "348526703108"}
AUD = "https://api.box.com/oauth2/token"
MIN_CHUNKED = 20 * 1024 * 1024


def client_error(status, code, message, context_info=None):
    return json.dumps({"type": "error", "status": status, "code": code, "message": message,
                       "context_info": context_info, "help_url": "https://developer.box.com/guides/api-calls/",
                       "request_id": uuid.uuid4().hex[:16]}).encode()


def error_body(status, message):
    code = {429: "rate_limit_exceeded", 500: "internal_server_error", 503: "unavailable"}.get(status, "error")
    return "application/json", client_error(status, code, message)


class BoxError(Exception):
    def __init__(self, status, code, message, context_info=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.context_info, self.headers = context_info, headers or {}


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
    def __init__(self, data_dir, roots):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        os.makedirs(os.path.join(data_dir, "blobs"), exist_ok=True)
        self.ids = itertools.count(900000000001)
        self.items = {"0": {"type": "folder", "id": "0", "name": "All Files", "parent_id": None}}
        for name, folder_id in roots.items():
            self.items[folder_id] = {"type": "folder", "id": folder_id, "name": name, "parent_id": "0"}
        self.sessions = {}
        self.tokens = {}
        self.jtis = set()
        self.downloads = {}
        self.commit_202 = 0
        self.part_size = 8 * 1024 * 1024

    def new_id(self):
        return str(next(self.ids))

    def children(self, folder_id):
        kids = [i for i in self.items.values() if i["parent_id"] == folder_id]
        return sorted(kids, key=lambda i: (i["type"] != "folder", i["name"].lower(), int(i["id"])))

    def conflict(self, folder_id, name):
        for item in self.children(folder_id):
            if item["name"].lower() == name.lower():
                return item
        return None

    def item(self, item_id, kind=None):
        item = self.items.get(item_id)
        if item is None or (kind and item["type"] != kind):
            raise BoxError(404, "not_found", "Not Found")
        return item

    def store_blob(self, source_path):
        """Move an uploaded temp file into the blob store; returns (path, sha1 hex, size)."""
        h = hashlib.sha1()
        size = 0
        with open(source_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
        target = os.path.join(self.data_dir, "blobs", uuid.uuid4().hex)
        os.replace(source_path, target)
        return target, h.hexdigest(), size

    def add_file(self, folder_id, name, blob, sha1, size):
        file_id = self.new_id()
        self.items[file_id] = {"type": "file", "id": file_id, "name": name, "parent_id": folder_id, "blob": blob,
                               "sha1": sha1, "size": size, "versions": 1, "shared_link": None,
                               "etag": "0", "created": time.time()}
        return self.items[file_id]

    def new_version(self, item, blob, sha1, size):
        item.update(blob=blob, sha1=sha1, size=size, versions=item["versions"] + 1, etag=str(item["versions"]))
        return item


class BoxApp(object):
    def __init__(self, state, config, public_key):
        self.state = state
        self.config = config
        self.public_key = public_key

    def __call__(self, environ, start_response):
        req = Request(environ)
        try:
            response = self.dispatch(req)
        except BoxError as exc:
            response = Response(client_error(exc.status, exc.code, exc.message, exc.context_info), status=exc.status,
                                content_type="application/json", headers=exc.headers)
        return response(environ, start_response)

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
        self.authorise(req)
        parts = path.split("/")[1:]
        s = self.state
        with s.lock:
            if parts[:1] == ["2.0"]:
                p = parts[1:]
                if p == ["users", "me"] and method == "GET":
                    return self.json({"type": "user", "id": "11446498", "name": "DAM Automation (service account)",
                                      "login": "AutomationUser_sandbox@boxdevedition.com"})
                if p[:1] == ["folders"] and len(p) == 2 and method == "GET":
                    return self.json(self.folder_full(s.item(p[1], "folder")))
                if p[:1] == ["folders"] and len(p) == 3 and p[2] == "items" and method == "GET":
                    return self.items(req, p[1])
                if p == ["folders"] and method == "POST":
                    return self.create_folder(req)
                if p == ["files", "content"] and method == "OPTIONS":
                    return self.preflight(req)
                if p[:1] == ["files"] and len(p) == 2 and method == "GET":
                    return self.json(self.file_full(s.item(p[1], "file")))
                if p[:1] == ["files"] and len(p) == 2 and method == "PUT":
                    return self.update_file(req, s.item(p[1], "file"))
                if p[:1] == ["files"] and len(p) == 2 and method == "DELETE":
                    s.item(p[1], "file")
                    del s.items[p[1]]
                    return Response(status=204)
                if p[:1] == ["files"] and len(p) == 3 and p[2] == "content" and method == "GET":
                    item = s.item(p[1], "file")
                    token = uuid.uuid4().hex
                    s.downloads[token] = item["id"]
                    return Response(status=302, headers={"Location": "{}/dl/{}".format(req.host_url.rstrip("/"),
                                                                                       token)})
            if parts[:2] == ["api", "2.0"]:
                p = parts[2:]
                if p == ["files", "content"] and method == "POST":
                    return self.upload(req, None)
                if p[:1] == ["files"] and len(p) == 3 and p[2] == "content" and method == "POST":
                    return self.upload(req, s.item(p[1], "file"))
                if p == ["files", "upload_sessions"] and method == "POST":
                    return self.create_session(req, None)
                if p[:1] == ["files"] and len(p) == 3 and p[2] == "upload_sessions" and method == "POST":
                    return self.create_session(req, s.item(p[1], "file"))
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

        if form.get("client_id") != app["clientID"] or form.get("client_secret") != app["clientSecret"]:
            return oauth_error("invalid_client", "The client credentials are invalid", 400)
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return oauth_error("unsupported_grant_type", "Only JWT is supported by this sandbox")
        try:
            claims = jwt.decode(form.get("assertion", ""), self.public_key, algorithms=["RS256", "RS384", "RS512"],
                                audience=AUD, options={"require": ["exp", "jti", "iss", "sub"]})
        except jwt.ExpiredSignatureError:
            return oauth_error("invalid_grant", "Please check the 'exp' claim.")
        except jwt.InvalidTokenError as exc:
            return oauth_error("invalid_grant", "Signature verification failed: {}".format(exc))
        if claims["exp"] > time.time() + 60:
            return oauth_error("invalid_grant", "The 'exp' value exceeds the maximum value of 60 seconds beyond the "
                                                "issue time.")
        if claims["iss"] != app["clientID"]:
            return oauth_error("invalid_grant", "Please check the 'iss' claim.")
        if claims.get("box_sub_type") == "enterprise" and claims["sub"] != self.config["enterpriseID"]:
            return oauth_error("invalid_grant", "Please check the 'sub' claim. The 'sub' specified is invalid.")
        with self.state.lock:
            if claims["jti"] in self.state.jtis:
                return oauth_error("invalid_grant", "Please check the 'jti' claim. A unique 'jti' value is required.")
            self.state.jtis.add(claims["jti"])
            token = uuid.uuid4().hex
            self.state.tokens[token] = time.time() + 3600
        return self.json({"access_token": token, "expires_in": 3600, "token_type": "bearer", "restricted_to": []})

    def authorise(self, req):
        header = req.headers.get("Authorization", "")
        token = header.split(" ", 1)[1] if " " in header else None
        expiry = self.state.tokens.get(token)
        if expiry is None or expiry < time.time():
            raise BoxError(401, "unauthorized", "Unauthorized", headers={
                "WWW-Authenticate": 'Bearer realm="Service", error="invalid_token"'})

    # -- representations ---------------------------------------------------------------------------------------------
    def mini(self, item):
        out = {"type": item["type"], "id": item["id"], "name": item["name"], "etag": item.get("etag", "0"),
               "sequence_id": "0"}
        if item["type"] == "file":
            out.update(sha1=item["sha1"], file_version={"type": "file_version", "id": item["id"] + str(item["versions"]),
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
        out.update(size=item["size"], parent=self.mini(self.state.items[item["parent_id"]]),
                   path_collection=self.path_collection(item), item_status="active",
                   version_number=str(item["versions"]), shared_link=item["shared_link"],
                   created_at=time.strftime("%Y-%m-%dT%H:%M:%S-00:00", time.gmtime(item["created"])))
        return out

    def folder_full(self, item):
        out = self.mini(item)
        kids = self.state.children(item["id"])
        out.update(parent=self.mini(self.state.items[item["parent_id"]]) if item["parent_id"] else None,
                   path_collection=self.path_collection(item), item_status="active",
                   item_collection={"total_count": len(kids), "entries": [self.mini(k) for k in kids[:100]],
                                    "offset": 0, "limit": 100})
        return out

    def entry(self, item):
        return self.file_full(item) if item["type"] == "file" else self.mini(item)

    # -- folders ------------------------------------------------------------------------------------------------------
    def items(self, req, folder_id):
        self.state.item(folder_id, "folder")
        kids = self.state.children(folder_id)
        limit = min(int(req.args.get("limit", 100)), 1000)
        if req.args.get("usemarker", "").lower() == "true":
            start = int(req.args.get("marker") or 0)
            page = kids[start:start + limit]
            nxt = str(start + limit) if start + limit < len(kids) else None
            return self.json({"entries": [self.entry(k) for k in page], "limit": limit, "next_marker": nxt})
        offset = int(req.args.get("offset", 0))
        page = kids[offset:offset + limit]
        return self.json({"entries": [self.entry(k) for k in page], "limit": limit, "offset": offset,
                          "total_count": len(kids), "order": [{"by": "type", "direction": "ASC"}]})

    @staticmethod
    def check_name(name):
        if not name or name in (".", "..") or "/" in name or "\\" in name or name != name.rstrip() or \
                any(ord(c) < 32 for c in name):
            raise BoxError(400, "item_name_invalid", "Item name invalid")
        if len(name) > 255:
            raise BoxError(400, "item_name_too_long", "Item name too long")

    def create_folder(self, req):
        body = req.get_json(force=True)
        parent = self.state.item(body["parent"]["id"], "folder")
        self.check_name(body.get("name"))
        existing = self.state.conflict(parent["id"], body["name"])
        if existing:
            raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                           {"conflicts": [self.mini(existing)]})
        folder_id = self.state.new_id()
        self.state.items[folder_id] = {"type": "folder", "id": folder_id, "name": body["name"],
                                       "parent_id": parent["id"]}
        return self.json(self.folder_full(self.state.items[folder_id]), 201)

    # -- files --------------------------------------------------------------------------------------------------------
    def preflight(self, req):
        body = req.get_json(force=True)
        self.state.item(body["parent"]["id"], "folder")
        self.check_name(body.get("name"))
        existing = self.state.conflict(body["parent"]["id"], body["name"])
        if existing:
            raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                           {"conflicts": self.mini(existing)})
        return self.json({"upload_url": req.host_url + "api/2.0/files/content", "upload_token": None})

    def upload(self, req, existing):
        stream, form, files = parse_form_data(req.environ, stream_factory=self._temp_stream)
        attributes = json.loads(form.get("attributes") or "{}")
        upload = files.get("file")
        if upload is None:
            raise BoxError(400, "bad_request", "The file part is missing")
        temp = upload.stream.name
        upload.stream.close()
        blob, sha1, size = self.state.store_blob(temp)
        expected = req.headers.get("Content-MD5")
        if expected and expected.lower() != sha1:
            os.remove(blob)
            raise BoxError(400, "bad_digest", "The specified content-md5 did not match what we received")
        if existing is not None:
            item = self.state.new_version(existing, blob, sha1, size)
            return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 200)
        parent_id = (attributes.get("parent") or {}).get("id")
        self.state.item(parent_id, "folder")
        self.check_name(attributes.get("name"))
        conflict = self.state.conflict(parent_id, attributes["name"])
        if conflict:
            os.remove(blob)
            raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                           {"conflicts": self.mini(conflict)})
        item = self.state.add_file(parent_id, attributes["name"], blob, sha1, size)
        return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 201)

    def _temp_stream(self, total_content_length=None, content_type=None, filename=None, content_length=None):
        return tempfile.NamedTemporaryFile("w+b", dir=os.path.join(self.state.data_dir, "blobs"), delete=False)

    def update_file(self, req, item):
        body = req.get_json(force=True) or {}
        if "shared_link" in body:
            if body["shared_link"] is None:
                item["shared_link"] = None
            else:
                token = hashlib.sha1(item["id"].encode()).hexdigest()[:24]
                access = (body["shared_link"] or {}).get("access") or "company"
                item["shared_link"] = {"url": "https://app.box.com/s/" + token, "download_url": None,
                                       "access": access, "effective_access": access, "is_password_enabled": False}
        if "parent" in body or "name" in body:
            parent_id = (body.get("parent") or {}).get("id", item["parent_id"])
            name = body.get("name", item["name"])
            self.state.item(parent_id, "folder")
            self.check_name(name)
            conflict = self.state.conflict(parent_id, name)
            if conflict and conflict["id"] != item["id"]:
                raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                               {"conflicts": self.mini(conflict)})
            item["parent_id"], item["name"] = parent_id, name
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
    def create_session(self, req, existing):
        body = req.get_json(force=True)
        size = int(body.get("file_size") or 0)
        if size < MIN_CHUNKED:
            raise BoxError(400, "file_size_too_small", "File size is less than minimum allowed for this API")
        folder_id = existing["parent_id"] if existing else body["folder_id"]
        name = body.get("file_name") or (existing and existing["name"])
        self.state.item(folder_id, "folder")
        if existing is None:
            self.check_name(name)
            conflict = self.state.conflict(folder_id, name)
            if conflict:
                raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                               {"conflicts": self.mini(conflict)})
        session_id = uuid.uuid4().hex.upper()
        part = self.state.part_size
        path = os.path.join(self.state.data_dir, "blobs", "session-" + session_id)
        with open(path, "wb") as f:
            f.truncate(size)
        self.state.sessions[session_id] = {"folder_id": folder_id, "name": name, "size": size, "part_size": part,
                                           "parts": {}, "path": path, "existing": existing["id"] if existing else None}
        base = "{}api/2.0/files/upload_sessions/{}".format(req.host_url, session_id)
        return self.json({"type": "upload_session", "id": session_id, "part_size": part,
                          "total_parts": (size + part - 1) // part, "num_parts_processed": 0,
                          "session_expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400)),
                          "session_endpoints": {"upload_part": base, "commit": base + "/commit", "abort": base,
                                                "list_parts": base + "/parts", "status": base}}, 201)

    def session_op(self, req, session_id, action):
        sess = self.state.sessions.get(session_id)
        if sess is None:
            raise BoxError(404, "not_found", "Upload session not found")
        method = req.method
        if action is None and method == "PUT":
            return self.put_part(req, sess)
        if action is None and method == "DELETE":
            os.remove(sess["path"])
            del self.state.sessions[session_id]
            return Response(status=204)
        if action is None and method == "GET":
            return self.json({"type": "upload_session", "id": session_id, "part_size": sess["part_size"],
                              "num_parts_processed": len(sess["parts"])})
        if action == "parts" and method == "GET":
            parts = sorted(sess["parts"].values(), key=lambda p: p["offset"])
            return self.json({"entries": parts, "total_count": len(parts), "limit": 1000, "offset": 0})
        if action == "commit" and method == "POST":
            return self.commit(req, session_id, sess)
        raise BoxError(405, "method_not_allowed", "Method not allowed")

    def put_part(self, req, sess):
        import re
        match = re.match(r"bytes (\d+)-(\d+)/(\d+)$", req.headers.get("Content-Range", ""))
        data = req.get_data()
        if not match:
            raise BoxError(400, "bad_request", "Content-Range header is required")
        lo, hi, total = (int(g) for g in match.groups())
        part = sess["part_size"]
        if total != sess["size"] or lo % part or hi - lo + 1 != len(data) or \
                (hi + 1 != total and hi - lo + 1 != part) or hi >= total:
            raise BoxError(416, "requested_range_not_satisfiable", "The range does not match the upload session")
        if lo in sess["parts"]:
            raise BoxError(409, "range_overlaps_existing_part", "Part overlaps a part already uploaded")
        digest = req.headers.get("Digest", "")
        raw = hashlib.sha1(data).digest()
        if digest.lower().split("=", 1)[-1] != base64.b64encode(raw).decode().lower():
            raise BoxError(400, "bad_digest", "The digest of the part does not match")
        with open(sess["path"], "r+b") as f:
            f.seek(lo)
            f.write(data)
        entry = {"part_id": uuid.uuid4().hex[:8].upper(), "offset": lo, "size": len(data), "sha1": raw.hex()}
        sess["parts"][lo] = entry
        return self.json({"part": entry})

    def commit(self, req, session_id, sess):
        body = req.get_json(force=True)
        if self.state.commit_202 > 0:
            self.state.commit_202 -= 1
            return Response(status=202, headers={"Retry-After": "1"})
        listed = sorted(body.get("parts") or [], key=lambda p: p["offset"])
        stored = sorted(sess["parts"].values(), key=lambda p: p["offset"])
        if [p["part_id"] for p in listed] != [p["part_id"] for p in stored] or \
                sum(p["size"] for p in stored) != sess["size"]:
            raise BoxError(400, "bad_request", "The parts listed do not cover the file")
        h = hashlib.sha1()
        with open(sess["path"], "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        digest = req.headers.get("Digest", "").split("=", 1)[-1]
        if digest != base64.b64encode(h.digest()).decode():
            raise BoxError(400, "digest_mismatch", "File digest was incorrect")
        blob, sha1, size = self.state.store_blob(sess["path"])
        del self.state.sessions[session_id]
        if sess["existing"]:
            item = self.state.new_version(self.state.items[sess["existing"]], blob, sha1, size)
        else:
            conflict = self.state.conflict(sess["folder_id"], sess["name"])
            if conflict:
                raise BoxError(409, "item_name_in_use", "Item with the same name already exists",
                               {"conflicts": self.mini(conflict)})
            item = self.state.add_file(sess["folder_id"], sess["name"], blob, sha1, size)
        return self.json({"total_count": 1, "entries": [self.file_full(item)]}, 201)

    def control(self, method, path, payload):
        s = self.state
        with s.lock:
            if path.startswith("/_sandbox/tree/") and method == "GET":
                return tree(s, path.rsplit("/", 1)[1])
            if path == "/_sandbox/expire_tokens" and method == "POST":
                s.tokens.clear()
                return {"ok": True}
            if path == "/_sandbox/commit_202" and method == "POST":
                s.commit_202 = int(payload.get("count", 1))
                return {"ok": True}
        return None


def tree(state, folder_id):
    """Nested view: {"name", "folders": {name: subtree}, "files": {name: {"id","sha1","size","versions"}}}."""
    item = state.item(folder_id, "folder")
    out = {"id": item["id"], "name": item["name"], "folders": {}, "files": {}}
    for kid in state.children(folder_id):
        if kid["type"] == "folder":
            out["folders"][kid["name"]] = tree(state, kid["id"])
        else:
            out["files"][kid["name"]] = {"id": kid["id"], "sha1": kid["sha1"], "size": kid["size"],
                                         "versions": kid["versions"]}
    return out


class BoxSandbox(object):
    def __init__(self, data_dir=None, roots=None, port=0):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="box-sandbox-")
        os.makedirs(self.data_dir, exist_ok=True)
        self.roots = dict(roots or DEFAULT_ROOTS)
        self.box_config_path = os.path.join(self.data_dir, "Box-config.json")
        self.config, public_key = make_box_config(self.box_config_path)
        self.state = BoxState(self.data_dir, self.roots)
        self.app = BoxApp(self.state, self.config, public_key)
        self.middleware = SandboxMiddleware(self.app, error_body)
        self.port = port
        self.server = None

    def start(self):
        self.server = ServerThread(self.middleware, port=self.port).start()
        return self

    def stop(self):
        if self.server:
            self.server.stop()

    @property
    def api_base_url(self):
        return self.server.url + "/2.0"

    @property
    def upload_base_url(self):
        return self.server.url + "/api/2.0"

    @property
    def oauth2_base_url(self):
        return self.server.url + "/oauth2"

    def tree(self, folder_id):
        with self.state.lock:
            return tree(self.state, folder_id)

    def put_file(self, folder_id, name, data):
        """Play an agency: put bytes (or a file's content) into a folder; returns the new file id."""
        temp = os.path.join(self.data_dir, "blobs", uuid.uuid4().hex)
        if isinstance(data, bytes):
            with open(temp, "wb") as f:
                f.write(data)
        else:
            with open(data, "rb") as src, open(temp, "wb") as f:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    f.write(chunk)
        with self.state.lock:
            blob, sha1, size = self.state.store_blob(temp)
            return self.state.add_file(folder_id, name, blob, sha1, size)["id"]

    def ensure_folder(self, parent_id, name):
        with self.state.lock:
            found = self.state.conflict(parent_id, name)
            if found:
                return found["id"]
            folder_id = self.state.new_id()
            self.state.items[folder_id] = {"type": "folder", "id": folder_id, "name": name, "parent_id": parent_id}
            return folder_id

    def file_bytes(self, file_id):
        with open(self.state.items[file_id]["blob"], "rb") as f:
            return f.read()

    def expire_tokens(self):
        with self.state.lock:
            self.state.tokens.clear()

    def commit_answers_202(self, count=1):
        with self.state.lock:
            self.state.commit_202 = count


def main(argv=None):
    parser = argparse.ArgumentParser(description="Box API sandbox")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    sandbox = BoxSandbox(data_dir=args.data_dir, port=args.port).start()
    print(json.dumps({"BOX_API_BASE_URL": sandbox.api_base_url, "BOX_UPLOAD_BASE_URL": sandbox.upload_base_url,
                      "BOX_OAUTH2_BASE_URL": sandbox.oauth2_base_url, "BOX_CONFIG_PATH": sandbox.box_config_path,
                      "roots": sandbox.roots}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
