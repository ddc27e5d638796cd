"""Box as it really behaves (docs/box-api.md), through the real boxsdk against
the strict sandbox: transient parts_mismatch on commit, a 202 longer than a run may wait, Box's own upload URLs,
move conflicts that are not name clashes, and who the client acts as."""
import logging
import time

import pytest

from scripts.shared.box.box_client import BoxClient
from scripts.shared.core.errors import ServiceError, SuiteError
from tests.integration import box_fixtures
from tests.integration.box_fixtures import SpecChecker, load_spec, sha1_file, write_random

box_sandbox, box_cfg, box_client = box_fixtures.box_sandbox, box_fixtures.box_cfg, box_fixtures.box_client

MB = 1024 * 1024


def counts(sandbox):
    return sandbox.middleware.snapshot()["by_endpoint"]


def host_of(url):
    return url.split("://", 1)[1].split("/", 1)[0]


@pytest.fixture
def chunky(box_sandbox):
    client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20))
    client.ping()
    return client


def test_transient_parts_mismatch_on_commit_is_waited_out_not_reuploaded(chunky, box_sandbox, tmp_path):
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=31)
    box_sandbox.commit_answers_parts_mismatch(2)
    box_sandbox.middleware.reset_counters()
    result = chunky.upload_file(path, root, "ABC123_big.mp4")
    assert result.outcome == "uploaded" and result.sha1 == sha1_file(path)
    info = box_sandbox.tree(root)["files"]["ABC123_big.mp4"]
    assert (info["sha1"], info["size"], info["versions"]) == (sha1_file(path), 21 * MB, 1)
    c = counts(box_sandbox)
    assert c["POST /api/2.0/files/upload_sessions/{id}/commit"] == 3  # two parts_mismatch, then 201
    assert c["POST /api/2.0/files/upload_sessions"] == 1 and c["PUT /api/2.0/files/upload_sessions/{id}"] == 21
    assert "DELETE /api/2.0/files/upload_sessions/{id}" not in c


def test_commit_202_longer_than_the_wait_limit_keeps_the_session_for_the_next_run(box_sandbox, database, tmp_path):
    """Every part is in Box; Box says "still processing, come back in 100 s". The run gives up without aborting; the
    next run (a new client, sharing only the database) commits the kept session without sending the file again."""
    cfg = box_sandbox.client_config(chunked_upload_threshold_mb=20, max_retry_wait_seconds=2)
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB + 5, seed=32)
    box_sandbox.commit_answers_202(count=1, retry_after=100)
    with pytest.raises(ServiceError) as err:
        BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    assert err.value.code == "commit_pending" and err.value.retryable and "kept" in str(err.value)
    assert box_sandbox.tree(root)["files"] == {}
    assert len(box_sandbox.state.sessions) == 1  # not aborted
    with database.cursor() as cur:
        cur.execute("SELECT target, sha1, file_size FROM box_upload_sessions")
        kept = cur.fetchall()
    assert [(r["sha1"], r["file_size"]) for r in kept] == [(sha1_file(path), 21 * MB + 5)]

    box_sandbox.middleware.reset_counters()
    result = BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")  # the next run
    assert result.outcome == "uploaded" and result.sha1 == sha1_file(path)
    assert box_sandbox.tree(root)["files"]["ABC123_big.mp4"]["sha1"] == sha1_file(path)
    c = counts(box_sandbox)
    assert "POST /api/2.0/files/upload_sessions" not in c and "PUT /api/2.0/files/upload_sessions/{id}" not in c
    assert c["POST /api/2.0/files/upload_sessions/{id}/commit"] == 1
    with database.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM box_upload_sessions")
        assert cur.fetchone()["n"] == 0


@pytest.fixture
def quick_mismatch_retries(monkeypatch):
    """The parts_mismatch bound (7 commits) without its 31 s of waits."""
    from scripts.shared.box import box_upload
    from scripts.shared.core.retry import RetryPolicy
    monkeypatch.setattr(box_upload, "COMMIT_MISMATCH_RETRY",
                        RetryPolicy.doubling(box_upload.COMMIT_MISMATCH_TRIES + 1, first=0.01, cap=0.01))
    return box_upload.COMMIT_MISMATCH_TRIES + 1


def test_parts_mismatch_past_its_bound_keeps_the_session_and_the_next_run_sends_no_part(
        box_sandbox, database, tmp_path, quick_mismatch_retries):
    """Issue 23.6 (F12): every part is stored but Box keeps answering parts_mismatch longer than this run commits
    again. The session is kept, not aborted; the next run commits it without sending a part."""
    cfg = box_sandbox.client_config(chunked_upload_threshold_mb=20)
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=34)
    box_sandbox.commit_answers_parts_mismatch(quick_mismatch_retries + 1)
    with pytest.raises(ServiceError) as err:
        BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    assert err.value.code == "commit_pending" and err.value.retryable and "parts_mismatch" in str(err.value)
    assert box_sandbox.tree(root)["files"] == {} and len(box_sandbox.state.sessions) == 1  # not aborted

    box_sandbox.middleware.reset_counters()
    result = BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")  # the next run
    assert result.outcome == "uploaded" and box_sandbox.tree(root)["files"]["ABC123_big.mp4"]["sha1"] == \
        sha1_file(path)
    c = counts(box_sandbox)
    assert "PUT /api/2.0/files/upload_sessions/{id}" not in c and "POST /api/2.0/files/upload_sessions" not in c
    assert c["POST /api/2.0/files/upload_sessions/{id}/commit"] == 2  # the last transient answer, then 201
    with database.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM box_upload_sessions")
        assert cur.fetchone()["n"] == 0


def test_a_kept_session_that_still_mismatches_is_given_up_and_uploaded_again(
        box_sandbox, database, tmp_path, quick_mismatch_retries):
    """A second run that meets parts_mismatch to the bound again takes it as real: the file is sent again."""
    cfg = box_sandbox.client_config(chunked_upload_threshold_mb=20)
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=35)
    box_sandbox.commit_answers_parts_mismatch(2 * quick_mismatch_retries)
    with pytest.raises(ServiceError):
        BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    box_sandbox.middleware.reset_counters()
    result = BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    assert result.outcome == "uploaded" and box_sandbox.tree(root)["files"]["ABC123_big.mp4"]["sha1"] == \
        sha1_file(path)
    c = counts(box_sandbox)
    assert c["PUT /api/2.0/files/upload_sessions/{id}"] == 21 and c["DELETE /api/2.0/files/upload_sessions/{id}"] == 1


def test_a_kept_session_that_box_no_longer_has_is_uploaded_again(box_sandbox, database, tmp_path):
    cfg = box_sandbox.client_config(chunked_upload_threshold_mb=20, max_retry_wait_seconds=2)
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.mp4"), 21 * MB, seed=33)
    box_sandbox.commit_answers_202(count=1, retry_after=100)
    with pytest.raises(ServiceError):
        BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    with box_sandbox.state.lock:
        box_sandbox.state.sessions.clear()  # expired or purged on Box's side
    result = BoxClient(cfg, db=database).upload_file(path, root, "ABC123_big.mp4")
    assert result.outcome == "uploaded"
    assert box_sandbox.tree(root)["files"]["ABC123_big.mp4"]["sha1"] == sha1_file(path)


def test_uploads_go_to_the_addresses_box_returns(chunky, box_sandbox, tmp_path):
    """Parts, commit, part listing and abort go to the session_endpoints, the simple upload to the preflight's
    upload_url: both on the sandbox's separate upload listener, not the configured upload base."""
    root = box_sandbox.roots["a1_a2"]
    upload_host, configured = host_of(box_sandbox.upload_host_url), host_of(box_sandbox.upload_base_url)
    assert upload_host != configured
    box_sandbox.record_exchanges(True)
    small = write_random(str(tmp_path / "s.jpg"), 3000, seed=34)
    chunky.upload_file(small, root, "s.jpg")
    big = write_random(str(tmp_path / "b.bin"), 21 * MB, seed=35)
    box_sandbox.middleware.set_faults([{"method": "PUT", "path": "upload_sessions", "truncate": True, "count": 1}])
    chunky.upload_file(big, root, "b.bin")  # its lost part answer makes the client list the parts
    box_sandbox.middleware.set_faults([{"method": "PUT", "path": "upload_sessions", "status": 400, "count": 1}])
    with pytest.raises(ServiceError):
        chunky.upload_file(big, root, "c.bin")  # a rejected part: the session is aborted
    ex = box_sandbox.exchanges
    session_ops = [e for e in ex if "/upload_sessions/" in e["path"]]
    assert {(e["method"], e["path"].rsplit("/", 1)[-1] if e["path"].endswith(("commit", "parts")) else "")
            for e in session_ops} >= {("PUT", ""), ("POST", "commit"), ("GET", "parts"), ("DELETE", "")}
    assert {e["host"] for e in session_ops} == {upload_host}
    simple = [e for e in ex if e["method"] == "POST" and e["path"] == "/api/2.0/files/content"]
    assert [e["host"] for e in simple] == [upload_host]
    creates = [e for e in ex if e["path"] == "/api/2.0/files/upload_sessions"]
    assert {e["host"] for e in creates} == {configured}  # session creation: the configured upload base
    checker = SpecChecker(load_spec())
    problems = [p for e in ex for p in checker.check(e)]
    assert not problems, "\n".join(problems)


def test_move_blocked_by_another_operation_is_retried_not_renamed(box_client, box_sandbox):
    root = box_sandbox.roots["a2_a3"]
    quarantine = box_client.ensure_needs_attention(root)
    file_id = box_sandbox.put_file(root, "bad.jpg", b"x")
    box_sandbox.block_moves(2)
    started = time.time()
    moved = box_client.move_file(file_id, quarantine)
    assert moved.name == "bad.jpg" and moved.renamed is False
    assert list(box_sandbox.tree(quarantine)["files"]) == ["bad.jpg"]
    assert time.time() - started >= 3  # waited 1 s and 2 s
    assert counts(box_sandbox)["PUT /2.0/files/{id}"] == 3


def test_numbered_name_of_a_long_name_stays_within_255_characters(box_client, box_sandbox):
    root = box_sandbox.roots["a2_a3"]
    quarantine = box_client.ensure_needs_attention(root)
    long_name = "x" * 251 + ".jpg"
    box_sandbox.put_file(quarantine, long_name, b"earlier")
    file_id = box_sandbox.put_file(root, long_name, b"later")
    moved = box_client.move_file(file_id, quarantine)
    assert moved.renamed and moved.name.endswith(" (1).jpg") and len(moved.name) == 255
    assert sorted(box_sandbox.tree(quarantine)["files"]) == sorted([long_name, moved.name])


def test_as_user_header_and_jwt_user_subject_are_two_settings(box_sandbox, caplog):
    box_sandbox.record_exchanges(True)
    header = BoxClient(box_sandbox.client_config(as_user_header_id="22000001"))
    assert header.ping().id == "22000001"
    me = [e for e in box_sandbox.exchanges if e["path"] == "/2.0/users/me"][-1]
    assert me["headers"].get("as-user") == "22000001"
    subject = BoxClient(box_sandbox.client_config(jwt_user_id="22000001"))
    assert subject.ping().id == "22000001"
    me = [e for e in box_sandbox.exchanges if e["path"] == "/2.0/users/me"][-1]
    assert "as-user" not in me["headers"]
    with caplog.at_level(logging.WARNING):
        legacy = BoxClient(box_sandbox.client_config(as_user_id="22000001"))
    assert legacy.ping().id == "22000001"  # the old name keeps its old meaning: the JWT subject
    assert "BOX_AS_USER_ID" in caplog.text and "BOX_JWT_USER_ID" in caplog.text


def test_unknown_users_are_refused_like_real_box(box_sandbox):
    with pytest.raises(ServiceError) as err:
        BoxClient(box_sandbox.client_config(jwt_user_id="999")).ping()
    assert "'sub' claim" in str(err.value) and "BOX_JWT_USER_ID" in err.value.fix
    with pytest.raises(ServiceError) as err:
        BoxClient(box_sandbox.client_config(as_user_header_id="999")).ping()
    assert err.value.status == 403
    with pytest.raises(SuiteError) as err:
        BoxClient(box_sandbox.client_config(jwt_user_id="22000001", as_user_header_id="22000001"))
    assert "set only one" in err.value.fix
