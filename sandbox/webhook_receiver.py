"""A local webhook endpoint that records every POST (body, headers, signature check) for tests and the demo."""
import hashlib
import hmac
import json
import threading

from sandbox.common import ServerThread


class WebhookReceiver(object):
    def __init__(self, secret=None):
        self.secret = secret
        self.events = []
        self.lock = threading.Lock()
        self.server = None

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        signature = environ.get("HTTP_X_SIGNATURE_SHA256")
        valid = None
        if self.secret:
            expected = hmac.new(self.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
            valid = bool(signature) and hmac.compare_digest(expected, signature)
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:
            payload = None
        with self.lock:
            self.events.append({"path": environ.get("PATH_INFO"), "payload": payload, "signature_valid": valid,
                                "authorization": environ.get("HTTP_AUTHORIZATION")})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    def start(self):
        self.server = ServerThread(self).start()
        return self

    @property
    def url(self):
        return self.server.url + "/hooks/dam"

    def stop(self):
        if self.server:
            self.server.stop()
