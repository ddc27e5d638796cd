"""DAM authentication and transport over real sockets: OAuth2 tokens (expiry, refresh, 401 retry, bad secrets),
the mTLS handshake (accepted, refused without a certificate or with one from another CA), PFX problems, private PEM
files removed at close and on SIGTERM, retries with Retry-After, dropped connections, and error mapping."""
# ruff: noqa: F811  (pytest fixtures imported from dam_fixtures are parameters of the tests)
import copy
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from scripts.shared.dam.dam_client import DAMClient
from scripts.shared.core.errors import ServiceError, SuiteError
from tests.integration.dam_fixtures import ROOT, SPECIAL, dam, dam_cfg, dam_config, otmm, otmm_pki_dir  # noqa: F401


def counts(sandbox, key):
    return sandbox.middleware.snapshot()["by_endpoint"].get(key, 0)


# -- OAuth2 ---------------------------------------------------------------------------------------------------------
def test_token_is_cached_and_reused(dam, otmm):
    for _ in range(3):
        dam.ping()
    assert counts(otmm, "POST /otdsws/oauth2/token") == 1
    assert counts(otmm, "GET /otmmapi/v6/folders/rootfolders") == 3


def test_expired_token_is_refreshed_once_after_a_401(dam, otmm):
    dam.ping()
    otmm.expire_tokens()
    assert dam.find_campaign("LC-2026-0042").status == "A1"
    assert counts(otmm, "POST /otdsws/oauth2/token") == 2


def test_token_refreshed_before_it_expires(otmm, dam_cfg):
    # every token the sandbox issues now lives 3 s; the configured 2 s margin is capped at half the lifetime (1 s,
    # issue #16), so the client refreshes once less than 1 s is left
    otmm.state.token_lifetime = 3
    with DAMClient(dict(dam_cfg, token_refresh_margin_seconds=2)) as client:
        client.ping()
        time.sleep(2.2)
        client.ping()
        assert counts(otmm, "POST /otdsws/oauth2/token") == 2
        assert counts(otmm, "GET /otmmapi/v6/folders/rootfolders") == 2  # no 401 on the way


def test_otmm_token_shape_is_accepted(otmm, dam_cfg):
    otmm.app.token_shape = "otmm"
    with DAMClient(dam_cfg) as client:
        assert client.ping()["root_folders"] == 3


def test_token_rejected_twice_fails_with_the_message(otmm, dam_cfg):
    otmm.middleware.set_faults([{"method": "GET", "path": "rootfolders", "status": 401}])
    with DAMClient(dam_cfg) as client:
        with pytest.raises(ServiceError) as info:
            client.ping()
    assert info.value.status == 401 and "DAM_CLIENT_ID" in info.value.fix
    assert counts(otmm, "POST /otdsws/oauth2/token") == 2


def test_wrong_client_secret_is_reported_without_the_secret(otmm, dam_cfg):
    with DAMClient(dict(dam_cfg, client_secret="not-the-secret")) as client:
        with pytest.raises(ServiceError) as info:
            client.ping()
    text = str(info.value)
    assert info.value.status == 401 and "Client authentication failed" in text
    assert "not-the-secret" not in text and otmm.client_secret not in text
    assert info.value.path == "/otdsws/oauth2/token"


# -- retries and errors -------------------------------------------------------------------------------------------
def test_503_and_429_with_retry_after_are_retried(dam, otmm):
    otmm.middleware.set_faults([{"path": "rootfolders", "status": 503, "retry_after": 0, "count": 1},
                                {"path": "rootfolders", "status": 429, "retry_after": 0, "count": 1}])
    assert dam.ping()["root_folders"] == 3
    assert counts(otmm, "GET /otmmapi/v6/folders/rootfolders") == 3


def test_retry_budget_is_bounded(dam, otmm):
    otmm.middleware.set_faults([{"path": "rootfolders", "status": 503, "retry_after": 0}])
    with pytest.raises(ServiceError) as info:
        dam.ping()
    assert info.value.status == 503 and info.value.retryable
    assert counts(otmm, "GET /otmmapi/v6/folders/rootfolders") == 4  # dam.retry.max_attempts


def test_a_long_retry_after_is_not_waited_for(otmm, dam_cfg):
    otmm.middleware.set_faults([{"path": "rootfolders", "status": 429, "retry_after": 3600}])
    with DAMClient(dict(dam_cfg, retry=dict(dam_cfg["retry"], max_wait_seconds=5))) as client:
        start = time.time()
        with pytest.raises(ServiceError) as info:
            client.ping()
    assert time.time() - start < 5 and "over the limit" in info.value.message


def test_dropped_connection_and_truncated_json_are_retried(dam, otmm):
    otmm.middleware.set_faults([{"path": "rootfolders", "drop": True, "count": 1},
                                {"path": "/children", "truncate": True, "count": 1}])
    assert dam.ping()["root_folders"] == 3
    assert len(list(dam.iter_assets(otmm.folder_id("LC-2026-0043", "Master Assets")))) == 2


def test_errors_carry_status_method_path_and_server_message_never_the_token(dam, otmm):
    dam.ping()
    token = dam.tokens.token
    with pytest.raises(ServiceError) as info:
        dam.get_asset_metadata("e" * 40)
    err = info.value
    assert (err.status, err.method, err.path) == (404, "GET", "/otmmapi/v6/assets/" + "e" * 40)
    assert "does not exist or is not visible" in err.message
    assert token not in str(err) and "load_type" not in str(err)


# -- mTLS -------------------------------------------------------------------------------------------------------------
def test_mtls_handshake_with_the_key_off_the_disk(otmm, dam_cfg):
    client = DAMClient(copy.deepcopy(dam_cfg), auth_mode="mtls", field_ids=SPECIAL)
    directory = client.mtls.directory
    assert not os.path.exists(directory)  # loaded into the TLS context, files removed before the first request
    assert client.ping() == {"auth": "mtls", "root_folders": 3}
    assert counts(otmm, "POST /otdsws/oauth2/token") == 0  # the certificate is the credential
    client.close()
    assert not os.path.exists(directory)


def test_mtls_listener_refuses_a_connection_without_client_certificate(otmm):
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        requests.get(otmm.mtls_base_url + "/v6/folders/rootfolders", verify=otmm.ca_bundle, timeout=5)


def test_mtls_refused_with_a_certificate_from_another_ca(otmm, dam_cfg):
    cfg = dict(dam_cfg, mtls_cert_path=otmm.pki["client_other_ca_pfx"], retry={"max_attempts": 1})
    with DAMClient(cfg, auth_mode="mtls") as client:
        with pytest.raises(SuiteError) as info:
            client.ping()
    # issue #16: the refusal is named as a TLS cause (wrong PFX first, the IP whitelist second), no urllib3 pool text
    text = str(info.value)
    assert "TLS" in text and "client certificate" in text and "wrong PFX?" in info.value.fix
    assert "HTTPSConnectionPool" not in text and "load_type" not in text


def test_server_certificate_from_an_unknown_ca_is_not_trusted(otmm, dam_cfg):
    cfg = dict(dam_cfg, ca_bundle=otmm.pki["other_ca_cert"], retry={"max_attempts": 1})
    with DAMClient(cfg, auth_mode="mtls") as client:
        with pytest.raises(ServiceError) as info:
            client.ping()
    assert "DAM_CA_BUNDLE" in info.value.fix


@pytest.mark.parametrize("case", ["missing", "password", "expired"])
def test_pfx_problems_are_explained(otmm, dam_cfg, tmp_path, case):
    cfg = dict(dam_cfg)
    if case == "missing":
        cfg["mtls_cert_path"] = str(tmp_path / "nowhere.pfx")
    elif case == "password":
        cfg["mtls_cert_password"] = "wrong"
    else:
        cfg["mtls_cert_path"] = otmm.pki["client_expired_pfx"]
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg, auth_mode="mtls")
    text = str(info.value)
    if case == "missing":
        assert "not found at" in text and "DAM_MTLS_CERT_PATH" in info.value.fix
    elif case == "password":
        assert "wrong password" in text and "DAM_MTLS_CERT_PASSWORD" in info.value.fix
    else:
        assert "expired on 20" in text and "renewed certificate" in info.value.fix


def test_no_pem_files_while_running_and_clean_exit_on_sigterm(otmm, dam_cfg, tmp_path):
    script = (
        "import json, sys, time\n"
        "sys.path.insert(0, {root!r})\n"
        "from scripts.shared.dam.dam_client import DAMClient\n"
        "cfg = json.loads(sys.argv[1])\n"
        "client = DAMClient(cfg, auth_mode='mtls')\n"
        "client.ping()\n"
        "print(client.mtls.directory, flush=True)\n"
        "time.sleep(60)\n").format(root=ROOT)
    import json
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(dam_cfg)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        directory = proc.stdout.readline().strip()
        assert directory and not os.path.exists(directory)  # the key lives in the TLS context only
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not os.path.exists(directory)


def test_dam_config_helper_targets_both_doors(otmm):
    cfg = dam_config(otmm)
    assert cfg["base_url"].startswith("http://") and cfg["mtls_base_url"].startswith("https://localhost:")
