"""Notifier emails through a real SMTP server (STARTTLS + AUTH, certificate checked) and the real dedupe store."""
# ruff: noqa: F811  (pytest fixtures imported from notify_fixtures are parameters of the tests)
import copy
import logging
import os

import pytest

from scripts.shared.notify.notifier import Notifier, check_smtp
from scripts.shared.store.notifications import NotificationStore
from scripts.shared.core.errors import ServiceError
from scripts.shared.workflows.sample_contexts import sample_contexts
from sandbox.smtp_server import SMTPCatcher
from tests.integration.notify_fixtures import (SMTP_PASSWORD, notifications_section, notify_config,  # noqa: F401
                                               smtp_catcher, smtp_pki, smtp_section)


def _rows(database):
    with database.cursor() as cur:
        cur.execute("SELECT campaign_id, template, channel, status, attempts, last_error, sent_at "
                    "FROM notifications ORDER BY id")
        return cur.fetchall()


def test_email_arrives_with_html_and_text_parts(notify_config, smtp_catcher):
    ctx = sample_contexts()["a5_to_a6_rejections"]
    notifier = Notifier(notify_config)
    status = notifier.send_email("a5_to_a6_rejections", "LC-2026-0042", ctx,
                                 extra_recipients=("agency@studio.example",))
    assert status == "sent"
    (msg,) = smtp_catcher.messages()
    subject, html, text = notifier.render("a5_to_a6_rejections", ctx)
    assert str(msg["Subject"]) == subject == \
        "[A5→A6] LC-2026-0042 Nutella Spring: 2 rejected asset(s) sent back for rework"
    assert str(msg["From"]) == "DAM Automation <dam-automation@example.com>"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ops@example.com", "mops@example.com",
                                                          "agency@studio.example"]
    assert smtp_catcher.envelope_recipients == [["ops@example.com", "mops@example.com", "agency@studio.example"]]
    assert msg.get_content_type() == "multipart/alternative"
    html_part, text_part = msg.get_body(("html",)), msg.get_body(("plain",))
    assert html_part.get_content().replace("\r\n", "\n").strip() == html.strip()    # CRLF on the wire
    assert text_part.get_content().replace("\r\n", "\n").strip() == text.strip()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part.get_content()
    assert "<script>" not in html_part.get_content()
    assert "https://app.box.com/file/900000000004" in text_part.get_content()
    assert msg["Message-ID"] and msg["Date"]
    assert SMTP_PASSWORD not in msg.as_string()


def test_second_identical_email_is_a_duplicate(notify_config, smtp_catcher, database):
    notifier = Notifier(notify_config, store=NotificationStore(database))
    ctx = sample_contexts()["a1_to_a2_partial"]
    assert notifier.send_email("a1_to_a2_partial", "LC-2026-0042", ctx) == "sent"
    # the next tick: new run id and time, same failures -> not sent again
    later = dict(copy.deepcopy(ctx), run_id="another-run", generated_at="2026-11-24T19:05:00Z")
    assert Notifier(notify_config, store=NotificationStore(database)).send_email("a1_to_a2_partial", "LC-2026-0042", later) == \
        "duplicate"
    assert len(smtp_catcher.messages()) == 1
    # different content (another failure) is news: sent
    other = dict(copy.deepcopy(ctx), failures=ctx["failures"] + [
        {"tracking_id": "Z9Z9Z9", "filename": "b.jpg", "reason": "HTTP 500", "fix": "retried"}])
    assert notifier.send_email("a1_to_a2_partial", "LC-2026-0042", other) == "sent"
    assert len(smtp_catcher.messages()) == 2
    rows = _rows(database)
    assert [(r["campaign_id"], r["template"], r["channel"], r["status"], r["attempts"]) for r in rows] == [
        ("LC-2026-0042", "a1_to_a2_partial", "email", "sent", 1),
        ("LC-2026-0042", "a1_to_a2_partial", "email", "sent", 1)]
    assert all(r["sent_at"] is not None for r in rows)


def test_failed_send_is_recorded_and_retried_by_a_later_tick(notify_config, smtp_catcher, database, caplog):
    broken = dict(notify_config, smtp=dict(notify_config["smtp"], password="wrong-password"))
    ctx = sample_contexts()["run_error"]
    with caplog.at_level(logging.WARNING):
        assert Notifier(broken, store=NotificationStore(database)).send_email("run_error", "", ctx) == "failed"
    assert smtp_catcher.messages() == []
    (row,) = _rows(database)
    assert row["status"] == "failed" and row["attempts"] == 1 and "SMTPAuthenticationError" in row["last_error"]
    assert "wrong-password" not in row["last_error"] and "wrong-password" not in caplog.text
    assert any(r.levelno == logging.WARNING and "run_error could not be sent" in r.getMessage()
               for r in caplog.records)
    # the operator fixes the password; the next tick sends the same alert once
    assert Notifier(notify_config, store=NotificationStore(database)).send_email("run_error", "", ctx) == "sent"
    assert Notifier(notify_config, store=NotificationStore(database)).send_email("run_error", "", ctx) == "duplicate"
    assert len(smtp_catcher.messages()) == 1
    (row,) = _rows(database)
    assert row["status"] == "sent" and row["attempts"] == 2
    (msg,) = smtp_catcher.messages()
    assert "oncall@example.com" in str(msg["To"])


def test_refused_login_is_not_retried_within_the_run(notify_config, smtp_catcher):
    broken = dict(notify_config, smtp=dict(notify_config["smtp"], password="nope", max_attempts=5,
                                           retry_backoff_seconds=60))
    notifier = Notifier(broken)
    pauses = []
    notifier._sleep = pauses.append
    assert notifier.send_email("run_error", "", sample_contexts()["run_error"]) == "failed"
    assert pauses == []


def test_server_certificate_is_verified(notify_config, smtp_catcher, smtp_pki):
    for ca_bundle in (smtp_pki["other_ca_cert"], ""):     # unrelated CA, and the system store
        cfg = dict(notify_config, smtp=dict(notify_config["smtp"], ca_bundle=ca_bundle))
        assert Notifier(cfg).send_email("run_error", "", sample_contexts()["run_error"]) == "failed"
    assert smtp_catcher.messages() == []


def test_plain_smtp_to_a_server_that_requires_starttls_fails(notify_config, smtp_catcher):
    cfg = dict(notify_config, smtp=dict(notify_config["smtp"], security="none"))
    assert Notifier(cfg).send_email("run_error", "", sample_contexts()["run_error"]) == "failed"
    assert smtp_catcher.messages() == []


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it(tmp_path, smtp_pki):
    plain = SMTPCatcher(str(tmp_path / "plain")).start()     # no TLS at all: no downgrade to plain text
    try:
        cfg = {"smtp": smtp_section(plain, smtp_pki["ca_cert"], username="", password=""),
               "notifications": notifications_section()}
        assert Notifier(cfg).send_email("run_error", "", sample_contexts()["run_error"]) == "failed"
        assert plain.messages() == []
    finally:
        plain.stop()


def test_ssl_mode_over_implicit_tls(tmp_path, smtp_pki):
    catcher = SMTPCatcher(str(tmp_path / "mail465"), tls_cert=smtp_pki["server_cert"],
                          tls_key=smtp_pki["server_key"], implicit_tls=True).start()
    try:
        cfg = {"smtp": smtp_section(catcher, smtp_pki["ca_cert"], security="ssl", username="", password=""),
               "notifications": notifications_section()}
        assert Notifier(cfg).send_email("b1_to_b2_complete", "GM-2026-0007",
                                        sample_contexts()["b1_to_b2_complete"]) == "sent"
        assert str(catcher.messages()[0]["Subject"]).startswith("[B1→B2] GM-2026-0007")
    finally:
        catcher.stop()


def test_every_template_goes_through_smtp(notify_config, smtp_catcher):
    notifier = Notifier(notify_config)
    contexts = sample_contexts()
    for name in sorted(contexts):
        assert notifier.send_email(name, "LC-2026-0042", contexts[name]) == "sent", name
    subjects = [str(m["Subject"]) for m in smtp_catcher.messages()]
    assert subjects == [notifier.render(n, contexts[n])[0] for n in sorted(contexts)]
    html_files = [n for n in os.listdir(smtp_catcher.out_dir) if n.endswith(".html")]
    assert len(html_files) == 13


def test_check_smtp_for_test_connection(notify_config, smtp_catcher):
    check_smtp(notify_config)                                   # connects, STARTTLS, logs in; sends nothing
    assert smtp_catcher.messages() == []
    with pytest.raises(ServiceError) as info:
        check_smtp(dict(notify_config, smtp=dict(notify_config["smtp"], password="Bad-Pass-xyz")))
    assert "login refused" in str(info.value) and "SMTP_PASSWORD" in str(info.value)
    assert "Bad-Pass-xyz" not in str(info.value)


def test_attachments_arrive_as_text_and_binary_parts(notify_config, smtp_catcher):
    """The daily report attaches its CSV: (filename, bytes, mimetype); non-text (or non-UTF-8) data stays bytes."""
    ctx = sample_contexts()["daily_summary_report"]
    csv_text = "workflow,campaigns_advanced\nA1→A2,3\n"
    blob = bytes(range(256))
    status = Notifier(notify_config).send_email(
        "daily_summary_report", "", ctx,
        attachments=[("daily_report_2026-11-24.csv", csv_text.encode("utf-8"), "text/csv"),
                     ("raw.bin", blob, "application/octet-stream"),
                     ("latin1.txt", "café".encode("latin-1"), "text/plain")])
    assert status == "sent"
    (msg,) = smtp_catcher.messages()
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None
    parts = {p.get_filename(): p for p in msg.iter_attachments()}
    assert sorted(parts) == ["daily_report_2026-11-24.csv", "latin1.txt", "raw.bin"]
    assert parts["daily_report_2026-11-24.csv"].get_content_type() == "text/csv"
    assert parts["daily_report_2026-11-24.csv"].get_content().replace("\r\n", "\n") == csv_text
    assert parts["raw.bin"].get_content() == blob
    assert parts["latin1.txt"].get_payload(decode=True) == "café".encode("latin-1")   # bytes kept as sent
