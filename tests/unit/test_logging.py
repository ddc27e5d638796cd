"""Log files: names, context on every line, and no secret ever written."""
import logging
import os

from scripts.shared.core.logging_setup import log_context, setup_logging

PRIVATE_KEY = ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n"
               "-----END ENCRYPTED PRIVATE KEY-----")


def test_context_and_redaction(tmp_path):
    secrets = ["client-secret-XYZ123", "db-pass-987654", "pfx-pass-55555", "smtp-pass-4444"]
    config = {"project_root": str(tmp_path), "logging": {"dir": str(tmp_path / "logs")}, "secrets": secrets}
    run_id = setup_logging("a1_to_a2", config, verbose=True)
    log = logging.getLogger("test")
    with log_context(campaign="LC-2026-0042", tid="K7Q2XM"):
        log.info("asset uploaded")
    log.info("token response: access_token=eyJhbGciOiJSUzI1NiJ9.abc.def expires_in=3600")
    log.info("header Authorization: Bearer abcdefghijklmnop1234")
    log.info("config %s", {"client_secret": "client-secret-XYZ123", "password": "db-pass-987654"})
    log.warning("pfx password pfx-pass-55555 and smtp smtp-pass-4444 rejected")
    log.error("key material %s", PRIVATE_KEY)
    try:
        raise ValueError("failed with secret client-secret-XYZ123")
    except ValueError:
        log.exception("boom")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "a1_to_a2.log").read_text()
    assert "campaign=LC-2026-0042 tid=K7Q2XM" in text and "asset uploaded" in text
    assert "run={}".format(run_id) in text
    for secret in secrets + ["eyJhbGciOiJSUzI1NiJ9.abc.def", "abcdefghijklmnop1234", "MIIFHDBOBgkqhkiG9w0BBQ0wQTAp"]:
        assert secret not in text, secret
    assert text.count("[REDACTED") >= 7
    assert "campaign=- tid=-" in text      # lines outside a context still carry the fields


def test_log_file_names_follow_the_seed(tmp_path):
    config = {"project_root": str(tmp_path), "logging": {"dir": "logs"}}
    for name in ("a1_to_a2", "a5_to_a6", "b1_to_b2", "a2_to_a3", "daily_report"):
        setup_logging(name, config)
        logging.getLogger("x").info("hello")
    assert sorted(os.listdir(str(tmp_path / "logs"))) == sorted(
        ["a1_to_a2.log", "a5_to_a6.log", "b1_to_b2.log", "a2_to_a3.log", "daily_report.log"])
