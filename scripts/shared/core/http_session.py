"""The one place a requests.Session is made: it sends exactly the credentials the suite chose.

Why: requests reads ``~/.netrc`` (or ``$NETRC``) whenever a request carries no ``auth`` of its own, and again on
every redirect (``Session.rebuild_auth``). A ``.netrc`` entry for the DAM host (a common habit for curl) would
replace the suite's Bearer token by Basic credentials (every DAM call then fails with 401) and hand that password
to the server; CVE-2024-47081 (fixed only in requests 2.32.4, which does not run on Python 3.6) sends it to the
wrong host through a crafted URL. Sessions made here never consult ``.netrc``; everything else requests takes
from the environment stays: HTTP(S)_PROXY / NO_PROXY (sites that need a proxy) and REQUESTS_CA_BUNDLE. The proxy
settings are read once per host and session, not before every request (requests scans the whole environment twice
for each one: a sixth of the transfer's own CPU in the profile of docs/performance.md (b3)); a run's environment does
not change.
Every HTTP client of the suite (DAM, Box through boxsdk, webhooks, health pings) uses ``new_session`` or
subclasses ``session_class()``; tests/unit/test_layout_rules.py forbids any other ``requests.Session(``.
"""

_CLASS = []


def session_class():
    """requests.Session without ``.netrc``: subclass it when a client needs more (notifier: scrubbed errors)."""
    if _CLASS:
        return _CLASS[0]
    import os
    import threading

    import requests  # local: keeps module import cheap for idle ticks
    from requests.auth import AuthBase
    from requests.compat import urlparse
    from requests.sessions import merge_setting
    from requests.utils import get_environ_proxies

    class NoNetrcAuth(AuthBase):
        """Session-level auth that adds nothing: its presence alone stops requests from looking up ``.netrc``
        (it does so only when neither the request nor the session has an auth); a request's own auth wins."""

        def __call__(self, request):
            return request

        def __repr__(self):
            return "NoNetrcAuth()"

    class Session(requests.Session):
        """Exactly the suite's credentials: the headers or auth a caller sets, never ``.netrc``'s."""

        def __init__(self):
            super(Session, self).__init__()
            self.auth = NoNetrcAuth()
            self._env_proxies = {}
            self._env_lock = threading.Lock()

        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            """requests' own merge (same order, same variables), with the environment's proxies for a host looked
            up once per session."""
            if self.trust_env:
                no_proxy = proxies.get("no_proxy") if proxies is not None else None
                parsed = urlparse(url)
                key = (parsed.scheme, parsed.netloc, no_proxy)
                with self._env_lock:
                    if key not in self._env_proxies:
                        self._env_proxies[key] = get_environ_proxies(url, no_proxy=no_proxy)
                    env_proxies = self._env_proxies[key]
                if proxies is not None:
                    for k, v in env_proxies.items():
                        proxies.setdefault(k, v)
                if verify is True or verify is None:
                    verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
            return {"proxies": merge_setting(proxies, self.proxies), "stream": merge_setting(stream, self.stream),
                    "verify": merge_setting(verify, self.verify), "cert": merge_setting(cert, self.cert)}

        def rebuild_auth(self, prepared_request, response):
            """On a redirect: drop Authorization when the host changes (as requests does), never add .netrc's."""
            headers = prepared_request.headers
            if "Authorization" in headers and self.should_strip_auth(response.request.url, prepared_request.url):
                del headers["Authorization"]

        def rebuild_proxies(self, prepared_request, proxies):
            """On a redirect: never forward Proxy-Authorization to an https:// target, whose proxy sees only the
            CONNECT (CVE-2023-32681, fixed in requests 2.31, which does not run on Python 3.6)."""
            new_proxies = super(Session, self).rebuild_proxies(prepared_request, proxies)
            if prepared_request.url.lower().startswith("https:"):
                prepared_request.headers.pop("Proxy-Authorization", None)
            return new_proxies

    _CLASS.append(Session)
    return Session


def new_session():
    """A fresh session of ``session_class()`` (close it, or use it in ``with``)."""
    return session_class()()
