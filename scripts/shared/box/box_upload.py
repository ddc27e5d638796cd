"""Uploads to Box: the preflight, simple uploads (to the upload_url the preflight names), chunked uploads through
upload sessions (parts, commit, sessions kept across runs) and new versions; BoxClient takes them from BoxUploads.

Every upload is keyed by its natural key, (folder, "<TID>_<name>"): a name clash is resolved by SHA-1 (equal: adopt
the existing file; different: upload a new version), and an upload whose answer was lost is looked for before it
counts as failed. Where real Box differs from its OpenAPI document (416 on an overlapping part, a transient
parts_mismatch on commit, its own upload URLs) this follows real Box: docs/box-api.md lists each behaviour with its
source. The names and byte helpers the rest of the client shares live here too (safe_box_name, sha1_of).
"""
import hashlib
import io
import json
import logging
import os
import time

from ..core.config_schema import setting
from ..core.errors import ServiceError
from ..core.retry import RetryPolicy, poll_until, retry_call
from ..core.safe_names import safe_component
from ..core.transfer_deadline import Deadline
from .box_types import UploadResult

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# Box's direct-upload guide: "limited to a maximum file size of 50MB"; above it, an upload session.
SIMPLE_UPLOAD_MAX = 50 * 1000 * 1000
# A 400 parts_mismatch right after the last part is Box not having registered it yet (rclone #2054): commit again
# after 1, 2, 4, 8... seconds, this many times, before it counts as a real mismatch.
COMMIT_MISMATCH_TRIES = 6
COMMIT_MISMATCH_RETRY = RetryPolicy.doubling(COMMIT_MISMATCH_TRIES + 1, cap=8)


def safe_box_name(name):
    """A name Box accepts: no / or \\, no control characters, no trailing spaces, <= 255 chars, never '.'/'..'."""
    return safe_component(name, max_length=255)


def _existing_file(exc, name, folder_id):
    """The file a name clash (409) points at; the error itself when it is no clash, or a folder is in the way."""
    existing = conflict_item(exc)
    if existing is None:
        raise exc
    if existing.get("type") != "file":
        raise ServiceError("Box", "a {} named {!r} is in the way of the upload in folder {}".format(
            existing.get("type"), name, folder_id), status=409, code="item_name_in_use",
            fix="rename or move that {} in Box".format(existing.get("type")))
    return existing


def _open(source):
    """A file to read: ``source`` is a path, or the bytes of a small file already in memory (streamed uploads)."""
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


def _size_of(source):
    return len(source) if isinstance(source, bytes) else os.path.getsize(source)


def sha1_of(path):
    """The SHA-1 (hex) of a file, or of bytes already in memory: Box's content digest."""
    h = hashlib.sha1()  # nosec B324 # Box's content digest (SHA-1 is its API), not a security control
    with _open(path) as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def upload_threshold(box_cfg):
    """Bytes above which a file goes through an upload session: chunked_upload_threshold_mb, never above Box's
    50 MB cap on direct uploads (read as 50,000,000 bytes: the stricter reading of "50MB")."""
    return min(int(setting(box_cfg, "box.chunked_upload_threshold_mb")) * 1024 * 1024, SIMPLE_UPLOAD_MAX)


def conflict_item(exc):
    """The existing item of a 409 name conflict (Box sends a dict for files, a list for folders), else None."""
    if getattr(exc, "status", None) != 409:
        return None
    conflicts = (getattr(exc, "context_info", None) or {}).get("conflicts")
    item = conflicts[0] if isinstance(conflicts, list) and conflicts else conflicts
    return item if isinstance(item, dict) else None


class BoxUploads(object):
    """The upload half of BoxClient: it uses the client's ``client`` (boxsdk), ``_call``, ``_url``, ``cfg``,
    ``threshold``, ``max_wait``, ``upload_base``, ``sessions`` and ``user``."""

    def upload_with_tracking_id(self, file_path, folder_id, tracking_id, original_name, sha1=None):
        return self.upload_file(file_path, folder_id, "{}_{}".format(tracking_id, original_name), sha1=sha1)

    def upload_file(self, file_path, folder_id, name, sha1=None):
        """Upload once: preflight, then simple or chunked; a name conflict is resolved by SHA-1."""
        name = safe_box_name(name)
        sha1 = sha1 or sha1_of(file_path)
        size = _size_of(file_path)
        folder = self.client.folder(folder_id)
        try:
            upload_url = self._preflight(folder, size, name)
            try:
                uploaded = self._upload_new(folder, file_path, name, size, sha1, upload_url)
            except ServiceError as exc:
                if conflict_item(exc) is not None:
                    raise
                uploaded = self._landed_anyway(exc, folder, name, size, sha1)
            outcome = "uploaded"
        except ServiceError as exc:
            existing = _existing_file(exc, name, folder_id)
            if existing.get("sha1") == sha1:
                log.info("%s is already in Box with the same SHA-1: adopting file %s", name, existing["id"])
                uploaded = self._call("get file", self.client.file(existing["id"]).get)
                outcome = "adopted"
            else:
                log.info("%s exists in Box with other content: uploading a new version of %s", name, existing["id"])
                try:
                    uploaded = self._upload_version(existing["id"], file_path, size, sha1)
                except ServiceError as exc2:
                    uploaded = self._version_landed_anyway(exc2, existing["id"], sha1)
                outcome = "new_version"
        return self._result(uploaded, name, sha1, size, outcome)

    def _result(self, uploaded, name, sha1, size, outcome):
        if uploaded.sha1 and uploaded.sha1 != sha1:
            raise ServiceError("Box", "file {} has SHA-1 {} after upload, expected {}".format(uploaded.id,
                                                                                           uploaded.sha1, sha1),
                               retryable=True, fix="the next run uploads a new version")
        return UploadResult(file_id=uploaded.id, name=name, url=self._url(uploaded.id), sha1=sha1, size=size,
                            outcome=outcome)

    def upload_stream(self, stream, size, folder_id, name, on_hashed=None, known_sha1=None):
        """Upload ``size`` bytes read from ``stream`` (a DAM download: ``read(n)``, ``finish()`` -> verified SHA-1)
        without a file on disk, with the natural key of upload_file: the same name and SHA-1 in the folder is
        adopted, another SHA-1 gets a new version, never a second copy.

        Up to the simple-upload threshold (<= 50 MB) the bytes are read into memory first: Box's direct upload
        wants the SHA-1 in its first header, and the preflight's name clash is decided by it. Above it, parts go
        out as they arrive and the SHA-1 is known only at the end: a clash with an existing file streams into a
        new-version session and, before commit, aborts it when the SHA-1 is the existing file's (adopted) -- unless
        ``known_sha1`` (what this same DAM version hashed to in an earlier run) already says so. ``on_hashed(sha1,
        size)`` runs once the SHA-1 is known, before anything is committed."""
        name = safe_box_name(name)
        if size <= self.threshold:
            data = stream.read(size)
            sha1 = stream.finish()
            if on_hashed:
                on_hashed(sha1, len(data))
            return self.upload_file(data, folder_id, name, sha1=sha1)
        folder = self.client.folder(folder_id)
        try:
            self._preflight(folder, size, name)
            existing = None
        except ServiceError as exc:
            existing = _existing_file(exc, name, folder_id)
            if known_sha1 and existing.get("sha1") == known_sha1:
                log.info("%s is already in Box with the same SHA-1: adopting file %s", name, existing["id"])
                return self._result(self._call("get file", self.client.file(existing["id"]).get), name,
                                    known_sha1, size, "adopted")
        hashed = {}

        def before_commit(sha1):
            hashed["sha1"] = sha1
            if on_hashed:
                on_hashed(sha1, size)
            return existing is None or existing.get("sha1") != sha1

        try:
            if existing is None:
                uploaded = self._chunked("folder:{}/{}".format(folder.object_id, name.lower()), stream, size,
                                         known_sha1, lambda: folder.create_upload_session(size, name), before_commit)
            else:
                log.info("%s exists in Box: streaming into a new version of %s, committed only if the SHA-1 differs",
                         name, existing["id"])
                f = self.client.file(existing["id"])
                uploaded = self._chunked("file:{}".format(existing["id"]), stream, size, known_sha1,
                                         lambda: f.create_upload_session(size), before_commit)
        except ServiceError as exc:
            if "sha1" not in hashed or exc.code == "commit_pending":
                raise  # not every byte was read: it cannot have landed
            if existing is None:
                uploaded = self._landed_anyway(exc, folder, name, size, hashed["sha1"])
            else:
                uploaded = self._version_landed_anyway(exc, existing["id"], hashed["sha1"])
        sha1 = hashed.get("sha1") or known_sha1
        if uploaded is None:
            log.info("%s is already in Box with the same SHA-1: adopting file %s", name, existing["id"])
            return self._result(self._call("get file", self.client.file(existing["id"]).get), name, sha1, size,
                                "adopted")
        return self._result(uploaded, name, sha1, size, "uploaded" if existing is None else "new_version")

    def _landed_anyway(self, error, folder, name, size, sha1):
        """After a failed upload, ask Box whether the file arrived all the same (an answer lost on the way back:
        the SDK's retry then meets a 409 or a session that is gone). The same name with the same SHA-1 is our
        upload; anything else re-raises the original error."""
        try:
            self._preflight(folder, size, name)
        except ServiceError as exc:
            item = conflict_item(exc)
            if item is not None and item.get("type") == "file" and item.get("sha1") == sha1:
                log.warning("the upload of %s failed (%s) but Box has the file with the same SHA-1: taking file %s",
                            name, error, item["id"])
                return self._call("get file", self.client.file(item["id"]).get)
        except Exception:
            log.debug("could not check whether %s reached Box", name, exc_info=True)
        raise error

    def _version_landed_anyway(self, error, file_id, sha1):
        """The new-version twin of _landed_anyway: the file's current SHA-1 equal to ours means it arrived."""
        try:
            current = self._call("get file", self.client.file(file_id).get)
        except Exception:
            log.debug("could not check whether the new version of %s reached Box", file_id, exc_info=True)
            raise error
        if current.sha1 != sha1:
            raise error
        log.warning("the new version of file %s failed (%s) but Box has it with the same SHA-1", file_id, error)
        return current

    def _upload_new(self, folder, file_path, name, size, sha1, upload_url=None):
        if size <= self.threshold:
            return self._call("upload", self._simple_upload, folder, file_path, name, sha1, upload_url)
        return self._chunked("folder:{}/{}".format(folder.object_id, name.lower()), file_path, size, sha1,
                             lambda: folder.create_upload_session(size, name))

    def _upload_version(self, file_id, file_path, size, sha1):
        f = self.client.file(file_id)
        if size <= self.threshold:
            with self._deadline_reader(file_path, "a new version of file {}".format(file_id)) as stream:
                return self._call("upload new version", f.update_contents_with_stream, stream, etag=None, sha1=sha1)
        return self._chunked("file:{}".format(file_id), file_path, size, sha1, lambda: f.create_upload_session(size))

    def _simple_upload(self, folder, file_path, name, sha1, upload_url):
        """POST to the upload_url Box gave in the preflight answer (Box's upload guide), else the configured upload
        host. The same multipart request boxsdk's Folder.upload sends: attributes first, then the file."""
        url = self._preflight_url(upload_url)
        with self._deadline_reader(file_path, name) as stream:
            if url is None:
                return folder.upload_stream(stream, file_name=name, sha1=sha1)
            session = self.client.session
            answer = session.post(url, data={"attributes": json.dumps({"name": name,
                                                                        "parent": {"id": folder.object_id}})},
                                  files={"file": ("unused", stream)}, expect_json_response=False,
                                  headers={"Content-MD5": sha1}, stream_file_content=True).json()
        entry = answer["entries"][0] if "entries" in answer else answer
        return self.client.translator.translate(session=session, response_object=entry)

    def _deadline_reader(self, file_path, what):
        """The file (a path, or the bytes of a small streamed asset) for a simple upload, read through the transfer
        deadline (boxsdk streams it in small pieces)."""
        size = _size_of(file_path)
        deadline = Deadline("Box", "upload of {}".format(what), size, self.cfg.get("transfer"))
        return _DeadlineReader(_open(file_path), deadline, size)

    def _preflight(self, folder, size, name):
        """OPTIONS /files/content: the upload URL, or the 409 that names the file already there. It changes nothing
        in Box, so a cut-short or malformed answer is asked again like any read (BoxClient._read, issue 27.8)."""
        return self._read("preflight", folder.preflight_check, size, name)

    def _preflight_url(self, upload_url):
        """The preflight's upload_url when it is a Box upload address on the configured scheme; else None."""
        if not upload_url or not isinstance(upload_url, str):
            return None
        scheme = self.upload_base.split("://", 1)[0]
        if not upload_url.startswith(scheme + "://") or "/files/content" not in upload_url:
            log.warning("ignoring the preflight's upload_url %s (not a %s upload address)",
                        upload_url.split("?", 1)[0], scheme)
            return None
        return upload_url

    def _chunked(self, target, file_path, size, sha1, create, before_commit=None):
        """A chunked upload to ``target``: a session Box still holds for these bytes (kept by an earlier run whose
        commit Box kept answering 202) is committed; otherwise a new session, the parts, the commit. ``file_path``
        is a path or a stream (then ``sha1`` may be None until its end; see _send_parts)."""
        kept = self._kept("get", target, sha1, size) if sha1 else None
        if kept:
            session = self._session_from(kept["session"])
            log.info("committing upload session %s kept by an earlier run (all parts were stored)", session.id)
            try:
                return self._commit(session, target, kept["parts"], sha1, size, keep_on_mismatch=False)
            except ServiceError as exc:
                if exc.code == "commit_pending":
                    raise
                log.warning("the kept upload session %s cannot be committed (%s): uploading the file again",
                            session.id, exc)
                self._kept("forget", target, sha1)
                self._abort(session)
        session = self._call("create upload session", create)
        return self._send_parts(session, target, file_path, size, sha1, before_commit)

    def _session_from(self, answer):
        """An UploadSession that uses Box's session_endpoints for parts, commit, list and abort.

        boxsdk 3.x follows them only while API.UPLOAD_URL is its import-time default, and builds its own URLs
        otherwise; the instance attribute makes it follow Box's URLs whatever the configured upload host."""
        session = answer if not isinstance(answer, dict) else self.client.translator.translate(
            session=self.client.session, response_object=answer)
        session._default_upload_url = session.session.api_config.UPLOAD_URL
        return session

    def _send_parts(self, session, target, file_path, size, sha1, before_commit=None):
        """Parts of the server's part_size with per-part digests, whole-file digest on commit (202 waits).

        The whole-file digest is the SHA-1 the caller already has (taken while downloading); it is not hashed again
        here: Box checks it against the parts on commit, so a file that changed meanwhile fails the commit with
        digest_mismatch (and the next run uploads it again) instead of costing every upload one more pass.

        From a stream (the DAM download, issue 19) one part is read, sent and dropped at a time; the stream hashes
        the whole file as it goes and verifies its end (size, DAM checksum) before anything is committed.
        ``before_commit(sha1)`` then decides: True commits, False aborts the session (the caller found the same
        bytes already in Box) and returns None."""
        session = self._session_from(session)
        parts = []
        stream = None if isinstance(file_path, str) else file_path
        label = getattr(stream, "label", None) or os.path.basename(str(file_path))
        deadline = Deadline("Box", "upload of {}".format(label), size, self.cfg.get("transfer"))
        try:
            with (_Unclosed(stream) if stream is not None else open(file_path, "rb")) as f:
                offset = 0
                while offset < size:
                    deadline.check(offset)
                    data = f.read(session.part_size)
                    if not data:
                        raise ServiceError("Box", "the file got shorter while it was uploaded", retryable=True,
                                           fix="the next run uploads the file again")
                    part = self._upload_part(session, data, offset, size)
                    parts.append(part)
                    offset += len(data)
                    data = None  # drop the part before the next read: one part in memory per thread
            if stream is not None:
                sha1 = stream.finish()
            if before_commit is not None and not before_commit(sha1):
                self._abort(session)
                return None
            return self._commit(session, target, parts, sha1, size)
        except ServiceError as exc:
            if exc.code != "commit_pending":
                self._abort(session)
            raise
        except Exception:
            self._abort(session)
            raise

    def _commit(self, session, target, parts, sha1, size, keep_on_mismatch=True):
        """Commit until Box says 201. 202 + Retry-After: wait and commit again (boxsdk does, up to the wait limit);
        400 parts_mismatch: Box has not registered the last part yet, commit again a few times. If Box is still
        processing (202) or still answers parts_mismatch when this run's patience ends, the session is kept for the
        next run instead of thrown away (Box keeps it 7 days; rclone commits up to 100 times, F12). A kept session
        that still answers parts_mismatch on the next run is a real mismatch: ``keep_on_mismatch`` False."""
        digest = bytes(bytearray.fromhex(sha1))
        deadline = time.time() + self.max_wait * 5

        def on_mismatch(exc, attempt, wait):
            log.info("Box answered parts_mismatch on commit %d of session %s: committing again", attempt, session.id)

        def commit():
            try:
                return retry_call(lambda _: self._call("commit upload", session.commit, digest, parts=parts),
                                  COMMIT_MISMATCH_RETRY, retry_if=lambda exc: isinstance(exc, ServiceError) and
                                  exc.status == 400 and exc.code == "parts_mismatch", on_retry=on_mismatch)
            except ServiceError as exc:
                if exc.code == "retry_after_too_long" or (keep_on_mismatch and exc.code == "parts_mismatch"):
                    raise self._keep_pending(session, target, parts, sha1, size, exc)
                raise
        uploaded = poll_until(commit, deadline, interval=1)  # None: Box answered 202 (still processing)
        if uploaded is None:
            raise self._keep_pending(session, target, parts, sha1, size, None)
        self._kept("forget", target, sha1)
        return uploaded

    def _keep_pending(self, session, target, parts, sha1, size, cause):
        self._kept("keep", target, sha1, size, session.response_object, parts)
        return ServiceError("Box", "Box is still processing upload session {} ({}); every part is stored and the "
                                   "session is kept, so the next run commits it without sending the file again"
                            .format(session.id, _cause(cause) if cause else
                                    "commit answered 202 for {}s".format(self.max_wait * 5)),
                            retryable=True, code="commit_pending",
                            fix="nothing to do: the next run finishes it (raise box.max_retry_wait_seconds to wait "
                                "longer within one run)")

    def _kept(self, action, target, *args):
        """Kept upload sessions; a database problem here must not fail an upload (it only costs a re-upload)."""
        try:
            return getattr(self.sessions, action)(self.user, target, *args)
        except Exception:
            log.warning("could not %s the kept upload session for %s", action, target, exc_info=True)
            return None

    @staticmethod
    def _abort(session):
        try:
            session.abort()
        except Exception:
            log.debug("could not abort upload session", exc_info=True)

    def _upload_part(self, session, data, offset, size):
        """One part. A part Box already stores at that offset (boxsdk retried a part whose answer was lost) is
        answered 416 range_overlaps_existing_part by real Box (409 in the spec): the stored part is taken when its
        SHA-1 and size are ours."""
        try:
            return self._call("upload part", session.upload_part_bytes, data, offset, size)
        except ServiceError as exc:
            if exc.status not in (409, 416) or exc.code != "range_overlaps_existing_part":
                raise
            # B324: Box's part digest (SHA-1 is its API), not a security control
            part_hash = hashlib.sha1(data)  # nosec B324
            digest = part_hash.hexdigest()
            context = (getattr(exc, "context_info", None) or {}).get("conflicting_part") or {}
            if context.get("sha1") and context.get("offset") == offset and context.get("part_id"):
                stored = [context]
            else:
                stored = self._call("list parts", lambda: [p for p in session.get_parts(limit=1000)
                                                           if p.get("offset") == offset])
            if stored and stored[0].get("sha1") == digest and stored[0].get("size") == len(data):
                log.info("part at offset %d was already stored (answer lost): taking it", offset)
                return stored[0]
            raise


def _cause(exc):
    """Why a commit was given up, in Box's words: a 202 is not the 429 its Retry-After check reports (F12)."""
    if exc.code == "parts_mismatch":
        return "commit still answered parts_mismatch after {} more commits".format(COMMIT_MISMATCH_TRIES)
    if exc.code == "retry_after_too_long":
        return "commit answered 202 with a Retry-After over box.max_retry_wait_seconds"
    return str(exc)


class _Unclosed(object):
    """A stream used in a ``with`` without closing it (its owner closes it)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


class _DeadlineReader(object):
    """An upload's file, checking the transfer deadline at every piece the HTTP layer reads: a server that drains
    the body at a trickle blocks each send, so the reads come slowly too and the deadline cuts the upload."""

    def __init__(self, f, deadline, size):
        self.f, self.deadline, self.done, self.size = f, deadline, 0, size

    def __len__(self):
        """Bytes still to read: requests_toolbelt's encoder sizes the part by it and reads until it reaches 0 (the
        source is a file, or the bytes of a small streamed asset, which has no file number to measure)."""
        return max(0, self.size - self.f.tell())

    def read(self, size=-1):
        self.deadline.check(self.done)
        data = self.f.read(size)
        self.done += len(data)
        return data

    def tell(self):
        return self.f.tell()

    def seek(self, *args):
        return self.f.seek(*args)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()
