"""OpenText Media Management (OTMM v6) client: the HTTP session and its credentials, campaign folders, recursive
asset listing, folders and subfolders, and the status change. The campaign search is dam_search.py's (DamSearch),
locks and the PATCH between them dam_locks.py's (DamLocks), downloads and imports dam_transfer.py's (DamTransfers).
Every call, what it reads, its evidence key and the setting for each open point: docs/otmm-api.md.

Three auth modes share every request path (``dam.auth_mode``, or --auth-pfx for mTLS): OAuth2 bearer tokens against
DAM_BASE_URL (refreshed before expiry and once after a 401), an OTMM session (JSESSIONID cookie or otmmauthtoken,
plus X-Requested-By, logged in again after a 401), or mTLS with the client certificate against DAM_MTLS_BASE_URL. TLS
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
from .dam_metadata import as_text, flatten, typed_values
from .dam_locks import DamLocks
from .dam_search import DamSearch
from .dam_transfer import DamTransfers
from .dam_types import Campaign, DamAsset
from ..core.errors import ServiceError, SuiteError
from ..core.http_retry import RetryPolicy, send_with_retry, url_path
from ..core.http_session import new_session
from ..core.retry import Again, retry_call
from ..core.safe_names import safe_component, same_name
from ..core.config_schema import setting

log = logging.getLogger(__name__)

def decision_fields(fields_cfg):
    """Every field id the workflows decide on or copy (config/field_mappings.yaml): MVP, rejection, special."""
    fields_cfg = fields_cfg or {}
    ids = list(fields_cfg.get("mvp_fields") or [])
    ids += [r["id"] for r in fields_cfg.get("rejection_fields") or [] if isinstance(r, dict) and r.get("id")]
    ids += list((fields_cfg.get("special_fields") or {}).values())
    return sorted(set(ids))


class DAMClient(DamLocks, DamSearch, DamTransfers):
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
        self._folders_route = None  # GET /folders/{id}/folders: None untried, True served, False not served
        self._me = None  # (user id, login name) of the integration user, once asked (GET /sessions)
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
            session = new_session()  # never ~/.netrc's credentials instead of the token
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
            carried, cookies = self.logins.headers(session)
            headers.update(carried)
            if cookies:
                kwargs["cookies"] = cookies
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
        # limit=0 ("all") is the evidenced form (E6); an instance has a handful of root folders
        doc = self._get_json("/folders/rootfolders", {"load_type": "system", "limit": 0})
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

    def find_campaigns(self, status, campaign_type=None):
        """Campaign folders in ``status`` (and ``campaign_type``), oldest first, as the search's hits describe them:
        the search asks for the fields (``listing_params``: E1, E7), so a tick reads no folder per waiting campaign.
        The index may lag: a workflow confirms the one campaign it claims (``confirm_campaign``). A hit that came
        without its status or date (a search that carries no metadata) is read from its folder instead."""
        folder_type = (self.cfg.get("search") or {}).get("folder_type_id")
        hits = [self._campaign(hit) for hit in self._search(self.campaign_fields["campaign_status"], status)
                if (hit.get("data_type") == "CONTAINER" or hit.get("container_type_id")) and
                (not folder_type or hit.get("container_type_id") == folder_type)]
        unread = [campaign.folder_id for campaign in hits if campaign.status is None or not campaign.created]
        if unread:
            log.info("%d search hit(s) came without the campaign's status or date; reading their folders (set "
                     "DAM_LISTING_DETAIL=full so the search carries them)", len(unread))
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(4, len(unread)))) as pool:
                read = dict(zip(unread, pool.map(self.get_campaign, unread)))
            hits = [read.get(campaign.folder_id, campaign) for campaign in hits]
        found = [campaign for campaign in hits if self._disagreement(campaign, status, campaign_type) is None]
        found.sort(key=lambda campaign: (campaign.created or "", campaign.campaign_id or ""))
        return found

    def confirm_campaign(self, campaign, status, campaign_type=None):
        """``campaign`` (a hit of find_campaigns) as its folder has it now, or None when the folder disagrees with
        the search (the index lags behind a status change, or the CONTAINS operator matched): the folder is the
        truth before any work starts (one read)."""
        fresh = self.get_campaign(campaign.folder_id)
        why = self._disagreement(fresh, status, campaign_type)
        if why is not None:
            log.info("Campaign %s (folder %s): the DAM's search says %s but %s (its index lags); skipped",
                     campaign.campaign_id, campaign.folder_id, status, why)
            return None
        return fresh

    @staticmethod
    def _disagreement(campaign, status, campaign_type):
        """Why ``campaign`` is not one in ``status`` and ``campaign_type`` (None: it is)."""
        if campaign.status != status:
            return "its status is {}".format(campaign.status)
        if campaign_type and campaign.type != campaign_type:
            return "its type is {}".format(campaign.type)
        return None

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

    def subfolders(self, folder_id):
        """The folders directly below ``folder_id``, in as few requests as the DAM allows, however many assets sit
        beside them: ``GET /folders/{id}/folders?load_type=system&limit=0`` (E6, E20) where the instance serves it;
        else the children listing, paged on to the folder's child count (a short page does not end it)."""
        if self._folders_route is not False:
            try:
                doc = self._get_json("/folders/{}/folders".format(folder_id), {"load_type": "system", "limit": 0})
                self._folders_route = True
                return [f for f in (doc.get("folders_resource") or {}).get("folder_list") or []
                        if self._is_folder(f) or not f.get("data_type")]
            except ServiceError as exc:
                if self._folders_route or exc.status not in (400, 404, 405, 501):
                    raise
                log.info("DAM does not serve GET /folders/{id}/folders (%s); listing children instead", exc.status)
                self._folders_route = False
        return [item for item in self._children(folder_id, self._folder_child_count(folder_id), detail="slim")
                if self._is_folder(item)]

    def find_subfolder(self, folder_id, name):
        """The subfolder called ``name`` (same name up to case, spaces and Unicode normalisation); of several
        same-named ones (OTMM allows them) the oldest, and of those created in the same second (OTMM dates are whole
        seconds, E22) the smallest id, so runs that raced to create it all settle on the same one."""
        same = [item for item in self.subfolders(folder_id) if same_name(item.get("name"), name)]
        if not same:
            return None
        return min(same, key=lambda item: (item.get("date_imported") or "~", item["asset_id"]))["asset_id"]

    def iter_assets(self, folder_id, recursive=True, expired=None):
        """Every asset below ``folder_id`` with its relative folder path; cycle-safe (OTMM allows many parents).
        Deleted assets are left out, and so are those whose rights have expired (``expired: true``: OpenText's own
        client skips both, E18); those are appended to the list ``expired`` when one is given, for the report."""
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
                if item.get("expired") in (True, "true"):
                    log.warning("DAM asset %s (%s) has expired rights: not delivered", item.get("name"),
                                item["asset_id"])
                    if expired is not None:
                        expired.append(self._asset(item, path))
                    continue
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
    def set_campaign_status(self, folder_id, expected, new):
        """Read first (already ``new`` -> "already"), lock, PATCH, unlock in finally, re-read to verify."""
        doc = self.get_folder(folder_id)
        status = self._campaign(doc).status
        if status == new:
            if doc.get("locked"):  # a run that died between PATCH and unlock may have left our lock behind
                self._release_left_lock(folder_id, doc)
            return "already"
        if status != expected:
            raise SuiteError("campaign folder {} is in status {!r}, expected {!r}: not overwriting it".format(
                folder_id, status, expected), fix="someone changed the campaign in the DAM; check it and rerun")
        self._locked_patch("folders", folder_id, {self.campaign_fields["campaign_status"]: new},
                           lambda: self.get_folder(folder_id))
        after = self.get_campaign(folder_id).status
        if after != new:
            raise SuiteError("campaign folder {} still shows {!r} after the update to {!r}".format(
                folder_id, after, new), fix="check the DAM's edit permissions of the integration user")
        return "changed"

    def set_asset_fields(self, asset_id, values):
        """Write ``values`` ({field id: value}) on an asset: lock, ``PATCH /assets/{id}`` (``edited_asset``), unlock."""
        self._locked_patch("assets", asset_id, values, lambda: self.get_asset_metadata(asset_id)[1])

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
