"""The Box sandbox refuses what real Box refuses (box-evidence.md, "Sandbox leniency" L1-L10), over real sockets,
and accepts what real Box accepts (L13-L15; box-sdk-gen's view in test_vendor_witness_box.py)."""
# ruff: noqa: F811  (pytest fixtures imported from box_fixtures are parameters of the tests)
import base64
import hashlib
import json
import time
import uuid

import jwt
import requests

from tests.integration.box_fixtures import box_sandbox  # noqa: F401
from tests.integration.test_box_sandbox import _put, _session, assertion, token, token_request

MB = 1000 * 1000


def auth(t, **extra):
    return dict({"Authorization": "Bearer " + t}, **extra)


def user_assertion(sandbox, sub):
    from cryptography.hazmat.primitives import serialization
    app = sandbox.config["boxAppSettings"]
    key = serialization.load_pem_private_key(app["appAuth"]["privateKey"].encode(),
                                             app["appAuth"]["passphrase"].encode())
    claims = {"iss": app["clientID"], "sub": sub, "box_sub_type": "user", "aud": "https://api.box.com/oauth2/token",
              "jti": uuid.uuid4().hex, "exp": int(time.time()) + 30}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": app["appAuth"]["publicKeyID"]})


def test_jwt_user_subject_and_as_user_must_name_known_users(box_sandbox):
    unknown = token_request(box_sandbox, user_assertion(box_sandbox, "987654"))
    assert unknown.status_code == 400 and "'sub' claim" in unknown.json()["error_description"]
    known = token_request(box_sandbox, user_assertion(box_sandbox, "22000001"))
    me = requests.get(box_sandbox.api_base_url + "/users/me", timeout=10,
                      headers=auth(known.json()["access_token"])).json()
    assert me["id"] == "22000001"
    t = token(box_sandbox)
    bad = requests.get(box_sandbox.api_base_url + "/users/me", timeout=10, headers=auth(t, **{"As-User": "987654"}))
    assert bad.status_code == 403
    good = requests.get(box_sandbox.api_base_url + "/users/me", timeout=10, headers=auth(t, **{"As-User": "22000001"}))
    assert good.json()["id"] == "22000001"
    assert assertion(box_sandbox)  # the enterprise subject still works (test_box_sandbox covers it)


def test_names_limits_sizes_and_quota(box_sandbox):
    t = token(box_sandbox)
    root = box_sandbox.roots["a1_a2"]
    dele = requests.post(box_sandbox.api_base_url + "/folders", timeout=10, headers=auth(t),
                         json={"name": "bad\x7fname", "parent": {"id": root}})
    assert dele.status_code == 400 and dele.json()["code"] == "item_name_invalid"
    over = requests.get(box_sandbox.api_base_url + "/folders/{}/items".format(root), params={"limit": 1001},
                        timeout=10, headers=auth(t))
    assert over.status_code == 200 and over.json()["limit"] == 1000  # L14: Box uses its maximum
    zero = requests.get(box_sandbox.api_base_url + "/folders/{}/items".format(root), params={"limit": 0},
                        timeout=10, headers=auth(t))
    assert zero.status_code == 400
    huge = requests.options(box_sandbox.api_base_url + "/files/content", timeout=10, headers=auth(t),
                            json={"name": "huge.mov", "size": 600 * 1000 ** 3, "parent": {"id": root}})
    assert huge.status_code == 409 and huge.json()["code"] == "file_size_limit_exceeded"
    with box_sandbox.state.lock:
        box_sandbox.state.quota_bytes = 10 * MB
    full = requests.options(box_sandbox.api_base_url + "/files/content", timeout=10, headers=auth(t),
                            json={"name": "a.mov", "size": 11 * MB, "parent": {"id": root}})
    assert full.status_code == 409 and full.json()["code"] == "storage_limit_exceeded"
    session = _session(box_sandbox, t, 21 * MB)
    assert session.status_code == 403 and session.json()["code"] == "storage_limit_exceeded"


def test_direct_upload_above_50_mb_is_refused(box_sandbox):
    t = token(box_sandbox)
    attrs = json.dumps({"name": "big.bin", "parent": {"id": box_sandbox.roots["a1_a2"]}})
    files = [("attributes", (None, attrs)), ("file", ("unused", b"\0" * (50 * MB + 1)))]
    r = requests.post(box_sandbox.upload_base_url + "/files/content", files=files, timeout=60, headers=auth(t))
    assert r.status_code == 413
    assert box_sandbox.tree(box_sandbox.roots["a1_a2"])["files"] == {}


def test_a_larger_simple_upload_limit_is_for_the_named_token_only(box_sandbox):
    """The bench's curl baseline may send 128 MiB as one simple upload; the product's token still gets 413."""
    bench, product = token(box_sandbox), token(box_sandbox)
    box_sandbox.app.control("POST", "/_sandbox/simple_upload_max", {"token": bench, "bytes": 200 * MB})
    root = box_sandbox.roots["a1_a2"]
    for name, t, expected in (("product.bin", product, 413), ("bench.bin", bench, 201)):
        attrs = json.dumps({"name": name, "parent": {"id": root}})
        files = [("attributes", (None, attrs)), ("file", ("unused", b"\0" * (50 * MB + 1)))]
        r = requests.post(box_sandbox.upload_base_url + "/files/content", files=files, timeout=60, headers=auth(t))
        assert r.status_code == expected
    assert list(box_sandbox.tree(root)["files"]) == ["bench.bin"]


def test_commit_must_list_the_stored_parts_and_uploads_live_on_their_own_host(box_sandbox):
    t = token(box_sandbox)
    size = 21 * MB
    sess = _session(box_sandbox, t, size).json()
    assert sess["session_endpoints"]["upload_part"].startswith(box_sandbox.upload_host_url)
    assert not sess["session_endpoints"]["upload_part"].startswith(box_sandbox.url)
    part = sess["part_size"]
    blob = bytes(bytearray(i % 251 for i in range(size)))
    stored = []
    for lo in range(0, size, part):
        stored.append(_put(box_sandbox, t, sess["id"], blob[lo:lo + part], lo, size).json()["part"])
    digest = "sha=" + base64.b64encode(hashlib.sha1(blob).digest()).decode()
    wrong = [dict(p, sha1="0" * 40) if i == 0 else p for i, p in enumerate(stored)]
    commit_url = sess["session_endpoints"]["commit"]
    bad = requests.post(commit_url, timeout=10, headers=auth(t, Digest=digest), json={"parts": wrong})
    assert bad.status_code == 400 and bad.json()["code"] == "parts_mismatch"
    box_sandbox.commit_answers_parts_mismatch(1)
    transient = requests.post(commit_url, timeout=10, headers=auth(t, Digest=digest), json={"parts": stored})
    assert transient.status_code == 400 and transient.json()["code"] == "parts_mismatch"
    ok = requests.post(commit_url, timeout=10, headers=auth(t, Digest=digest), json={"parts": stored})
    assert ok.status_code == 201 and ok.json()["entries"][0]["sha1"] == hashlib.sha1(blob).hexdigest()
    preflight = requests.options(box_sandbox.api_base_url + "/files/content", timeout=10, headers=auth(t),
                                 json={"name": "x.jpg", "size": 3, "parent": {"id": box_sandbox.roots["a1_a2"]}})
    assert preflight.json()["upload_url"] == box_sandbox.upload_host_url + "/api/2.0/files/content"


def test_per_user_rate_limit_answers_429_with_retry_after(box_sandbox):
    box_sandbox.set_rate_limits(calls=(5, 2.0), uploads=(1, 2.0))
    t = token(box_sandbox)
    url = box_sandbox.api_base_url + "/folders/0"
    statuses = [requests.get(url, timeout=10, headers=auth(t)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = requests.get(url, timeout=10, headers=auth(t))
    assert limited.json()["code"] == "rate_limit_exceeded" and 1 <= int(limited.headers["Retry-After"]) <= 2
    other = token_request(box_sandbox, user_assertion(box_sandbox, "22000001")).json()["access_token"]
    assert requests.get(url, timeout=10, headers=auth(other)).status_code == 200  # per user
    time.sleep(int(limited.headers["Retry-After"]))
    assert requests.get(url, timeout=10, headers=auth(t)).status_code == 200
    assert [r["user"] for r in box_sandbox.rate_limited] == ["11446498", "11446498"]
    two = [_session(box_sandbox, other, 21 * MB).status_code for _ in range(2)]
    assert two == [201, 429]  # 240 uploads a minute in real Box; 1 per 2 s here
