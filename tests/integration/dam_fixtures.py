"""Fixtures for the DAM tests: an OTMM sandbox per test (real sockets: plain HTTP + OAuth2, HTTPS + mTLS), the
``dam`` config section pointing at it, and clients in both auth modes.

Test modules import the fixtures by name (``from tests.integration.dam_fixtures import otmm, dam_cfg, ...``).
The PKI (CA, certificates, PFX files) is made once per session and shared by every sandbox.
"""
import copy
import os

import pytest

from sandbox.otmm_server import OTMMSandbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIELDS = {"campaign_id": "FERRERO.FIELD.CAMPAIGN_ID", "campaign_name": "FERRERO.FIELD.CAMPAIGN_NAME",
          "campaign_status": "FERRERO.FIELD.CAMPAIGN_STATUS", "campaign_type": "FERRERO.FIELD.CAMPAIGN_TYPE",
          "global_master_campaign_id": "FERRERO.FIELD.GLOBAL_MASTER_CAMPAIGN_ID",
          "agency_email": "FERRERO.FIELD.AGENCY_EMAIL"}
SPECIAL = {"tracking_id": "FERRERO.FIELD.TRACKING_ID", "source_file_id": "FERRERO.FIELD.SOURCE_FILE_ID"}


def dam_config(sandbox, **overrides):
    """config['dam'] as load_config() would build it for this sandbox (fast retries for tests)."""
    cfg = {"base_url": sandbox.oauth_base_url, "api_version": "v6", "auth_url": sandbox.token_url,
           "grant_type": "client_credentials", "client_id": sandbox.client_id,
           "client_secret": sandbox.client_secret, "username": "", "password": "",
           "token_refresh_margin_seconds": 120, "mtls_base_url": sandbox.mtls_base_url,
           "mtls_cert_path": sandbox.client_pfx, "mtls_cert_password": sandbox.client_pfx_password,
           "ca_bundle": sandbox.ca_bundle, "connect_timeout_seconds": 5, "read_timeout_seconds": 30,
           "retry": {"max_attempts": 4, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05},
           "page_size": 100, "job_poll_deadline_seconds": 20,
           "search": {"search_config_id": 3, "operator_id": "ARTESIA.OPERATOR.CHAR.CONTAINS", "folder_type_id": ""},
           "folders": {"master_assets": "Master Assets", "final_assets": "Final Assets"},
           "fields": dict(FIELDS)}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = dict(cfg[key], **value)
        else:
            cfg[key] = value
    return cfg


@pytest.fixture(scope="session")
def otmm_pki_dir(sandbox_pki_dir):
    return sandbox_pki_dir


@pytest.fixture
def otmm(tmp_path, otmm_pki_dir):
    sandbox = OTMMSandbox(data_dir=str(tmp_path / "otmm"), pki_dir=otmm_pki_dir, job_delay=0.1).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def dam_cfg(otmm):
    return dam_config(otmm)


@pytest.fixture
def dam(dam_cfg):
    from scripts.shared.dam.dam_client import DAMClient
    client = DAMClient(copy.deepcopy(dam_cfg), auth_mode="oauth2", field_ids=SPECIAL)
    yield client
    client.close()


@pytest.fixture
def dam_mtls(dam_cfg):
    from scripts.shared.dam.dam_client import DAMClient
    client = DAMClient(copy.deepcopy(dam_cfg), auth_mode="mtls", field_ids=SPECIAL)
    yield client
    client.close()


@pytest.fixture(params=["oauth2", "mtls"])
def any_dam(request, dam_cfg):
    """The client in each auth mode: every read must behave the same through both doors."""
    from scripts.shared.dam.dam_client import DAMClient
    client = DAMClient(copy.deepcopy(dam_cfg), auth_mode=request.param, field_ids=SPECIAL)
    yield client
    client.close()
