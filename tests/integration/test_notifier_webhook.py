"""Webhooks to a local HTTP receiver over real sockets: HMAC signature, retries, de-duplication, failures."""
# ruff: noqa: F811  (pytest fixtures imported from notify_fixtures are parameters of the tests)
import hashlib
import hmac
import io
import json
import logging

from sandbox.common import SandboxMiddleware, ServerThread
from sandbox.webhook_receiver import WebhookReceiver
from scripts.shared.notify.notifier import Notifier
from scripts.shared.store.notifications import NotificationStore
from tests.integration.notify_fixtures import WEBHOOK_SECRET, notifications_section, webhook_receiver  # noqa: F401

PAYLOAD = {"campaign": {"campaign_id": "LC-2026-0042", "status_after": "A2"},
           "assets": [{"tracking_id": "K7Q2XM", "url": "https://app.box.com/file/1"}]}


def _config(url, secret=WEBHOOK_SECRET):
    return {"smtp": {}, "notifications": notifications_section(webhook_url=url, webhook_secret=secret)}


def _rows(database):
    with database.cursor() as cur:
        cur.execute("SELECT template, channel, status, attempts, last_error FROM notifications ORDER BY id")
        return cur.fetchall()


class RecordingReceiver(WebhookReceiver):
    """The sandbox receiver, also keeping the raw body and headers to check the signature independently."""

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.raw = getattr(self, "raw", []) + [(body, environ.get("HTTP_X_SIGNATURE_SHA256"),
                                                environ.get("CONTENT_TYPE"))]
        environ["wsgi.input"] = io.BytesIO(body)
        return super().__call__(environ, start_response)


def test_signed_event_is_verified_by_the_receiver(webhook_receiver, database):
    notifier = Notifier(_config(webhook_receiver.url), store=NotificationStore(database))
    assert notifier.send_webhook("campaign.advanced", "LC-2026-0042", PAYLOAD) == "sent"
    (event,) = webhook_receiver.events
    assert event["signature_valid"] is True and event["path"] == "/hooks/dam"
    assert event["payload"]["event"] == "campaign.advanced" and event["payload"]["campaign_id"] == "LC-2026-0042"
    assert event["payload"]["data"] == PAYLOAD and event["payload"]["sent_at"].endswith("Z")
    (row,) = _rows(database)
    assert (row["template"], row["channel"], row["status"], row["attempts"]) == \
        ("campaign.advanced", "webhook", "sent", 1)
    # the next tick repeats the same event: de-duplicated, nothing posted
    assert Notifier(_config(webhook_receiver.url), store=NotificationStore(database)).send_webhook(
        "campaign.advanced", "LC-2026-0042", PAYLOAD) == "duplicate"
    assert len(webhook_receiver.events) == 1


def test_signature_is_hmac_sha256_of_the_exact_body():
    receiver = RecordingReceiver(WEBHOOK_SECRET).start()
    try:
        assert Notifier(_config(receiver.url)).send_webhook("e", "C", {"x": "é"}) == "sent"
        ((body, signature, ctype),) = receiver.raw
        assert signature == hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert ctype == "application/json" and json.loads(body.decode("utf-8"))["data"] == {"x": "é"}
    finally:
        receiver.stop()


def test_a_receiver_with_another_secret_rejects_the_signature(webhook_receiver):
    assert Notifier(_config(webhook_receiver.url, secret="not-the-shared-secret")).send_webhook(
        "e", "C", {}) == "sent"
    assert webhook_receiver.events[0]["signature_valid"] is False


def test_unsigned_when_no_secret(webhook_receiver):
    assert Notifier(_config(webhook_receiver.url, secret="")).send_webhook("e", "C", {}) == "sent"
    assert webhook_receiver.events[0]["signature_valid"] is False     # the receiver expects one: none was sent


def test_transient_503_is_retried_within_the_call():
    receiver = WebhookReceiver(WEBHOOK_SECRET)
    middleware = SandboxMiddleware(receiver, lambda status, message: ("application/json", b'{"error": "busy"}'))
    middleware.set_faults([{"method": "POST", "path": "^/hooks/", "status": 503, "count": 2}])
    server = ServerThread(middleware).start()
    try:
        assert Notifier(_config(server.url + "/hooks/dam")).send_webhook("e", "C", {"n": 1}) == "sent"
        assert middleware.snapshot()["total"] == 3
        assert len(receiver.events) == 1 and receiver.events[0]["signature_valid"] is True
    finally:
        server.stop()


def test_receiver_down_is_failed_warned_and_retried_next_tick(database, caplog):
    receiver = WebhookReceiver(WEBHOOK_SECRET)
    server = ServerThread(receiver).start()
    url, port = server.url + "/hooks/dam", server.port
    server.stop()
    with caplog.at_level(logging.WARNING):
        assert Notifier(_config(url), store=NotificationStore(database)).send_webhook("campaign.advanced", "C", PAYLOAD) == "failed"
    assert any(r.levelno == logging.WARNING and "next run retries" in r.getMessage() for r in caplog.records)
    assert WEBHOOK_SECRET not in caplog.text
    (row,) = _rows(database)
    assert row["status"] == "failed" and "network error" in row["last_error"]
    assert "/hooks/dam" not in row["last_error"] and "/hooks/dam" not in caplog.text
    # a later tick, the receiver is back on the same address: the event goes out once
    server = ServerThread(receiver, port=port).start()
    try:
        assert Notifier(_config(url), store=NotificationStore(database)).send_webhook("campaign.advanced", "C", PAYLOAD) == "sent"
        assert Notifier(_config(url), store=NotificationStore(database)).send_webhook("campaign.advanced", "C", PAYLOAD) == \
            "duplicate"
        assert len(receiver.events) == 1 and receiver.events[0]["signature_valid"] is True
        (row,) = _rows(database)
        assert row["status"] == "sent" and row["attempts"] == 2
    finally:
        server.stop()


def test_disabled_without_url(webhook_receiver):
    assert Notifier(_config("")).send_webhook("e", "C", {}) == "disabled"
    assert webhook_receiver.events == []
