"""OpenText Media Management (OTMM v6) client: campaigns, recursive asset listing, streaming download, status change
with lock/PATCH/unlock, and imports polled to completion. Facts and their confidence: ../shared/otmm-api.md.

Two auth modes share every request path: OAuth2 bearer tokens against DAM_BASE_URL (refreshed before expiry and
once after a 401), or mTLS (--auth-pfx) with the client certificate against DAM_MTLS_BASE_URL. TLS verification is
never turned off. Each thread has its own HTTP session (parallel transfers), the token is shared.
"""
import hashlib
import json
import logging
import os
import threading
import time

from .dam_auth import MTLSFiles, TokenCache
from .dam_metadata import as_text, flatten, to_elements
from .errors import ServiceError, SuiteError
from .http_retry import RetryPolicy, send_with_retry, url_path
from .safe_names import safe_component

log = logging.getLogger(__name__)

MTLS_REFUSED_FIX = ("mTLS connection refused: IP not whitelisted or wrong base URL. Check DAM_MTLS_BASE_URL uses "
                    "the correct mTLS endpoint and verify IP is whitelisted")
DEFAULT_FIELD_IDS = {"tracking_id": "FERRERO.FIELD.TRACKING_ID", "source_file_id": "FERRERO.FIELD.SOURCE_FILE_ID"}
CHUNK = 1024 * 1024


def describe_error(response):
    """(message, request id) from an OTMM ``exception_body`` or an OAuth2 error body."""
    message = None
    try:
        body = response.json()
        message = ((body.get("exception_body") or {}).get("message") or body.get("error_description")
                   or body.get("error"))
    except ValueError:
        pass
    if not message:
        message = (response.text or response.reason or "")[:200].strip() or "no message"
    return message, response.headers.get("X-Request-Id") or response.headers.get("X-Correlation-Id")


class DAMClient(object):
    def __init__(self, dam_cfg, auth_mode="oauth2", field_ids=None):
        self.cfg = dam_cfg
        self.auth_mode = auth_mode
        self.fields = dict(DEFAULT_FIELD_IDS)
        self.fields.update(field_ids or {})
        self.campaign_fields = dam_cfg.get("fields") or {}
        self.domain_fields = list(dam_cfg.get("domain_fields") or [])
        base = dam_cfg["mtls_base_url"] if auth_mode == "mtls" else dam_cfg["base_url"]
        self.api = "{}/{}".format(base.rstrip("/"), dam_cfg.get("api_version") or "v6")
        self.timeout = (int(dam_cfg.get("connect_timeout_seconds") or 10), int(dam_cfg.get("read_timeout_seconds")
                                                                               or 120))
        self.retry = RetryPolicy.from_config(dam_cfg.get("retry"))
        self.page_size = int(dam_cfg.get("page_size") or 100)
        self.verify = dam_cfg.get("ca_bundle") or True
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()
        self.mtls = None
        self.tokens = None
        self.closed = False
        if auth_mode == "mtls":
            self.mtls = MTLSFiles(dam_cfg["mtls_cert_path"], dam_cfg.get("mtls_cert_password"))
        else:
            self.tokens = TokenCache(dam_cfg, self._token_post)

    # -- plumbing -------------------------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.closed = True
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions = []
        if self.mtls is not None:
            self.mtls.close()

    def _session(self):
        if self.closed:
            raise SuiteError("the DAM client was used after close()", fix="open a new DAMClient")
        session = getattr(self._local, "session", None)
        if session is None:
            import requests
            session = requests.Session()
            session.verify = self.verify
            session.headers.update({"Accept": "application/json"})
            # e.g. a gateway API key or X-Requested-By where an instance wants it (otmm-api.md 2.4/2.5)
            session.headers.update(dict((str(k), str(v)) for k, v in (self.cfg.get("extra_headers") or {}).items()))
            if self.mtls is not None:
                session.cert = (self.mtls.cert_path, self.mtls.key_path)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _token_post(self, url, data):
        response = self._send("POST", url, data=data, authenticate=False)
        try:
            return response.json()
        except ValueError:
            raise ServiceError("DAM", "the token endpoint answered with something that is not JSON",
                               method="POST", path=url_path(url), fix="check DAM_AUTH_URL")

    def _send(self, method, url, authenticate=True, rewind=None, **kwargs):
        """One request with retries; a 401 refreshes the token once and retries."""
        kwargs.setdefault("timeout", self.timeout)
        # per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify (psf/requests#3829)
        kwargs.setdefault("verify", self.verify)
        extra = dict(kwargs.pop("headers", None) or {})
        token = None
        for attempt in (1, 2):
            headers = dict(extra)
            if authenticate and self.tokens is not None:
                token = self.tokens.get(rejected=token)
                headers["Authorization"] = "Bearer " + token
            try:
                return send_with_retry(self._session(), method, url, "DAM", self.retry, describe_error, url_path(url),
                                       rewind=rewind, headers=headers, **kwargs)
            except ServiceError as exc:
                if exc.status == 401 and authenticate and self.tokens is not None and attempt == 1:
                    log.info("DAM token rejected (401); refreshing it once")
                    continue
                if exc.status == 401:
                    exc.fix = exc.fix or ("check DAM_CLIENT_ID/DAM_CLIENT_SECRET and that the OAuth client may use "
                                          "the OTMM API")
                if exc.status is None and "CERTIFICATE_VERIFY_FAILED" in exc.message:
                    exc.fix = ("the DAM's server certificate is not trusted: set DAM_CA_BUNDLE to the CA bundle that "
                               "signed it (TLS verification stays on)")
                elif self.mtls is not None and exc.status is None and "TLS error" not in exc.message:
                    # unreachable over mTLS: the gateway drops IPs that are not whitelisted (TLS alerts are named
                    # by http_retry.tls_cause instead)
                    exc.fix = MTLS_REFUSED_FIX
                raise

    def _get_json(self, path, params=None):
        return self._read_json("GET", path, params=params)

    def _read_json(self, method, path, **kwargs):
        """Send a read and parse its JSON; a body cut short in transit is fetched again (reads are repeatable)."""
        for attempt in range(1, self.retry.max_attempts + 1):
            response = self._send(method, self.api + path, **kwargs)
            try:
                return response.json()
            except ValueError:
                if attempt == self.retry.max_attempts:
                    raise ServiceError("DAM", "answer is not valid JSON (truncated?)", status=response.status_code,
                                       method=method, path=url_path(response.url), retryable=True,
                                       fix="the next run retries; check the DAM or proxy if it persists")
                time.sleep(self.retry.backoff(attempt))

    # -- campaigns ------------------------------------------------------------------------------------------------
    def ping(self):
        doc = self._get_json("/folders/rootfolders", {"load_type": "system", "limit": 1})
        roots = (doc.get("folders_resource") or {}).get("folder_list") or []
        return {"auth": self.auth_mode, "root_folders": len(roots)}

    def _campaign(self, folder):
        values = flatten(folder.get("metadata"))
        f = self.campaign_fields
        return {"folder_id": folder["asset_id"], "campaign_id": as_text(values.get(f.get("campaign_id"))),
                "name": as_text(values.get(f.get("campaign_name"))) or folder.get("name"),
                "status": as_text(values.get(f.get("campaign_status"))),
                "type": as_text(values.get(f.get("campaign_type"))),
                "global_master_campaign_id": as_text(values.get(f.get("global_master_campaign_id"))),
                "agency_email": as_text(values.get(f.get("agency_email"))),
                "created": folder.get("date_imported")}

    def get_campaign(self, folder_id):
        doc = self._get_json("/folders/{}".format(folder_id), {"load_type": "metadata"})
        return self._campaign(doc["folder_resource"]["folder"])

    def _search(self, field_id, value):
        """Every search hit (all pages) whose field matches ``value`` per the configured operator; with
        ``dam.search.mode: walk`` the folder tree is read instead (for instances whose search config does not
        index folders, otmm-api.md section 6b): slower, but needs no search at all."""
        search = self.cfg.get("search") or {}
        if (search.get("mode") or "search") == "walk":
            return [f for f in self._walk_folders(search)
                    if as_text(flatten(f.get("metadata")).get(field_id)) == str(value).strip()]
        condition = {"search_condition_list": {"search_condition": [{
            "type": "com.artesia.search.SearchScalarCondition", "metadata_field_id": field_id,
            "relational_operator_id": search.get("operator_id") or "ARTESIA.OPERATOR.CHAR.IS", "value": value}]}}
        after, hits = 0, []
        while True:
            data = {"search_condition_list": json.dumps(condition), "load_type": "metadata",
                    "level_of_detail": "slim", "search_config_id": search.get("search_config_id") or 3,
                    "after": after, "limit": self.page_size}
            doc = self._read_json("POST", "/search/text", data=data)["search_result_resource"]
            page = doc.get("asset_list") or []
            hits.extend(page)
            result = doc.get("search_result") or {}
            after += int(result.get("hit_count", len(page)) or 0)
            if not page or after >= int(result.get("total_hit_count", 0) or 0):
                return hits

    def _walk_folders(self, search):
        """Every folder down to ``walk_depth`` levels below ``walk_root`` (default: the root folders), with its
        metadata; callers re-check each one exactly, as they do with search hits."""
        root = search.get("walk_root")
        depth = int(search.get("walk_depth") or 3)
        if root:
            level = [root]
        else:
            doc = self._get_json("/folders/rootfolders", {"load_type": "system", "limit": 0})
            level = [f["asset_id"] for f in (doc.get("folders_resource") or {}).get("folder_list") or []]
        seen, found = set(level), []
        for _ in range(depth):
            following = []
            for folder_id in level:
                for item in self._children(folder_id):
                    if self._is_folder(item) and item["asset_id"] not in seen:
                        seen.add(item["asset_id"])
                        found.append(item)
                        following.append(item["asset_id"])
            level = following
        return found

    def find_campaigns(self, status, campaign_type=None):
        """Campaign folders in ``status`` (re-read and re-checked exactly), oldest first."""
        folder_type = (self.cfg.get("search") or {}).get("folder_type_id")
        found = []
        for hit in self._search(self.campaign_fields["campaign_status"], status):
            if hit.get("data_type") != "CONTAINER" and not hit.get("container_type_id"):
                continue
            if folder_type and hit.get("container_type_id") != folder_type:
                continue
            campaign = self.get_campaign(hit["asset_id"])  # the index may lag: trust the folder itself
            if campaign["status"] != status:
                continue
            if campaign_type and campaign["type"] != campaign_type:
                continue
            found.append(campaign)
        found.sort(key=lambda c: (c["created"] or "", c["campaign_id"] or ""))
        return found

    def find_campaign(self, number_or_folder_id):
        """A campaign by its number (LC-2026-0042) or its folder id; None when there is none."""
        key = str(number_or_folder_id).strip()
        for hit in self._search(self.campaign_fields["campaign_id"], key):
            if hit.get("data_type") == "CONTAINER" or hit.get("container_type_id"):
                campaign = self.get_campaign(hit["asset_id"])
                if campaign["campaign_id"] == key:
                    return campaign
        if len(key) >= 20 and " " not in key:
            try:
                campaign = self.get_campaign(key)
                return campaign if campaign["campaign_id"] else None  # a folder, but not a campaign
            except ServiceError as exc:
                if exc.status != 404:
                    raise
        return None

    def _children(self, folder_id, expected=None):
        """Every child of a folder, page by page. A page shorter than ``limit`` ends the listing (otmm-api.md 3.3),
        unless the folder's child count (``expected``, when known) says more are left: a server that caps the page
        size below ``dam.page_size`` must not hide the rest. An empty page always ends it."""
        after = 0
        while True:
            doc = self._get_json("/folders/{}/children".format(folder_id),
                                 {"load_type": "metadata", "level_of_detail": "slim", "after": after,
                                  "limit": self.page_size, "sort": "asc_NAME"})
            page = (doc.get("folder_children") or {}).get("asset_list") or []
            for item in page:
                yield item
            after += len(page)
            if not page or (len(page) < self.page_size and (expected is None or after >= expected)):
                if expected is not None and after < expected:
                    log.warning("DAM folder %s listed %d children, its count says %d", folder_id, after, expected)
                return

    @staticmethod
    def _child_count(folder):
        counts = (folder or {}).get("container_child_counts") or {}
        total = counts.get("total_child_count")
        try:
            return int(total) if total is not None else None
        except (TypeError, ValueError):
            return None

    def _folder_child_count(self, folder_id):
        """The folder's total child count (one cheap read), or None when the DAM does not say."""
        request = {"data_load_request": {"child_count_load_type": "both"}}
        doc = self._get_json("/folders/{}".format(folder_id),
                             {"load_type": "custom", "data_load_request": json.dumps(request)})
        return self._child_count((doc.get("folder_resource") or {}).get("folder"))

    @staticmethod
    def _is_folder(item):
        return item.get("data_type") == "CONTAINER" or bool(item.get("container_type_id"))

    def find_subfolder(self, folder_id, name):
        for item in self._children(folder_id):
            if self._is_folder(item) and (item.get("name") or "").strip().lower() == name.strip().lower():
                return item["asset_id"]
        return None

    def iter_assets(self, folder_id, recursive=True):
        """Every asset below ``folder_id`` with its relative folder path; cycle-safe (OTMM allows many parents)."""
        seen = set([folder_id])
        stack = [(folder_id, [], self._folder_child_count(folder_id))]
        while stack:
            current, path, expected = stack.pop(0)
            subfolders = []
            for item in self._children(current, expected):
                if self._is_folder(item):
                    if recursive and item["asset_id"] not in seen:
                        seen.add(item["asset_id"])
                        subfolders.append((item["asset_id"], path + [item.get("name") or item["asset_id"]],
                                           self._child_count(item)))
                    continue
                if item["asset_id"] in seen or item.get("deleted"):
                    continue
                seen.add(item["asset_id"])
                yield self._asset(item, path)
            stack = subfolders + stack

    def _asset(self, item, path):
        content = item.get("master_content_info") or {}
        size = item.get("content_size", content.get("content_size"))
        return {"asset_id": item["asset_id"], "name": item.get("name") or content.get("name") or item["asset_id"],
                "folder_path": list(path), "size": int(size) if size is not None else None,
                "mime_type": item.get("mime_type") or content.get("mime_type"),
                "checksum": content.get("content_checksum"), "metadata": flatten(item.get("metadata")), "raw": item}

    def get_asset_metadata(self, asset_id):
        doc = self._get_json("/assets/{}".format(asset_id), {"load_type": "full"})
        asset = doc["asset_resource"]["asset"]
        return flatten(asset.get("metadata")), asset

    # -- content --------------------------------------------------------------------------------------------------
    def download_asset(self, asset_id, dest_dir, name=None, expected_size=None, checksum=None):
        """Stream the original to ``dest_dir``: temp file beside the target, size (and checksum when given: 32 hex
        digits = MD5, 40 = SHA-1) checked, then renamed. A download cut short is started again within the retry
        budget; the temp file is removed on every exit path. Returns {"path", "size", "sha1"}."""
        target = os.path.join(dest_dir, safe_component(name or asset_id))
        path = "/assets/{}/contents".format(asset_id)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._download_once(asset_id, path, target, expected_size, checksum)
            except ServiceError as exc:
                if not exc.retryable or attempt >= self.retry.max_attempts:
                    raise
                wait = self.retry.backoff(attempt)
                log.warning("DAM download of asset %s failed (%s); retry %d/%d in %.1fs", asset_id, exc.message,
                            attempt, self.retry.max_attempts - 1, wait)
                time.sleep(wait)

    def _download_once(self, asset_id, path, target, expected_size, checksum):
        import requests
        temp = "{}.{}.part".format(target, os.getpid())
        sha1 = hashlib.sha1()
        other = hashlib.md5() if checksum and len(checksum) == 32 else None
        size = 0
        try:
            response = self._send("GET", self.api + path, stream=True)
            with response, open(temp, "wb") as out:
                try:
                    for chunk in response.iter_content(CHUNK):
                        out.write(chunk)
                        sha1.update(chunk)
                        if other is not None:
                            other.update(chunk)
                        size += len(chunk)
                except requests.exceptions.RequestException as exc:  # a local disk error is not wrapped
                    raise ServiceError("DAM", "download of asset {} interrupted after {} bytes: {}".format(
                        asset_id, size, type(exc).__name__), method="GET", path=path, retryable=True,
                        fix="the download is retried; the next run downloads it again if it keeps failing")
            declared = response.headers.get("Content-Length")
            for label, wanted in (("Content-Length", declared), ("content_size", expected_size)):
                if wanted is not None and int(wanted) != size:
                    raise ServiceError("DAM", "download of asset {} was cut short: {} bytes received, {} {}".format(
                        asset_id, size, label, wanted), method="GET", path=path, retryable=True,
                        fix="the download is retried; the next run downloads it again if it keeps failing")
            if checksum:
                got = other.hexdigest() if other is not None else sha1.hexdigest()
                if got.lower() != checksum.lower():
                    raise ServiceError("DAM", "download of asset {}: checksum {} does not match the DAM's {}".format(
                        asset_id, got, checksum), method="GET", path=path, retryable=True,
                        fix="the download is retried; if it persists the DAM's stored content may be damaged")
            os.rename(temp, target)
        finally:
            if os.path.exists(temp):
                os.remove(temp)
        return {"path": target, "size": size, "sha1": sha1.hexdigest()}

    # -- writes ---------------------------------------------------------------------------------------------------
    def set_campaign_status(self, folder_id, expected, new):
        """Read first (already ``new`` -> "already"), lock, PATCH, unlock in finally, re-read to verify."""
        doc = self._get_json("/folders/{}".format(folder_id), {"load_type": "metadata"})["folder_resource"]["folder"]
        status = self._campaign(doc)["status"]
        state_url = self.api + "/assets/{}/state".format(folder_id)
        if status == new:
            if doc.get("locked"):  # a run that died between PATCH and unlock left our lock behind
                try:
                    self._send("PUT", state_url, params={"action": "unlock"})
                    log.info("Released a lock left on campaign folder %s by an interrupted run", folder_id)
                except ServiceError as exc:
                    log.warning("campaign folder %s stays locked: %s", folder_id, exc)
            return "already"
        if status != expected:
            raise SuiteError("campaign folder {} is in status {!r}, expected {!r}: not overwriting it".format(
                folder_id, status, expected), fix="someone changed the campaign in the DAM; check it and rerun")
        field = self.campaign_fields["campaign_status"]
        self._send("PUT", state_url, params={"action": "lock"})
        try:
            body = {"edited_folder": {"data": {"metadata": to_elements({field: new}, self.domain_fields)}}}
            self._send("PATCH", self.api + "/folders/{}".format(folder_id), data=json.dumps(body),
                       headers={"Content-Type": "application/json; charset=UTF-8"})
        finally:
            try:
                self._send("PUT", state_url, params={"action": "unlock"})
            except ServiceError as exc:
                log.warning("could not unlock campaign folder %s: %s", folder_id, exc)
        after = self.get_campaign(folder_id)["status"]
        if after != new:
            raise SuiteError("campaign folder {} still shows {!r} after the update to {!r}".format(
                folder_id, after, new), fix="check the DAM's edit permissions of the integration user")
        return "changed"

    def ensure_folder_path(self, parent_id, parts):
        current = parent_id
        for part in parts:
            name = safe_component(part)
            found = self.find_subfolder(current, name)
            if found is None:
                body = {"folder_resource": {"folder": {"name": name, "container_type_id": self.cfg.get(
                    "subfolder_type_id") or "ARTESIA.BASIC.FOLDER"}}}
                try:
                    doc = self._send("POST", self.api + "/folders/{}".format(current), data=json.dumps(body),
                                     headers={"Content-Type": "application/json"}).json()
                    found = doc["folder_resource"]["folder"]["asset_id"]
                except ServiceError as exc:
                    found = self.find_subfolder(current, name) if exc.status == 409 else None
                    if found is None:
                        raise
            current = found
        return current

    def find_imported_asset(self, folder_id, tracking_id, source_file_id):
        """The asset of an earlier import of this Box file (TRACKING_ID + SOURCE_FILE_ID in its metadata). The whole
        folder is read (its child count guards against a capped page size): a miss here means a second import."""
        for item in self._children(folder_id, self._folder_child_count(folder_id)):
            if self._is_folder(item):
                continue
            values = flatten(item.get("metadata"))
            if as_text(values.get(self.fields["tracking_id"])) == tracking_id and \
                    as_text(values.get(self.fields["source_file_id"])) == str(source_file_id):
                return item["asset_id"]
        return None

    def import_asset(self, folder_id, file_path, metadata, filename):
        """Multipart import (streamed from disk), job polled with back-off to a deadline, result confirmed by finding
        the asset (TRACKING_ID + SOURCE_FILE_ID); returns its id.

        The POST is never repeated blindly: only a 401 (refused before anything was imported) or a job that ended
        FAILED with no asset in the folder is followed by a new POST (``dam.import_failed_job_retries``, default 1).
        A lost answer or a job past its deadline is raised (retryable); the caller's next attempt starts with
        ``find_imported_asset``."""
        tracking = metadata.get(self.fields["tracking_id"])
        source = metadata.get(self.fields["source_file_id"])
        retries = int(self.cfg.get("import_failed_job_retries", 1) or 0)
        for attempt in range(retries + 1):
            job_id = self._post_import(folder_id, file_path, metadata, filename)
            try:
                self._wait_for_job(job_id)
            except ServiceError as exc:
                if exc.code != "job_failed" or attempt >= retries:
                    raise
                if self.find_imported_asset(folder_id, tracking, source) is not None:
                    break
                log.warning("DAM import job %s of %s failed; importing it again (%d/%d)", job_id, filename,
                            attempt + 1, retries)
                continue
            break
        asset_id = self.find_imported_asset(folder_id, tracking, source)
        if asset_id is None:
            raise ServiceError("DAM", "import job {} finished but asset {} is not in the folder".format(job_id,
                                                                                                      filename),
                               retryable=True, fix="the next run looks for it again before re-importing")
        return asset_id

    def _post_import(self, folder_id, file_path, metadata, filename):
        import mimetypes
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        elements = to_elements(metadata, self.domain_fields)
        representation = {"asset_resource": {"asset": {
            "metadata": {"metadata_element_list": elements},
            "metadata_model_id": self.cfg.get("metadata_model_id") or "FERRERO.MODEL.MARKETING",
            "security_policy_list": [{"id": int(self.cfg.get("security_policy_id") or 2)}]}}}
        manifest = {"upload_manifest": {"master_files": [{"file": {"file_name": filename, "file_type": mime}}]}}
        parts = [("asset_representation", None, "application/json", json.dumps(representation)),
                 ("manifest", None, "application/json", json.dumps(manifest)),
                 ("files", filename, "application/octet-stream", file_path),
                 ("parent_folder_id", None, None, folder_id)]
        policy = RetryPolicy(max_attempts=1)  # never re-POST blindly: a lost answer may hide a running job
        token = None
        for attempt in (1, 2):
            headers = {}
            if self.tokens is not None:
                token = self.tokens.get(rejected=token)
                headers["Authorization"] = "Bearer " + token
            body = MultipartStream(parts)
            headers["Content-Type"] = body.content_type
            headers["Content-Length"] = str(body.len)
            try:
                response = send_with_retry(self._session(), "POST", self.api + "/assets", "DAM", policy,
                                           describe_error, "/assets", data=body, headers=headers,
                                           timeout=self.timeout, verify=self.verify)
                break
            except ServiceError as exc:
                # a 401 is refused before anything is imported, so that one (only) is safe to send again
                if exc.status == 401 and self.tokens is not None and attempt == 1:
                    log.info("DAM token rejected (401) on import; refreshing it once")
                    continue
                raise
            finally:
                body.close()
        try:
            return str(response.json()["job_handle"]["job_id"])
        except (ValueError, KeyError, TypeError):
            raise ServiceError("DAM", "the import answer carries no job_handle.job_id", status=response.status_code,
                               method="POST", path="/assets", retryable=True,
                               fix="the next run looks for the asset before importing again")

    def _wait_for_job(self, job_id):
        deadline = time.time() + int(self.cfg.get("job_poll_deadline_seconds") or 600)
        delay = 0.2
        while True:
            doc = self._get_json("/jobs/{}".format(job_id))
            job = _unwrap_job(doc)
            state = str(job.get("job_state") or job.get("status") or job.get("state") or "").upper()
            if state in ("COMPLETED", "SUCCESS", "SUCCEEDED", "DONE"):
                return job
            if state in ("FAILED", "ERROR", "CANCELLED", "CANCELED", "COMPLETED_WITH_ERRORS"):
                raise ServiceError("DAM", "import job {} ended {}: {}".format(job_id, state, job.get("message") or
                                                                              json.dumps(job)[:200]),
                                   retryable=True, code="job_failed",
                                   fix="the file stays in the inbox; the next run imports it again")
            if time.time() > deadline:
                raise ServiceError("DAM", "import job {} still {} after the deadline".format(job_id, state or
                                                                                             "unknown"),
                                   retryable=True, fix="the next run checks the folder before importing again")
            time.sleep(delay)
            delay = min(delay * 2, 30)


def _unwrap_job(doc):
    for key, value in (doc or {}).items():
        if key.endswith("_resource") and isinstance(value, dict):
            return value.get("job") or value
    return doc.get("job") or doc



class MultipartStream(object):
    """A multipart/form-data body read from disk piece by piece (requests would build it in memory).

    ``parts``: (name, filename or None, content type or None, value); for a part with a filename the value is the
    path of the file to stream. ``len`` gives requests the Content-Length."""

    def __init__(self, parts):
        import uuid
        self.boundary = "----dam-client-" + uuid.uuid4().hex
        self.content_type = "multipart/form-data; boundary=" + self.boundary
        self._pieces = []
        self.len = 0
        for name, filename, ctype, value in parts:
            head = '--{}\r\nContent-Disposition: form-data; name="{}"'.format(self.boundary, name)
            if filename is not None:
                head += '; filename="{}"'.format(_quoted(filename))  # UTF-8, as browsers send it
            if ctype:
                head += "\r\nContent-Type: " + ctype
            head = (head + "\r\n\r\n").encode("utf-8")
            self._add(head)
            if filename is not None:
                self._pieces.append(("file", value))
                self.len += os.path.getsize(value)
            else:
                self._add(value.encode("utf-8"))
            self._add(b"\r\n")
        self._add("--{}--\r\n".format(self.boundary).encode("ascii"))
        self._index = 0
        self._current = None

    def _add(self, data):
        self._pieces.append(("bytes", data))
        self.len += len(data)

    def read(self, size=-1):
        if size is None or size < 0:
            size = CHUNK
        out = []
        wanted = size
        while wanted > 0 and self._index < len(self._pieces):
            if self._current is None:
                kind, value = self._pieces[self._index]
                self._current = open(value, "rb") if kind == "file" else _BytesReader(value)
            data = self._current.read(wanted)
            if not data:
                self._current.close()
                self._current = None
                self._index += 1
                continue
            out.append(data)
            wanted -= len(data)
        return b"".join(out)

    def close(self):
        if self._current is not None:
            self._current.close()
            self._current = None


class _BytesReader(object):
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def close(self):
        pass


def _quoted(name):
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
