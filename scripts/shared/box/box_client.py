"""Box, through the legacy ``boxsdk[jwt]`` 3.x (the last line that runs on Python 3.6), behind one small interface:
authentication, folders, listing, downloads, moves, deletes and links. Uploads are box_upload.py's (BoxUploads).

Only this module imports boxsdk, so moving to the generated SDK later touches one file. Folders are keyed by
(parent, name) with 409 meaning "already there". Calls have timeouts, every process acting as the same Box user
shares one rate budget (box_pacer.py), and a Retry-After longer than configured fails the call instead of stalling a
cron tick silently. docs/box-api.md lists each behaviour with its source.
"""
import json
import logging
import os
import time

from .box_pacer import Pacer
from .box_sessions import session_store
from .box_types import BoxFile, BoxUser, DownloadedFile, InboxFile
from .box_upload import BoxUploads, conflict_item, safe_box_name, sha1_of, upload_threshold
from ..core.config import BOX_CONFIG_FIX, BOX_CONFIG_HELP
from ..core.errors import ChangedWhileRead, ServiceError, SuiteError
from ..core.http_retry import url_path
from ..core.http_session import new_session
from ..core.retry import RetryPolicy, retry_call
from ..core.token_store import token_file
from ..core.transfer_deadline import Deadline
from ..core.config_schema import setting

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 3600  # seconds a Box JWT access token is valid
TOKEN_KEEP_MARGIN = 300  # a kept token with less left than this is not reused
TOKEN_ATTEMPTS = 3  # a cut-short or malformed answer of a repeatable request is asked for this many times
READ_RETRY = RetryPolicy.doubling(TOKEN_ATTEMPTS, cap=10)
FOLDER_BLOCKED_RETRY = RetryPolicy.doubling(5, cap=8)  # waits 1, 2, 4, 8 s
MOVE_BLOCKED_RETRY = RetryPolicy.doubling(6, cap=8)
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


def _ancestors(path_collection):
    """(id, name) of each folder in a Box ``path_collection`` (a dict, or boxsdk's objects in its entries)."""
    entries = (path_collection or {}).get("entries") or []

    def field(entry, key):
        return entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)
    return tuple((field(e, "id"), field(e, "name")) for e in entries)


def _keep_token(kept):
    """boxsdk's store_tokens callback: a new token is kept for the next ticks (token_store.py). boxsdk drops the
    token answer's expires_in; Box's JWT access tokens last 60 minutes (box-api.md), counted from now."""
    if kept is None:
        return None
    return lambda access_token, refresh_token=None: kept.save(access_token, time.time() + TOKEN_LIFETIME)


def _network_class(max_wait, pacer):
    from boxsdk.network.default_network import DefaultNetwork

    class PacedNetwork(DefaultNetwork):
        """boxsdk's network layer with the shared per-user pacing, a ceiling on Retry-After waits, and the suite's
        session (core/http_session: never ~/.netrc's credentials)."""

        def __init__(self):
            super(PacedNetwork, self).__init__()
            self._session.close()
            self._session = new_session()

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


class BoxClient(BoxUploads):
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
        API.BASE_API_URL = setting(box_cfg, "box.api_base_url").rstrip("/")
        API.UPLOAD_URL = setting(box_cfg, "box.upload_base_url").rstrip("/")
        API.OAUTH2_API_URL = setting(box_cfg, "box.oauth2_base_url").rstrip("/")
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
        """The folder's id, or None when it is gone (404) or in the trash (a person deleted it)."""
        try:
            folder = self._call("get folder", lambda: self.client.folder(folder_id).get(
                fields=["id", "name", "item_status"]))
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        if getattr(folder, "item_status", "active") in ("trashed", "deleted"):
            return None
        return folder.id

    def get_file(self, file_id):
        try:
            f = self._call("get file", lambda: self.client.file(file_id).get(fields=[
                "id", "name", "sha1", "size", "parent", "item_status", "path_collection"]))
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        if getattr(f, "item_status", "active") in ("trashed", "deleted"):
            return None  # in the trash: a link to it would not open
        return BoxFile(file_id=f.id, name=f.name, sha1=f.sha1, size=f.size,
                       parent_id=(f.parent or {}).get("id") if isinstance(f.parent, dict) else getattr(f.parent, "id",
                                                                                                       None),
                       ancestors=_ancestors(getattr(f, "path_collection", None)))

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
                              conflict_item(exc) is None)
        except ServiceError as exc:
            item = conflict_item(exc)
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

    # -- links --------------------------------------------------------------------------------------------------------
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

    def inbox_counts(self, root_id):
        """(files waiting in the inbox, files in its needs-attention folder): reads only, nothing is created
        (status.py --live)."""
        skip = setting(self.cfg, "box.needs_attention_folder").lower()
        held = [item.id for item in self._read("list folder", self._items, root_id)
                if item.type == "folder" and item.name.lower() == skip]
        return len(self.list_inbox(root_id)), sum(len(self.list_inbox(folder_id)) for folder_id in held)

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
            sha1 = sha1_of(temp)
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


class _DeadlineWriter(object):
    """The download's file, checking the transfer deadline at every piece boxsdk writes."""

    def __init__(self, out, deadline):
        self.out, self.deadline, self.done = out, deadline, 0

    def write(self, data):
        self.deadline.check(self.done)
        self.done += len(data)
        return self.out.write(data)


def _version_id(item):
    """The id of a listed file's current version (Box's ``file_version``; a dict or an SDK object)."""
    version = getattr(item, "file_version", None)
    if isinstance(version, dict):
        return version.get("id")
    return getattr(version, "id", None)


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
