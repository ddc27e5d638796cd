"""Box, through the legacy ``boxsdk[jwt]`` 3.x (the last line that runs on Python 3.6), behind one small interface.

Only this module imports boxsdk, so moving to the generated SDK later touches one file. Every write is keyed by a
natural key: folders by (parent, name) with 409 meaning "already there", files by (folder, "<TID>_<name>") with a
conflict resolved by SHA-1 (equal: adopt the existing file; different: upload a new version). Calls have timeouts,
every process acting as the same Box user shares one rate budget (box_pacer.py), and a Retry-After longer than
configured fails the call instead of stalling a cron tick silently. Where real Box differs from its OpenAPI document
(416 on an overlapping part, a transient parts_mismatch on commit, its own upload URLs) this follows real Box:
docs/box-api.md lists each behaviour with its source.
"""
import hashlib
import io
import json
import logging
import os
import time

from .box_pacer import Pacer
from .box_sessions import session_store
from .box_types import BoxFile, BoxUser, DownloadedFile, InboxFile, UploadResult
from ..core.config import BOX_CONFIG_FIX, BOX_CONFIG_HELP
from ..core.errors import ChangedWhileRead, ServiceError, SuiteError
from ..core.http_retry import url_path
from ..core.retry import RetryPolicy, poll_until, retry_call
from ..core.safe_names import safe_component
from ..core.token_store import token_file
from ..core.transfer_deadline import Deadline
from ..core.config_schema import setting

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# Box's direct-upload guide: "limited to a maximum file size of 50MB"; above it, an upload session.
SIMPLE_UPLOAD_MAX = 50 * 1000 * 1000
# A 400 parts_mismatch right after the last part is Box not having registered it yet (rclone #2054): commit again
# after 1, 2, 4, 8... seconds, this many times, before it counts as a real mismatch.
COMMIT_MISMATCH_TRIES = 6
TOKEN_LIFETIME = 3600  # seconds a Box JWT access token is valid
TOKEN_KEEP_MARGIN = 300  # a kept token with less left than this is not reused
TOKEN_ATTEMPTS = 3  # a cut-short or malformed answer of a repeatable request is asked for this many times
READ_RETRY = RetryPolicy.doubling(TOKEN_ATTEMPTS, cap=10)
COMMIT_MISMATCH_RETRY = RetryPolicy.doubling(COMMIT_MISMATCH_TRIES + 1, cap=8)
FOLDER_BLOCKED_RETRY = RetryPolicy.doubling(5, cap=8)  # waits 1, 2, 4, 8 s
MOVE_BLOCKED_RETRY = RetryPolicy.doubling(6, cap=8)
DEFAULT_URLS = {"api_base_url": "https://api.box.com/2.0", "upload_base_url": "https://upload.box.com/api/2.0",
                "oauth2_base_url": "https://api.box.com/oauth2"}
AUTH_HINTS = [
    ("not authorized by the enterprise admin", "a Box admin must authorise the app (Admin Console > Apps > "
                                               "Custom Apps Manager) and re-authorise it after scope changes"),
    ("unauthorized_client", "a Box admin must authorise the app in the Admin Console"),
    ("'sub' claim", "check enterpriseID in Box-config.json, and BOX_JWT_USER_ID: the user must exist and the app "
                    "needs 'Generate user access tokens'"),
    ("'exp' claim", "the server clock is off: enable NTP (Box allows 60 s)"),
    ("'jti' claim", "retry; if it persists check that only one process shares the assertion"),
    ("invalid_client", "the clientID/clientSecret in Box-config.json are wrong or the app was deleted"),
    ("enterprise configuration", "the app's access level does not match the subject; check App Access Level"),
]


def safe_box_name(name):
    """A name Box accepts: no / or \\, no control characters, no trailing spaces, <= 255 chars, never '.'/'..'."""
    return safe_component(name, max_length=255)


def _existing_file(exc, name, folder_id):
    """The file a name clash (409) points at; the error itself when it is no clash, or a folder is in the way."""
    existing = _conflict_item(exc)
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


def _sha1_of(path):
    h = hashlib.sha1()
    with _open(path) as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _keep_token(kept):
    """boxsdk's store_tokens callback: a new token is kept for the next ticks (token_store.py). boxsdk drops the
    token answer's expires_in; Box's JWT access tokens last 60 minutes (box-api.md), counted from now."""
    if kept is None:
        return None
    return lambda access_token, refresh_token=None: kept.save(access_token, time.time() + TOKEN_LIFETIME)


def _network_class(max_wait, pacer):
    from boxsdk.network.default_network import DefaultNetwork

    class PacedNetwork(DefaultNetwork):
        """boxsdk's network layer with the shared per-user pacing and a ceiling on Retry-After waits."""

        def request(self, method, url, access_token, **kwargs):
            pacer.before(method, url)
            response = super(PacedNetwork, self).request(method, url, access_token, **kwargs)
            pacer.after(response.status_code, response.headers.get("Retry-After"))
            return response

        def retry_after(self, delay, request_method, *args, **kwargs):
            if delay > max_wait:
                raise pacer.throttled or _too_long(delay, max_wait)  # a 429 past the cap ends the run (box_pacer)
            log.info("Box asked to retry in %.1fs", delay)
            return super(PacedNetwork, self).retry_after(delay, request_method, *args, **kwargs)

    return PacedNetwork


def _too_long(delay, max_wait):
    return ServiceError("Box", "Box asked to wait {:.0f}s before retrying, over the {}s limit".format(delay, max_wait),
                        status=429, retryable=True, code="retry_after_too_long",
                        fix="the next run retries; raise box.max_retry_wait_seconds if Box is throttling for longer")


def _capped(session_class, max_wait):
    """A boxsdk session class whose retry delays never exceed ``max_wait``: a longer Retry-After fails the call, a
    longer back-off of the SDK's own is shortened. It covers the token endpoint too, which sleeps on its own instead
    of asking the network layer."""

    class Capped(session_class):
        def get_retry_after_time(self, attempt_number, retry_after_header):
            delay = super(Capped, self).get_retry_after_time(attempt_number, retry_after_header)
            if delay <= max_wait:
                return delay
            if retry_after_header is None:
                return max_wait  # our own back-off: shortened, not fatal
            raise _too_long(delay, max_wait)

    Capped.__name__ = "Capped" + session_class.__name__
    return Capped


def box_subject(box_cfg):
    """(JWT user subject, As-User header user) from the configuration, each an id or None.

    jwt_user_id (BOX_JWT_USER_ID): the token is requested for that user (the app needs "Generate user access
    tokens"). as_user_header_id (BOX_AS_USER_HEADER_ID): the service account's token plus an As-User header (the
    app needs "Make API calls using the as-user header"). The old as_user_id (BOX_AS_USER_ID) always meant the JWT
    user subject; it still does, with a warning."""
    jwt_user = str(box_cfg.get("jwt_user_id") or "").strip() or None
    as_user = str(box_cfg.get("as_user_header_id") or "").strip() or None
    legacy = str(box_cfg.get("as_user_id") or "").strip() or None
    if legacy:
        if jwt_user and jwt_user != legacy:
            raise SuiteError("BOX_AS_USER_ID ({}) and BOX_JWT_USER_ID ({}) name different users".format(
                legacy, jwt_user), fix="remove BOX_AS_USER_ID from .env: it is the old name of BOX_JWT_USER_ID")
        log.warning("BOX_AS_USER_ID (box.as_user_id) is deprecated: it sets the JWT user subject. Rename it to "
                    "BOX_JWT_USER_ID (same meaning), or use BOX_AS_USER_HEADER_ID to send an As-User header instead")
        jwt_user = legacy
    if jwt_user and as_user:
        raise SuiteError("both BOX_JWT_USER_ID and BOX_AS_USER_HEADER_ID are set",
                         fix="set only one: BOX_JWT_USER_ID to get tokens as that user, or BOX_AS_USER_HEADER_ID "
                             "to act as that user with the service account's token")
    for name, value in (("BOX_JWT_USER_ID", jwt_user), ("BOX_AS_USER_HEADER_ID", as_user)):
        if value and not value.isdigit():
            raise SuiteError("{} must be a Box user id (digits), got {!r}".format(name, value),
                             fix="copy the user's id from the Box Admin Console (Users and Groups)")
    return jwt_user, as_user


def upload_threshold(box_cfg):
    """Bytes above which a file goes through an upload session: chunked_upload_threshold_mb, never above Box's
    50 MB cap on direct uploads (read as 50,000,000 bytes: the stricter reading of "50MB")."""
    return min(int(setting(box_cfg, "box.chunked_upload_threshold_mb")) * 1024 * 1024, SIMPLE_UPLOAD_MAX)


class BoxClient(object):
    @classmethod
    def for_tick(cls, rt):
        """The client of a workflow tick (runtime.Runtime): the JWT config file is checked first (a broken one is
        a configuration error, exit 2), tokens are kept between ticks, pacing is shared through the database."""
        from ..core.credentials import check_box_config
        config = rt.config
        check_box_config(config["box"]["config_path"])
        return cls(dict(config["box"], transfer=config.get("transfer") or {}, token_cache_dir=rt.token_cache_dir()),
                   db=rt.db)

    def __init__(self, box_cfg, db=None):
        """``db``: the suite's Database; when given, the rate budget and kept upload sessions are shared through it
        with every other process acting as the same Box user."""
        self.cfg = box_cfg
        path = os.path.abspath(setting(box_cfg, "box.config_path"))
        if not os.path.isfile(path):
            raise SuiteError(BOX_CONFIG_HELP.format(path=path), fix=BOX_CONFIG_FIX)
        try:
            from boxsdk import Client, JWTAuth
            from boxsdk.config import API
            from boxsdk.session.session import AuthorizedSession, Session
        except ImportError as exc:
            raise SuiteError("the Box SDK is not installed ({})".format(exc),
                             fix='pip install "boxsdk[jwt]>=3.14,<4" (quote the brackets)')
        if JWTAuth is None:
            raise SuiteError("the Box SDK is installed without its JWT extra (JWTAuth is None)",
                             fix='pip install "boxsdk[jwt]>=3.14,<4" (quote the brackets)')
        jwt_user, as_user = box_subject(box_cfg)
        # boxsdk reads these class attributes (the token URL only from the class), so set all three every time.
        API.BASE_API_URL = (box_cfg.get("api_base_url") or DEFAULT_URLS["api_base_url"]).rstrip("/")
        API.UPLOAD_URL = (box_cfg.get("upload_base_url") or DEFAULT_URLS["upload_base_url"]).rstrip("/")
        API.OAUTH2_API_URL = (box_cfg.get("oauth2_base_url") or DEFAULT_URLS["oauth2_base_url"]).rstrip("/")
        self.upload_base = API.UPLOAD_URL
        self.threshold = upload_threshold(box_cfg)
        self.max_wait = int(setting(box_cfg, "box.max_retry_wait_seconds"))
        kwargs = {"timeout": (int(setting(box_cfg, "box.connect_timeout_seconds")),
                              int(setting(box_cfg, "box.read_timeout_seconds"))),
                  "verify": box_cfg.get("ca_bundle") or True}
        Session, AuthorizedSession = _capped(Session, self.max_wait), _capped(AuthorizedSession, self.max_wait)
        self.user = "user:" + (as_user or jwt_user) if (as_user or jwt_user) else \
            "service-account:" + _client_id(path)
        self.pacer = Pacer(self.user, setting(box_cfg, "box.max_calls_per_minute"),
                           setting(box_cfg, "box.max_uploads_per_minute"), db=db, max_wait=self.max_wait)
        self.sessions = session_store(db)
        network = _network_class(self.max_wait, self.pacer)
        try:
            kept = token_file(box_cfg, "box", path, jwt_user, API.OAUTH2_API_URL)
            cached = kept.load(TOKEN_KEEP_MARGIN) if kept is not None else None
            auth = JWTAuth.from_settings_file(path, user=jwt_user, access_token=cached[0] if cached else None,
                                              store_tokens=_keep_token(kept),
                                              session=Session(network_layer=network(),
                                                              default_network_request_kwargs=kwargs))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SuiteError("Box-config.json at {} is not a usable JWT app configuration ({})".format(
                path, _config_problem(exc)), fix="download the app's JSON config again from the Box Developer "
                                                 "Console (it needs boxAppSettings.clientID, clientSecret and "
                                                 "appAuth with publicKeyID, privateKey and passphrase)")
        self.client = Client(auth, session=AuthorizedSession(
            auth, network_layer=network(), default_network_request_kwargs=kwargs,
            default_headers={"As-User": as_user} if as_user else None))

    def close(self):
        """End of run: say how long the shared rate budget held this process back (nothing when it did not)."""
        line = self.pacer.summary()
        if line:
            log.info("%s", line)

    # -- errors ---------------------------------------------------------------------------------------------------
    def _call(self, what, fn, *args, **kwargs):
        """Run a boxsdk call, translating its exceptions into ServiceError with a fix. A token answer that was cut
        short or is not JSON (status 2xx or 5xx) is asked for again: it fails before the call itself is sent."""
        from boxsdk.exception import BoxOAuthException

        def token_trouble(exc):
            return isinstance(exc, ServiceError) and isinstance(exc.__cause__ or exc.__context__, BoxOAuthException) \
                and not (exc.status and 300 <= exc.status < 500)

        def on_retry(exc, attempt, wait):
            log.warning("Box token answer unusable (%s); asking again (%d/%d)", exc.message, attempt + 1,
                        TOKEN_ATTEMPTS)

        def once(_):
            try:
                return self._call_once(what, fn, *args, **kwargs)
            except ServiceError as exc:
                if exc.status != 401 or isinstance(exc.__cause__ or exc.__context__, BoxOAuthException):
                    raise
                # boxsdk renews a rejected token and retries once; a token revoked again before that retry
                # (several threads, a rotating key) gets one more renewal here -- a 401 changed nothing in Box
                log.info("Box rejected the renewed token too (401) for %s; renewing it once more", what)
                return self._call_once(what, fn, *args, **kwargs)
        try:
            return retry_call(once, READ_RETRY, retry_if=token_trouble, on_retry=on_retry)
        except ServiceError as exc:
            if exc.code == "retry_after_too_long" and self.pacer.throttled is not None:
                raise self.pacer.throttled  # the token endpoint's 429 (boxsdk's own wait): the run ends too
            raise

    def _call_once(self, what, fn, *args, **kwargs):
        from boxsdk.exception import BoxAPIException, BoxNetworkException, BoxOAuthException
        try:
            return fn(*args, **kwargs)
        except BoxOAuthException as exc:
            text = "{} {}".format(getattr(exc, "code", ""), exc.message)
            fix = next((hint for key, hint in AUTH_HINTS if key in text), "check Box-config.json and the app's "
                                                                         "authorisation in the Box Admin Console")
            raise ServiceError("Box", "authentication failed: {}".format(exc.message), status=exc.status,
                               method="POST", path="/oauth2/token", fix=fix)
        except BoxAPIException as exc:
            error = ServiceError("Box", "{}: {} ({})".format(what, exc.message, exc.code), status=exc.status,
                                 method=exc.method, path=url_path(exc.url), request_id=exc.request_id,
                                 retryable=exc.status == 429 or (exc.status or 0) >= 500, code=exc.code,
                                 fix=_fix_for(exc))
            error.context_info = exc.context_info
            raise error
        except BoxNetworkException as exc:
            raise ServiceError("Box", "{}: network error {}".format(what, exc), retryable=True, code="network_error",
                               fix="check the network path to Box; the next run retries")
        except Exception as exc:
            import requests
            import urllib3
            if isinstance(exc, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError)):
                raise ServiceError("Box", "{}: network error {}: {}".format(what, type(exc).__name__,
                                                                         str(exc)[:200]), retryable=True,
                                   code="network_error", fix="check the network path to Box; the next run retries")
            raise

    def ping(self):
        user = self._call("who am I", lambda: self.client.user().get(fields=["id", "name", "login"]))
        return BoxUser(user=user.name, id=user.id)

    def get_folder(self, folder_id):
        try:
            return self._call("get folder", lambda: self.client.folder(folder_id).get(fields=["id", "name"])).id
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise

    def get_file(self, file_id):
        try:
            f = self._call("get file", lambda: self.client.file(file_id).get(fields=["id", "name", "sha1", "size",
                                                                                   "parent", "item_status"]))
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        if getattr(f, "item_status", "active") in ("trashed", "deleted"):
            return None  # in the trash: a link to it would not open
        return BoxFile(file_id=f.id, name=f.name, sha1=f.sha1, size=f.size,
                       parent_id=(f.parent or {}).get("id") if isinstance(f.parent, dict) else getattr(f.parent, "id",
                                                                                                       None))

    # -- folders ------------------------------------------------------------------------------------------------------
    def ensure_folder(self, parent_id, name):
        """The id of folder ``name`` in ``parent_id``, created when missing (409 = already there)."""
        name = safe_box_name(name)
        try:
            # 409 operation_blocked_temporary: the parent is locked by a move/copy/delete, Box says retry later
            return retry_call(lambda _: self._call("create folder {!r}".format(name),
                                                   self.client.folder(parent_id).create_subfolder, name).id,
                              FOLDER_BLOCKED_RETRY, retry_if=lambda exc: isinstance(exc, ServiceError) and
                              exc.status == 409 and exc.code == "operation_blocked_temporary" and
                              _conflict_item(exc) is None)
        except ServiceError as exc:
            item = _conflict_item(exc)
            if item is None:
                raise
        if item.get("type") == "folder":
            return item["id"]
        raise ServiceError("Box", "a file named {!r} is in the way of folder creation in folder {}".format(
            name, parent_id), status=409, fix="rename or move that file in Box")

    def ensure_folder_path(self, root_id, parts):
        current = root_id
        for part in parts:
            current = self.ensure_folder(current, part)
        return current

    def ensure_needs_attention(self, root_id):
        return self.ensure_folder_path(root_id, [setting(self.cfg, "box.needs_attention_folder")])

    # -- uploads ------------------------------------------------------------------------------------------------------
    def upload_with_tracking_id(self, file_path, folder_id, tracking_id, original_name, sha1=None):
        return self.upload_file(file_path, folder_id, "{}_{}".format(tracking_id, original_name), sha1=sha1)

    def upload_file(self, file_path, folder_id, name, sha1=None):
        """Upload once: preflight, then simple or chunked; a name conflict is resolved by SHA-1."""
        name = safe_box_name(name)
        sha1 = sha1 or _sha1_of(file_path)
        size = _size_of(file_path)
        folder = self.client.folder(folder_id)
        try:
            upload_url = self._preflight(folder, size, name)
            try:
                uploaded = self._upload_new(folder, file_path, name, size, sha1, upload_url)
            except ServiceError as exc:
                if _conflict_item(exc) is not None:
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

    def _preflight(self, folder, size, name):
        """OPTIONS /files/content: the upload URL, or the 409 that names the file already there. It changes nothing
        in Box, so a cut-short or malformed answer is asked again like any read (issue 27.8)."""
        return self._read("preflight", folder.preflight_check, size, name)

    def _landed_anyway(self, error, folder, name, size, sha1):
        """After a failed upload, ask Box whether the file arrived all the same (an answer lost on the way back:
        the SDK's retry then meets a 409 or a session that is gone). The same name with the same SHA-1 is our
        upload; anything else re-raises the original error."""
        try:
            self._preflight(folder, size, name)
        except ServiceError as exc:
            item = _conflict_item(exc)
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
                return self._commit(session, target, kept["parts"], sha1, size)
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

    def _commit(self, session, target, parts, sha1, size):
        """Commit until Box says 201. 202 + Retry-After: wait and commit again (boxsdk does, up to the wait limit);
        400 parts_mismatch: Box has not registered the last part yet, commit again a few times. If Box is still
        processing when this run's patience ends, the session is kept for the next run instead of thrown away."""
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
                if exc.code == "retry_after_too_long":
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
                            .format(session.id, cause or "commit answered 202 for {}s".format(self.max_wait * 5)),
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
            digest = hashlib.sha1(data).hexdigest()
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

    def file_url(self, file_id):
        """The link to a file the emails carry (a shared link when box.link_type says so)."""
        return self._url(file_id)

    def _url(self, file_id):
        if self.cfg.get("link_type") == "shared_link":
            access = self.cfg.get("shared_link_access") or None
            return self._call("create shared link", self.client.file(file_id).get_shared_link, access=access)
        return "https://app.box.com/file/{}".format(file_id)

    # -- inbox --------------------------------------------------------------------------------------------------------
    def list_inbox(self, root_id):
        """Every file below ``root_id`` (recursive, all pages), skipping the needs-attention folder."""
        skip = setting(self.cfg, "box.needs_attention_folder").lower()
        out, stack, seen = [], [(root_id, [])], set()
        while stack:
            folder_id, path = stack.pop(0)
            if folder_id in seen:
                continue
            seen.add(folder_id)
            items = self._read("list folder", self._items, folder_id)
            for item in items:
                if item.type == "folder":
                    if not path and item.name.lower() == skip:
                        continue
                    stack.append((item.id, path + [item.name]))
                elif item.type == "file":
                    out.append(InboxFile(file_id=item.id, name=item.name, size=item.size, sha1=item.sha1,
                                         folder_path=path, parent_id=folder_id, etag=getattr(item, "etag", None),
                                         version_id=_version_id(item)))
        return out

    def _read(self, what, fn, *args):
        """A read whose answer came back cut short or malformed (not JSON, a missing field) is read again; only
        the last attempt's error counts as a failure."""
        malformed = (ValueError, KeyError, TypeError, AttributeError)

        def unusable(exc):
            return isinstance(exc, malformed) or (isinstance(exc, ServiceError) and (
                exc.code == "network_error" or (exc.status or 0) >= 500 or exc.status == 200))

        def on_retry(exc, attempt, wait):
            log.warning("Box %s answer unusable (%s); reading again (%d/%d)", what, exc, attempt + 1, TOKEN_ATTEMPTS)
        try:
            return retry_call(lambda _: self._call(what, fn, *args), READ_RETRY, retry_if=unusable, on_retry=on_retry)
        except malformed as exc:
            raise ServiceError("Box", "{}: the answer is malformed ({}: {})".format(
                what, type(exc).__name__, str(exc)[:200]), retryable=True,
                fix="the next run retries; check the network path to Box if it persists")

    def _items(self, folder_id):
        # Marker paging: Box says offset paging "is not guaranteed to work reliably for high offset values".
        return list(self.client.folder(folder_id).get_items(limit=1000, use_marker=True,
                                                            fields=["id", "name", "type", "size", "sha1", "etag",
                                                                    "file_version"]))

    def download_file(self, file_id, dest_path, expected_sha1=None, size=None):
        """Stream to a temp file beside ``dest_path``, verify, rename. A connection broken mid-body is retried a few
        times (box.download_attempts) before it is reported."""
        attempts = max(1, int(setting(self.cfg, "box.download_attempts")))

        def on_retry(exc, attempt, wait):
            log.warning("download of Box file %s broke (%s); attempt %d of %d", file_id, exc, attempt + 1, attempts)
        return retry_call(lambda _: self._download_once(file_id, dest_path, expected_sha1, size),
                          RetryPolicy.doubling(attempts, cap=10),
                          retry_if=lambda exc: isinstance(exc, ServiceError) and exc.code == "network_error",
                          on_retry=on_retry)

    def _download_once(self, file_id, dest_path, expected_sha1, size=None):
        temp = dest_path + ".part"
        try:
            with open(temp, "wb") as out:
                deadline = Deadline("Box", "download of file {}".format(file_id), size, self.cfg.get("transfer"))
                self._call("download", self.client.file(file_id).download_to, _DeadlineWriter(out, deadline))
            sha1 = _sha1_of(temp)
            if expected_sha1 and sha1 != expected_sha1:
                raise self._changed_or_corrupt(file_id, sha1, expected_sha1)
            os.rename(temp, dest_path)
        finally:
            if os.path.exists(temp):
                os.remove(temp)
        return DownloadedFile(path=dest_path, size=os.path.getsize(dest_path), sha1=sha1)

    def _changed_or_corrupt(self, file_id, sha1, expected_sha1):
        """A download whose SHA-1 is not the listed one. When Box's current version has exactly the bytes read, a
        person uploaded a new version after the listing (ChangedWhileRead, the caller takes it); otherwise the bytes
        are corrupt."""
        try:
            current = self.get_file(file_id)
        except ServiceError:
            current = None
        if current is not None and current.sha1 == sha1:
            return ChangedWhileRead("Box", "file {} changed in Box while it was read: its current version has SHA-1 "
                                           "{} (the listing said {})".format(file_id, sha1, expected_sha1),
                                    retryable=True, code="changed_in_box",
                                    fix="nothing to do: the new version is imported instead")
        return ServiceError("Box", "download of file {} is corrupt: SHA-1 {} instead of {}".format(
            file_id, sha1, expected_sha1), retryable=True, fix="the next run downloads it again")

    def current_version(self, listed):
        """``listed`` (an InboxFile) as Box has it now: the same file and folder with its current name, SHA-1, size,
        etag and version id; None when it is gone or in the trash."""
        try:
            f = self._call("get file", lambda: self.client.file(listed.file_id).get(fields=[
                "id", "name", "sha1", "size", "etag", "file_version", "item_status"]))
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        if getattr(f, "item_status", "active") in ("trashed", "deleted"):
            return None
        return listed._replace(name=f.name, sha1=f.sha1, size=f.size, etag=getattr(f, "etag", None),
                               version_id=_version_id(f))

    def delete_file(self, file_id, etag=None):
        """Delete (Box moves it to the trash). With ``etag``, only if the file is still that version (If-Match):
        False means Box answered 412, someone changed the file since it was listed, and it was left alone.
        True also when the file is already gone (404)."""
        try:
            self._call("delete", lambda: self.client.file(file_id).delete(etag=etag))
        except ServiceError as exc:
            if exc.status == 412:
                return False
            if exc.status != 404:
                raise
        return True

    def move_file(self, file_id, folder_id, new_name=None):
        """Move a file; a name already used in the target (409 item_name_in_use) gets a numbered suffix, nothing is
        overwritten. Any other 409 (operation_blocked_temporary: the folder is locked by another operation) is
        retried with the same name."""
        f = self.client.file(file_id)
        info = self.get_file(file_id)
        if info is None:
            raise ServiceError("Box", "file {} is gone".format(file_id), status=404)
        base = safe_box_name(new_name or info.name)

        def blocked(exc):
            return isinstance(exc, ServiceError) and exc.status == 409 and exc.code != "item_name_in_use"

        def on_retry(exc, attempt, wait):
            log.info("moving file %s: Box answered 409 %s; retrying", file_id, exc.code)
        for n in range(50):
            name = _numbered(base, n)
            try:
                moved = retry_call(lambda _, name=name: self._call("move", f.move, parent_folder=self.client.folder(folder_id),
                                                        name=name), MOVE_BLOCKED_RETRY, retry_if=blocked,
                                   on_retry=on_retry)
                return BoxFile(file_id=moved.id, name=name, sha1=info.sha1, size=info.size, parent_id=folder_id,
                               renamed=name != info.name)
            except ServiceError as exc:
                if exc.status != 409 or exc.code != "item_name_in_use":
                    raise
        raise ServiceError("Box", "no free name for {} in folder {}".format(base, folder_id), status=409)


def _numbered(name, n):
    """``name`` with " (n)" before its extension, shortened so it stays within Box's 255 characters."""
    if n == 0:
        return name
    stem, ext = os.path.splitext(name)
    suffix = " ({}){}".format(n, ext)
    while len((stem + suffix).encode("utf-8")) > 255 and stem:
        stem = stem[:-1]
    return safe_box_name(stem.rstrip() + suffix)


class _Unclosed(object):
    """A stream used in a ``with`` without closing it (its owner closes it)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


class _DeadlineWriter(object):
    """The download's file, checking the transfer deadline at every piece boxsdk writes."""

    def __init__(self, out, deadline):
        self.out, self.deadline, self.done = out, deadline, 0

    def write(self, data):
        self.deadline.check(self.done)
        self.done += len(data)
        return self.out.write(data)


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


def _version_id(item):
    """The id of a listed file's current version (Box's ``file_version``; a dict or an SDK object)."""
    version = getattr(item, "file_version", None)
    if isinstance(version, dict):
        return version.get("id")
    return getattr(version, "id", None)


def _conflict_item(exc):
    """The existing item of a 409 name conflict (Box sends a dict for files, a list for folders), else None."""
    if getattr(exc, "status", None) != 409:
        return None
    conflicts = (getattr(exc, "context_info", None) or {}).get("conflicts")
    item = conflicts[0] if isinstance(conflicts, list) and conflicts else conflicts
    return item if isinstance(item, dict) else None


def _client_id(path):
    """The app's client id (its service account is the Box user the rate limits count against)."""
    try:
        with open(path, encoding="utf-8") as f:
            return str(json.load(f)["boxAppSettings"]["clientID"])
    except (IOError, ValueError, KeyError, TypeError):
        return "unknown"


def _config_problem(exc):
    if isinstance(exc, KeyError):
        return "the key {} is missing".format(exc)
    text = str(exc)
    if "boxAppSettings" in text:
        return "the boxAppSettings section is missing"
    if "Expecting" in text or "JSON" in text:
        return "it is not valid JSON: {}".format(text)
    return "{}: {}".format(type(exc).__name__, text.split("\n")[0][:200])


def _fix_for(exc):
    if exc.status == 404:
        return "check the folder/file id and that the app's service account is a collaborator on it"
    if exc.status == 403:
        return "invite the app's service account as editor on the Box folder"
    if exc.status == 429:
        return "Box is throttling; the next run retries"
    return None
