"""What both HTTP sandboxes share: a threaded server, a routing table, request counters, fault injection, a
request log.

Each sandbox is a WSGI app wrapped by ``SandboxMiddleware``. Faults and counters are switchable at run time,
in-process (``middleware.faults``) or over HTTP under ``/_sandbox/`` so tests that run the real scripts as
subprocesses can steer a server they did not start.

Control endpoints (JSON):
  GET  /_sandbox/counters          {"total": n, "by_endpoint": {"GET /v6/folders/{id}": n, ...}}
  POST /_sandbox/counters/reset
  GET  /_sandbox/faults            the current rules
  POST /_sandbox/faults            {"rules": [rule, ...], "seed": 1}   (replaces the rules)
  GET  /_sandbox/log               recorded requests (when recording is on)
  POST /_sandbox/log               {"enabled": true|false}  (and clears the log)
  GET  /_sandbox/network           the network switch's setting
  POST /_sandbox/network           {"bandwidth_bytes_per_s": n, "rtt_ms": m}  (0 = off; sandbox/network.py)

A fault rule: {"method": "GET", "path": "regex", "probability": 1.0, "count": null,
               "status": 503, "retry_after": 1, "latency_ms": 0, "drop": false, "truncate": false,
               "trickle_bytes_per_second": null, "slow_read_bytes_per_second": null}
``trickle_bytes_per_second`` sends the real answer that slowly; ``slow_read_bytes_per_second`` reads the request
body that slowly (an upload to a server or proxy that drains a trickle, never silent long enough for a timeout).
``count`` bounds how many requests the rule hits (null = unlimited); ``path`` is a regex searched in the path.
"""
import io
import json
import random
import re
import socket
import threading
import time
from time import sleep as _pause  # a test patching time.sleep must not see a sandbox's own pauses

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.network import NetworkSwitch

_ID_SEGMENT = re.compile(r"/(?:\d+|[0-9a-f]{32,40}|[0-9a-fA-F-]{36})(?=/|$)")


def endpoint_key(method, path):
    """Counter key: method plus the path with ids replaced by {id}."""
    return "{} {}".format(method, _ID_SEGMENT.sub("/{id}", path))


class Routes(object):
    """A sandbox's routing table: one row per route, ``(methods, path, endpoint)``, matched by
    werkzeug.routing.Map. ``methods`` is one method, a tuple of them, or None for any; ``path`` is a werkzeug rule
    (``/2.0/folders/<folder_id>/items``) whose variables become the handler's keyword arguments. A fixed segment wins
    over a variable one whatever the order of the rows, so adding a route is adding a row."""

    def __init__(self, rows):
        rules = []
        for methods, path, endpoint in rows:
            methods = (methods,) if isinstance(methods, str) else methods
            rule = Rule(path, methods=methods, endpoint=endpoint)
            rule.declared = set(methods) if methods else None  # werkzeug adds HEAD to a GET rule; a row does not
            rules.append(rule)
        self.adapter = Map(rules, merge_slashes=False).bind("sandbox")

    def match(self, method, path):
        """(endpoint, arguments) of the row for this method and path; (None, {}) when no row has both."""
        try:
            rule, args = self.adapter.match(path, method=method, return_rule=True)
        except HTTPException:  # NotFound, MethodNotAllowed (another method's row), RequestRedirect
            return None, {}
        if rule.declared is not None and method not in rule.declared:
            return None, {}
        return rule.endpoint, args


class FaultRule(object):
    def __init__(self, spec):
        self.method = spec.get("method")
        self.path = re.compile(spec["path"]) if spec.get("path") else None
        self.probability = float(spec.get("probability", 1.0))
        self.count = spec.get("count")
        self.status = spec.get("status")
        self.retry_after = spec.get("retry_after")
        self.latency_ms = int(spec.get("latency_ms", 0) or 0)
        self.drop = bool(spec.get("drop"))
        self.truncate = bool(spec.get("truncate"))
        self.body = spec.get("body")  # answer this text (status, default 200) instead: a malformed answer
        self.trickle = spec.get("trickle_bytes_per_second")  # stream the real answer this slowly
        self.slow_read = spec.get("slow_read_bytes_per_second")  # read the request body this slowly
        self.hits = 0
        self.spec = dict(spec)

    def matches(self, method, path, rng):
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path and not self.path.search(path):
            return False
        if self.count is not None and self.hits >= int(self.count):
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True


class SandboxMiddleware(object):
    """Counts, records and perturbs requests before they reach the sandbox's own app.

    ``error_body(status, message)`` returns (content_type, bytes) in the emulated service's error shape;
    ``content_route(method, path)`` says which requests carry content over the network switch: "download" (the
    answer is paced), "upload" (the request body is paced) or None.
    """

    def __init__(self, app, error_body, content_route=None):
        self.app = app
        self.error_body = error_body
        self.content_route = content_route
        self.network = NetworkSwitch()
        self.lock = threading.Lock()
        self.counters = {}
        self.total = 0
        self.rules = []
        self.rng = random.Random(1)
        self.recording = False
        self.records = []
        self.on_request = []  # callables(method, path, total) run after counting, before the app
        self.after_request = []  # callables(method, path, total) run after the app acted, before the answer is sent

    # -- in-process control -------------------------------------------------
    def set_faults(self, rules, seed=1):
        with self.lock:
            self.rules = [FaultRule(r) for r in rules]
            self.rng = random.Random(seed)

    def reset_counters(self):
        with self.lock:
            self.counters = {}
            self.total = 0

    def snapshot(self):
        with self.lock:
            return {"total": self.total, "by_endpoint": dict(self.counters)}

    # -- WSGI ---------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self._control(environ, start_response, method, path)
        with self.lock:
            key = endpoint_key(method, path)
            self.counters[key] = self.counters.get(key, 0) + 1
            self.total += 1
            total = self.total
            rule = None
            for r in self.rules:
                if r.matches(method, path, self.rng):
                    rule = r
                    break
            if self.recording:
                self.records.append({"method": method, "path": path, "query": environ.get("QUERY_STRING", ""),
                                     "time": time.time(), "fault": rule.spec if rule else None,
                                     # the credentials the client chose (tests/reliability/test_hostile_netrc.py)
                                     "authorization": environ.get("HTTP_AUTHORIZATION")})
        for hook in list(self.on_request):
            hook(method, path, total)
        self.network.round_trip()
        if rule is not None:
            if rule.latency_ms:
                time.sleep(rule.latency_ms / 1000.0)
            if rule.drop:
                start_response("500 Dropped", [("Content-Length", "0")])  # never sent: the socket is closed first
                _drop_connection(environ)
                return []
            if rule.body is not None:
                raw = rule.body.encode("utf-8")
                start_response("{} Malformed".format(int(rule.status or 200)),
                               [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
                return [raw]
            if rule.slow_read and not _read_slowly(environ, float(rule.slow_read)):
                start_response("400 Body Cut", [("Content-Length", "0")])  # the client gave up mid-body
                return []
            if rule.trickle:
                return _trickled(self.app(environ, start_response), float(rule.trickle))
            if rule.status:
                ctype, body = self.error_body(int(rule.status), "sandbox fault injection")
                headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
                if rule.retry_after is not None:
                    headers.append(("Retry-After", str(rule.retry_after)))
                start_response("{} Injected".format(int(rule.status)), headers)
                return [body]
            if rule.truncate:
                return self._truncated(environ, start_response)
        carries = self.content_route(method, path) if self.content_route else None
        if carries == "upload":
            self.network.pace_body(environ)
        result = self.app(environ, start_response)
        for hook in list(self.after_request):
            hook(method, path, total)
        return self.network.pace_answer(result) if carries == "download" else result

    def _truncated(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers)

        def gen():
            yield body[:len(body) // 2]
            _drop_connection(environ)

        return gen()

    def _control(self, environ, start_response, method, path):
        payload = None
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            payload = json.loads(raw.decode("utf-8")) if raw else {}
        if path == "/_sandbox/counters" and method == "GET":
            result = self.snapshot()
        elif path == "/_sandbox/counters/reset" and method == "POST":
            self.reset_counters()
            result = {"ok": True}
        elif path == "/_sandbox/faults" and method == "GET":
            with self.lock:
                result = {"rules": [dict(r.spec, hits=r.hits) for r in self.rules]}
        elif path == "/_sandbox/faults" and method == "POST":
            self.set_faults(payload.get("rules", []), payload.get("seed", 1))
            result = {"ok": True}
        elif path == "/_sandbox/log" and method == "GET":
            with self.lock:
                result = {"records": list(self.records)}
        elif path == "/_sandbox/network" and method == "GET":
            result = self.network.setting()
        elif path == "/_sandbox/network" and method == "POST":
            try:
                result = self.network.set(payload.get("bandwidth_bytes_per_s", 0), payload.get("rtt_ms", 0))
            except (TypeError, ValueError) as exc:
                body = json.dumps({"error": str(exc)}).encode("utf-8")
                start_response("400 Bad Request", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(body)))])
                return [body]
        elif path == "/_sandbox/log" and method == "POST":
            with self.lock:
                self.recording = bool(payload.get("enabled", True))
                self.records = []
            result = {"ok": True}
        else:
            extra = getattr(self.app, "control", None)
            result = extra(method, path, payload) if extra else None
            if result is None:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"error": "unknown sandbox control endpoint"}']
        body = json.dumps(result).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _trickled(chunks, per_second):
    """The answer's bytes at ``per_second``, 1 byte-ish pieces a few times a second: never silent for long enough to
    hit a read timeout, far too slow to finish."""
    piece = max(1, int(per_second / 4))
    for chunk in chunks:
        for i in range(0, len(chunk), piece):
            time.sleep(piece / per_second)
            yield chunk[i:i + piece]


def _read_slowly(environ, per_second):
    """Drain the request body at ``per_second`` in small pieces a few times a second, with a small receive buffer
    so the client's sends block instead of filling kernel buffers; the app then reads the body from memory.
    False when the client went away before the whole body arrived."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        except OSError:
            pass
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    piece = max(1, int(per_second / 4))
    body = []
    got = 0
    while got < length:
        _pause(piece / per_second)
        try:
            data = stream.read(min(piece, length - got))
        except OSError:
            return False
        if not data:
            return False
        body.append(data)
        got += len(data)
    environ["wsgi.input"] = io.BytesIO(b"".join(body))
    return True


def _drop_connection(environ):
    sock = environ.get("werkzeug.socket")
    if sock is None:
        raise ConnectionAbortedError("sandbox dropped the connection")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def serve_until_interrupted(sandbox, info):
    """CLI helper: print ``info`` as one JSON line, then keep ``sandbox`` running until Ctrl-C or SIGTERM."""
    import signal
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(json.dumps(info), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sandbox.stop()


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr (tests and the demo print their own summaries)."""

    def log_request(self, *args, **kwargs):
        pass

    def log(self, type, message, *args):
        if type == "error" and "sandbox dropped" not in (message % args if args else message):
            super().log(type, message, *args)


POLL_INTERVAL = 0.05


class ServerThread(object):
    """Runs a WSGI app on a threaded werkzeug server in a background thread (loopback only)."""

    def __init__(self, app, host="127.0.0.1", port=0, ssl_context=None):
        self.server = make_server(host, port, app, threaded=True, ssl_context=ssl_context,
                                  request_handler=QuietHandler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_port
        self.scheme = "https" if ssl_context is not None else "http"
        # stop() waits for serve_forever to look up from its poll: a short interval makes a lab's five servers stop
        # in a fraction of a second instead of 0.5 s each (every e2e test stops one lab)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                       name="sandbox-{}".format(self.port))
        self.thread.daemon = True

    @property
    def url(self):
        host = "localhost" if self.scheme == "https" else self.host
        return "{}://{}:{}".format(self.scheme, host, self.port)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
