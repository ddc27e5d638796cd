"""Box uploads as the sandbox answers them: the preflight (OPTIONS /files/content, with its upload_url), simple
uploads on the upload path (multipart, attributes before the file, the Content-MD5 SHA-1 check, 50 MB at most) and
upload sessions (parts with digests and range rules, 416 on an overlapping part, commit with the whole-file digest,
optionally 202 + Retry-After or a transient parts_mismatch first). Request bodies are read outside the state lock,
so a big upload does not stall other requests. BoxApp takes the routes from BoxUploadRoutes.
"""
import base64
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import uuid

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Response

from sandbox.box_state import (SESSION_LIFETIME, BoxError, body_json, capped_limit, check_if_match, check_name,
                               file_full, name_in_use)

SIMPLE_UPLOAD_MAX = 50 * 1000 * 1000  # "limited to a maximum file size of 50MB" (direct-upload guide)
MIN_CHUNKED = 20 * 1000 * 1000  # "files from 20MB in size" (chunked-upload guide; the decimal reading)
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)$")


class BoxUploadRoutes(object):
    """The upload routes of BoxApp; they use its ``state``, ``json`` and ``upload_host``."""

    # -- simple uploads -----------------------------------------------------------------------------------------------
    def preflight(self, req):
        body = body_json(req)
        check_name(body.get("name"))
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

    def upload(self, req, existing_id=None):
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
                        check_name(attributes["name"])
                        clash = self.state.conflict(item["parent_id"], attributes["name"])
                        if clash and clash["id"] != item["id"]:
                            raise name_in_use(clash)
                        item["name"] = attributes["name"]
                    item = self.state.new_version(item, blob, sha1, size)
                    return self.json({"total_count": 1, "entries": [file_full(self.state, item)]}, 200)
                parent_id = (attributes.get("parent") or {}).get("id")
                self.state.item(parent_id, "folder")
                check_name(attributes.get("name"))
                conflict = self.state.conflict(parent_id, attributes["name"])
                if conflict:
                    raise name_in_use(conflict)
                item = self.state.add_file(parent_id, attributes["name"], blob, sha1, size)
                return self.json({"total_count": 1, "entries": [file_full(self.state, item)]}, 201)
        except BoxError:
            if os.path.exists(blob) and not any(i.get("blob") == blob for i in list(self.state.items.values())):
                os.remove(blob)
            raise

    # -- upload sessions ----------------------------------------------------------------------------------------------
    def create_session(self, req, existing_id=None):
        body = body_json(req)
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
            check_name(name)
            conflict = self.state.conflict(folder_id, name)
            if conflict and (existing is None or conflict["id"] != existing["id"]):
                raise name_in_use(conflict)
            session_id = uuid.uuid4().hex  # lowercase: common.endpoint_key folds it into {id}
            part = self.state.part_size
            path = os.path.join(self.state.blob_dir, "session-" + session_id)
            with open(path, "wb") as f:
                f.truncate(size)
            expires = time.time() + SESSION_LIFETIME
            self.state.sessions[session_id] = {"expires": expires, "folder_id": folder_id, "name": name, "size": size,
                                               "part_size": part, "parts": {}, "pending": set(), "path": path,
                                               "existing": existing["id"] if existing else None,
                                               "whole": hashlib.sha1(), "folded": 0, "fold_lock": threading.Lock()}
        base = "{}/api/2.0/files/upload_sessions/{}".format(self.upload_host(req), session_id)
        return self.json({"type": "upload_session", "id": session_id, "part_size": part,
                          "total_parts": (size + part - 1) // part, "num_parts_processed": 0,
                          "session_expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
                          "session_endpoints": {"upload_part": base, "commit": base + "/commit", "abort": base,
                                                "list_parts": base + "/parts", "status": base,
                                                "log_event": base + "/log"}}, 201)

    def session_op(self, req, session_id, action=None):
        with self.state.lock:
            sess = self.state.sessions.get(session_id)
            if sess is not None and sess["expires"] <= time.time():  # L12: sessions live 7 days
                self.state.sessions.pop(session_id)
                if os.path.exists(sess["path"]):
                    os.remove(sess["path"])
                sess = None
        if sess is None:  # what real Box answers for an expired session is unverified: the unknown-session 404
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
            limit = capped_limit(req, 1000)
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
        data = read_body(req, hi - lo + 1)
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
            with open(sess["path"], "r+b", buffering=0) as f:  # one large write, no copy into a buffer
                f.seek(lo)
                f.write(data)
            with sess["fold_lock"]:  # the whole-file SHA-1, folded while the parts arrive in order
                if sess["folded"] == lo:
                    sess["whole"].update(data)
                    sess["folded"] += len(data)
        finally:
            with self.state.lock:
                sess["pending"].discard(lo)
        entry = {"part_id": uuid.uuid4().hex[:8].upper(), "offset": lo, "size": len(data), "sha1": raw.hex()}
        with self.state.lock:
            sess["parts"][lo] = entry
        return self.json({"part": entry})

    def commit(self, req, session_id, sess):
        body = body_json(req)
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
        h = whole_file_sha1(sess)
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
            return self.json({"total_count": 1, "entries": [file_full(self.state, item)]}, 201)

def read_body(req, length):
    """The request body in one buffer of ``length`` bytes, read in large pieces straight into it (no copies); shorter
    when the client sent less. A body without a Content-Length (chunked transfer) is read whole."""
    if req.content_length is None:
        return req.get_data()
    stream = req.stream
    buf = bytearray(length)
    view = memoryview(buf)
    got = 0
    while got < length:
        n = stream.readinto(view[got:])
        if not n:
            return bytes(view[:got])
        got += n
    return buf


def whole_file_sha1(sess):
    """The session file's SHA-1: the one folded part by part when every part arrived in order, else read again."""
    with sess["fold_lock"]:
        if sess["folded"] == sess["size"]:
            return sess["whole"].copy()
    h = hashlib.sha1()
    with open(sess["path"], "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h


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

