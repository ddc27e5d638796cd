"""Throw-away PKI for the sandboxes: a CA, a localhost server certificate and client PFX files.

``make_pki(directory)`` writes (and returns the paths of):
  ca.pem / ca.key            the sandbox CA (trust it with DAM_CA_BUNDLE / BOX_CA_BUNDLE)
  server.pem / server.key    CN=localhost, SAN localhost + 127.0.0.1, signed by the CA
  client.pfx                 client certificate + key signed by the CA, password ``client_pfx_password``
  client-expired.pfx         same CA, validity ended yesterday
  client-other-ca.pfx        signed by an unrelated CA (must be refused by the mTLS listener)
  other-ca.pem               that unrelated CA (for "unknown CA" tests of TLS verification)
  other-server.pem/.key      a localhost server certificate signed by the unrelated CA
Existing files are reused, so a sandbox restart keeps its trust anchors.
"""
import datetime
import ipaddress
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CLIENT_PFX_PASSWORD = "sandbox-pfx-pass"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DAM sandbox"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_key, cn, issuer_key=None, issuer_name=None, ca=False, server=False, days=(-1, 825)):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn))
               .issuer_name(issuer_name or _name(cn))
               .public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now + datetime.timedelta(days=days[0]))
               .not_valid_after(now + datetime.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key or subject_key, hashes.SHA256())


def _write(path, data, mode=0o600):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pfx(path, name, key, cert, ca_cert, password):
    data = pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(password.encode()))
    _write(path, data)


def make_pki(directory):
    """Create (or reuse) the sandbox PKI in ``directory``; return a dict of paths and the PFX password."""
    os.makedirs(directory, exist_ok=True)
    paths = {k: os.path.join(directory, v) for k, v in {
        "ca_cert": "ca.pem", "ca_key": "ca.key", "server_cert": "server.pem", "server_key": "server.key",
        "client_pfx": "client.pfx", "client_expired_pfx": "client-expired.pfx",
        "client_other_ca_pfx": "client-other-ca.pfx", "other_ca_cert": "other-ca.pem",
        "other_server_cert": "other-server.pem", "other_server_key": "other-server.key"}.items()}
    marker = os.path.join(directory, "pki.json")
    if not os.path.exists(marker):
        ca_key, other_key = _key(), _key()
        ca = _cert(ca_key, "DAM sandbox CA", ca=True)
        other = _cert(other_key, "Unrelated CA", ca=True)
        _write(paths["ca_cert"], _pem_cert(ca), 0o644)
        _write(paths["ca_key"], _pem_key(ca_key))
        _write(paths["other_ca_cert"], _pem_cert(other), 0o644)
        server_key = _key()
        _write(paths["server_cert"], _pem_cert(_cert(server_key, "localhost", ca_key, ca.subject, server=True)), 0o644)
        _write(paths["server_key"], _pem_key(server_key))
        oserver_key = _key()
        _write(paths["other_server_cert"],
               _pem_cert(_cert(oserver_key, "localhost", other_key, other.subject, server=True)), 0o644)
        _write(paths["other_server_key"], _pem_key(oserver_key))
        client_key = _key()
        _pfx(paths["client_pfx"], "dam-client", client_key,
             _cert(client_key, "dam-client", ca_key, ca.subject), ca, CLIENT_PFX_PASSWORD)
        _pfx(paths["client_expired_pfx"], "dam-client-expired", client_key,
             _cert(client_key, "dam-client-expired", ca_key, ca.subject, days=(-400, -1)), ca, CLIENT_PFX_PASSWORD)
        _pfx(paths["client_other_ca_pfx"], "dam-client-other", client_key,
             _cert(client_key, "dam-client-other", other_key, other.subject), other, CLIENT_PFX_PASSWORD)
        with open(marker, "w") as f:
            json.dump({"client_pfx_password": CLIENT_PFX_PASSWORD}, f)
    result = dict(paths)
    result["client_pfx_password"] = CLIENT_PFX_PASSWORD
    return result


def server_ssl_context(pki, require_client_cert=False, use_other_ca=False):
    """An ssl.SSLContext for a sandbox HTTPS listener; with ``require_client_cert`` it is an mTLS endpoint."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if use_other_ca:
        ctx.load_cert_chain(pki["other_server_cert"], pki["other_server_key"])
    else:
        ctx.load_cert_chain(pki["server_cert"], pki["server_key"])
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pki["ca_cert"])
    return ctx
