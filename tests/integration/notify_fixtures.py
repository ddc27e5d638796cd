"""Fixtures for the notifier and SMTP tests: a throw-away PKI, a real SMTP server (STARTTLS + AUTH) capturing to
disk, a webhook receiver that checks signatures, and the notifier configuration pointing at them.

Test modules import the fixtures by name (``from tests.integration.notify_fixtures import smtp_catcher, ...``).
"""
import os

import pytest

from sandbox.pki import make_pki
from sandbox.smtp_server import SMTPCatcher
from sandbox.webhook_receiver import WebhookReceiver

SMTP_USER = "postmaster@mg.example.com"
SMTP_PASSWORD = "smtp-Pa55word-never-logged"
WEBHOOK_SECRET = "whsec-never-logged-42"


@pytest.fixture(scope="session")
def smtp_pki(sandbox_pki_dir):
    """ca_cert, server_cert/server_key (CN localhost, SAN 127.0.0.1) and an unrelated CA's server pair."""
    return make_pki(sandbox_pki_dir)


@pytest.fixture
def smtp_catcher(tmp_path, smtp_pki):
    """A running SMTP server that requires STARTTLS and AUTH (SMTP_USER / SMTP_PASSWORD)."""
    catcher = SMTPCatcher(str(tmp_path / "mail"), username=SMTP_USER, password=SMTP_PASSWORD,
                          tls_cert=smtp_pki["server_cert"], tls_key=smtp_pki["server_key"]).start()
    yield catcher
    catcher.stop()


def smtp_section(catcher, ca_bundle, **overrides):
    """config['smtp'] for ``catcher`` as the loader would produce it."""
    section = {"host": "127.0.0.1", "port": catcher.port, "security": "starttls", "username": SMTP_USER,
               "password": SMTP_PASSWORD, "from_address": "DAM Automation <dam-automation@example.com>",
               "ca_bundle": ca_bundle, "timeout_seconds": 10, "max_attempts": 2, "retry_backoff_seconds": 0}
    section.update(overrides)
    return section


def notifications_section(**overrides):
    section = {"default_recipients": "ops@example.com, Marketing Ops <mops@example.com>",
               "agency_templates": ["a1_to_a2_complete", "a5_to_a6_rejections", "a2_to_a3_file_uploaded"],
               "recipients": {"run_error": "oncall@example.com"}, "webhook_url": "", "webhook_secret": "",
               "webhook_timeout_seconds": 5, "healthcheck_url": ""}
    section.update(overrides)
    return section


@pytest.fixture
def notify_config(smtp_catcher, smtp_pki):
    """The whole config dict a Notifier takes (only the smtp and notifications sections matter)."""
    return {"smtp": smtp_section(smtp_catcher, smtp_pki["ca_cert"]), "notifications": notifications_section(),
            "project_root": os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))}


@pytest.fixture
def webhook_receiver():
    """A local HTTP endpoint recording every POST and whether its X-Signature-SHA256 matches WEBHOOK_SECRET."""
    receiver = WebhookReceiver(WEBHOOK_SECRET).start()
    yield receiver
    receiver.stop()
