"""The Box sandbox itself over real sockets: JWT verification, upload-session rules, control endpoints, CLI."""
# ruff: noqa: F811  (pytest fixtures imported from box_fixtures are parameters of the tests)
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid

import jwt
import requests

from tests.integration.box_fixtures import SpecChecker, box_sandbox, load_spec  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def assertion(sandbox, key=None, exp_in=30, jti=None, sub=None, kid=None):
    from cryptography.hazmat.primitives import serialization
    app = sandbox.config["boxAppSettings"]
    if key is None:
        key = serialization.load_pem_private_key(app["appAuth"]["privateKey"].encode(),
                                                 app["appAuth"]["passphrase"].encode())
    claims = {"iss": app["clientID"], "sub": sub or sandbox.config["enterpriseID"], "box_sub_type": "enterprise",
              "aud": "https://api.box.com/oauth2/token", "jti": jti or uuid.uuid4().hex,
              "exp": int(time.time()) + exp_in}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid or app["appAuth"]["publicKeyID"]})


def token_request(sandbox, signed):
    app = sandbox.config["boxAppSettings"]
    return requests.post(sandbox.oauth2_base_url + "/token", timeout=10, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": signed,
        "client_id": app["clientID"], "client_secret": app["clientSecret"]})


def token(sandbox):
    return token_request(sandbox, assertion(sandbox)).json()["access_token"]


def test_valid_assertion_gets_a_bearer_token(box_sandbox):
    r = token_request(box_sandbox, assertion(box_sandbox))
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = requests.get(box_sandbox.api_base_url + "/folders/0", timeout=10,
                      headers={"Authorization": "Bearer " + body["access_token"]})
    assert me.status_code == 200 and me.json()["type"] == "folder"


def test_expired_too_long_reused_and_wrong_key_assertions_are_refused(box_sandbox):
    from cryptography.hazmat.primitives.asymmetric import rsa
    expired = token_request(box_sandbox, assertion(box_sandbox, exp_in=-5))
    assert expired.status_code == 400
    assert expired.json() == {"error": "invalid_grant", "error_description": "Please check the 'exp' claim."}
    too_long = token_request(box_sandbox, assertion(box_sandbox, exp_in=120))
    assert too_long.status_code == 400 and "60 seconds" in too_long.json()["error_description"]
    jti = uuid.uuid4().hex
    assert token_request(box_sandbox, assertion(box_sandbox, jti=jti)).status_code == 200
    reused = token_request(box_sandbox, assertion(box_sandbox, jti=jti))
    assert reused.status_code == 400 and "'jti' claim" in reused.json()["error_description"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = token_request(box_sandbox, assertion(box_sandbox, key=other_key))
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_grant"
    assert "Signature verification" in forged.json()["error_description"]
    wrong_sub = token_request(box_sandbox, assertion(box_sandbox, sub="999"))
    assert "'sub' claim" in wrong_sub.json()["error_description"]


def test_requests_without_valid_token_get_401(box_sandbox):
    r = requests.get(box_sandbox.api_base_url + "/folders/0", timeout=10, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "invalid_token" in r.headers["WWW-Authenticate"]
    t = token(box_sandbox)
    box_sandbox.expire_tokens()
    r = requests.get(box_sandbox.api_base_url + "/folders/0", timeout=10, headers={"Authorization": "Bearer " + t})
    assert r.status_code == 401


def test_a_route_answers_its_own_methods_and_a_path_without_one_is_401_then_404(box_sandbox):
    """The routing table (box_server.ROUTES): a path with no route still needs a token (401) and is then 404
    not_found; a route answers only the methods of its row (not HEAD, not PATCH on a folder); a fixed segment wins
    over an id (folders/trash/items is the trash, not folder "trash"); a trailing slash is the same route."""
    api = box_sandbox.api_base_url
    assert requests.get(api + "/nothing/here", timeout=10).status_code == 401
    headers = {"Authorization": "Bearer " + token(box_sandbox)}
    missing = requests.get(api + "/nothing/here", headers=headers, timeout=10)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.json()["message"] == "No route for GET /2.0/nothing/here"
    folder = box_sandbox.roots["a1_a2"]
    assert requests.patch(api + "/folders/" + folder, headers=headers, timeout=10).status_code == 404
    assert requests.head(api + "/users/me", headers=headers, timeout=10).status_code == 404
    assert requests.get(api + "/users/me/", headers=headers, timeout=10).json()["id"] == "11446498"
    trash = requests.get(api + "/folders/trash/items", headers=headers, timeout=10)
    assert trash.status_code == 200 and trash.json()["entries"] == []
    assert requests.get(api + "/folders/" + folder, headers=headers, timeout=10).json()["id"] == folder

def _session(sandbox, t, size, name="big.bin"):
    return requests.post(sandbox.upload_base_url + "/files/upload_sessions", timeout=10,
                         headers={"Authorization": "Bearer " + t},
                         json={"folder_id": sandbox.roots["a1_a2"], "file_size": size, "file_name": name})


def _put(sandbox, t, session_id, data, lo, total, digest=None):
    sha = base64.b64encode(hashlib.sha1(data).digest()).decode()
    return requests.put(sandbox.upload_base_url + "/files/upload_sessions/" + session_id, data=data, timeout=10,
                        headers={"Authorization": "Bearer " + t, "Content-Type": "application/octet-stream",
                                 "Digest": "sha=" + (digest or sha),
                                 "Content-Range": "bytes {}-{}/{}".format(lo, lo + len(data) - 1, total)})


def test_upload_session_rules(box_sandbox):
    t = token(box_sandbox)
    small = _session(box_sandbox, t, 1024)
    assert small.status_code == 400 and small.json()["code"] == "file_size_too_small"
    size = 20 * 1024 * 1024 + 10
    created = _session(box_sandbox, t, size)
    assert created.status_code == 201
    sess = created.json()
    part = sess["part_size"]
    assert sess["total_parts"] == (size + part - 1) // part
    data = os.urandom(part)
    misaligned = _put(box_sandbox, t, sess["id"], data, 3, size)
    assert misaligned.status_code == 416
    short = _put(box_sandbox, t, sess["id"], data[:-1], 0, size)
    assert short.status_code == 416
    bad_digest = _put(box_sandbox, t, sess["id"], data, 0, size, digest=base64.b64encode(b"x" * 20).decode())
    assert bad_digest.status_code == 400 and bad_digest.json()["code"] == "bad_digest"
    ok = _put(box_sandbox, t, sess["id"], data, 0, size)
    assert ok.status_code == 200 and ok.json()["part"]["sha1"] == hashlib.sha1(data).hexdigest()
    again = _put(box_sandbox, t, sess["id"], data, 0, size)
    # real Box answers 416 here, with the stored part in context_info (rclone #2054; box-evidence.md finding 1)
    assert again.status_code == 416 and again.json()["code"] == "range_overlaps_existing_part"
    assert again.json()["context_info"]["conflicting_part"] == {k: ok.json()["part"][k]
                                                               for k in ("part_id", "offset", "size")}
    commit = requests.post(box_sandbox.upload_base_url + "/files/upload_sessions/{}/commit".format(sess["id"]),
                           timeout=10, headers={"Authorization": "Bearer " + t, "Digest": "sha=AAAA"},
                           json={"parts": [ok.json()["part"]]})
    assert commit.status_code == 400 and commit.json()["code"] == "parts_mismatch"  # parts do not cover the file
    abort = requests.delete(box_sandbox.upload_base_url + "/files/upload_sessions/" + sess["id"], timeout=10,
                            headers={"Authorization": "Bearer " + t})
    assert abort.status_code == 204
    assert requests.get(box_sandbox.upload_base_url + "/files/upload_sessions/" + sess["id"], timeout=10,
                        headers={"Authorization": "Bearer " + t}).status_code == 404


def _commit(sandbox, t, session_id, parts, data):
    whole = base64.b64encode(hashlib.sha1(data).digest()).decode()
    return requests.post(sandbox.upload_base_url + "/files/upload_sessions/{}/commit".format(session_id),
                         timeout=10, headers={"Authorization": "Bearer " + t, "Digest": "sha=" + whole},
                         json={"parts": parts})


def test_the_whole_file_digest_is_checked_whether_parts_come_in_order_or_not(box_sandbox):
    """In order, the stand-in folds the whole-file SHA-1 as the parts arrive (no second pass at commit); out of
    order it reads the file again: either way a right digest commits the right bytes and a wrong one is refused."""
    t = token(box_sandbox)
    for order in ("in order", "reversed"):
        size = 20 * 1024 * 1024 + 10
        sess = _session(box_sandbox, t, size, name="file {}.bin".format(order)).json()
        part = sess["part_size"]
        data = os.urandom(size)
        offsets = list(range(0, size, part))
        parts = [_put(box_sandbox, t, sess["id"], data[lo:lo + part], lo, size).json()["part"]
                 for lo in (offsets if order == "in order" else offsets[::-1])]
        folded = box_sandbox.state.sessions[sess["id"]]["folded"]
        assert (folded == size) == (order == "in order")  # reversed: only the first part, sent last, is folded
        wrong = _commit(box_sandbox, t, sess["id"], parts, data[::-1])
        assert wrong.status_code == 400 and wrong.json()["code"] == "digest_mismatch"
        done = _commit(box_sandbox, t, sess["id"], parts, data)
        assert done.status_code == 201, done.text
        entry = done.json()["entries"][0]
        assert entry["sha1"] == hashlib.sha1(data).hexdigest() and box_sandbox.file_bytes(entry["id"]) == data


def test_marker_paging_and_case_insensitive_conflicts(box_sandbox):
    t = token(box_sandbox)
    auth = {"Authorization": "Bearer " + t}
    root = box_sandbox.roots["a2_a3"]
    for i in range(5):
        box_sandbox.put_file(root, "f{}.jpg".format(i), b"x")
    names, marker = [], None
    while True:
        params = {"usemarker": "true", "limit": 2}
        if marker:
            params["marker"] = marker
        page = requests.get(box_sandbox.api_base_url + "/folders/{}/items".format(root), params=params, timeout=10,
                            headers=auth).json()
        assert "total_count" not in page
        names += [e["name"] for e in page["entries"]]
        marker = page.get("next_marker")
        if not marker:
            break
    assert names == ["f0.jpg", "f1.jpg", "f2.jpg", "f3.jpg", "f4.jpg"]
    clash = requests.post(box_sandbox.api_base_url + "/folders", timeout=10, headers=auth,
                          json={"name": "F0.JPG", "parent": {"id": root}})
    assert clash.status_code == 409 and clash.json()["code"] == "item_name_in_use"
    assert clash.json()["context_info"]["conflicts"][0]["type"] == "file"
    bad = requests.post(box_sandbox.api_base_url + "/folders", timeout=10, headers=auth,
                        json={"name": "..", "parent": {"id": root}})
    assert bad.status_code == 400 and bad.json()["code"] == "item_name_invalid"


def test_multipart_with_file_before_attributes_is_refused(box_sandbox):
    t = token(box_sandbox)
    files = [("file", ("unused", b"abc")),
             ("attributes", (None, json.dumps({"name": "a.txt", "parent": {"id": box_sandbox.roots["a1_a2"]}})))]
    r = requests.post(box_sandbox.upload_base_url + "/files/content", files=files, timeout=10,
                      headers={"Authorization": "Bearer " + t})
    assert r.status_code == 400 and r.json()["code"] == "metadata_after_file_contents"
    assert box_sandbox.tree(box_sandbox.roots["a1_a2"])["files"] == {}


def test_control_endpoints_over_http(box_sandbox):
    base = box_sandbox.url + "/_sandbox"
    root = box_sandbox.roots["a2_a3"]
    folder = requests.post(base + "/ensure_folder", json={"parent_id": root, "name": "agency"}, timeout=10).json()
    put = requests.post(base + "/put_file", timeout=10, json={"folder_id": folder["folder_id"], "name": "x.jpg",
                                                              "content_b64": base64.b64encode(b"hello").decode()})
    file_id = put.json()["file_id"]
    tree = requests.get(base + "/tree/" + root, timeout=10).json()
    assert tree["folders"]["agency"]["files"]["x.jpg"] == {"id": file_id, "sha1": hashlib.sha1(b"hello").hexdigest(),
                                                           "size": 5, "versions": 1}
    got = requests.get(base + "/file_bytes/" + file_id, timeout=10).json()
    assert base64.b64decode(got["content_b64"]) == b"hello"
    assert requests.post(base + "/commit_202", json={"count": 2, "retry_after": 3}, timeout=10).ok
    assert (box_sandbox.state.commit_202, box_sandbox.state.commit_retry_after) == (2, 3)
    assert requests.post(base + "/exchanges", json={"enabled": True}, timeout=10).ok
    requests.get(box_sandbox.api_base_url + "/folders/0", timeout=10)
    recorded = requests.get(base + "/exchanges", timeout=10).json()["exchanges"]
    assert [(e["method"], e["path"], e["status"]) for e in recorded] == [("GET", "/2.0/folders/0", 401)]
    assert requests.post(base + "/faults", json={"rules": [{"path": "/2.0/folders", "status": 503}]},
                         timeout=10).ok
    assert requests.get(box_sandbox.api_base_url + "/folders/0", timeout=10).status_code == 503


def test_bytes_live_on_disk_not_in_state(box_sandbox, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    file_id = box_sandbox.put_file(box_sandbox.roots["a1_a2"], "src.bin", str(src))
    item = box_sandbox.state.items[file_id]
    assert "blob" in item and os.path.getsize(item["blob"]) == 3 * 1024 * 1024
    assert not any(isinstance(v, (bytes, bytearray)) for v in item.values())


def test_cli_prints_urls_and_config_path_as_one_json_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.box_server", "--port", "0", "--data-dir",
                             str(tmp_path / "cli")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert os.path.exists(info["box_config_path"])
        r = requests.get(info["api_base_url"] + "/folders/0", timeout=10)
        assert r.status_code == 401 and r.json()["type"] == "error"
        assert info["upload_base_url"].endswith("/api/2.0") and info["oauth2_base_url"].endswith("/oauth2")
    finally:
        proc.terminate()
        proc.wait(10)


def test_spec_checker_catches_deviations():
    """The conformance check used in test_box_client can fail: wrong types, undocumented status, unknown op."""
    checker = SpecChecker(load_spec())
    base = {"query": {}, "headers": {}, "body": None, "response_headers": {}}
    bad_type = dict(base, method="GET", path="/2.0/files/12", status=200,
                    response={"type": "file", "id": 12, "size": "big"})
    assert len(checker.check(bad_type)) == 2
    undocumented = dict(base, method="POST", path="/2.0/folders", status=200, response={"type": "folder", "id": "1"},
                        body={"name": "a", "parent": {"id": "0"}})
    assert "not documented" in checker.check(undocumented)[0]
    unknown = dict(base, method="PATCH", path="/2.0/files/12", status=200, response=None)
    assert "no such operation" in checker.check(unknown)[0]
    wrong_host = dict(base, method="POST", path="/2.0/files/content", status=201, response=None)
    assert "host" in " ".join(checker.check(wrong_host))
    missing_digest = dict(base, method="PUT", path="/api/2.0/files/upload_sessions/abc", status=200,
                          headers={"content-range": "bytes 0-1/2"}, response={"part": {"part_id": "A"}})
    assert "digest" in " ".join(checker.check(missing_digest))
    overlap_409 = dict(base, method="PUT", path="/api/2.0/files/upload_sessions/abc", status=409,
                       headers={"content-range": "bytes 0-1/2", "digest": "sha=x"},
                       response={"type": "error", "status": 409, "code": "range_overlaps_existing_part"})
    assert "real Box sends 416" in " ".join(checker.check(overlap_409))
