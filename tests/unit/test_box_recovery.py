"""BoxClient recovery paths with ``responses`` (Python 3.6 too): a part or a commit whose answer was lost, a download
that breaks, a throttled token endpoint. The sandbox versions of these run in tests/integration/test_box_faults.py."""
import base64
import hashlib
import json
import os

import pytest
import requests
import responses

from scripts.shared.box.box_upload import sha1_of
from scripts.shared.core.errors import ServiceError
from tests.unit import test_box_errors as base

API, UPLOAD, TOKEN = base.API, base.UPLOAD, base.TOKEN
app_settings = base.app_settings
MB = 1024 * 1024


def _file(file_id, name, sha1, size):
    return {"type": "file", "id": file_id, "name": name, "sha1": sha1, "size": size, "etag": "0"}


def _session(session_id="ab12", part_size=MB, total=2):
    url = UPLOAD + "/files/upload_sessions/" + session_id
    responses.add(responses.POST, UPLOAD + "/files/upload_sessions", status=201,
                  json={"type": "upload_session", "id": session_id, "part_size": part_size, "total_parts": total,
                        "num_parts_processed": 0, "session_endpoints": {"upload_part": url, "commit": url + "/commit",
                                                                        "abort": url, "list_parts": url + "/parts"}})
    return url


def _big_file(tmp_path, size=MB + 10):
    path = tmp_path / "big.bin"
    data = (b"0123456789abcdef" * (size // 16 + 1))[:size]
    path.write_bytes(data)
    return str(path), data


def _preflight_ok():
    responses.add("OPTIONS", API + "/files/content", json={"upload_url": UPLOAD + "/files/content",
                                                           "upload_token": "t"})


@pytest.mark.parametrize("status", [416, 409])  # real Box sends 416 (box-evidence.md finding 1), the spec 409
@responses.activate
def test_part_already_stored_is_taken_from_the_session_list(app_settings, tmp_path, status):
    path, data = _big_file(tmp_path)
    whole = hashlib.sha1(data).hexdigest()
    second = data[MB:]
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, json={"part": {"part_id": "P1", "offset": 0, "size": MB,
                                                     "sha1": hashlib.sha1(data[:MB]).hexdigest()}})
    responses.add(responses.PUT, url, status=status,
                  json=base.box_error(status, "range_overlaps_existing_part", "Part overlaps",
                                      {"conflicting_part": {"part_id": "P1", "offset": 0, "size": MB}}))
    responses.add(responses.GET, url + "/parts", json={
        "entries": [{"part_id": "P1", "offset": 0, "size": MB, "sha1": hashlib.sha1(data[:MB]).hexdigest()},
                    {"part_id": "P2", "offset": MB, "size": len(second), "sha1": hashlib.sha1(second).hexdigest()}],
        "total_count": 2, "limit": 1000, "offset": 0})
    responses.add(responses.POST, url + "/commit", status=201,
                  json={"total_count": 1, "entries": [_file("77", "big.bin", whole, len(data))]})
    client = base.make_client(app_settings, chunked_upload_threshold_mb=1)
    result = client.upload_file(path, "111", "big.bin")
    assert result.outcome == "uploaded" and result.file_id == "77" and result.sha1 == whole
    commit = [c for c in responses.calls if c.request.url.endswith("/commit")][0].request
    assert [p["part_id"] for p in json.loads(commit.body)["parts"]] == ["P1", "P2"]
    assert commit.headers["Digest"] == "SHA=" + base64.b64encode(hashlib.sha1(data).digest()).decode()


@responses.activate
def test_overlap_with_a_different_stored_part_is_an_error_and_the_session_is_aborted(app_settings, tmp_path):
    path, data = _big_file(tmp_path)
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, status=409,
                  json=base.box_error(409, "range_overlaps_existing_part", "Part overlaps"))
    responses.add(responses.GET, url + "/parts", json={
        "entries": [{"part_id": "PX", "offset": 0, "size": MB, "sha1": "0" * 40}], "total_count": 1, "limit": 1000,
        "offset": 0})
    responses.add(responses.DELETE, url, status=204)
    with pytest.raises(ServiceError) as err:
        base.make_client(app_settings, chunked_upload_threshold_mb=1).upload_file(path, "111", "big.bin")
    assert err.value.status == 409 and err.value.code == "range_overlaps_existing_part"
    assert any(c.request.method == "DELETE" for c in responses.calls)


@responses.activate
def test_commit_whose_answer_was_lost_is_found_by_name_and_sha1(app_settings, tmp_path):
    path, data = _big_file(tmp_path)
    whole = hashlib.sha1(data).hexdigest()
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, json={"part": {"part_id": "P1", "offset": 0, "size": MB, "sha1": "a"}})
    responses.add(responses.PUT, url, json={"part": {"part_id": "P2", "offset": MB, "size": 10, "sha1": "b"}})
    responses.add(responses.POST, url + "/commit", status=404,
                  json=base.box_error(404, "not_found", "Upload session not found"))
    responses.add(responses.DELETE, url, status=404, json=base.box_error(404, "not_found", "gone"))
    responses.add("OPTIONS", API + "/files/content", status=409,
                  json=base.box_error(409, "item_name_in_use", "exists",
                                      {"conflicts": _file("78", "big.bin", whole, len(data))}))
    responses.add(responses.GET, API + "/files/78", json=_file("78", "big.bin", whole, len(data)))
    result = base.make_client(app_settings, chunked_upload_threshold_mb=1).upload_file(path, "111", "big.bin")
    assert (result.outcome, result.file_id, result.sha1) == ("uploaded", "78", whole)


@responses.activate
def test_commit_failure_with_nothing_in_box_stays_an_error(app_settings, tmp_path):
    path, _ = _big_file(tmp_path)
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, json={"part": {"part_id": "P1", "offset": 0, "size": MB, "sha1": "a"}})
    responses.add(responses.PUT, url, json={"part": {"part_id": "P2", "offset": MB, "size": 10, "sha1": "b"}})
    responses.add(responses.POST, url + "/commit", status=400,
                  json=base.box_error(400, "digest_mismatch", "File digest was incorrect"))
    responses.add(responses.DELETE, url, status=204)
    _preflight_ok()  # the check after the failure: nothing there
    with pytest.raises(ServiceError) as err:
        base.make_client(app_settings, chunked_upload_threshold_mb=1).upload_file(path, "111", "big.bin")
    assert err.value.code == "digest_mismatch"


@responses.activate
def test_download_broken_then_complete_is_verified(app_settings, tmp_path):
    base.token_ok()
    payload = b"payload" * 1000
    responses.add(responses.GET, API + "/files/5/content",
                  body=requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"))
    responses.add(responses.GET, API + "/files/5/content", body=payload)
    dest = tmp_path / "x.jpg"
    client = base.make_client(app_settings)
    result = client.download_file("5", str(dest), expected_sha1=hashlib.sha1(payload).hexdigest())
    assert dest.read_bytes() == payload and result.size == len(payload)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jpg"]


@responses.activate
def test_token_endpoint_retry_after_over_the_limit_fails_at_once(app_settings):
    responses.add(responses.POST, TOKEN, status=429, headers={"Retry-After": "100"},
                  json={"error": "rate_limit_exceeded", "error_description": "slow down"})
    with pytest.raises(ServiceError) as err:
        base.make_client(app_settings, max_retry_wait_seconds=1).ping()
    assert err.value.code == "retry_after_too_long" and err.value.retryable and "100" in str(err.value)
    assert len(responses.calls) == 1


@responses.activate
def test_a_range_error_that_is_not_an_overlap_is_not_taken_for_one(app_settings, tmp_path):
    path, _ = _big_file(tmp_path)
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, status=416,
                  json=base.box_error(416, "requested_range_not_satisfiable", "The range does not match"))
    responses.add(responses.DELETE, url, status=204)
    _preflight_ok()
    with pytest.raises(ServiceError) as err:
        base.make_client(app_settings, chunked_upload_threshold_mb=1).upload_file(path, "111", "big.bin")
    assert err.value.status == 416
    assert not [c for c in responses.calls if c.request.url.endswith("/parts")]


@responses.activate
def test_parts_mismatch_that_persists_ends_after_a_bounded_number_of_commits_and_keeps_the_session(
        app_settings, tmp_path, monkeypatch):
    """Every part is stored: past the bound the session is kept for the next run (F12), not aborted."""
    from scripts.shared.box import box_upload as module
    slept = []
    monkeypatch.setattr(module.time, "sleep", slept.append)
    path, _ = _big_file(tmp_path)
    base.token_ok()
    _preflight_ok()
    url = _session()
    responses.add(responses.PUT, url, json={"part": {"part_id": "P1", "offset": 0, "size": MB, "sha1": "a"}})
    responses.add(responses.PUT, url, json={"part": {"part_id": "P2", "offset": MB, "size": 10, "sha1": "b"}})
    responses.add(responses.POST, url + "/commit", status=400,
                  json=base.box_error(400, "parts_mismatch", "Parts mismatch"))
    responses.add(responses.DELETE, url, status=204)
    _preflight_ok()
    client = base.make_client(app_settings, chunked_upload_threshold_mb=1)
    with pytest.raises(ServiceError) as err:
        client.upload_file(path, "111", "big.bin")
    assert err.value.code == "commit_pending" and err.value.retryable and "parts_mismatch" in str(err.value)
    commits = [c for c in responses.calls if c.request.url.endswith("/commit")]
    assert len(commits) == module.COMMIT_MISMATCH_TRIES + 1
    assert slept == [1, 2, 4, 8, 8, 8]
    assert "DELETE" not in [c.request.method for c in responses.calls]  # kept, not aborted
    assert client.sessions.get(client.user, "folder:111/big.bin", sha1_of(path), os.path.getsize(path))


@responses.activate
def test_session_endpoints_on_another_host_are_followed(app_settings, tmp_path):
    """Box may hand out part/commit/abort URLs on another upload host; boxsdk 3.x only follows them while the
    upload URL is its default, so the client makes it follow them (box-evidence.md finding 5)."""
    path, data = _big_file(tmp_path)
    whole = hashlib.sha1(data).hexdigest()
    base.token_ok()
    _preflight_ok()
    other = "https://upload-las.box.test/api/2.0/files/upload_sessions/ab12"
    responses.add(responses.POST, UPLOAD + "/files/upload_sessions", status=201,
                  json={"type": "upload_session", "id": "ab12", "part_size": MB, "total_parts": 2,
                        "num_parts_processed": 0, "session_endpoints": {
                            "upload_part": other, "commit": other + "/commit", "abort": other,
                            "list_parts": other + "/parts"}})
    responses.add(responses.PUT, other, json={"part": {"part_id": "P1", "offset": 0, "size": MB, "sha1": "a"}})
    responses.add(responses.PUT, other, json={"part": {"part_id": "P2", "offset": MB, "size": 10, "sha1": "b"}})
    responses.add(responses.POST, other + "/commit", status=201,
                  json={"total_count": 1, "entries": [_file("77", "big.bin", whole, len(data))]})
    result = base.make_client(app_settings, chunked_upload_threshold_mb=1).upload_file(path, "111", "big.bin")
    assert result.file_id == "77"
    assert [c.request.url for c in responses.calls if c.request.method in ("PUT", "POST")][-3:] == \
        [other, other, other + "/commit"]
