"""scripts/shared/notify/monitoring.py: the dead-man's-switch pings of a cron job, against a real HTTP server."""
import logging
import socket

import pytest

from scripts.shared.core.cli import exit_code_for
from scripts.shared.core.errors import ConfigError, LeaseLostError, SuiteError
from scripts.shared.notify.monitoring import HealthCheck


@pytest.fixture
def receiver():
    from sandbox.webhook_receiver import WebhookReceiver
    server = WebhookReceiver().start()
    yield server
    server.server.stop()


def config(url):
    return {"notifications": {"healthcheck_url": url}}


def paths(receiver):
    return [e["path"] for e in receiver.events]


def test_a_job_pings_start_then_its_exit_code_and_busy_counts_as_success(receiver):
    url = receiver.server.url + "/ping/{job}"
    for code in (0, 1, 75):
        check = HealthCheck(config(url), "a1_to_a2")
        check.start()
        check.finish(code)
    assert paths(receiver) == ["/ping/a1_to_a2/start", "/ping/a1_to_a2/0", "/ping/a1_to_a2/start",
                               "/ping/a1_to_a2/1", "/ping/a1_to_a2/start", "/ping/a1_to_a2/0"]


def test_a_dry_run_a_manual_tool_and_an_unset_url_never_ping(receiver):
    url = receiver.server.url + "/ping/{job}"
    for check in (HealthCheck(config(url), "a1_to_a2", dry_run=True), HealthCheck(config(url), "test_connection"),
                  HealthCheck(config(""), "a1_to_a2")):
        check.start()
        check.finish(2)
    assert paths(receiver) == []


def test_without_a_configuration_the_url_comes_from_the_environment(receiver, monkeypatch):
    monkeypatch.setenv("HEALTHCHECK_URL", receiver.server.url + "/hc/{job}")
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
