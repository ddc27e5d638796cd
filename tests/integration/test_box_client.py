"""BoxClient through the real boxsdk against the Box sandbox over real sockets: what ends up in Box."""
# ruff: noqa: F811  (pytest fixtures imported from box_fixtures are parameters of the tests)
import os
import time

import pytest

from scripts.shared.box.box_client import BoxClient
from scripts.shared.core.errors import ServiceError
from tests.integration.box_fixtures import (SpecChecker, box_cfg, box_client, box_sandbox, load_spec,  # noqa: F401
                                            sha1_file, walk_files, write_random)

MB = 1024 * 1024


def uploads_of(sandbox):
    counts = sandbox.middleware.snapshot()["by_endpoint"]
    return {k: v for k, v in counts.items() if k.startswith(("POST /api", "PUT /api"))}


def test_ping_authenticates_with_the_generated_jwt_app(box_client, box_sandbox):
    info = box_client.ping()
    assert info.id == "11446498"
    assert box_sandbox.middleware.snapshot()["by_endpoint"].get("POST /oauth2/token") == 1


def test_nested_folders_created_once_even_when_run_twice_with_other_case(box_client, box_sandbox):
    root = box_sandbox.roots["a1_a2"]
    first = box_client.ensure_folder_path(root, ["LC-2026-0042 - Nutella", "Banners/Web", "300x250 "])
    second = box_client.ensure_folder_path(root, ["lc-2026-0042 - NUTELLA", "banners/web", "300x250"])
    assert first == second
    tree = box_sandbox.tree(root)
    assert list(tree["folders"]) == ["LC-2026-0042 - Nutella"]
    level2 = tree["folders"]["LC-2026-0042 - Nutella"]["folders"]
    assert list(level2) == ["Banners_Web"]  # '/' made safe
    assert list(level2["Banners_Web"]["folders"]) == ["300x250"]  # trailing space trimmed


def test_folder_name_taken_by_a_file_is_reported_not_reused(box_client, box_sandbox):
    root = box_sandbox.roots["a1_a2"]
    box_sandbox.put_file(root, "Campaign", b"not a folder")
    with pytest.raises(ServiceError) as err:
        box_client.ensure_folder_path(root, ["campaign"])
    assert err.value.status == 409 and "file named" in str(err.value)


@pytest.mark.parametrize("size", [1024, 0])
def test_small_upload_lands_with_its_sha1_and_tracking_id_name(box_client, box_sandbox, tmp_path, size):
    path = write_random(str(tmp_path / "banner 300x250.jpg"), size, seed=size)
    folder = box_client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["Camp"])
    result = box_client.upload_with_tracking_id(path, folder, "K7Q2XM", "banner 300x250.jpg")
    assert result.outcome == "uploaded"
    assert result.name == "K7Q2XM_banner 300x250.jpg"
    assert result.sha1 == sha1_file(path) and result.size == size
    assert result.url == "https://app.box.com/file/{}".format(result.file_id)
    files = box_sandbox.tree(folder)["files"]
    assert files["K7Q2XM_banner 300x250.jpg"]["sha1"] == sha1_file(path)
    assert box_sandbox.file_bytes(result.file_id) == open(path, "rb").read()
    assert "POST /api/2.0/files/content" in uploads_of(box_sandbox)


@pytest.mark.slow
def test_60mb_upload_goes_through_an_upload_session_and_commit_202_is_waited_out(box_client, box_sandbox, tmp_path):
    path = write_random(str(tmp_path / "video.mp4"), 60 * MB + 123, seed=60)
    folder = box_client.ensure_folder_path(box_sandbox.roots["b1_b2"], ["MASTERS_GM-2026-0007 - Global"])
    box_sandbox.commit_answers_202(count=2, retry_after=1)
    box_sandbox.middleware.reset_counters()
    started = time.time()
    result = box_client.upload_with_tracking_id(path, folder, "ABC123", "video.mp4")
    assert time.time() - started >= 2  # both Retry-After waits were honoured
    assert result.outcome == "uploaded" and result.sha1 == sha1_file(path)
    info = box_sandbox.tree(folder)["files"]["ABC123_video.mp4"]
    assert (info["sha1"], info["size"]) == (sha1_file(path), 60 * MB + 123)
    calls = uploads_of(box_sandbox)
    assert calls.get("POST /api/2.0/files/upload_sessions") == 1
    assert calls.get("PUT /api/2.0/files/upload_sessions/{id}") == 61  # 1 MiB parts in the test sandbox
    assert calls.get("POST /api/2.0/files/upload_sessions/{id}/commit") == 3
    assert "POST /api/2.0/files/content" not in calls
    assert not [n for n in os.listdir(os.path.join(box_sandbox.data_dir, "blobs")) if n.startswith("session-")]


def test_chunked_threshold_is_configurable_and_failed_session_is_aborted(box_sandbox, tmp_path):
    client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20))
    path = write_random(str(tmp_path / "big.bin"), 21 * MB, seed=21)
    folder = box_sandbox.roots["a1_a2"]
    box_sandbox.middleware.set_faults([{"method": "PUT", "path": "upload_sessions", "status": 400}])
    with pytest.raises(ServiceError):
        client.upload_file(path, folder, "big.bin")
    counts = box_sandbox.middleware.snapshot()["by_endpoint"]
    assert counts.get("DELETE /api/2.0/files/upload_sessions/{id}") == 1
    assert box_sandbox.tree(folder)["files"] == {}
    assert not box_sandbox.state.sessions


def test_reupload_of_same_bytes_adopts_and_changed_bytes_make_a_new_version(box_client, box_sandbox, tmp_path):
    folder = box_sandbox.roots["a5_a6"]
    path = write_random(str(tmp_path / "pack.png"), 4096, seed=1)
    first = box_client.upload_with_tracking_id(path, folder, "K7Q2XM", "pack.png")
    again = box_client.upload_with_tracking_id(path, folder, "K7Q2XM", "pack.png")
    assert again.outcome == "adopted" and again.file_id == first.file_id
    write_random(path, 5000, seed=2)
    changed = box_client.upload_with_tracking_id(path, folder, "K7Q2XM", "pack.png")
    assert changed.outcome == "new_version" and changed.file_id == first.file_id
    files = box_sandbox.tree(folder)["files"]
    assert list(files) == ["K7Q2XM_pack.png"]
    assert files["K7Q2XM_pack.png"]["versions"] == 2
    assert files["K7Q2XM_pack.png"]["sha1"] == sha1_file(path) == changed.sha1


def test_corrupted_upload_is_rejected_and_nothing_is_stored(box_client, box_sandbox, tmp_path):
    path = write_random(str(tmp_path / "a.jpg"), 2048, seed=3)
    with pytest.raises(ServiceError) as err:
        box_client.upload_file(path, box_sandbox.roots["a1_a2"], "a.jpg", sha1="0" * 40)  # digest of other bytes
    assert err.value.status == 400 and err.value.code == "bad_digest"
    assert err.value.request_id and "POST /api/2.0/files/content" in str(err.value)
    assert box_sandbox.tree(box_sandbox.roots["a1_a2"])["files"] == {}


def test_shared_link_mode_returns_the_shared_link(box_sandbox, tmp_path):
    client = BoxClient(box_sandbox.client_config(link_type="shared_link"))
    path = write_random(str(tmp_path / "a.jpg"), 10, seed=4)
    result = client.upload_file(path, box_sandbox.roots["a1_a2"], "a.jpg")
    assert result.url.startswith("https://app.box.com/s/")
    assert box_sandbox.state.items[result.file_id]["shared_link"]["access"] == "company"


def test_inbox_listing_is_recursive_paged_and_skips_needs_attention(box_client, box_sandbox):
    root = box_sandbox.roots["a2_a3"]
    bulk = box_sandbox.ensure_folder(root, "agency A")
    deep = box_sandbox.ensure_folder(box_sandbox.ensure_folder(root, "agency B"), "wave 2")
    for i in range(1005):  # beyond one page of 1000
        box_sandbox.put_file(bulk, "K7Q2XM_it_file {:04d}.jpg".format(i), b"x%d" % i)
    box_sandbox.put_file(deep, "ABC123_de-CH_deep.jpg", b"deep")
    box_sandbox.put_file(root, "TOPTOP_it_top.jpg", b"top")
    quarantine = box_client.ensure_needs_attention(root)
    box_sandbox.put_file(quarantine, "bad name.jpg", b"bad")
    box_sandbox.middleware.reset_counters()
    files = box_client.list_inbox(root)
    assert len(files) == 1007
    by_name = {f.name: f for f in files}
    assert "bad name.jpg" not in by_name
    assert by_name["ABC123_de-CH_deep.jpg"].folder_path == ["agency B", "wave 2"]
    assert by_name["TOPTOP_it_top.jpg"].folder_path == []
    top = by_name["TOPTOP_it_top.jpg"]
    assert top.sha1 and top.size == 3 and top.parent_id == root
    pages = box_sandbox.middleware.snapshot()["by_endpoint"]["GET /2.0/folders/{id}/items"]
    assert pages == 5  # root, A (2 pages), B, B/wave 2: constant, no per-file calls


def test_download_is_verified_and_atomic(box_client, box_sandbox, tmp_path):
    file_id = box_sandbox.put_file(box_sandbox.roots["a2_a3"], "K7Q2XM_it_x.jpg", b"payload" * 1000)
    dest = str(tmp_path / "x.jpg")
    good = box_client.download_file(file_id, dest, expected_sha1=box_sandbox.tree(
        box_sandbox.roots["a2_a3"])["files"]["K7Q2XM_it_x.jpg"]["sha1"])
    assert open(dest, "rb").read() == b"payload" * 1000 and good.size == 7000
    other = str(tmp_path / "y.jpg")
    with pytest.raises(ServiceError) as err:  # Box's current version is intact but not the one expected
        box_client.download_file(file_id, other, expected_sha1="0" * 40)
    assert "changed in Box while it was read" in str(err.value) and err.value.code == "changed_in_box"
    expected = box_sandbox.tree(box_sandbox.roots["a2_a3"])["files"]["K7Q2XM_it_x.jpg"]["sha1"]
    box_sandbox.middleware.set_faults([{"method": "GET", "path": "/files/{}/content".format(file_id),
                                        "status": 200, "body": "not the bytes Box has"}])
    with pytest.raises(ServiceError) as err:  # bytes that are neither the expected nor Box's current version
        box_client.download_file(file_id, other, expected_sha1=expected)
    box_sandbox.middleware.set_faults([])
    assert "corrupt" in str(err.value) and err.value.code != "changed_in_box"
    assert sorted(os.listdir(str(tmp_path))) == ["box-sandbox", "x.jpg"]  # no partial or temp file left


def test_delete_is_idempotent_and_get_file_after_is_none(box_client, box_sandbox):
    file_id = box_sandbox.put_file(box_sandbox.roots["a2_a3"], "K7Q2XM_it_x.jpg", b"1")
    assert box_client.get_file(file_id).name == "K7Q2XM_it_x.jpg"
    assert box_client.delete_file(file_id) is True
    assert box_client.delete_file(file_id) is True  # 404 = already gone
    assert box_client.get_file(file_id) is None


def test_move_to_needs_attention_never_overwrites(box_client, box_sandbox):
    root = box_sandbox.roots["a2_a3"]
    quarantine = box_client.ensure_needs_attention(root)
    box_sandbox.put_file(quarantine, "bad.jpg", b"earlier")
    file_id = box_sandbox.put_file(root, "bad.jpg", b"later")
    moved = box_client.move_file(file_id, quarantine)
    assert moved.name == "bad (1).jpg" and moved.renamed is True
    files = box_sandbox.tree(quarantine)["files"]
    assert sorted(files) == ["bad (1).jpg", "bad.jpg"]
    assert box_sandbox.file_bytes(files["bad.jpg"]["id"]) == b"earlier"
    assert box_sandbox.tree(root)["files"] == {}


def test_429_with_retry_after_is_honoured(box_client, box_sandbox, tmp_path):
    path = write_random(str(tmp_path / "a.jpg"), 100, seed=5)
    box_client.ping()
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "/api/2.0/files/content", "status": 429,
                                        "retry_after": 1, "count": 1}])
    started = time.time()
    result = box_client.upload_file(path, box_sandbox.roots["a1_a2"], "a.jpg")
    assert time.time() - started >= 1
    assert result.outcome == "uploaded"
    assert box_sandbox.middleware.snapshot()["by_endpoint"]["POST /api/2.0/files/content"] == 2


def test_long_retry_after_fails_fast_instead_of_stalling(box_sandbox):
    client = BoxClient(box_sandbox.client_config(max_retry_wait_seconds=2))
    box_sandbox.middleware.set_faults([{"path": "/2.0/folders", "status": 429, "retry_after": 100}])
    started = time.time()
    with pytest.raises(ServiceError) as err:
        client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["x"])
    assert time.time() - started < 10
    assert err.value.retryable and "100" in str(err.value)


def test_token_expiry_mid_run_reauthenticates_once(box_client, box_sandbox, tmp_path):
    folder = box_client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["Camp"])
    box_sandbox.expire_tokens()
    path = write_random(str(tmp_path / "a.jpg"), 100, seed=6)
    result = box_client.upload_file(path, folder, "a.jpg")
    assert result.outcome == "uploaded"
    assert box_sandbox.middleware.snapshot()["by_endpoint"]["POST /oauth2/token"] == 2


def test_5xx_on_folder_create_is_retried_and_stays_single(box_client, box_sandbox):
    box_client.ping()
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "/2.0/folders", "status": 503, "count": 1,
                                        "retry_after": 0}])
    folder = box_client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["Once"])
    assert list(box_sandbox.tree(box_sandbox.roots["a1_a2"])["folders"]) == ["Once"]
    assert box_sandbox.tree(folder)["id"] == folder


def test_app_not_authorised_is_explained(box_client, box_sandbox):
    box_sandbox.fail_token()
    with pytest.raises(ServiceError) as err:
        box_client.ping()
    text = str(err.value)
    assert "not authorized by the enterprise admin" in text
    assert "admin must authorise the app" in err.value.fix


def test_wrong_enterprise_id_is_explained(box_sandbox, tmp_path):
    import json
    with open(box_sandbox.box_config_path) as f:
        doc = json.load(f)
    doc["enterpriseID"] = "999"
    wrong = tmp_path / "Box-config.json"
    wrong.write_text(json.dumps(doc))
    client = BoxClient(box_sandbox.client_config(config_path=str(wrong)))
    with pytest.raises(ServiceError) as err:
        client.ping()
    assert "'sub' claim" in str(err.value) and "enterpriseID" in err.value.fix


def test_every_request_and_answer_matches_box_openapi_subset(box_client, box_sandbox, tmp_path):
    """The client's requests and the sandbox's answers, for every operation the client uses, against the spec."""
    checker = SpecChecker(load_spec())
    box_sandbox.record_exchanges(True)
    root = box_sandbox.roots["a1_a2"]
    box_client.ping()
    folder = box_client.ensure_folder_path(root, ["Camp", "Sub"])
    box_client.ensure_folder_path(root, ["Camp", "Sub"])  # 409 conflicts (list)
    small = write_random(str(tmp_path / "s.jpg"), 3000, seed=7)
    box_client.upload_file(small, folder, "s.jpg")
    box_client.upload_file(small, folder, "s.jpg")  # preflight 409 -> adopt
    write_random(small, 3100, seed=8)
    box_client.upload_file(small, folder, "s.jpg")  # new version
    with pytest.raises(ServiceError):
        box_client.upload_file(small, folder, "bad.jpg", sha1="1" * 40)
    big_client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20, link_type="shared_link"))
    big = write_random(str(tmp_path / "b.bin"), 21 * MB, seed=9)
    box_sandbox.commit_answers_202(1)
    big_result = big_client.upload_file(big, folder, "b.bin")
    write_random(big, 22 * MB, seed=10)
    big_client.upload_file(big, folder, "b.bin")  # chunked new version
    box_client.list_inbox(root)
    box_client.download_file(big_result.file_id, str(tmp_path / "d.bin"))
    box_client.get_file(big_result.file_id)
    box_client.delete_file(big_result.file_id)
    box_client.delete_file(big_result.file_id)
    box_client.get_folder("123")
    exchanges = box_sandbox.exchanges
    problems = [p for ex in exchanges for p in checker.check(ex)]
    assert not problems, "\n".join(problems)
    used = checker.operation_ids(exchanges)
    assert {"post_oauth2_token", "post_folders", "options_files_content", "post_files_content",
            "post_files_id_content", "post_files_upload_sessions", "post_files_id_upload_sessions",
            "put_files_upload_sessions_id", "post_files_upload_sessions_id_commit", "get_folders_id_items",
            "get_files_id_content", "get_files_id", "delete_files_id", "get_folders_id"} <= used
    statuses = {(ex["method"], ex["status"]) for ex in exchanges}
    assert {("POST", 409), ("OPTIONS", 409), ("POST", 202), ("DELETE", 404), ("POST", 400)} <= statuses


class _FileStream(object):
    """The interface of a DAM download stream (read, finish -> SHA-1) over a local file."""

    def __init__(self, path):
        self.f, self.path = open(path, "rb"), path

    def read(self, n):
        return self.f.read(n)

    def finish(self):
        assert self.f.read(1) == b""
        self.f.close()
        return sha1_file(self.path)


@pytest.mark.slow
def test_a_streamed_chunked_upload_adopts_the_same_bytes_and_versions_other_bytes(box_client, box_sandbox, tmp_path):
    """Issue 19: the SHA-1 of a stream is known only at its end; a name clash streams into a version session that
    is aborted when the SHA-1 is the existing file's, so the same bytes never become a second copy or version."""
    folder = box_client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["LC-2026-0042 - Nutella"])
    path = write_random(str(tmp_path / "film.mov"), 52 * MB, seed=52)
    hashed = []
    first = box_client.upload_stream(_FileStream(path), 52 * MB, folder, "K7Q2XM_film.mov",
                                     on_hashed=lambda sha1, size: hashed.append((sha1, size)))
    assert first.outcome == "uploaded" and hashed == [(sha1_file(path), 52 * MB)]
    again = box_client.upload_stream(_FileStream(path), 52 * MB, folder, "K7Q2XM_film.mov")
    assert again.outcome == "adopted" and again.file_id == first.file_id
    info = box_sandbox.tree(folder)["files"]["K7Q2XM_film.mov"]
    assert info["versions"] == 1 and info["sha1"] == sha1_file(path)
    box_sandbox.middleware.reset_counters()
    known = box_client.upload_stream(_FileStream(path), 52 * MB, folder, "K7Q2XM_film.mov", known_sha1=info["sha1"])
    assert known.outcome == "adopted" and "PUT /api/2.0/files/upload_sessions/{id}" not in uploads_of(box_sandbox)
    other = write_random(str(tmp_path / "film2.mov"), 52 * MB, seed=53)
    changed = box_client.upload_stream(_FileStream(other), 52 * MB, folder, "K7Q2XM_film.mov")
    assert changed.outcome == "new_version" and changed.file_id == first.file_id
    info = box_sandbox.tree(folder)["files"]["K7Q2XM_film.mov"]
    assert info["versions"] == 2 and info["sha1"] == sha1_file(other)
    assert len(box_sandbox.tree(folder)["files"]) == 1
