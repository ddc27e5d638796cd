"""A real SMTP server (aiosmtpd) that captures every message to disk: NNN-<subject>.eml plus the HTML part as .html.

AUTH is enforced when a username is given (allowed without TLS: this is a loopback test server); STARTTLS is offered
when a certificate is given. CLI: python -m sandbox.smtp_server --port N --out DIR
"""
import argparse
import email
import email.policy
import os
import re
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sandbox.common import serve_until_interrupted
from sandbox.ports import free_port


class _Handler(object):
    def __init__(self, catcher):
        self.catcher = catcher

    async def handle_DATA(self, server, session, envelope):
        for hook in list(self.catcher.on_data):  # tests: play a sender that dies mid-send
            answer = hook(envelope.content)
            if answer:
                return answer
        self.catcher.store(envelope.content, envelope.rcpt_tos)
        return "250 OK"


class SMTPCatcher(object):
    """Capture server on 127.0.0.1. ``tls_cert``/``tls_key``: STARTTLS offered and required before MAIL (or, with
    ``implicit_tls``, TLS from the first byte like port 465). ``username``/``password``: AUTH PLAIN required, other
    credentials answered 535."""

    def __init__(self, out_dir, port=0, username=None, password=None, tls_cert=None, tls_key=None,
                 implicit_tls=False):
        self.out_dir = os.path.abspath(out_dir)
        os.makedirs(self.out_dir, exist_ok=True)
        self.port = port or free_port()
        self.username, self.password = username, password
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.implicit_tls = implicit_tls
        self.lock = threading.Lock()
        # numbering continues after messages already in out_dir (a restarted lab keeps its mailbox)
        self.count = len([n for n in os.listdir(self.out_dir) if n.endswith(".eml")])
        self.envelope_recipients = []   # RCPT TO addresses of each message, in arrival order
        self.controller = None
        self.on_data = []  # callables(raw message bytes) -> None, or an SMTP answer given instead of storing it

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username and \
            auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def start(self):
        import logging
        import warnings
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        kwargs = {}
        if self.username:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=False,
                          auth_exclude_mechanism=["LOGIN"])
        if self.tls_cert:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_cert, self.tls_key)
            if self.implicit_tls:
                kwargs.update(ssl_context=context)
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()

    def store(self, content, recipients):
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self.lock:
            self.count += 1
            self.envelope_recipients.append(list(recipients))
            slug = re.sub(r"[^A-Za-z0-9]+", "-", str(message["Subject"] or "no-subject"))[:60].strip("-")
            base = os.path.join(self.out_dir, "{:03d}-{}".format(self.count, slug))
        with open(base + ".eml", "wb") as f:
            f.write(content)
        html = message.get_body(("html",))
        if html is not None:
            with open(base + ".html", "w", encoding="utf-8") as f:
                f.write(html.get_content())

    def messages(self):
        """Every captured message, oldest first, parsed (email.message.EmailMessage)."""
        out = []
        for name in sorted(os.listdir(self.out_dir)):
            if name.endswith(".eml"):
                with open(os.path.join(self.out_dir, name), "rb") as f:
                    out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="SMTP capture server: every message goes to DIR as .eml and .html")
    parser.add_argument("--port", type=int, default=2525, help="port on 127.0.0.1 (0 = a free one)")
    parser.add_argument("--out", default="var/mail", metavar="DIR")
    parser.add_argument("--username", help="require AUTH with this user (and --password)")
    parser.add_argument("--password")
    parser.add_argument("--tls-cert", help="PEM certificate: offer and require STARTTLS")
    parser.add_argument("--tls-key", help="PEM key of --tls-cert")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key) or bool(args.username) != bool(args.password):
        parser.error("--tls-cert needs --tls-key, and --username needs --password")
    catcher = SMTPCatcher(args.out, port=args.port, username=args.username, password=args.password,
                          tls_cert=args.tls_cert, tls_key=args.tls_key).start()
    serve_until_interrupted(catcher, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": catcher.port,
                                      "SMTP_SECURITY": "starttls" if args.tls_cert else "none",
                                      "out_dir": catcher.out_dir})


if __name__ == "__main__":
    main()
