"""BoxClient error mapping and conflict handling with ``responses`` (runs on Python 3.6 too: no sandbox here)."""
import json
import os
import time

import pytest
import responses

from scripts.shared.box.box_client import BoxClient
from scripts.shared.box.box_upload import safe_box_name
from scripts.shared.box.box_types import UploadResult
from scripts.shared.core.errors import ServiceError, SuiteError

API = "https://box.test/2.0"
UPLOAD = "https://upload.box.test/api/2.0"
TOKEN = "https://box.test/oauth2/token"


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory):
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048, backend=default_backend())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"pass-phrase")).decode()
    doc = {"boxAppSettings": {"clientID": "cid", "clientSecret": "csecret",
                              "appAuth": {"publicKeyID": "kid1", "privateKey": pem, "passphrase": "pass-phrase"}},
           "enterpriseID": "1234567"}
    path = str(tmp_path_factory.mktemp("boxcfg") / "Box-config.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path, doc


def make_client(app_settings, **overrides):
    cfg = {"config_path": app_settings[0], "api_base_url": API, "upload_base_url": UPLOAD,
           "oauth2_base_url": "https://box.test/oauth2", "connect_timeout_seconds": 2, "read_timeout_seconds": 5,
           "max_retry_wait_seconds": 1, "max_calls_per_minute": 100000, "max_uploads_per_minute": 100000,
           "chunked_upload_threshold_mb": 50, "link_type": "web_url"}
    cfg.update(overrides)
    return BoxClient(cfg)


def token_ok():
    responses.add(responses.POST, TOKEN, json={"access_token": "T0KEN", "expires_in": 3600, "token_type": "bearer",
                                               "restricted_to": []})


def box_error(status, code, message, context_info=None, request_id="req123abc"):
    return {"type": "error", "status": status, "code": code, "message": message, "context_info": context_info,
            "help_url": "https://developer.box.com/", "request_id": request_id}


def test_missing_box_config_has_the_seed_message_and_fix(tmp_path):
    missing = str(tmp_path / "nowhere" / "Box-config.json")
    with pytest.raises(SuiteError) as err:
        BoxClient({"config_path": missing})
    assert err.value.message == ("Box-config.json not found at {}: it must sit one folder above the project "
                                 "(../Box-config.json)".format(missing))
    assert err.value.fix.startswith("Verify file exists at ../Box-config.json relative to Python-Version directory")


def test_relative_missing_path_is_reported_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    with pytest.raises(SuiteError) as err:
        BoxClient({"config_path": "../Box-config.json"})
    assert os.path.join(os.path.dirname(str(tmp_path)), "Box-config.json") in err.value.message


def test_corrupt_json_and_missing_app_settings_are_explained(tmp_path):
    bad = tmp_path / "Box-config.json"
    bad.write_text("{not json")
    with pytest.raises(SuiteError) as err:
        BoxClient({"config_path": str(bad)})
    assert "not a usable JWT app configuration" in err.value.message and "not valid JSON" in err.value.message
    bad.write_text(json.dumps({"enterpriseID": "1"}))
    with pytest.raises(SuiteError) as err:
        BoxClient({"config_path": str(bad)})
    assert "boxAppSettings" in err.value.message and "Developer Console" in err.value.fix


@pytest.mark.parametrize("error,description,fix_words", [
    ("unauthorized_client", "This app is not authorized by the enterprise admin.", "admin must authorise"),
    ("invalid_grant", "Please check the 'sub' claim. The 'sub' specified is invalid.", "enterpriseID"),
    ("invalid_grant", "Please check the 'exp' claim.", "NTP"),
    ("invalid_client", "The client credentials are invalid", "clientSecret"),
])
@responses.activate
def test_auth_failures_say_what_to_fix(app_settings, error, description, fix_words):
    responses.add(responses.POST, TOKEN, json={"error": error, "error_description": description}, status=400)
    client = make_client(app_settings)
    with pytest.raises(ServiceError) as err:
        client.ping()
    assert description in str(err.value)
    assert fix_words in err.value.fix
    assert "csecret" not in str(err.value) and "pass-phrase" not in str(err.value)


@responses.activate
def test_api_error_carries_status_method_path_message_and_request_id(app_settings):
    token_ok()
    responses.add(responses.POST, API + "/folders", status=404,
                  json=box_error(404, "not_found", "Could not find the specified resource", request_id="abc987"))
    client = make_client(app_settings)
    with pytest.raises(ServiceError) as err:
        client.ensure_folder_path("111", ["x"])
    e = err.value
    assert (e.status, e.method, e.path, e.request_id, e.retryable) == (404, "POST", "/2.0/folders", "abc987", False)
    assert "Could not find the specified resource" in str(e) and "collaborator" in e.fix


@responses.activate
def test_get_folder_and_get_file_answer_none_on_404(app_settings):
    token_ok()
    responses.add(responses.GET, API + "/folders/5", status=404, json=box_error(404, "not_found", "Not Found"))
    responses.add(responses.GET, API + "/files/6", status=404, json=box_error(404, "not_found", "Not Found"))
    client = make_client(app_settings)
    assert client.get_folder("5") is None
    assert client.get_file("6") is None


@pytest.mark.parametrize("conflicts", [
    [{"type": "folder", "id": "777", "name": "Camp", "etag": "0"}],  # folders: a list
    {"type": "folder", "id": "777", "name": "Camp", "etag": "0"},  # an object also happens
])
@responses.activate
def test_folder_conflict_reuses_the_existing_folder(app_settings, conflicts):
    token_ok()
    responses.add(responses.POST, API + "/folders", status=409,
                  json=box_error(409, "item_name_in_use", "Item with the same name already exists",
                                 {"conflicts": conflicts}))
    client = make_client(app_settings)
    assert client.ensure_folder_path("111", ["camp"]) == "777"
    body = responses.calls[-1].request.body
    assert json.loads(body.decode() if isinstance(body, bytes) else body)["name"] == "camp"


@responses.activate
def test_folder_conflict_with_a_file_is_an_error(app_settings):
    token_ok()
    responses.add(responses.POST, API + "/folders", status=409,
                  json=box_error(409, "item_name_in_use", "in use",
                                 {"conflicts": [{"type": "file", "id": "9", "name": "Camp"}]}))
    with pytest.raises(ServiceError) as err:
        make_client(app_settings).ensure_folder_path("111", ["Camp"])
    assert "file named 'Camp'" in str(err.value) and err.value.fix


def _file(file_id, name, sha1, size=3):
    return {"type": "file", "id": file_id, "name": name, "sha1": sha1, "size": size, "etag": "1"}


@responses.activate
def test_preflight_conflict_with_same_sha1_adopts_without_uploading(app_settings, tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"abc")
    sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d"
    token_ok()
    responses.add("OPTIONS", API + "/files/content", status=409,
                  json=box_error(409, "item_name_in_use", "exists",
                                 {"conflicts": _file("42", "K7Q2XM_a.jpg", sha1)}))
    responses.add(responses.GET, API + "/files/42", json=_file("42", "K7Q2XM_a.jpg", sha1))
    result = make_client(app_settings).upload_with_tracking_id(str(path), "111", "K7Q2XM", "a.jpg")
    assert result == UploadResult(file_id="42", name="K7Q2XM_a.jpg", url="https://app.box.com/file/42", sha1=sha1,
                                  size=3, outcome="adopted")
    assert not [c for c in responses.calls if c.request.url.startswith(UPLOAD)]


@responses.activate
def test_preflight_conflict_with_other_sha1_uploads_a_new_version_with_its_digest(app_settings, tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"abc")
    sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d"
    token_ok()
    responses.add("OPTIONS", API + "/files/content", status=409,
                  json=box_error(409, "item_name_in_use", "exists", {"conflicts": _file("42", "x", "f" * 40)}))
    responses.add(responses.POST, UPLOAD + "/files/42/content",
                  json={"total_count": 1, "entries": [_file("42", "K7Q2XM_a.jpg", sha1)]})
    result = make_client(app_settings).upload_file(str(path), "111", "K7Q2XM_a.jpg")
    assert result.outcome == "new_version" and result.file_id == "42"
    upload = responses.calls[-1].request
    assert upload.headers["Content-MD5"] == sha1


@responses.activate
def test_sha1_mismatch_after_upload_is_an_error(app_settings, tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"abc")
    token_ok()
    responses.add("OPTIONS", API + "/files/content", json={"upload_url": UPLOAD + "/files/content",
                                                           "upload_token": "t"})
    responses.add(responses.POST, UPLOAD + "/files/content", status=201,
                  json={"total_count": 1, "entries": [_file("43", "a.jpg", "0" * 40)]})
    with pytest.raises(ServiceError) as err:
        make_client(app_settings).upload_file(str(path), "111", "a.jpg")
    assert "SHA-1" in str(err.value) and err.value.retryable


@responses.activate
def test_retry_after_beyond_the_limit_fails_fast(app_settings):
    token_ok()
    responses.add(responses.GET, API + "/folders/5", status=429, headers={"Retry-After": "100"},
                  json=box_error(429, "rate_limit_exceeded", "Request rate limit exceeded"))
    started = time.time()
    with pytest.raises(ServiceError) as err:
        make_client(app_settings, max_retry_wait_seconds=1).get_folder("5")
    assert time.time() - started < 5
    assert err.value.retryable and err.value.status == 429 and "100" in str(err.value)


@responses.activate
def test_delete_of_a_missing_file_counts_as_done(app_settings):
    token_ok()
    responses.add(responses.DELETE, API + "/files/9", status=404, json=box_error(404, "not_found", "Not Found"))
    assert make_client(app_settings).delete_file("9") is True


@responses.activate
def test_delete_refused_is_an_error(app_settings):
    token_ok()
    responses.add(responses.DELETE, API + "/files/9", status=403, json=box_error(403, "access_denied", "Denied"))
    with pytest.raises(ServiceError) as err:
        make_client(app_settings).delete_file("9")
    assert err.value.status == 403 and "editor" in err.value.fix


@responses.activate
def test_network_failure_is_retryable_service_error(app_settings):
    import requests
    token_ok()
    responses.add(responses.GET, API + "/folders/5", body=requests.exceptions.ConnectTimeout("timed out"))
    with pytest.raises(ServiceError) as err:
        make_client(app_settings).get_folder("5")
    assert err.value.retryable and "network" in str(err.value)


@pytest.mark.parametrize("raw,expected", [
    ("a/b\\c", "a_b_c"),
    ("  spaced  ", "spaced"),
    (".", "unnamed"),
    ("..", "unnamed"),
    ("tab\there", "tabhere"),
    ("x" * 300 + ".jpg", "x" * 251 + ".jpg"),
])
def test_safe_box_name(raw, expected):
    assert safe_box_name(raw) == expected
    assert len(safe_box_name(raw).encode("utf-8")) <= 255
