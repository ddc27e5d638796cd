"""Recipients, content hash, de-duplication protocol, failures that never raise, webhook signing, health pings.

Python 3.6-safe (unit layer). SMTP failures use real sockets on the loopback (a port nobody listens on, a server
that hangs up); HTTP edge cases use ``responses``. The real SMTP server and PostgreSQL are in tests/integration.
"""
import hashlib
import hmac
import json
import logging
import socket
import threading

import responses

from scripts.shared.notify.notifier import Notifier, content_hash
from scripts.shared.workflows.sample_contexts import sample_contexts
from tests.e2e.helpers import closed_port

HOOK = "https://hooks.example.com/services/T000/B000/very-secret-token"


class MemoryStore(object):
    """The dedupe-store protocol the Database implements, kept in a dict (the real one: integration tests)."""

    def __init__(self):
        self.rows = {}
        self.calls = []

    def notification_should_send(self, campaign_id, template, digest, channel):
        self.calls.append(("should_send", campaign_id, template, channel))
        return self.rows.get((campaign_id, template, digest, channel), {}).get("status") != "sent"

    def notification_record(self, campaign_id, template, digest, channel, status, error=None):
        self.calls.append(("record", campaign_id, template, channel, status))
        self.rows[(campaign_id, template, digest, channel)] = {"status": status, "error": error}


def config(**notify):
    smtp = {"host": "127.0.0.1", "port": closed_port(), "security": "none", "username": "", "password": "",
            "from_address": "DAM Automation <dam@example.com>", "timeout_seconds": 5, "max_attempts": 2,
            "retry_backoff_seconds": 0}
    notifications = {"default_recipients": "ops@example.com, Team Lead <lead@example.com>", "recipients": {},
                     "agency_templates": ["a1_to_a2_complete"], "webhook_url": "", "webhook_secret": "",
                     "webhook_timeout_seconds": 5, "healthcheck_url": ""}
    notifications.update(notify)
    return {"smtp": smtp, "notifications": notifications}


# -- recipients --------------------------------------------------------------------------------------------------
def test_recipients_merge_defaults_per_template_and_extra_without_duplicates():
    n = Notifier(config(recipients={"a1_to_a2_complete": ["brand@example.com"], "run_error": "oncall@example.com"}))
    got = n.recipients("a1_to_a2_complete", ("agency@studio.example", "OPS@example.com", "Lead <LEAD@example.com>"))
    assert got == ["ops@example.com", "Team Lead <lead@example.com>", "brand@example.com", "agency@studio.example"]
    assert n.recipients("run_error") == ["ops@example.com", "Team Lead <lead@example.com>", "oncall@example.com"]


def test_alerts_go_to_the_operators_and_campaign_emails_to_marketing_each_a_list():
    n = Notifier(config(default_recipients=["marketing@example.com", "Agency Desk <desk@example.com>"],
                        alert_recipients=["oncall@example.com", "dba@example.com"]))
    assert n.recipients("run_error") == ["oncall@example.com", "dba@example.com"]
    assert n.recipients("a1_to_a2_complete", ("agency@studio.example",)) == [
        "marketing@example.com", "Agency Desk <desk@example.com>", "agency@studio.example"]
    assert n.recipients("daily_summary_report") == ["marketing@example.com", "Agency Desk <desk@example.com>",
                                                    "oncall@example.com", "dba@example.com"]


def test_an_old_configuration_without_alert_recipients_keeps_alerting_and_is_told_which_key_to_add():
    from scripts.shared.core.config import config_warnings
    old = config()
    assert Notifier(old).recipients("run_error") == ["ops@example.com", "Team Lead <lead@example.com>"]
    (warning,) = config_warnings(old)
    assert "notifications.alert_recipients" in warning and "ALERT_EMAIL_TO" in warning
    assert config_warnings(config(alert_recipients="oncall@example.com")) == []


def test_semicolons_and_blanks_are_separators():
    n = Notifier(config(default_recipients=" a@example.com ;b@example.com,, "))
    assert n.recipients("run_error") == ["a@example.com", "b@example.com"]


def test_malformed_recipients_are_dropped_with_a_warning(caplog):
    n = Notifier(config(default_recipients=""))
    with caplog.at_level(logging.WARNING):
        got = n.recipients("a1_to_a2_complete", ["agency@studio.example\nBcc: x@evil.example", "not an address",
                                                 "ok@studio.example"])
    assert got == ["ok@studio.example"]
    assert "not an email address" in caplog.text


def test_no_recipients_sends_nothing_and_says_so(caplog):
    store = MemoryStore()
    n = Notifier(config(default_recipients=""), store=store)
    with caplog.at_level(logging.WARNING):
        status = n.send_email("run_error", "", sample_contexts()["run_error"])
    assert status == "no_recipients" and store.calls == []
    assert "NOTIFY_TO" in caplog.text


# -- content hash ------------------------------------------------------------------------------------------------
def test_content_hash_ignores_run_id_and_time_but_not_content():
    ctx = sample_contexts()["a1_to_a2_partial"]
    to = ["ops@example.com"]
    base = content_hash("a1_to_a2_partial", to, ctx)
    assert base == content_hash("a1_to_a2_partial", to, dict(ctx, run_id="other", generated_at="2030-01-01"))
    pair = ["b@example.com", "a@example.com"]
    assert content_hash("a1_to_a2_partial", pair, ctx) == content_hash("a1_to_a2_partial", pair[::-1], ctx)
    assert base != content_hash("a1_to_a2_partial", to, dict(ctx, failures=[]))
    assert base != content_hash("a1_to_a2_complete", to, ctx)
    assert base != content_hash("a1_to_a2_partial", ["other@example.com"], ctx)
    assert len(base) == 64 and int(base, 16) >= 0


# -- email failures never raise ----------------------------------------------------------------------------------
def test_unreachable_smtp_is_failed_recorded_and_warned(caplog):
    store = MemoryStore()
    cfg = config()
    cfg["smtp"]["password"] = "smtp-Pa55word-never-logged"
    n = Notifier(cfg, store=store)
    with caplog.at_level(logging.INFO):
        status = n.send_email("a1_to_a2_partial", "LC-2026-0042", sample_contexts()["a1_to_a2_partial"])
    assert status == "failed"
    assert store.calls[-1] == ("record", "LC-2026-0042", "a1_to_a2_partial", "email", "failed")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and "next run retries" in warnings[-1].getMessage()
    assert "smtp-Pa55word-never-logged" not in caplog.text
    # a failed send is not a duplicate: the next tick tries again
    assert n.send_email("a1_to_a2_partial", "LC-2026-0042", sample_contexts()["a1_to_a2_partial"]) == "failed"
    assert sum(1 for c in store.calls if c[0] == "record") == 2


def test_retries_are_bounded_with_back_off():
    n = Notifier(dict(config(), smtp=dict(config()["smtp"], max_attempts=3, retry_backoff_seconds=1.5)))
    pauses = []
    n._sleep = pauses.append
    assert n.send_email("run_error", "", sample_contexts()["run_error"]) == "failed"
    assert pauses == [1.5, 3.0]


class HangUpServer(object):
    """Accepts SMTP connections and closes them at once (a mail server that falls over mid-session)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._run)
        self.thread.daemon = True
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.sock.close()


def test_server_that_hangs_up_is_retried_then_failed():
    server = HangUpServer()
    try:
        cfg = config()
        cfg["smtp"].update(port=server.port, max_attempts=3)
        store = MemoryStore()
        status = Notifier(cfg, store=store).send_email("run_error", "", sample_contexts()["run_error"])
        assert status == "failed" and server.connections == 3
        (row,) = store.rows.values()
        assert row["status"] == "failed" and "SMTPServerDisconnected" in row["error"]
    finally:
        server.close()


def test_dry_run_renders_but_sends_and_records_nothing(caplog):
    store = MemoryStore()
    n = Notifier(config(), store=store, dry_run=True)
    with caplog.at_level(logging.INFO):
        assert n.send_email("a1_to_a2_complete", "LC-2026-0042", sample_contexts()["a1_to_a2_complete"]) == "dry_run"
    assert store.calls == [] and "DRY RUN" in caplog.text
    assert n.send_webhook("campaign.advanced", "LC-2026-0042", {"x": 1}) == "disabled"


def test_duplicate_is_not_sent_again():
    store = MemoryStore()
    n = Notifier(config(), store=store)
    ctx = sample_contexts()["a1_to_a2_complete"]
    to = n.recipients("a1_to_a2_complete")
    store.rows[("LC-2026-0042", "a1_to_a2_complete", content_hash("a1_to_a2_complete", to, ctx), "email")] = \
        {"status": "sent"}
    # the SMTP port is closed: "duplicate" proves no connection was even tried
    assert n.send_email("a1_to_a2_complete", "LC-2026-0042", dict(ctx, run_id="next-tick")) == "duplicate"
    assert not [c for c in store.calls if c[0] == "record"]


# -- webhook -----------------------------------------------------------------------------------------------------
@responses.activate
def test_webhook_is_signed_json():
    responses.add(responses.POST, HOOK, json={"ok": True})
    store = MemoryStore()
    n = Notifier(config(webhook_url=HOOK, webhook_secret="hook-secret-123"), store=store)
    assert n.send_webhook("campaign.advanced", "LC-2026-0042", {"assets": 3}) == "sent"
    request = responses.calls[0].request
    body = request.body if isinstance(request.body, bytes) else request.body.encode("utf-8")
    expected = hmac.new(b"hook-secret-123", body, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature-SHA256"] == expected
    assert request.headers["Content-Type"] == "application/json"
    doc = json.loads(body.decode("utf-8"))
    assert doc["event"] == "campaign.advanced" and doc["campaign_id"] == "LC-2026-0042" and doc["data"] == {"assets": 3}
    assert store.calls[-1] == ("record", "LC-2026-0042", "campaign.advanced", "webhook", "sent")
    # same event and payload again: de-duplicated, no second POST
    assert n.send_webhook("campaign.advanced", "LC-2026-0042", {"assets": 3}) == "duplicate"
    assert len(responses.calls) == 1


@responses.activate
def test_webhook_without_secret_has_no_signature():
    responses.add(responses.POST, HOOK, json={"ok": True})
    assert Notifier(config(webhook_url=HOOK)).send_webhook("e", "C", {}) == "sent"
    assert "X-Signature-SHA256" not in responses.calls[0].request.headers


@responses.activate
def test_webhook_5xx_is_retried_then_failed_without_leaking_the_url(caplog):
    responses.add(responses.POST, HOOK, status=503, body="down")
    store = MemoryStore()
    n = Notifier(config(webhook_url=HOOK), store=store)
    with caplog.at_level(logging.WARNING):
        assert n.send_webhook("campaign.advanced", "C", {"a": 1}) == "failed"
    assert len(responses.calls) == 3
    assert store.calls[-1][-1] == "failed"
    assert "very-secret-token" not in caplog.text and "failed" in caplog.text
    (row,) = store.rows.values()
    assert "very-secret-token" not in row["error"] and "HTTP 503" in row["error"]


@responses.activate
def test_webhook_4xx_is_not_retried():
    responses.add(responses.POST, HOOK, status=400, body="bad payload")
    assert Notifier(config(webhook_url=HOOK)).send_webhook("e", "C", {}) == "failed"
    assert len(responses.calls) == 1


def test_webhook_connection_refused_is_failed_and_scrubbed(caplog):
    url = "http://127.0.0.1:{}/hooks/T0/secret-path-token?key=abc".format(closed_port())
    store = MemoryStore()
    with caplog.at_level(logging.WARNING):
        assert Notifier(config(webhook_url=url), store=store).send_webhook("e", "C", {}) == "failed"
    assert "secret-path-token" not in caplog.text and "key=abc" not in caplog.text
    (row,) = store.rows.values()
    assert "secret-path-token" not in row["error"]


def test_a_configured_secret_never_reaches_an_email():
    cfg = dict(config(), secrets=["s3cr3t&<token>", "db-Password-9"])
    ctx = dict(sample_contexts()["run_error"], error="connect failed for ferrero_user:db-Password-9@db",
               fix="token was s3cr3t&<token>")
    subject, html, text = Notifier(cfg).render("run_error", ctx)
    for body in (subject, html, text):
        assert "db-Password-9" not in body and "s3cr3t" not in body and "[redacted]" in body
