"""A ``~/.netrc`` on the service account changes nothing: every HTTP request of every workflow and tool carries
exactly the credentials the suite chose (issue 28.1), and proxies from the environment keep working.

requests reads ``~/.netrc`` whenever a request has no auth of its own and replaces the Authorization header with
its Basic credentials; core/http_session.py makes every session of the suite without that lookup. The stand-ins
record the Authorization header of every request they are sent (sandbox/common.py, sandbox/webhook_receiver.py).
"""
import http.server
import os
import threading
import urllib.request

from tests.reliability.harness import fresh_lab

NETRC = ("machine 127.0.0.1 login netrc-user password netrc-secret-ip\n"
         "machine localhost login netrc-user password netrc-secret-localhost\n"
         "default login netrc-default password netrc-secret-default\n")
RUNS = (("a1_to_a2_download", []), ("a1_to_a2_download", ["--auth-pfx", "--campaign", "LC-2026-0043"]),
        ("a5_to_a6_download", []), ("b1_to_b2_download", []), ("test_connection", []), ("daily_report", []))


def _hostile_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text(NETRC)
    os.chmod(str(netrc), 0o600)  # as a careful user keeps it (Python's netrc refuses a readable ~/.netrc)
    return {"HOME": str(home)}  # found where requests looks by default: ~/.netrc


class Recorder(object):
    """A real HTTP server answering 200 to every GET/POST and recording (path, Authorization); ``proxy=True``
    makes it an HTTP forward proxy that records the absolute URL and relays the request (never via a proxy)."""

    def __init__(self, proxy=False):
        seen = self.seen = []
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                seen.append((self.path, self.headers.get("Authorization")))
                status, answer = 200, b"OK"
                if proxy:
                    request = urllib.request.Request(self.path, data=body, method=self.command, headers={
                        k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")})
                    with direct.open(request, timeout=10) as relayed:
                        status, answer = relayed.status, relayed.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _proxy_env(port):
    """Both spellings: a lower-case variable inherited from the machine would otherwise win."""
    proxy = "http://127.0.0.1:{}".format(port)
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


def _foreign(records, tokens):
    """Authorization values the suite did not choose: anything but none or a Bearer token the stand-in issued."""
    return sorted({r for r in records if r is not None and not (r.startswith("Bearer ") and r[7:] in tokens)})


def test_a_hostile_netrc_reaches_no_stand_in_for_any_workflow_or_tool(pg_server, tmp_path, pki_dir):
    health = Recorder()
    home = _hostile_home(tmp_path)
    try:
        with fresh_lab(pg_server, tmp_path, pki_dir, HEALTHCHECK_URL="http://localhost:{}/ping/{{job}}".format(
                health.port), **home) as lab:
            lab.otmm.middleware.recording = lab.box.middleware.recording = True
            # the netrc is live: a plain requests call from the same environment sends its Basic credentials
            probe = lab.run_python("import requests; requests.get({!r}, timeout=10)".format(
                lab.otmm.oauth_base_url + "/v6/folders/rootfolders"))
            assert probe.returncode == 0, probe.stdout
            assert [r["authorization"][:6] for r in lab.otmm.middleware.records] == ["Basic "]
            lab.otmm.middleware.records = []

            outputs = [(script, lab.run_script(script, *args)) for script, args in RUNS]
            failed = [(name, proc.returncode, proc.stdout[-600:]) for name, proc in outputs if proc.returncode]
            assert failed == []
            lab.play_agency("LC-2026-0042")
            outputs.append(("a2_to_a3_upload_polling", lab.run_script("a2_to_a3_upload_polling")))
            outputs.append(("test_connection session", lab.run_script("test_connection", env={
                "DAM_AUTH_MODE": "session"})))
            failed = [(name, proc.returncode, proc.stdout[-600:]) for name, proc in outputs if proc.returncode]
            assert failed == []

            dam, box = lab.otmm.middleware.records, lab.box.middleware.records
            assert len(dam) > 20 and len(box) > 20 and len(lab.webhook.events) >= 4 and len(health.seen) >= 10
            assert {r["path"].rsplit("/", 1)[-1] for r in dam} >= {"token", "sessions", "rootfolders"}
            assert any(r["authorization"] for r in dam) and any(r["authorization"] for r in box)
            assert _foreign([r["authorization"] for r in dam], set(lab.otmm.state.tokens)) == []
            assert _foreign([r["authorization"] for r in box], set(lab.box.state.tokens)) == []
            assert [e["authorization"] for e in lab.webhook.events if e["authorization"]] == []
            assert [a for _path, a in health.seen if a] == []
            texts = [proc.stdout for _name, proc in outputs] + [
                open(os.path.join(lab.workdir, "logs", name)).read() for name in os.listdir(
                    os.path.join(lab.workdir, "logs")) if name.endswith(".log")]
            assert not [t for t in texts if "netrc-secret" in t or "HTTP 401" in t]
    finally:
        health.stop()


def test_proxies_from_the_environment_still_carry_the_requests_that_need_them(pg_server, tmp_path, pki_dir):
    """HTTP_PROXY/NO_PROXY as a site sets them: the health ping and the webhook (host localhost) go through the
    proxy, the DAM and Box (127.0.0.1, in NO_PROXY) go direct; the hostile .netrc is there too."""
    health, proxy = Recorder(), Recorder(proxy=True)
    try:
        with fresh_lab(pg_server, tmp_path, pki_dir, HEALTHCHECK_URL="http://localhost:{}/ping/{{job}}".format(
                health.port), **dict(_hostile_home(tmp_path), **_proxy_env(proxy.port))) as lab:
            lab.extra_env["WEBHOOK_URL"] = lab.webhook.url.replace("127.0.0.1", "localhost")
            run = lab.run_script("test_connection")
            assert run.returncode == 0, run.stdout
            through = [path for path, _auth in proxy.seen]
            # test_connection checks each job's health URL with a /log entry (it creates no check, issue 24.5)
            assert "http://localhost:{}/ping/a1_to_a2/log".format(health.port) in through
            assert any(p.startswith("http://localhost:") and p.endswith("/hooks/dam") for p in through)
            assert ("/ping/a1_to_a2/log", None) in health.seen and len(lab.webhook.events) == 1
            assert not [p for p in through if "127.0.0.1" in p]  # NO_PROXY honoured for the DAM and Box
            assert [auth for _path, auth in proxy.seen if auth] == []
    finally:
        health.stop()
        proxy.stop()

