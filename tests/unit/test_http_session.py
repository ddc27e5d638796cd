"""scripts/shared/core/http_session.py: no ~/.netrc credentials, not even after a redirect to another host
(requests' rebuild_auth adds them there; CVE-2024-47081 is the same lookup), and a caller's own auth still wins.
Real stdlib servers (this file also runs under Python 3.6)."""
import http.server
import os
import threading

import pytest
import requests

from scripts.shared.core.http_session import new_session


class Server(object):
    """Answers GET /redirect with a 302 to ``target``, anything else with 200; records (path, Authorization)."""

    def __init__(self, target=None):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.path, self.headers.get("Authorization")))
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", target)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile_home(tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text(u"machine 127.0.0.1 login ip-user password ip-secret\n"
                     u"machine localhost login lh-user password lh-secret\n")
    os.chmod(str(netrc), 0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)


def test_a_plain_session_would_send_the_netrc_login_so_the_check_can_fail(hostile_home):
    server = Server()
    try:
        requests.Session().get("http://127.0.0.1:{}/x".format(server.port), timeout=5)
        assert server.seen[0][1].startswith("Basic ")
    finally:
        server.stop()


def test_no_netrc_on_the_request_nor_after_a_redirect_to_another_host(hostile_home):
    other = Server()
    first = Server(target="http://localhost:{}/landed".format(other.port))
    try:
        with new_session() as session:
            session.headers["Authorization"] = "Bearer suite-token"
            assert session.get("http://127.0.0.1:{}/x".format(first.port), timeout=5).status_code == 200
            assert session.get("http://127.0.0.1:{}/redirect".format(first.port), timeout=5).status_code == 200
            session.headers.pop("Authorization")
            session.get("http://localhost:{}/plain".format(other.port), timeout=5)
            session.get("http://127.0.0.1:{}/x".format(first.port), auth=("own-user", "own-pass"), timeout=5)
        assert first.seen[:2] == [("/x", "Bearer suite-token"), ("/redirect", "Bearer suite-token")]
        # another host: requests strips the token; the helper adds nothing in its place
        assert other.seen == [("/landed", None), ("/plain", None)]
        assert first.seen[2][1] == requests.auth._basic_auth_str("own-user", "own-pass")
    finally:
        first.stop()
        other.stop()


def test_proxy_credentials_never_go_to_an_https_target_after_a_redirect():
    """CVE-2023-32681 (requests < 2.31, the 3.6 lock has 2.27.1): on a redirect to https:// requests 2.27 added
    Proxy-Authorization to the request itself, which travels inside the tunnel to the target server."""
    proxies = {"https": "http://proxy-user:proxy-pass@127.0.0.1:3128", "http": "http://proxy-user:proxy-pass@127.0.0.1:3128"}
    with new_session() as session:
        tunnelled = requests.Request("GET", "https://dam.example.com/x").prepare()
        session.rebuild_proxies(tunnelled, proxies)
        assert "Proxy-Authorization" not in tunnelled.headers
        plain = requests.Request("GET", "http://dam.example.com/x").prepare()
        session.rebuild_proxies(plain, proxies)
        assert plain.headers["Proxy-Authorization"] == requests.auth._basic_auth_str("proxy-user", "proxy-pass")


def test_proxies_come_from_the_environment_once_per_host_and_session(monkeypatch):
    """HTTPS_PROXY and NO_PROXY are honoured as requests honours them, read once per host for a session (requests
    reads the whole environment before every request: a sixth of a transfer's CPU)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
    monkeypatch.setenv("NO_PROXY", "box.internal")
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/site/ca.pem")
    with new_session() as session:
        via = session.merge_environment_settings("https://dam.example.com/x", {}, None, None, None)
        direct = session.merge_environment_settings("https://box.internal/x", {}, None, None, None)
        assert via["proxies"].get("https") == "http://proxy.example.com:3128" and via["verify"] == "/etc/site/ca.pem"
        assert "https" not in direct["proxies"]
        monkeypatch.setenv("HTTPS_PROXY", "http://other-proxy.example.com:8080")
        again = session.merge_environment_settings("https://dam.example.com/y", {}, None, None, None)
        assert again["proxies"]["https"] == "http://proxy.example.com:3128"  # the session's first answer
        explicit = session.merge_environment_settings("https://dam.example.com/y", {"https": "http://mine:1"}, None,
                                                      None, None)
        assert explicit["proxies"]["https"] == "http://mine:1"  # a caller's own proxies still win
    with new_session() as fresh:
        assert fresh.merge_environment_settings("https://dam.example.com/x", {}, None, None, None)["proxies"][
            "https"] == "http://other-proxy.example.com:8080"
