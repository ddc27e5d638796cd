"""The SMTP capture server over real sockets: STARTTLS, AUTH, what lands on disk, the CLI."""
# ruff: noqa: F811  (pytest fixtures imported from notify_fixtures are parameters of the tests)
import json
import os
import signal
import smtplib
import ssl
import subprocess
import sys
from email.message import EmailMessage

import pytest

from sandbox.smtp_server import SMTPCatcher
from tests.integration.notify_fixtures import SMTP_PASSWORD, SMTP_USER, smtp_catcher, smtp_pki  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _message(subject="Hello <world> → 1", to="ops@example.com"):
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "dam@example.com"
    msg["To"] = to
    msg.set_content("plain body")
    msg.add_alternative("<p>html body é</p>", subtype="html")
    return msg


def _tls(pki):
    return ssl.create_default_context(cafile=pki["ca_cert"])


def test_starttls_auth_and_capture(smtp_catcher, smtp_pki):
    with smtplib.SMTP("127.0.0.1", smtp_catcher.port, timeout=10) as conn:
        conn.starttls(context=_tls(smtp_pki))
        conn.login(SMTP_USER, SMTP_PASSWORD)
        conn.send_message(_message(), to_addrs=["ops@example.com", "bcc@example.com"])
    (msg,) = smtp_catcher.messages()
    assert str(msg["Subject"]) == "Hello <world> → 1"
    assert msg.get_body(("plain",)).get_content().strip() == "plain body"
    assert smtp_catcher.envelope_recipients == [["ops@example.com", "bcc@example.com"]]
    names = sorted(os.listdir(smtp_catcher.out_dir))
    assert names == ["001-Hello-world-1.eml", "001-Hello-world-1.html"]
    with open(os.path.join(smtp_catcher.out_dir, names[1]), encoding="utf-8") as f:
        assert f.read().strip() == "<p>html body é</p>"


def test_wrong_password_is_refused(smtp_catcher, smtp_pki):
    with smtplib.SMTP("127.0.0.1", smtp_catcher.port, timeout=10) as conn:
        conn.starttls(context=_tls(smtp_pki))
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            conn.login(SMTP_USER, "wrong")
        assert info.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPException):
            conn.send_message(_message())
    assert smtp_catcher.messages() == []


def test_auth_is_required_before_mail(smtp_catcher, smtp_pki):
    with smtplib.SMTP("127.0.0.1", smtp_catcher.port, timeout=10) as conn:
        conn.starttls(context=_tls(smtp_pki))
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            conn.send_message(_message())
        assert info.value.smtp_code == 530
    assert smtp_catcher.messages() == []


def test_starttls_is_required_before_auth_or_mail(smtp_catcher):
    with smtplib.SMTP("127.0.0.1", smtp_catcher.port, timeout=10) as conn:
        conn.ehlo()
        assert conn.has_extn("starttls")
        with pytest.raises(smtplib.SMTPException):
            conn.login(SMTP_USER, SMTP_PASSWORD)
        with pytest.raises(smtplib.SMTPSenderRefused):
            conn.send_message(_message())
    assert smtp_catcher.messages() == []


def test_certificate_from_another_ca_is_not_trusted(smtp_catcher, smtp_pki):
    with smtplib.SMTP("127.0.0.1", smtp_catcher.port, timeout=10) as conn:
        with pytest.raises(ssl.SSLError):
            conn.starttls(context=ssl.create_default_context(cafile=smtp_pki["other_ca_cert"]))


def test_implicit_tls_port(tmp_path, smtp_pki):
    catcher = SMTPCatcher(str(tmp_path / "mail"), tls_cert=smtp_pki["server_cert"],
                          tls_key=smtp_pki["server_key"], implicit_tls=True).start()
    try:
        with smtplib.SMTP_SSL("127.0.0.1", catcher.port, timeout=10, context=_tls(smtp_pki)) as conn:
            conn.send_message(_message(subject="over 465"))
        assert [str(m["Subject"]) for m in catcher.messages()] == ["over 465"]
    finally:
        catcher.stop()


def test_numbering_continues_in_an_existing_mailbox(tmp_path):
    out = tmp_path / "mail"
    for round_ in (1, 2):
        catcher = SMTPCatcher(str(out)).start()
        try:
            with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as conn:
                conn.send_message(_message(subject="round {}".format(round_)))
        finally:
            catcher.stop()
    assert sorted(n for n in os.listdir(str(out)) if n.endswith(".eml")) == ["001-round-1.eml", "002-round-2.eml"]
    assert [str(m["Subject"]) for m in SMTPCatcher(str(out)).messages()] == ["round 1", "round 2"]


def test_cli_serves_until_sigterm(tmp_path, smtp_pki):
    out = tmp_path / "cli-mail"
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.smtp_server", "--port", "0", "--out", str(out),
                             "--username", "u", "--password", "p", "--tls-cert", smtp_pki["server_cert"],
                             "--tls-key", smtp_pki["server_key"]],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["SMTP_SECURITY"] == "starttls" and info["out_dir"] == str(out)
        with smtplib.SMTP("127.0.0.1", info["SMTP_PORT"], timeout=10) as conn:
            conn.starttls(context=_tls(smtp_pki))
            conn.login("u", "p")
            conn.send_message(_message(subject="from the CLI"))
        assert [str(m["Subject"]) for m in SMTPCatcher(str(out)).messages()] == ["from the CLI"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read()


def test_cli_rejects_half_options(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sandbox.smtp_server", "--out", str(tmp_path), "--username", "u"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "--username needs --password" in proc.stderr
