"""A stand-in for healthchecks.io's ping API (https://healthchecks.io/docs/http_api/), the slug form the suite uses:

  <base>/<ping key>/<slug>            success        <base>/<ping key>/<slug>/start   the job started
  <base>/<ping key>/<slug>/<0-255>    exit status    <base>/<ping key>/<slug>/fail    failure
  <base>/<ping key>/<slug>/log        a log entry: shown in the check's events, changes nothing

GET, HEAD or POST; a POST body is kept as the ping's body (healthchecks.io shows it; it keeps up to 100 kB). An
unknown slug answers 404 "not found" unless the URL carries ?create=1 (auto-provisioning), which creates the check
and answers 201 "created", as the real service does. Every request is recorded with the check it touched and
whether it created one.
"""
import threading

from sandbox.common import ServerThread

MAX_BODY = 100000


class HealthchecksServer(object):
    """``checks``: the slugs that exist (None: any slug exists, as if every check was created beforehand)."""

    def __init__(self, checks=None, ping_key="pk-sandbox"):
        self.checks = None if checks is None else set(checks)
        self.ping_key = ping_key
        self.events = []  # {"method", "path", "slug", "kind", "body", "status"}
        self.created = []
        self.lock = threading.Lock()
        self.server = None

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        path = environ.get("PATH_INFO") or "/"
        parts = [p for p in path.split("/") if p]
        status, text = "404 Not Found", b"not found"
        slug, kind = None, None
        if len(parts) >= 3 and parts[0] == "ping" and parts[1] == self.ping_key:
            slug = parts[2]
            kind = parts[3] if len(parts) > 3 else "success"
            with self.lock:
                exists = self.checks is None or slug in self.checks
                if not exists and "create=1" in (environ.get("QUERY_STRING") or ""):
                    self.checks.add(slug)
                    self.created.append(slug)
                    exists, status, text = True, "201 Created", b"created"
                elif exists:
                    status, text = "200 OK", b"OK"
        with self.lock:
            self.events.append({"method": environ.get("REQUEST_METHOD"), "path": path, "slug": slug, "kind": kind,
                                "body": body[:MAX_BODY].decode("utf-8", "replace"), "status": int(status[:3])})
        start_response(status, [("Content-Type", "text/plain")])
        return [text]

    def start(self):
        self.server = ServerThread(self).start()
        return self

    @property
    def url_template(self):
        """What HEALTHCHECK_URL holds: one check per job."""
        return "{}/ping/{}/{{job}}".format(self.server.url, self.ping_key)

    def stop(self):
        if self.server:
            self.server.stop()
