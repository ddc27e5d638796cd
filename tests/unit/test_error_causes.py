"""Errors point the right way: TLS alerts named by cause, unreachable hosts as host:port with a DNS/firewall fix and
no urllib3 pool text, retries at INFO (issue #16)."""
import logging
import socket

import pytest
import requests

from scripts.shared.core.errors import ServiceError
from scripts.shared.core.http_retry import RetryPolicy, network_cause, send_with_retry, tls_cause

POOL = ("HTTPSConnectionPool(host='dam.example.com', port=8443): Max retries exceeded with url: /otmmapi/v6/x "
        "(Caused by {})")


@pytest.mark.parametrize("alert,expected,fix", [
    ("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca", "does not trust the issuer of our client certificate",
     "wrong PFX?"),
    ("[SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired", "refused our client certificate as "
     "expired", "renewed certificate"),
    ("[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate", "'bad certificate'", "chain"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", "server certificate of "
     "dam.example.com:8443 has expired", "renew"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
     "is not trusted", "DAM_CA_BUNDLE"),
])
def test_tls_alerts_are_mapped_to_causes(alert, expected, fix):
    exc = requests.exceptions.SSLError(POOL.format("SSLError(SSLError(1, '{} (_ssl.c:2580)'))".format(alert)))
    message, hint = tls_cause("DAM", "https://dam.example.com:8443/otmmapi/v6/x", exc)
    assert expected in message and fix in hint
    assert "HTTPSConnectionPool" not in message and "whitelisted" not in message + hint


def test_unresolvable_host_names_dns():
    exc = requests.exceptions.ConnectionError(POOL.format(
        "NameResolutionError(\"Failed to resolve 'dam.example.com' ([Errno -2] Name or service not known)\")"))
    message, fix = network_cause("https://dam.example.com:8443/otmmapi", exc)
    assert message == "network error: cannot resolve the host name of dam.example.com:8443 (DNS)" and "DNS" in fix


def test_unreachable_host_is_named_with_a_firewall_fix_and_retries_log_at_info(caplog):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    caplog.set_level(logging.INFO)
    with requests.Session() as session, pytest.raises(ServiceError) as err:
        send_with_retry(session, "GET", "http://127.0.0.1:{}/otmmapi/v6/x".format(port), "DAM",
                        RetryPolicy(max_attempts=2, base=0.01, cap=0.01), lambda r: ("", None), "/otmmapi/v6/x",
                        timeout=5)
    text = str(err.value)
    assert "cannot reach 127.0.0.1:{} (connection refused)".format(port) in text
    assert "firewall" in text and "HTTPConnectionPool" not in text and "Max retries" not in text
    retries = [r for r in caplog.records if "retry 1/1" in r.getMessage()]
    assert retries and all(r.levelno == logging.INFO for r in retries)


def test_one_items_failure_reads_as_its_own_words_or_its_type_and_text():
    """reason_and_fix: what both engines write into an item's event, log line and email row."""
    from scripts.shared.core.errors import InputError, reason_and_fix
    assert reason_and_fix(InputError("'x.jpg' is empty", fix="upload it again"), "retried") == \
        ("'x.jpg' is empty", "upload it again")
    assert reason_and_fix(ServiceError("Box", "gone", status=404), "the next run retries it")[1] == \
        "the next run retries it"
    assert reason_and_fix(KeyError("size"), "the next run retries it") == ("KeyError: 'size'",
                                                                           "the next run retries it")
