"""scripts/shared/notify/monitoring.py: the dead-man's-switch pings of a cron job, against a real HTTP server."""
import http.server
import logging
import socket
import threading

import pytest

from scripts.shared.core.cli import exit_code_for
from scripts.shared.core.errors import ConfigError, LeaseLostError, SuiteError
from scripts.shared.notify.monitoring import HealthCheck


class Receiver(object):
    """A real HTTP server (stdlib: this file also runs under Python 3.6) recording the paths it is asked for."""

    def __init__(self):
        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def do_POST(self):  # the exit-code ping carries the run's log tail as its body
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{}".format(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})  # quick stop()
        self.thread.daemon = True
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def config(url):
    return {"notifications": {"healthcheck_url": url}}


def paths(receiver):
    return list(receiver.paths)


def test_a_job_pings_start_then_its_exit_code_and_busy_counts_as_success(receiver):
    url = receiver.url + "/ping/{job}"
    for code in (0, 1, 75):
        check = HealthCheck(config(url), "a1_to_a2")
        check.start()
        check.finish(code)
    assert paths(receiver) == ["/ping/a1_to_a2/start", "/ping/a1_to_a2/0", "/ping/a1_to_a2/start",
                               "/ping/a1_to_a2/1", "/ping/a1_to_a2/start", "/ping/a1_to_a2/0"]


def test_a_dry_run_a_manual_tool_and_an_unset_url_never_ping(receiver):
    url = receiver.url + "/ping/{job}"
    for check in (HealthCheck(config(url), "a1_to_a2", muted=True), HealthCheck(config(url), "test_connection"),
                  HealthCheck(config(""), "a1_to_a2")):
        check.start()
        check.finish(2)
    assert paths(receiver) == []


def test_without_a_configuration_the_url_comes_from_the_environment(receiver, monkeypatch):
    monkeypatch.setenv("HEALTHCHECK_URL", receiver.url + "/hc/{job}")
    HealthCheck(None, "b1_to_b2").finish(2)
    assert paths(receiver) == ["/hc/b1_to_b2/2"]


def test_a_ping_that_cannot_be_sent_is_a_warning_naming_the_host_never_the_key(caplog):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    check = HealthCheck(config("http://127.0.0.1:{}/ping-key-0f1e2d/{{job}}".format(port)), "daily_report")
    with caplog.at_level(logging.WARNING):
        check.start()
        check.finish(0)
    assert "Health-check ping (start)" in caplog.text and "127.0.0.1:{}".format(port) in caplog.text
    assert "ping-key-0f1e2d" not in caplog.text


def test_the_exit_code_of_a_run_that_stops_on_an_error():
    assert exit_code_for(ConfigError(["dam.base_url: missing"])) == 2
    assert exit_code_for(SuiteError("DAM down")) == 1
    assert exit_code_for(LeaseLostError("taken")) == 1
    assert exit_code_for(KeyboardInterrupt()) == 130
    assert exit_code_for(ValueError("bug")) == 1
