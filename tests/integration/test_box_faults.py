"""Answers lost on the way back (the sandbox acts, then cuts the response in half) and dropped connections, through
the real boxsdk: every write still ends with exactly one file (or folder) in Box, and the call reports success."""
import time

import pytest

from scripts.shared.box.box_client import BoxClient
from scripts.shared.core.errors import ServiceError
from tests.integration import box_fixtures
from tests.integration.box_fixtures import SpecChecker, load_spec, sha1_file, walk_files, write_random

box_sandbox, box_cfg, box_client = box_fixtures.box_sandbox, box_fixtures.box_cfg, box_fixtures.box_client

MB = 1024 * 1024


@pytest.fixture
def chunky(box_sandbox):
    """A client that sends files over 20 MB through upload sessions (the sandbox's parts are 1 MiB)."""
    client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20))
    client.ping()
    return client


def counts(sandbox):
    return sandbox.middleware.snapshot()["by_endpoint"]


def test_folder_created_but_answer_lost_is_reused_not_duplicated(box_client, box_sandbox):
    root = box_sandbox.roots["a1_a2"]
    box_client.ping()
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "^/2.0/folders$", "truncate": True, "count": 1}])
    folder = box_client.ensure_folder_path(root, ["LC-2026-0042 - Nutella"])
    tree = box_sandbox.tree(root)
    assert list(tree["folders"]) == ["LC-2026-0042 - Nutella"]
    assert tree["folders"]["LC-2026-0042 - Nutella"]["id"] == folder
    assert counts(box_sandbox)["POST /2.0/folders"] == 2  # the SDK's retry met the 409 and took the folder


def test_simple_upload_stored_but_answer_lost_is_taken_once(box_client, box_sandbox, tmp_path):
    root = box_sandbox.roots["a1_a2"]
    path = write_random(str(tmp_path / "a.jpg"), 5000, seed=11)
    box_client.ping()
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "/api/2.0/files/content", "truncate": True,
                                        "count": 1}])
    result = box_client.upload_file(path, root, "K7Q2XM_a.jpg")
    assert result.sha1 == sha1_file(path)
    files = box_sandbox.tree(root)["files"]
    assert list(files) == ["K7Q2XM_a.jpg"] and files["K7Q2XM_a.jpg"]["versions"] == 1
    assert files["K7Q2XM_a.jpg"]["id"] == result.file_id


def test_part_stored_but_answer_lost_is_taken_from_the_session(chunky, box_sandbox, tmp_path):
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB + 7, seed=12)
    box_sandbox.middleware.set_faults([{"method": "PUT", "path": "upload_sessions", "truncate": True, "count": 1}])
    box_sandbox.middleware.reset_counters()
    box_sandbox.record_exchanges(True)
    result = chunky.upload_file(path, root, "ABC123_big.mp4")
    checker = SpecChecker(load_spec())
    problems = [p for ex in box_sandbox.exchanges for p in checker.check(ex)]
    assert not problems, "\n".join(problems)
    assert "get_files_upload_sessions_id_parts" in checker.operation_ids(box_sandbox.exchanges)
    assert result.outcome == "uploaded" and result.sha1 == sha1_file(path)
    info = box_sandbox.tree(root)["files"]["ABC123_big.mp4"]
    assert (info["sha1"], info["size"]) == (sha1_file(path), 21 * MB + 7)
    c = counts(box_sandbox)
    assert c["PUT /api/2.0/files/upload_sessions/{id}"] == 23  # 22 parts + the retry that met the overlap 416
    assert c["GET /api/2.0/files/upload_sessions/{id}/parts"] == 1
    assert c["POST /api/2.0/files/upload_sessions"] == 1  # no second session


def test_commit_done_but_answer_lost_is_recognised_as_uploaded(chunky, box_sandbox, tmp_path):
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=13)
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "/commit$", "truncate": True, "count": 1}])
    result = chunky.upload_file(path, root, "ABC123_big.mp4")
    assert result.outcome == "uploaded" and result.sha1 == sha1_file(path)
    files = box_sandbox.tree(root)["files"]
    assert list(files) == ["ABC123_big.mp4"] and files["ABC123_big.mp4"]["id"] == result.file_id
    assert files["ABC123_big.mp4"]["versions"] == 1


def test_new_version_commit_done_but_answer_lost_is_recognised(chunky, box_sandbox, tmp_path):
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=14)
    first = chunky.upload_file(path, root, "ABC123_big.mp4")
    write_random(path, 21 * MB + 1, seed=15)
    box_sandbox.middleware.set_faults([{"method": "POST", "path": "/commit$", "truncate": True, "count": 1}])
    again = chunky.upload_file(path, root, "ABC123_big.mp4")
    assert again.outcome == "new_version" and again.file_id == first.file_id
    info = box_sandbox.tree(root)["files"]["ABC123_big.mp4"]
    assert (info["sha1"], info["versions"]) == (sha1_file(path), 2)


@pytest.mark.parametrize("where", ["PUT", "POST"])
def test_dropped_connection_during_a_chunked_upload_still_ends_with_one_file(chunky, box_sandbox, tmp_path, where):
    root = box_sandbox.roots["a1_a2"]
    path = write_random(str(tmp_path / "big.bin"), 21 * MB, seed=16)
    rule = {"method": where, "path": "upload_sessions/[0-9a-f]+" + ("/commit$" if where == "POST" else "$"),
            "drop": True, "count": 1}
    box_sandbox.middleware.set_faults([rule])
    result = chunky.upload_file(path, root, "big.bin")
    assert result.sha1 == sha1_file(path)
    assert [k for k in walk_files(box_sandbox.tree(root))] == [("big.bin",)]


def test_a_real_rejection_is_still_reported_after_the_check(box_client, box_sandbox, tmp_path):
    """The "did it land anyway?" check must not hide a genuine failure: bad digest stays an error, nothing stored."""
    root = box_sandbox.roots["a1_a2"]
    path = write_random(str(tmp_path / "a.jpg"), 100, seed=17)
    with pytest.raises(ServiceError) as err:
        box_client.upload_file(path, root, "a.jpg", sha1="2" * 40)
    assert err.value.code == "bad_digest"
    assert box_sandbox.tree(root)["files"] == {}


def test_download_broken_mid_body_is_retried_and_verified(box_client, box_sandbox, tmp_path):
    root = box_sandbox.roots["a2_a3"]
    payload = b"localised banner " * 20000
    file_id = box_sandbox.put_file(root, "K7Q2XM_it_banner.jpg", payload)
    expected = box_sandbox.tree(root)["files"]["K7Q2XM_it_banner.jpg"]["sha1"]
    box_sandbox.middleware.set_faults([{"method": "GET", "path": "^/dl/", "truncate": True, "count": 1}])
    dest = tmp_path / "banner.jpg"
    result = box_client.download_file(file_id, str(dest), expected_sha1=expected)
    assert dest.read_bytes() == payload and result.sha1 == expected
    assert counts(box_sandbox)["GET /2.0/files/{id}/content"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["banner.jpg", "box-sandbox"]


def test_download_that_keeps_breaking_is_a_retryable_service_error(box_sandbox, tmp_path):
    client = BoxClient(box_sandbox.client_config(download_attempts=2))
    file_id = box_sandbox.put_file(box_sandbox.roots["a2_a3"], "K7Q2XM_it_x.jpg", b"x" * 100000)
    box_sandbox.middleware.set_faults([{"method": "GET", "path": "^/dl/", "truncate": True}])
    with pytest.raises(ServiceError) as err:
        client.download_file(file_id, str(tmp_path / "x.jpg"))
    assert err.value.retryable and err.value.code == "network_error"
    assert counts(box_sandbox)["GET /2.0/files/{id}/content"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box-sandbox"]  # no partial file


def test_inbox_listing_misses_nothing_when_files_go_between_pages(box_client, box_sandbox):
    """Another tick takes (deletes) files while this one pages through the inbox: marker paging is a cursor, so the
    files still there are all listed; offset paging would shift the second page and skip some."""
    root = box_sandbox.roots["a2_a3"]
    inbox = box_sandbox.ensure_folder(root, "agency A")
    ids = [box_sandbox.put_file(inbox, "K7Q2XM_it_file {:04d}.jpg".format(i), b"%d" % i) for i in range(1200)]
    gone = ids[:50]  # all on the first page
    pages = []

    def take_files(method, path, total):
        if method == "GET" and path == "/2.0/folders/{}/items".format(inbox):
            pages.append(path)
            if len(pages) == 2:  # before the second page is served
                with box_sandbox.state.lock:
                    for file_id in gone:
                        del box_sandbox.state.items[file_id]

    box_sandbox.middleware.on_request.append(take_files)
    names = {f.name for f in box_client.list_inbox(root)}
    assert len(pages) == 2
    expected = {"K7Q2XM_it_file {:04d}.jpg".format(i) for i in range(1200)}
    assert expected - names <= {"K7Q2XM_it_file {:04d}.jpg".format(i) for i in range(50)}
    assert {"K7Q2XM_it_file {:04d}.jpg".format(i) for i in range(50, 1200)} <= names


def test_token_endpoint_throttled_for_long_fails_fast_instead_of_sleeping(box_sandbox):
    """boxsdk sleeps on its own when the token endpoint answers 429; a Retry-After over the limit must fail the call."""
    client = BoxClient(box_sandbox.client_config(max_retry_wait_seconds=2))
    box_sandbox.middleware.set_faults([{"path": "^/oauth2/token$", "status": 429, "retry_after": 100}])
    started = time.time()
    with pytest.raises(ServiceError) as err:
        client.ping()
    assert time.time() - started < 10
    assert err.value.retryable and err.value.code == "box_throttled" and "100" in str(err.value)
    assert counts(box_sandbox)["POST /oauth2/token"] == 1


def test_token_endpoint_throttled_briefly_is_waited_out(box_sandbox):
    client = BoxClient(box_sandbox.client_config(max_retry_wait_seconds=2))
    box_sandbox.middleware.set_faults([{"path": "^/oauth2/token$", "status": 429, "retry_after": 1, "count": 1}])
    assert client.ping().id
    assert counts(box_sandbox)["POST /oauth2/token"] == 2


def test_a_token_revoked_again_before_boxsdks_retry_is_renewed_once_more(box_client, box_sandbox):
    """boxsdk renews a token after a 401 and retries once; when the renewed token is revoked too before that retry
    (seen with several threads working one campaign), the client renews once more instead of failing the campaign."""
    root = box_sandbox.roots["a1_a2"]
    seen = []

    def revoke_on_the_first_two_creates(method, path, total):
        if method == "POST" and path == "/2.0/folders":
            seen.append(path)
            if len(seen) <= 2:
                box_sandbox.expire_tokens()

    box_sandbox.middleware.on_request.append(revoke_on_the_first_two_creates)
    folder_id = box_client.ensure_folder(root, "LC-2026-0042 - Token churn")
    assert len(seen) == 3
    children = [c for c in box_sandbox.tree(root)["folders"] if c.startswith("LC-2026-0042")]
    assert children == ["LC-2026-0042 - Token churn"] and folder_id
