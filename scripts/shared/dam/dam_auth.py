"""DAM credentials: an OAuth2 token cache, an OTMM session login (JSESSIONID + X-Requested-By), and the mTLS client
certificate turned from PFX into private PEM files.

The PEM files live in a private temp directory (0700, files 0600) and are removed at exit, on exceptions and on
SIGTERM. Certificate problems (missing file, wrong password, expired or not yet valid) are explained with dates.
"""
import atexit
import datetime
import errno
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time

from ..core.config import Problem
from ..core.credentials import read_credential_file
from ..core.errors import ConfigError, ServiceError, SuiteError
from ..core.token_store import token_file
from ..core.config_schema import setting

log = logging.getLogger(__name__)
_TEMP_DIRS = set()
KEY_DIR_PREFIX = "dam-mtls-"
_SIGTERM_INSTALLED = [False]


class TokenCache(object):
    """OAuth2 token from DAM_AUTH_URL, refreshed ``margin`` seconds before expiry and on demand after a 401."""

    def __init__(self, cfg, post):
        self.cfg = cfg
        self.post = post  # callable(url, data) -> parsed JSON (errors raised by the caller's retry wrapper)
        self.configured_margin = int(setting(cfg, "dam.token_refresh_margin_seconds"))
        self.margin = self.configured_margin
        self.token = None
        self.expires_at = 0.0
        self.lock = threading.Lock()
        self.kept = token_file(cfg, "dam", cfg.get("auth_url"), cfg.get("client_id"), cfg.get("grant_type"),
                               cfg.get("username"))
        if self.kept is not None:  # the last tick's token, while it is good (token_store.py)
            self.token, self.expires_at = self.kept.load(self.margin) or (None, 0.0)

    def get(self, force=False, rejected=None):
        """The current token; a new one when it is close to expiry, when ``force``, or when ``rejected`` (the token
        a 401 answered) is still the current one (threads that saw the same 401 share one refresh)."""
        with self.lock:
            if force or self.token is None or time.time() >= self.expires_at - self.margin or \
                    (rejected is not None and rejected == self.token):
                self._fetch()
            return self.token

    def _fetch(self):
        data = {"grant_type": setting(self.cfg, "dam.grant_type"),
                "client_id": self.cfg.get("client_id"), "client_secret": self.cfg.get("client_secret")}
        if data["grant_type"] == "password":
            data.update(username=self.cfg.get("username"), password=self.cfg.get("password"))
        body = self.post(self.cfg["auth_url"], data)
        token, expires_in = parse_token(body)
        if not token:
            raise ServiceError("DAM", "the token endpoint answered without an access token",
                               fix="check DAM_AUTH_URL points at the OAuth2 token endpoint")
        self.token = token
        # the refresh margin never exceeds half the token's lifetime: a 30 s token with a 120 s margin would
        # otherwise be fetched again before every single API call
        self.expires_at = time.time() + expires_in
        self.margin = refresh_margin(self.configured_margin, expires_in)
        log.debug("DAM token obtained, valid for %ss (refreshed %ss before expiry)", expires_in, self.margin)
        if self.kept is not None:
            self.kept.save(token, self.expires_at)


def refresh_margin(configured, lifetime):
    """Seconds before expiry at which a token is renewed: the configured margin, at most half the lifetime."""
    return max(0, min(int(configured), int(lifetime) // 2))


class SessionCache(object):
    """An OTMM session (``dam.auth_mode: session``, evidence E2-E5, E12, E16): ``POST /sessions`` with the user's
    name and password gives ``session_resource.session.{id, message_digest}`` and a ``JSESSIONID`` cookie. Later
    calls send ``X-Requested-By: <session id>`` with the cookie; where no cookie came back, or a call sent with one
    was answered 401 (a gateway that drops cookies), they send the digest in ``otmmauthtoken`` instead (E16). A 401
    logs in again once (threads that saw the same 401 share one login). The session is kept between ticks like a
    token (token_store.py) and used until the DAM refuses it."""

    KEEP_SECONDS = 3600  # how long a kept session is offered to the next tick; a refused one is replaced at once

    def __init__(self, cfg, login):
        self.cfg = cfg
        self.login = login  # callable(data) -> (parsed JSON, {cookie name: value})
        self.session = None  # (session id, JSESSIONID or None, message digest or None)
        self.digest_mode = False  # send otmmauthtoken: no cookie came back, or a cookie call was refused
        self.user = None  # the login's session_resource.session (user_id, login_name), when this process logged in
        self.lock = threading.Lock()
        self.kept = token_file(cfg, "dam-session", cfg.get("base_url"), cfg.get("username"))
        if self.kept is not None:
            kept = self.kept.load(0)
            try:
                self.session = tuple(json.loads(kept[0])) if kept else None
            except (ValueError, TypeError):
                self.session = None
            if self.session is not None and len(self.session) != 3:
                self.session = None

    def get(self, rejected=None):
        with self.lock:
            if self.session is None or (rejected is not None and rejected == self.session):
                if rejected is not None and rejected[1] and not self.digest_mode:
                    self.digest_mode = True
                    log.info("DAM refused the session cookie; sending the session digest (otmmauthtoken) as well")
                self._login()
            return self.session

    def headers(self, session):
        """(headers, cookies) that carry ``session`` on one request."""
        headers, cookies = {"X-Requested-By": session[0]}, {}
        if session[1]:
            cookies["JSESSIONID"] = session[1]
        if session[2] and (self.digest_mode or not session[1]):
            headers["otmmauthtoken"] = session[2]
        return headers, cookies

    def _login(self):
        if not self.cfg.get("username") or not self.cfg.get("password"):
            raise SuiteError("DAM_AUTH_MODE=session needs DAM_USERNAME and DAM_PASSWORD",
                             fix="set both in .env (the OTMM user the integration acts as)")
        body, cookies = self.login({"username": self.cfg["username"], "password": self.cfg["password"]})
        session = ((body or {}).get("session_resource") or {}).get("session") or {}
        if session.get("id") is None:
            raise ServiceError("DAM", "the session login answered without session_resource.session.id",
                               method="POST", path="/sessions", fix="check DAM_BASE_URL and DAM_API_VERSION")
        self.user = session
        digest = session.get("message_digest")
        self.session = (str(session["id"]), cookies.get("JSESSIONID"), str(digest) if digest else None)
        if not self.session[1] and not self.session[2]:
            raise ServiceError("DAM", "the session login gave neither a JSESSIONID cookie nor a message_digest",
                               method="POST", path="/sessions",
                               fix="check that no proxy strips the cookie, or use DAM_AUTH_MODE=oauth2")
        log.debug("DAM session opened (%s)", "cookie" if self.session[1] else "otmmauthtoken")
        if self.kept is not None:
            self.kept.save(json.dumps(list(self.session)), time.time() + self.KEEP_SECONDS)


def parse_token(body):
    """(token, seconds) from a standard OAuth2 body or OTMM's ``token_info.oauth_token`` shape."""
    body = body or {}
    if body.get("access_token"):
        return body["access_token"], int(body.get("expires_in") or 3600)
    otmm = (body.get("token_info") or {}).get("oauth_token") or {}
    token = otmm.get("accessToken") or otmm.get("access_token")
    return token, int(otmm.get("expiresIn") or otmm.get("expires_in") or 3600)


def load_pfx(path, password):
    """(certificate, private key, extra certs) from a PFX, with operator-facing errors."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    if not path or not os.path.exists(path):
        raise SuiteError("mTLS certificate not found at {}".format(path),
                         fix="put the PFX there (chmod 600) or set DAM_MTLS_CERT_PATH in .env")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (IOError, OSError) as exc:  # a directory, no permission: said as such, not as an unexpected error
        from ..core.config import file_access_fix
        raise SuiteError("cannot read the mTLS certificate {} ({})".format(path, exc.strerror or exc),
                         fix="set DAM_MTLS_CERT_PATH in .env to the .pfx file, not a directory" if os.path.isdir(
                             path) else file_access_fix(path))
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, (password or "").encode("utf-8") or None)
    except ValueError:
        raise SuiteError("cannot open the mTLS certificate {}: wrong password or not a PFX/PKCS#12 file".format(path),
                         fix="check DAM_MTLS_CERT_PASSWORD in .env (and that the file is the .pfx you were given)")
    if cert is None or key is None:
        raise SuiteError("the PFX {} holds no certificate with its private key".format(path),
                         fix="export the client certificate together with its private key")
    return cert, key, extra or []


def validity(cert):
    """(not_before, not_after) as naive UTC datetimes on every cryptography version."""
    before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=None)
    after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=None)
    return before.replace(tzinfo=None), after.replace(tzinfo=None)


def certificate_expiry(dam_cfg):
    """{path, expires (YYYY-MM-DD), days_left} of the configured mTLS PFX read from the file (no network), or None
    when none is configured; a PFX that cannot be read gives {path, error} (status.py, the daily report)."""
    path = (dam_cfg or {}).get("mtls_cert_path")
    if not path or not os.path.exists(path):
        return None
    try:
        after = validity(load_pfx(path, dam_cfg.get("mtls_cert_password"))[0])[1]
    except SuiteError as exc:
        return {"path": path, "error": exc.message}
    return {"path": path, "expires": after.strftime("%Y-%m-%d"),
            "days_left": (after - datetime.datetime.utcnow()).days}


def check_dates(cert, path):
    now = datetime.datetime.utcnow()
    before, after = validity(cert)
    if now < before:
        raise SuiteError("the mTLS certificate {} is not valid yet: valid from {} UTC (now {} UTC)".format(
            path, before.strftime("%Y-%m-%d %H:%M"), now.strftime("%Y-%m-%d %H:%M")),
            fix="check the server clock (NTP) or use the current certificate")
    if now > after:
        raise SuiteError("the mTLS certificate {} expired on {} UTC".format(path, after.strftime("%Y-%m-%d %H:%M")),
                         fix="request a renewed certificate and replace the PFX (see python scripts/test_mtls_cert.py)")
    return before, after


def check_pfx(path, password):
    """Raise ConfigError unless the mTLS PFX opens with its password and is valid today (checked before a campaign
    is claimed: a broken PFX is a configuration error, exit 2, never a failed campaign)."""
    read_credential_file(path, "the mTLS certificate (PFX)", "DAM_MTLS_CERT_PATH")
    try:
        cert, _, _ = load_pfx(path, password)
        check_dates(cert, path)
    except SuiteError as exc:
        key = "DAM_MTLS_CERT_PASSWORD" if "password" in exc.message else "DAM_MTLS_CERT_PATH"
        raise ConfigError([Problem(path, key, exc.message, exc.fix or "replace the PFX")])


class MTLSFiles(object):
    """The client certificate and key, loaded into a TLS context and off the disk at once.

    Python's ssl module loads a key only from a file, so the PEM files exist for the few milliseconds between
    writing and loading: 0600 in a 0700 directory named after this process, removed right after loading, at exit
    and on SIGTERM. A process killed inside that window (kill -9 skips every handler) leaves a directory whose pid
    is gone; the next start-up sweeps it. ``adapter()`` gives requests the loaded context."""

    def __init__(self, pfx_path, password):
        from cryptography.hazmat.primitives import serialization
        from urllib3.util.ssl_ import create_urllib3_context
        cert, key, extra = load_pfx(pfx_path, password)
        check_dates(cert, pfx_path)
        sweep_dead_key_dirs()
        self.directory = tempfile.mkdtemp(prefix="{}{}-".format(KEY_DIR_PREFIX, os.getpid()))
        os.chmod(self.directory, 0o700)
        _register(self.directory)
        self.cert_path = os.path.join(self.directory, "client.crt")
        self.key_path = os.path.join(self.directory, "client.key")
        try:
            chain = cert.public_bytes(serialization.Encoding.PEM) + b"".join(
                c.public_bytes(serialization.Encoding.PEM) for c in extra)
            _write_private(self.cert_path, chain)
            _write_private(self.key_path, key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
            # urllib3's own context: it checks the host name itself and loads requests' CA bundle into it
            self.ssl_context = create_urllib3_context()
            self.ssl_context.load_cert_chain(self.cert_path, self.key_path)
        finally:
            _remove(self.directory)

    def adapter(self):
        """A requests adapter whose connections present this certificate (one per session)."""
        return _context_adapter(self.ssl_context)

    def close(self):
        _remove(self.directory)


def _context_adapter_class():
    from requests.adapters import HTTPAdapter

    class ContextAdapter(HTTPAdapter):
        def __init__(self, ssl_context, **kwargs):
            self.ssl_context = ssl_context
            super(ContextAdapter, self).__init__(**kwargs)

        def init_poolmanager(self, *args, **kwargs):
            kwargs["ssl_context"] = self.ssl_context
            return super(ContextAdapter, self).init_poolmanager(*args, **kwargs)

        def proxy_manager_for(self, *args, **kwargs):
            kwargs["ssl_context"] = self.ssl_context
            return super(ContextAdapter, self).proxy_manager_for(*args, **kwargs)

    return ContextAdapter


def _context_adapter(ssl_context):
    return _context_adapter_class()(ssl_context)


def sweep_dead_key_dirs(base=None):
    """Remove key directories left by processes of this user that are gone (kill -9 inside the load window)."""
    base = base or tempfile.gettempdir()
    for name in os.listdir(base):
        pid = name[len(KEY_DIR_PREFIX):].split("-", 1)[0] if name.startswith(KEY_DIR_PREFIX) else ""
        path = os.path.join(base, name)
        if not pid.isdigit() or int(pid) == os.getpid() or not os.path.isdir(path):
            continue
        try:
            if os.stat(path).st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except OSError as exc:
            if exc.errno == errno.ESRCH:
                shutil.rmtree(path, ignore_errors=True)
                log.warning("Removed mTLS key material left by process %s, which is gone", pid)


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _remove(directory):
    shutil.rmtree(directory, ignore_errors=True)
    _TEMP_DIRS.discard(directory)


def _cleanup_all():
    for directory in list(_TEMP_DIRS):
        _remove(directory)


def _on_sigterm(signum, frame):
    _cleanup_all()
    raise SystemExit(128 + signum)


def _register(directory):
    _TEMP_DIRS.add(directory)
    if not _SIGTERM_INSTALLED[0]:
        atexit.register(_cleanup_all)
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)
        _SIGTERM_INSTALLED[0] = True
