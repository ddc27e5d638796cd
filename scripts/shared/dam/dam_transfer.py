"""Moving content in and out of the DAM: streamed downloads of an asset's original (verified size and checksum),
multipart imports streamed from disk, and the import job they start, confirmed through ``GET /jobs/{id}/assets``
(E4) and found again after a lost answer. DAMClient takes these from DamTransfers; every call and its evidence:
docs/otmm-api.md.
"""
import hashlib
import io
import json
import logging
import os
import time

from .dam_errors import describe_error
from .dam_metadata import as_text, flatten, to_elements
from .dam_types import DamDownload
from ..core.config_schema import setting
from ..core.errors import ServiceError
from ..core.http_retry import RetryPolicy, send_with_retry
from ..core.retry import poll_until, retry_call
from ..core.safe_names import safe_component
from ..core.transfer_deadline import Deadline, shut_response_socket

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FAILED_JOB_STATES = ("FAILED", "ERROR", "CANCELLED", "CANCELED", "COMPLETED_WITH_ERRORS", "ABORTED")
DONE_JOB_STATES = ("COMPLETED", "SUCCESS", "SUCCEEDED", "DONE", "FINISHED")


def _upper_list(values, default):
    if not values:
        return default
    if isinstance(values, str):
        values = values.split(",")
    return tuple(str(v).strip().upper() for v in values if str(v).strip())


class DamTransfers(object):
    """The transfer half of DAMClient: it uses the client's ``_send``, ``_get_json``, ``_read_json``,
    ``_credentials``, ``_session``, ``_explain``, ``listing_params``, ``_children``, ``_folder_child_count``,
    ``_is_folder`` and its settings (``cfg``, ``api``, ``fields``, ``retry``, ``timeout``, ``verify``)."""

    def _read_job_settings(self, dam_cfg):
        """How import jobs are read (``dam.jobs``) and how an earlier import is looked for (``dam.import_lookup``)."""
        jobs = dam_cfg.get("jobs") or {}
        self.job_status_key = jobs.get("status_key") or ""
        self.job_failed_states = _upper_list(jobs.get("failed_values"), FAILED_JOB_STATES)
        self.job_done_states = _upper_list(jobs.get("done_values"), DONE_JOB_STATES)
        self.import_lookup = setting(dam_cfg, "dam.import_lookup").strip().lower()

    # -- content ----------------------------------------------------------------------------------------------------
    def download_asset(self, asset_id, dest_dir, name=None, expected_size=None, checksum=None):
        """Stream the original to ``dest_dir``: temp file beside the target, size (and checksum when given: 32 hex
        digits = MD5, 40 = SHA-1) checked, then renamed. A download cut short is started again within the retry
        budget; the temp file is removed on every exit path. Returns a dam_types.DamDownload."""
        target = os.path.join(dest_dir, safe_component(name or asset_id))
        return self.retry_download(asset_id, lambda: self._download_once(asset_id, target, expected_size, checksum))

    def retry_download(self, asset_id, attempt_once):
        """``attempt_once()`` again, from the start, while it fails with a retryable error, within the retry
        budget: a download (to disk, or streamed on into Box) that broke is started again from the DAM."""
        def on_retry(exc, attempt, wait):
            log.warning("DAM download of asset %s failed (%s); retry %d/%d in %.1fs", asset_id, exc.message,
                        attempt, self.retry.max_attempts - 1, wait)
        return retry_call(lambda _: attempt_once(), self.retry, on_retry=on_retry,
                          retry_if=lambda exc: isinstance(exc, ServiceError) and exc.service == "DAM" and
                          exc.retryable)

    def _download_once(self, asset_id, target, expected_size, checksum):
        temp = "{}.{}.part".format(target, os.getpid())
        try:
            with self.open_asset(asset_id, expected_size, checksum) as stream, open(temp, "wb") as out:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    out.write(chunk)
            os.rename(temp, target)
        finally:
            if os.path.exists(temp):
                os.remove(temp)
        return DamDownload(path=target, size=stream.size, sha1=stream.sha1)

    def open_asset(self, asset_id, expected_size=None, checksum=None):
        """The original as a stream (``read(n)``), hashed as it is read: at its end (``finish()``, or a read that
        meets it) the size and the DAM's checksum are verified, so a consumer checks before it commits anything.
        One attempt; a caller that must survive a broken download starts again from here."""
        return AssetStream(self, asset_id, expected_size, checksum)

    # -- imports ----------------------------------------------------------------------------------------------------
    def job_assets(self, job_id):
        """The assets an import job made: ``GET /jobs/{id}/assets`` -> ``assets_resource.asset_list`` (E4)."""
        doc = self._get_json("/jobs/{}/assets".format(job_id), self.listing_params())
        return (doc.get("assets_resource") or {}).get("asset_list") or []

    def _is_import_of(self, item, tracking_id, source_file_id, filename):
        """An asset is that import when its TRACKING_ID matches and its SOURCE_FILE_ID does; only an asset that
        carries no SOURCE_FILE_ID (an instance that dropped the field) is matched by its file name instead. A
        different SOURCE_FILE_ID is another delivery (a corrected version of the same file name is a new import)."""
        values = flatten(item.get("metadata"))
        if as_text(values.get(self.fields["tracking_id"])) != tracking_id:
            return False
        source = as_text(values.get(self.fields["source_file_id"]))
        if source:
            return source == str(source_file_id)
        names = set([item.get("name"), (item.get("master_content_info") or {}).get("name")])
        return bool(filename) and filename in names

    def find_imported_asset(self, folder_id, tracking_id, source_file_id, filename=None, job_id=None):
        """The asset of an earlier import of this Box file, or None: a miss here means a second import.

        A bounded number of requests whatever the folder holds: the job's own asset list when the job id is known,
        then one search for the TRACKING_ID inside the folder (``folder_filter``) with full metadata. With
        ``dam.import_lookup: folder`` (instances whose search does not index new assets soon enough) the whole
        folder is read instead."""
        if job_id:
            for item in self.job_assets(job_id):
                if self._is_import_of(item, tracking_id, source_file_id, filename) or str(
                        item.get("import_job_id")) == str(job_id):
                    return item["asset_id"]
        if self.import_lookup == "folder":
            items = self._children(folder_id, self._folder_child_count(folder_id))
        else:
            search = self.cfg.get("search") or {}
            condition = {"search_condition_list": {"search_condition": [{
                "type": "com.artesia.search.SearchScalarCondition", "metadata_field_id": self.fields["tracking_id"],
                "relational_operator_id": setting(search, "dam.search.operator_id"),
                "value": tracking_id}]}}
            data = dict(self.listing_params(), search_condition_list=json.dumps(condition), after=0,
                        limit=self.page_size, folder_filter=folder_id, folder_filter_type="direct",
                        search_config_id=setting(search, "dam.search.search_config_id"))
            items = self.search_text(data).get("asset_list") or []
        for item in items:
            if not self._is_folder(item) and not item.get("deleted") and \
                    self._is_import_of(item, tracking_id, source_file_id, filename):
                return item["asset_id"]
        return None

    def import_asset(self, folder_id, file_path, metadata, filename, on_job=None):
        """Multipart import (streamed from disk), confirmed through ``GET /jobs/{id}/assets`` (E4); returns the new
        asset's id.

        The POST is never repeated blindly: only a 401 (refused before anything was imported) or a job that ended
        failed with no asset is followed by a new POST (``dam.import_failed_job_retries``, default 1). A lost answer
        or a job past its deadline is raised (retryable); the caller's next attempt starts with
        ``find_imported_asset``. ``on_job(job_id)``, when given, is called as soon as the DAM accepted the file, so a
        caller can keep the id and later confirm through ``find_imported_asset(..., job_id=...)``."""
        tracking = metadata.get(self.fields["tracking_id"])
        source = metadata.get(self.fields["source_file_id"])
        retries = int(setting(self.cfg, "dam.import_failed_job_retries"))
        for attempt in range(retries + 1):
            job_id = self._post_import(folder_id, file_path, metadata, filename)
            if on_job is not None:
                on_job(job_id)
            try:
                return self._wait_for_import(job_id, folder_id, tracking, source, filename)
            except ServiceError as exc:
                if exc.code != "job_failed" or attempt >= retries:
                    raise
                log.warning("DAM import job %s of %s failed; importing it again (%d/%d)", job_id, filename,
                            attempt + 1, retries)

    def _post_import(self, folder_id, file_path, metadata, filename):
        import mimetypes
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        elements = to_elements(metadata, self.domain_fields)
        representation = {"asset_resource": {"asset": {
            "metadata": {"metadata_element_list": elements},
            "metadata_model_id": setting(self.cfg, "dam.metadata_model_id"),
            "security_policy_list": [{"id": int(setting(self.cfg, "dam.security_policy_id"))}]}}}
        manifest = {"upload_manifest": {"master_files": [{"file": {"file_name": filename, "file_type": mime}}]}}
        parts = [("asset_representation", None, "application/json", json.dumps(representation)),
                 ("manifest", None, "application/json", json.dumps(manifest)),
                 ("files", filename, "application/octet-stream", file_path),
                 ("parent_folder_id", None, None, folder_id)]
        if self.cfg.get("import_template_id"):  # as a production uploader sends it (E4)
            parts.append(("import_template_id", None, None, str(self.cfg["import_template_id"])))
        policy = RetryPolicy(max_attempts=1)  # never re-POST blindly: a lost answer may hide a running job
        credential = None
        for attempt in (1, 2):
            headers, extra = {}, {}
            credential = self._credentials(headers, extra, credential)
            body = MultipartStream(parts)
            body.deadline = Deadline("DAM", "import upload of {}".format(filename), body.len,
                                     self.cfg.get("transfer"))
            headers["Content-Type"] = body.content_type
            headers["Content-Length"] = str(body.len)
            try:
                response = send_with_retry(self._session(), "POST", self.api + "/assets", "DAM", policy,
                                           describe_error, "/assets", data=body, headers=headers,
                                           timeout=self.timeout, verify=self.verify, **extra)
                break
            except ServiceError as exc:
                # a 401 is refused before anything is imported, so that one (only) is safe to send again
                if exc.status == 401 and credential is not None and attempt == 1:
                    log.info("DAM token rejected (401) on import; refreshing it once")
                    continue
                self._explain(exc)
                raise
            finally:
                body.close()
        try:
            return str(response.json()["job_handle"]["job_id"])
        except (ValueError, KeyError, TypeError):
            raise ServiceError("DAM", "the import answer carries no job_handle.job_id", status=response.status_code,
                               method="POST", path="/assets", retryable=True,
                               fix="the next run looks for the asset before importing again")

    def job_state(self, job_id):
        """(state, job body) from ``GET /jobs/{id}``, the state upper-case, "" when it cannot be read. No public source shows
        that body (N1): it is only a failure signal; ``dam.jobs.status_key`` names the key where the default guesses
        (``job_state``, ``status``, ``state``) miss."""
        try:
            job = _unwrap_job(self._get_json("/jobs/{}".format(job_id)))
        except ServiceError as exc:  # only a hint: an unreadable body never fails an import
            log.debug("GET /jobs/%s not usable: %s", job_id, exc)
            return "", {}
        keys = [self.job_status_key] if self.job_status_key else ["job_state", "status", "state"]
        for key in keys:
            value = job.get(key)
            if isinstance(value, dict):
                value = value.get("value") or value.get("name") or value.get("id")
            if value:
                return str(value).strip().upper(), job
        return "", job

    def _wait_for_import(self, job_id, folder_id, tracking, source, filename):
        """Poll ``/jobs/{id}/assets`` until it lists the asset (the answer, E4), with back-off to the deadline; the
        job body only ends the wait early when it names a failed (or a finished-without-asset) state."""
        deadline = time.time() + int(setting(self.cfg, "dam.job_poll_deadline_seconds"))
        seen = {"logged": False, "state": ""}

        def look():
            try:
                listed = self.job_assets(job_id)
            except ServiceError as exc:
                if exc.status not in (404, 405, 501):
                    raise
                listed = []  # not served here: the job state and the look-up below decide
            if listed:
                named = [a for a in listed if filename in (a.get("name"), (a.get("master_content_info") or
                                                                            {}).get("name"))]
                return (named or listed)[0]["asset_id"]
            state, job = self.job_state(job_id)
            seen["state"] = state
            if job and not seen["logged"]:
                log.debug("DAM import job %s answers %s", job_id, json.dumps(job)[:500])
                seen["logged"] = True
            if state in self.job_failed_states:
                raise ServiceError("DAM", "import job {} ended {}: {}".format(job_id, state, job.get("message") or
                                                                              json.dumps(job)[:200]),
                                   retryable=True, code="job_failed",
                                   fix="the file stays in the inbox; the next run imports it again")
            if state in self.job_done_states:
                return self.find_imported_asset(folder_id, tracking, source, filename)
            return None
        asset_id = poll_until(look, deadline, interval=0.2, factor=2, max_interval=30)
        if asset_id is None:
            raise ServiceError("DAM", "import job {} still {} after the deadline, and GET /jobs/{}/assets lists "
                               "no asset".format(job_id, seen["state"] or "unknown", job_id), retryable=True,
                               fix="the next run checks the folder before importing again")
        return asset_id



def _unwrap_job(doc):
    for key, value in (doc or {}).items():
        if key.endswith("_resource") and isinstance(value, dict):
            return value.get("job") or value
    return (doc or {}).get("job") or doc or {}


class MultipartStream(object):
    """A multipart/form-data body streamed from disk (requests_toolbelt's MultipartEncoder; requests would build it
    in memory), with the transfer deadline checked at every piece the HTTP layer reads.

    ``parts``: (name, filename or None, content type or None, value); for a part with a filename the value is the
    path of the file to stream. ``len`` gives requests the Content-Length."""

    deadline = None  # a transfer_deadline.Deadline checked at every piece the HTTP layer reads

    def __init__(self, parts):
        from requests_toolbelt import MultipartEncoder
        self._files = []
        fields = []
        try:
            for name, filename, ctype, value in parts:
                if filename is not None:
                    handle = open(value, "rb")
                    self._files.append(handle)
                    fields.append((name, (filename, handle, ctype)))
                elif ctype:
                    fields.append((name, (None, value, ctype)))
                else:
                    fields.append((name, value))
            self._encoder = MultipartEncoder(fields=fields)
        except Exception:
            self.close()
            raise
        self.boundary = self._encoder.boundary_value
        self.content_type = self._encoder.content_type
        self.len = self._encoder.len
        self._sent = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = CHUNK
        if self.deadline is not None:
            self.deadline.check(self._sent)
        data = self._encoder.read(size)
        self._sent += len(data)
        return data

    def close(self):
        for handle in self._files:
            handle.close()
        self._files = []


class AssetStream(object):
    """One streamed DAM download: whole-file SHA-1 (and MD5 when the DAM's checksum is one) taken as the bytes pass,
    the transfer deadline checked at every piece, size and checksum verified at the end. Nothing touches the disk."""

    def __init__(self, client, asset_id, expected_size, checksum):
        self.client, self.asset_id, self.expected_size, self.checksum = client, asset_id, expected_size, checksum
        self.path = "/assets/{}/contents".format(asset_id)
        self.label = "asset {}".format(asset_id)
        self._sha1 = hashlib.sha1()  # nosec B324 # the DAM's content checksum, not a security control
        self._other = None
        if checksum and len(checksum) == 32:
            self._other = hashlib.md5()  # nosec B324 # the DAM's content checksum (MD5 form), not a security control
        self.size = 0
        self.sha1 = None  # hex digest, once the end was reached and verified
        self.response = self.deadline = self._pieces = None
        self._left = b""

    def __enter__(self):
        # the only proven downloader sends Accept: */* (E1); an octet-stream method may refuse a JSON-only Accept
        self.response = self.client._send("GET", self.client.api + self.path, stream=True, headers={"Accept": "*/*"})
        self.declared = self.response.headers.get("Content-Length")
        self.deadline = Deadline("DAM", "download of asset {}".format(self.asset_id),
                                 self.expected_size or self.declared, self.client.cfg.get("transfer"))
        self.deadline.watch(lambda: shut_response_socket(self.response))
        self._pieces = self.response.iter_content(CHUNK)
        return self

    def __exit__(self, *exc):
        self.deadline.cancel()
        self.response.close()

    def length(self):
        """The size announced before the body (the DAM's content_size, else Content-Length), or None."""
        wanted = self.expected_size or self.declared
        return int(wanted) if wanted is not None else None

    def read(self, n):
        """Up to ``n`` bytes (fewer only at the end); b"" once the end is reached and verified.

        The pieces are copied into one buffer as they arrive, so a part costs its own size in memory and not twice
        that (a list of pieces joined at the end holds both)."""
        import requests
        out = io.BytesIO()
        if self._left:
            out.write(self._left)
            self._left = b""
        try:
            while out.tell() < n:
                self.deadline.check(self.size)
                piece = next(self._pieces, None)
                if piece is None:
                    self._verify()
                    break
                self._take(piece)
                want = n - out.tell()
                if len(piece) > want:
                    out.write(memoryview(piece)[:want])
                    self._left = piece[want:]
                else:
                    out.write(piece)
                piece = None
        except requests.exceptions.RequestException as exc:  # a local error is not wrapped
            if self.deadline.expired():
                raise self.deadline.error(self.size)
            raise ServiceError("DAM", "download of asset {} interrupted after {} bytes: {}".format(
                self.asset_id, self.size, type(exc).__name__), method="GET", path=self.path, retryable=True,
                fix="the download is retried; the next run downloads it again if it keeps failing")
        return out.getvalue()

    def finish(self):
        """Read to the end (there must be nothing left) and verify it; the whole-file SHA-1."""
        extra = self.read(CHUNK)
        if extra or self.sha1 is None:
            raise ServiceError("DAM", "download of asset {} is longer than announced ({} bytes and more)".format(
                self.asset_id, self.size), method="GET", path=self.path, retryable=True,
                fix="the download is retried; if it persists the DAM's stored content may be damaged")
        return self.sha1

    def _take(self, piece):
        self._sha1.update(piece)
        if self._other is not None:
            self._other.update(piece)
        self.size += len(piece)

    def _verify(self):
        self.deadline.check(self.size)
        for label, wanted in (("Content-Length", self.declared), ("content_size", self.expected_size)):
            if wanted is not None and int(wanted) != self.size:
                raise ServiceError("DAM", "download of asset {} was cut short: {} bytes received, {} {}".format(
                    self.asset_id, self.size, label, wanted), method="GET", path=self.path, retryable=True,
                    fix="the download is retried; the next run downloads it again if it keeps failing")
        if self.checksum:
            got = self._other.hexdigest() if self._other is not None else self._sha1.hexdigest()
            if got.lower() != self.checksum.lower():
                raise ServiceError("DAM", "download of asset {}: checksum {} does not match the DAM's {}".format(
                    self.asset_id, got, self.checksum), method="GET", path=self.path, retryable=True,
                    fix="the download is retried; if it persists the DAM's stored content may be damaged")
        self.sha1 = self._sha1.hexdigest()
