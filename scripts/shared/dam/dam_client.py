"""OpenText Media Management (OTMM v6) client: the HTTP session and its credentials, campaigns found by search,
recursive asset listing, folders, and status change with lock/PATCH/unlock. Downloads and imports are
dam_transfer.py's (DamTransfers). Every call, what it reads, its evidence key and the setting for each open point:
docs/otmm-api.md.

Three auth modes share every request path (``dam.auth_mode``, or --auth-pfx for mTLS): OAuth2 bearer tokens against
DAM_BASE_URL (refreshed before expiry and once after a 401), an OTMM session (JSESSIONID cookie plus
X-Requested-By, logged in again after a 401), or mTLS with the client certificate against DAM_MTLS_BASE_URL. TLS
verification is never turned off. Each thread has its own HTTP session (parallel transfers); the credential is
shared.
"""
import concurrent.futures
import json
import logging
import os
import threading

from .dam_auth import MTLSFiles, SessionCache, TokenCache
from .dam_errors import MTLS_REFUSED_FIX, describe_error
from .dam_metadata import as_text, flatten, to_elements, typed_values
from .dam_transfer import DamTransfers
from .dam_types import Campaign, DamAsset
from ..core.errors import ServiceError, SuiteError
from ..core.http_retry import RetryPolicy, send_with_retry, url_path
from ..core.retry import Again, retry_call
from ..core.safe_names import safe_component, same_name
from ..core.config_schema import setting

log = logging.getLogger(__name__)

SELECTION = "com.artesia.asset.selection.AssetIdsSelectionContext"


def decision_fields(fields_cfg):
    """Every field id the workflows decide on or copy (config/field_mappings.yaml): MVP, rejection, special."""
    fields_cfg = fields_cfg or {}
    ids = list(fields_cfg.get("mvp_fields") or [])
    ids += [r["id"] for r in fields_cfg.get("rejection_fields") or [] if isinstance(r, dict) and r.get("id")]
    ids += list((fields_cfg.get("special_fields") or {}).values())
    return sorted(set(ids))


class DAMClient(DamTransfers):
    """``metadata_fields``: the field ids the workflows decide on (MVP, rejection, special fields); with
    ``dam.listing_detail: fields`` listings ask for exactly these (``metadata_to_return``)."""

    @classmethod
    def for_tick(cls, rt):
        """The client of a workflow tick (runtime.Runtime): the PFX is opened first in mTLS mode (a broken one is
        a configuration error, exit 2, never a failed campaign), tokens are kept between ticks, and the transfer
        settings ride along for the per-transfer deadline (transfer_deadline.py)."""
        config = rt.config
        if rt.auth_mode == "mtls":
            from .dam_auth import check_pfx
            check_pfx(config["dam"]["mtls_cert_path"], config["dam"].get("mtls_cert_password"))
        return cls(dict(config["dam"], transfer=config.get("transfer") or {}, token_cache_dir=rt.token_cache_dir()),
                   auth_mode=rt.auth_mode, field_ids=config["fields"].get("special_fields"),
                   metadata_fields=decision_fields(config["fields"]))

    def __init__(self, dam_cfg, auth_mode="oauth2", field_ids=None, metadata_fields=None):
        self.cfg = dam_cfg
        if auth_mode == "oauth2" and setting(dam_cfg, "dam.auth_mode") == "session":
            auth_mode = "session"
        self.auth_mode = auth_mode
        self.fields = dict(field_ids or {})  # field_mappings.yaml special_fields (required there)
        self.campaign_fields = dam_cfg.get("fields") or {}
        self.domain_fields = list(dam_cfg.get("domain_fields") or [])
        wanted = list(metadata_fields or []) + list(self.fields.values()) + list(self.campaign_fields.values())
        self.metadata_fields = sorted(set(f for f in wanted if f))
        self.listing_detail = setting(dam_cfg, "dam.listing_detail").strip().lower()
        self.lock_mode = setting(dam_cfg, "dam.lock_mode").strip().lower()
        self._lock_transport = None  # what "auto" found to work: "single" or "bulk"
        self._read_job_settings(dam_cfg)
        base = dam_cfg["mtls_base_url"] if auth_mode == "mtls" else dam_cfg["base_url"]
        self.api = "{}/{}".format(base.rstrip("/"), setting(dam_cfg, "dam.api_version"))
        self.timeout = (int(setting(dam_cfg, "dam.connect_timeout_seconds")),
                        int(setting(dam_cfg, "dam.read_timeout_seconds")))
        self.retry = RetryPolicy.from_config(dam_cfg.get("retry"))
        self.page_size = int(setting(dam_cfg, "dam.page_size"))
        self.verify = dam_cfg.get("ca_bundle") or True
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()
        self.mtls = None
        self.tokens = None
        self.logins = None
        self.closed = False
        self._folder_load_full = False  # the instance refused load_type=metadata on folders
        if auth_mode == "mtls":
            self.mtls = MTLSFiles(dam_cfg["mtls_cert_path"], dam_cfg.get("mtls_cert_password"))
        elif auth_mode == "session":
            self.logins = SessionCache(dam_cfg, self._session_login)
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
            # e.g. a gateway API key where an instance wants it (docs/otmm-api.md section 1)
            session.headers.update(dict((str(k), str(v)) for k, v in (self.cfg.get("extra_headers") or {}).items()))
            if self.mtls is not None:
                session.mount("https://", self.mtls.adapter())  # the key lives in the TLS context only
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _token_post(self, url, data):
        """A token request is repeatable: an answer cut short or not JSON is asked for again like any read."""
        def attempt(_):
            response = self._send("POST", url, data=data, authenticate=False)
            try:
                return response.json()
            except ValueError:
                raise Again(ServiceError("DAM", "the token endpoint answered with something that is not JSON",
                                         method="POST", path=url_path(url), retryable=True, fix="check DAM_AUTH_URL"))
        return retry_call(attempt, self.retry)

    def _session_login(self, data):
        response = self._send("POST", self.api + "/sessions", data=data, authenticate=False)
        try:
            return response.json(), dict(response.cookies.items())
        except ValueError:
            raise ServiceError("DAM", "the session login answered with something that is not JSON",
                               method="POST", path="/sessions", fix="check DAM_BASE_URL and DAM_API_VERSION")

    def _credentials(self, headers, kwargs, rejected):
        """Put the current credential on a request; returns it (the value a 401 rejects)."""
        if self.tokens is not None:
            token = self.tokens.get(rejected=rejected)
            headers["Authorization"] = "Bearer " + token
            return token
        if self.logins is not None:
            session = self.logins.get(rejected=rejected)
            headers["X-Requested-By"] = session[0]
            if session[1]:
                kwargs["cookies"] = {"JSESSIONID": session[1]}
            return session
        return None

    def _send(self, method, url, authenticate=True, rewind=None, **kwargs):
        """One request with retries; a 401 renews the token or session once and retries."""
        kwargs.setdefault("timeout", self.timeout)
        # per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify (psf/requests#3829)
        kwargs.setdefault("verify", self.verify)
        extra = dict(kwargs.pop("headers", None) or {})
        credential = None
        for attempt in (1, 2):
            headers = dict(extra)
            if authenticate:
                credential = self._credentials(headers, kwargs, credential)
            try:
                return send_with_retry(self._session(), method, url, "DAM", self.retry, describe_error, url_path(url),
                                       rewind=rewind, headers=headers, **kwargs)
            except ServiceError as exc:
                if exc.status == 401 and authenticate and credential is not None and attempt == 1:
                    log.info("DAM %s rejected (401); refreshing it once", "session" if self.logins else "token")
                    continue
                self._explain(exc)
                raise

    def _explain(self, exc):
        if exc.status == 401 and not exc.fix:
            exc.fix = ("check DAM_USERNAME/DAM_PASSWORD and that the user may use the OTMM API" if self.logins else
                       "check DAM_CLIENT_ID/DAM_CLIENT_SECRET and that the OAuth client may use the OTMM API; "
                       "python scripts/test_connection.py --probe-dam FOLDER_ID tells which DAM_AUTH_MODE works")
        if exc.status is None and "CERTIFICATE_VERIFY_FAILED" in exc.message:
            exc.fix = ("the DAM's server certificate is not trusted: set DAM_CA_BUNDLE to the CA bundle that "
                       "signed it (TLS verification stays on)")
        elif self.mtls is not None and exc.status is None and "TLS error" not in exc.message:
            # unreachable over mTLS: the gateway drops IPs that are not whitelisted (TLS alerts are named by
            # http_retry.tls_cause instead)
            exc.fix = MTLS_REFUSED_FIX

    def _get_json(self, path, params=None):
        return self._read_json("GET", path, params=params)

    def _read_json(self, method, path, **kwargs):
        """Send a read and parse its JSON; a body cut short in transit is fetched again (reads are repeatable)."""
        def attempt(_):
            response = self._send(method, self.api + path, **kwargs)
            try:
                return response.json()
            except ValueError:
                raise Again(ServiceError("DAM", "answer is not valid JSON (truncated?)", status=response.status_code,
                                         method=method, path=url_path(response.url), retryable=True,
                                         fix="the next run retries; check the DAM or proxy if it persists"))
        return retry_call(attempt, self.retry)

    def listing_params(self, detail=None):
        """Parameters that make a listing or search carry the decision fields (E1, E7, E9): ``full`` asks for
        every field (``level_of_detail=full``), ``fields`` a slim listing naming them (``metadata_to_return``),
        ``slim`` nothing beyond the system fields (names, types: enough to find a folder)."""
        detail = detail or self.listing_detail
        if detail == "slim":
            return {"load_type": "metadata", "level_of_detail": "slim"}
        if detail == "fields":
            return {"load_type": "metadata", "level_of_detail": "slim",
                    "metadata_to_return": ",".join(self.metadata_fields)}
        if detail != "full":
            raise SuiteError("dam.listing_detail is {!r}".format(detail),
                             fix="set DAM_LISTING_DETAIL to full or fields")
        return {"load_type": "metadata", "level_of_detail": "full"}

    # -- campaigns ------------------------------------------------------------------------------------------------
    def ping(self):
        doc = self._get_json("/folders/rootfolders", {"load_type": "system", "limit": 1})
        roots = (doc.get("folders_resource") or {}).get("folder_list") or []
        return {"auth": self.auth_mode, "root_folders": len(roots)}

    def _campaign(self, folder):
        """The Campaign a folder's metadata describes (dam.fields names its fields)."""
        values = flatten(folder.get("metadata"))
        f = self.campaign_fields
        return Campaign(folder_id=folder["asset_id"], campaign_id=as_text(values.get(f.get("campaign_id"))),
                        name=as_text(values.get(f.get("campaign_name"))) or folder.get("name"),
                        status=as_text(values.get(f.get("campaign_status"))),
                        type=as_text(values.get(f.get("campaign_type"))),
                        global_master_campaign_id=as_text(values.get(f.get("global_master_campaign_id"))),
                        agency_email=as_text(values.get(f.get("agency_email"))),
                        created=folder.get("date_imported"))

    def get_folder(self, folder_id):
        """``folder_resource.folder`` with its metadata. ``load_type=metadata`` is what the client asks for; folder
        GETs are only *seen* with other load types (E6, E7), so an instance that refuses it (400) is asked with
        ``load_type=full`` from then on."""
        if not self._folder_load_full:
            try:
                return self._get_json("/folders/{}".format(folder_id), {"load_type": "metadata"})[
                    "folder_resource"]["folder"]
            except ServiceError as exc:
                if exc.status != 400:
                    raise
                log.info("DAM refused load_type=metadata on a folder (%s); using load_type=full", exc.message)
                self._folder_load_full = True
        return self._get_json("/folders/{}".format(folder_id), {"load_type": "full"})["folder_resource"]["folder"]

    def get_campaign(self, folder_id):
        return self._campaign(self.get_folder(folder_id))

    def _search(self, field_id, value):
        """Every search hit (all pages) whose field matches ``value`` per the configured operator; with
        ``dam.search.mode: walk`` the folder tree is read instead (for instances whose search config does not
        index folders, docs/otmm-api.md section 4): slower, but needs no search at all."""
        search = self.cfg.get("search") or {}
        if setting(search, "dam.search.mode") == "walk":
            return [f for f in self._walk_folders(search)
                    if as_text(flatten(f.get("metadata")).get(field_id)) == str(value).strip()]
        condition = {"search_condition_list": {"search_condition": [{
            "type": "com.artesia.search.SearchScalarCondition", "metadata_field_id": field_id,
            "relational_operator_id": setting(search, "dam.search.operator_id"), "value": value}]}}
        after, hits = 0, []
        while True:
            data = {"search_condition_list": json.dumps(condition), "load_type": "metadata",
                    "level_of_detail": "slim", "search_config_id": setting(search, "dam.search.search_config_id"),
                    "after": after, "limit": self.page_size}  # hits are re-read one by one: slim is enough
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
        depth = int(setting(search, "dam.search.walk_depth"))
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
        hits = [hit["asset_id"] for hit in self._search(self.campaign_fields["campaign_status"], status)
                if (hit.get("data_type") == "CONTAINER" or hit.get("container_type_id")) and
                (not folder_type or hit.get("container_type_id") == folder_type)]
        found = []
        # the index may lag: trust the folder itself, read for every hit at once rather than one after another
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(4, len(hits)))) as pool:
            campaigns = list(pool.map(self.get_campaign, hits))
        for campaign in campaigns:
            if campaign.status != status:
                continue
            if campaign_type and campaign.type != campaign_type:
                continue
            found.append(campaign)
        found.sort(key=lambda campaign: (campaign.created or "", campaign.campaign_id or ""))
        return found

    def find_campaign(self, number_or_folder_id):
        """A campaign by its number (LC-2026-0042) or its folder id; None when there is none."""
        key = str(number_or_folder_id).strip()
        for hit in self._search(self.campaign_fields["campaign_id"], key):
            if hit.get("data_type") == "CONTAINER" or hit.get("container_type_id"):
                campaign = self.get_campaign(hit["asset_id"])
                if campaign.campaign_id == key:
                    return campaign
        if len(key) >= 20 and " " not in key:
            try:
                campaign = self.get_campaign(key)
                return campaign if campaign.campaign_id else None  # a folder, but not a campaign
            except ServiceError as exc:
                if exc.status != 404:
                    raise
        return None

    def _children(self, folder_id, expected=None, detail=None):
        """Every child of a folder, page by page, with the metadata ``listing_params(detail)`` asks for. A page
        shorter than ``limit`` ends the listing, unless the folder's child count (``expected``, when known) says more
        are left: a server that caps the page size below ``dam.page_size`` must not hide the rest. An empty page
        always ends it."""
        after = 0
        while True:
            params = self.listing_params(detail)
            params.update({"after": after, "limit": self.page_size, "sort": "asc_NAME"})
            doc = self._get_json("/folders/{}/children".format(folder_id), params)
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
        """The subfolder called ``name`` (same name up to case, spaces and Unicode normalisation); of several
        same-named ones (OTMM allows them) the oldest, so runs that raced to create it all settle on the same one."""
        same = [item for item in self._children(folder_id, detail="slim")
                if self._is_folder(item) and same_name(item.get("name"), name)]
        if not same:
            return None
        return min(enumerate(same), key=lambda pair: (pair[1].get("date_imported") or "~", pair[0]))[1]["asset_id"]

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
                        count = self._child_count(item)  # listings carry counts only when asked (E6, E7)
                        if count is None:
                            count = self._folder_child_count(item["asset_id"])
                        subfolders.append((item["asset_id"], path + [item.get("name") or item["asset_id"]], count))
                    continue
                if item["asset_id"] in seen or item.get("deleted"):
                    continue
                seen.add(item["asset_id"])
                yield self._asset(item, path)
            stack = subfolders + stack

    def _asset(self, item, path):
        """One asset as the workflows use it. ``metadata`` is flat (decisions, display), ``typed_metadata`` keeps
        the DAM's types for copying onto another asset. ``version``/``master_content_id``/``checksum`` identify the
        master's content (for callers that want to notice it changed)."""
        content = item.get("master_content_info") or {}
        size = item.get("content_size", content.get("content_size"))
        return DamAsset(asset_id=item["asset_id"], name=asset_file_name(item), folder_path=list(path),
                        size=int(size) if size is not None else None,
                        mime_type=item.get("mime_type") or content.get("mime_type"),
                        checksum=content.get("content_checksum"), version=item.get("version"),
                        master_content_id=content.get("id"), import_job_id=item.get("import_job_id"),
                        metadata=flatten(item.get("metadata")), typed_metadata=typed_values(item.get("metadata")),
                        raw=item)

    def asset_standing(self, asset_id):
        """"deleted" or "expired" when a person removed the asset in the DAM (404, or the flags OTMM keeps on a
        deleted or expired asset), else None: the asset is there."""
        try:
            doc = self._get_json("/assets/{}".format(asset_id), {"level_of_detail": "slim"})
        except ServiceError as exc:
            if exc.status == 404:
                return "deleted"
            raise
        asset = (doc.get("asset_resource") or {}).get("asset") or {}
        if asset.get("deleted"):
            return "deleted"
        if asset.get("expired"):
            return "expired"
        return None

    def get_asset_metadata(self, asset_id):
        doc = self._get_json("/assets/{}".format(asset_id), {"load_type": "full"})
        asset = doc["asset_resource"]["asset"]
        return flatten(asset.get("metadata")), asset

    # -- writes ---------------------------------------------------------------------------------------------------
    def set_lock(self, object_id, action):
        """Lock or unlock an asset or folder (folders go through the asset lock service, E7).

        As real clients send it: ``PUT /assets/{id}/state`` with the form body ``action=lock|unlock`` (E6). Where
        the instance refuses that (400/404/405/415/501), the bulk form ``PUT /assets/state`` with an
        ``AssetIdsSelectionContext`` (E8); a non-empty ``failed_object_list`` is a failure. ``dam.lock_mode``:
        auto (try single, remember what worked), single, or bulk. Returns the transport used."""
        mode = self._lock_transport or self.lock_mode
        if mode in ("auto", "single"):
            try:
                self._send("PUT", self.api + "/assets/{}/state".format(object_id), data={"action": action})
                self._lock_transport = "single"
                return "single"
            except ServiceError as exc:
                if mode == "single" or exc.status not in (400, 404, 405, 415, 501):
                    raise
                log.info("DAM refused PUT /assets/{id}/state (%s %s); trying the bulk PUT /assets/state",
                         exc.status, exc.message)
        elif mode != "bulk":
            raise SuiteError("dam.lock_mode is {!r}".format(mode), fix="set DAM_LOCK_MODE to auto, single or bulk")
        context = {"selection_context_param": {"selection_context": {
            "type": SELECTION, "asset_ids": [object_id], "include_descendants": "NONE"}}}
        doc = self._read_json("PUT", "/assets/state", data={"action": action, "selection_context": json.dumps(
            context)})
        result = (doc.get("bulk_asset_result_representation") or {}).get("bulk_asset_result") or {}
        failed = result.get("failed_object_list") or []
        if failed:
            first = failed[0] if isinstance(failed[0], dict) else {"object_id": failed[0]}
            raise ServiceError("DAM", "could not {} {}: {}".format(action, object_id, first.get("message") or
                                                                   first.get("reason") or json.dumps(first)[:200]),
                               status=409, method="PUT", path="/assets/state",
                               fix="someone else may hold the lock in the DAM; the next run tries again")
        if self.lock_mode == "auto":
            self._lock_transport = "bulk"
        return "bulk"

    def set_campaign_status(self, folder_id, expected, new):
        """Read first (already ``new`` -> "already"), lock, PATCH, unlock in finally, re-read to verify."""
        doc = self.get_folder(folder_id)
        status = self._campaign(doc).status
        if status == new:
            if doc.get("locked"):  # a run that died between PATCH and unlock left our lock behind
                try:
                    self.set_lock(folder_id, "unlock")
                    log.info("Released a lock left on campaign folder %s by an interrupted run", folder_id)
                except ServiceError as exc:
                    log.warning("campaign folder %s stays locked: %s", folder_id, exc)
            return "already"
        if status != expected:
            raise SuiteError("campaign folder {} is in status {!r}, expected {!r}: not overwriting it".format(
                folder_id, status, expected), fix="someone changed the campaign in the DAM; check it and rerun")
        field = self.campaign_fields["campaign_status"]
        self.set_lock(folder_id, "lock")
        try:
            body = {"edited_folder": {"data": {"metadata": to_elements({field: new}, self.domain_fields)}}}
            self._send("PATCH", self.api + "/folders/{}".format(folder_id), data=json.dumps(body),
                       headers={"Content-Type": "application/json; charset=UTF-8"})
        finally:
            try:
                self.set_lock(folder_id, "unlock")
            except ServiceError as exc:
                log.warning("could not unlock campaign folder %s: %s", folder_id, exc)
        after = self.get_campaign(folder_id).status
        if after != new:
            raise SuiteError("campaign folder {} still shows {!r} after the update to {!r}".format(
                folder_id, after, new), fix="check the DAM's edit permissions of the integration user")
        return "changed"

    def create_folder(self, parent_id, name):
        """``POST /folders/{parent}`` (E2, E6); the new folder's id."""
        body = {"folder_resource": {"folder": {"name": name, "container_type_id": self.cfg.get(
            "subfolder_type_id") or "ARTESIA.BASIC.FOLDER"}}}
        doc = self._send("POST", self.api + "/folders/{}".format(parent_id), data=json.dumps(body),
                         headers={"Content-Type": "application/json"}).json()
        return doc["folder_resource"]["folder"]["asset_id"]

    def ensure_folder_path(self, parent_id, parts):
        """The folder ``parts`` below ``parent_id``, created where missing. OTMM is not shown refusing duplicate
        folder names, so no 409 is relied on: after every create (failed or not) the parent is listed again and the
        oldest same-named folder is used, which is where racing runs converge."""
        current = parent_id
        for part in parts:
            name = safe_component(part)
            found = self.find_subfolder(current, name)
            if found is None:
                created, failure = None, None
                try:
                    created = self.create_folder(current, name)
                except (ServiceError, ValueError, KeyError, TypeError) as exc:
                    failure = exc
                found = self.find_subfolder(current, name) or created
                if found is None:
                    if isinstance(failure, ServiceError):
                        raise failure
                    raise ServiceError("DAM", "folder {} could not be created in {}: {}".format(
                        name, current, failure), method="POST", path="/folders/{id}", retryable=True,
                        fix="the next run tries again")
            current = found
        return current


def asset_file_name(item):
    """The asset's file name: its ``name``, with the extension of ``master_content_info.name`` added when the name
    has none (OTMM names an asset apart from its file, E1)."""
    content_name = (item.get("master_content_info") or {}).get("name") or ""
    name = item.get("name") or content_name or item["asset_id"]
    ext = _extension(content_name)
    if ext and not _extension(name):
        name += ext
    return name


def _extension(name):
    ext = os.path.splitext(name or "")[1]
    return ext if 1 < len(ext) <= 6 and ext[1:].isalnum() else ""
