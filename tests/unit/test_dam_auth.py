"""The mTLS client certificate: PFX turned into private PEM files, removed at close; operator-facing errors for a
missing file, a wrong password and certificates outside their validity (Python 3.6 compatible)."""
import datetime
import os
import ssl
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from scripts.shared.dam import dam_auth
from scripts.shared.dam.dam_client import DAMClient
from scripts.shared.core.errors import SuiteError

PASSWORD = "pfx-pass"


def make_pfx(path, days=(-1, 30), password=PASSWORD):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"dam-client")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0]))
            .not_valid_after(now + datetime.timedelta(days=days[1])).sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"dam-client", key, cert, None,
                                                 serialization.BestAvailableEncryption(password.encode()))
    with open(str(path), "wb") as f:
        f.write(data)
    return str(path)


def cfg(pfx, password=PASSWORD):
    return {"base_url": "https://dam.example.com/otmmapi", "mtls_base_url": "https://mtls.example.com/otmmapi",
            "mtls_cert_path": pfx, "mtls_cert_password": password, "retry": {"max_attempts": 1}}


def test_key_is_loaded_into_the_tls_context_and_off_the_disk_at_once(tmp_path):
    client = DAMClient(cfg(make_pfx(tmp_path / "c.pfx")), auth_mode="mtls")
    files = client.mtls
    assert client.api == "https://mtls.example.com/otmmapi/v6" and client.tokens is None
    assert os.path.basename(files.directory).startswith("dam-mtls-{}-".format(os.getpid()))
    assert not os.path.exists(files.directory) and files.directory not in dam_auth._TEMP_DIRS
    assert files.ssl_context.verify_mode == ssl.CERT_REQUIRED  # verification stays on
    client.close()
    with pytest.raises(SuiteError):
        client.ping()


def test_start_up_sweeps_key_dirs_of_dead_processes_only(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / "dam-mtls-{}-abc".format(dead.pid)
    live = tmp_path / "dam-mtls-{}-def".format(os.getpid())
    other = tmp_path / "dam-mtls-notapid"
    for d in (left, live, other):
        d.mkdir()
        (d / "client.key").write_text("PRIVATE KEY")
    dam_auth.sweep_dead_key_dirs(str(tmp_path))
    assert not left.exists() and live.exists() and other.exists()


def test_missing_pfx(tmp_path):
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg(str(tmp_path / "none.pfx")), auth_mode="mtls")
    assert "not found at" in str(info.value) and "DAM_MTLS_CERT_PATH" in info.value.fix


def test_wrong_password(tmp_path):
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg(make_pfx(tmp_path / "c.pfx"), password="nope"), auth_mode="mtls")
    assert "wrong password" in str(info.value) and "DAM_MTLS_CERT_PASSWORD" in info.value.fix
    assert "nope" not in str(info.value)


def test_not_a_pfx(tmp_path):
    path = tmp_path / "c.pfx"
    path.write_bytes(b"this is not a certificate")
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg(str(path)), auth_mode="mtls")
    assert "not a PFX" in str(info.value)


def test_expired_certificate_says_when(tmp_path):
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg(make_pfx(tmp_path / "c.pfx", days=(-30, -2))), auth_mode="mtls")
    expected = (datetime.datetime.utcnow() - datetime.timedelta(days=2)).strftime("%Y-%m-%d")
    assert "expired on {}".format(expected) in str(info.value) and "renewed" in info.value.fix


def test_not_yet_valid_certificate_says_from_when(tmp_path):
    with pytest.raises(SuiteError) as info:
        DAMClient(cfg(make_pfx(tmp_path / "c.pfx", days=(3, 30))), auth_mode="mtls")
    expected = (datetime.datetime.utcnow() + datetime.timedelta(days=3)).strftime("%Y-%m-%d")
    assert "not valid yet: valid from {}".format(expected) in str(info.value) and "clock" in info.value.fix


def test_threads_that_saw_the_same_401_share_one_refresh():
    issued = []

    def post(url, data):
        issued.append(data["grant_type"])
        return {"access_token": "t{}".format(len(issued)), "expires_in": 3600}

    cache = dam_auth.TokenCache({"auth_url": "https://auth.example.com/token"}, post)
    first = cache.get()
    assert cache.get(rejected=first) == "t2"
    assert cache.get(rejected=first) == "t2"  # a second thread with the same rejected token: no new fetch
    assert cache.get(force=True) == "t3"
    assert issued == ["client_credentials"] * 3


def test_short_lived_token_is_not_fetched_before_every_call():
    """Issue #16: a 30 s token with the default 120 s margin used to cost one token request per API call."""
    calls = []

    def post(url, data):
        calls.append(url)
        return {"access_token": "t{}".format(len(calls)), "expires_in": 30}

    cache = dam_auth.TokenCache({"auth_url": "https://auth.example.com/token", "token_refresh_margin_seconds": 120},
                                post)
    tokens = [cache.get() for _ in range(5)]
    assert len(calls) == 1 and set(tokens) == {"t1"}
    assert cache.margin == 15
    assert dam_auth.refresh_margin(120, 3600) == 120 and dam_auth.refresh_margin(120, 1) == 0
