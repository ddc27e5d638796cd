"""Every transfer has a deadline: a server that trickles bytes cannot hold a campaign's lease for ever."""
import time

import psycopg2
import pytest

from tests.e2e.helpers import box_files, db_rows
from tests.integration.box_fixtures import box_sandbox, sha1_file, write_random  # noqa: F401,F811 (fixture)
from tests.reliability.harness import fresh_lab, run_seconds


@pytest.mark.slow
def test_a_trickling_download_fails_the_asset_clearly_and_frees_the_lease(pg_server, tmp_path, pki_dir):
    env = {"MIN_THROUGHPUT_KIB_PER_SECOND": "8", "TRANSFER_DEADLINE_GRACE_SECONDS": "2", "DAM_RETRY_ATTEMPTS": "1"}
    with fresh_lab(pg_server, tmp_path, pki_dir, **env) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0779", "name": "Slow link", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"assets": [{"name": "slow.mp4", "size": 20000},
                                                                         {"name": "quick.jpg", "size": 300}]}}})
        slow = next(a for a in lab.otmm.snapshot()["LC-2026-0779"]["assets"] if a["name"] == "slow.mp4")
        # 400 bytes a second, a piece every quarter second: never silent for the 120 s read timeout, 50 s in all
        lab.otmm.middleware.set_faults([{"path": slow["asset_id"] + "/contents", "trickle_bytes_per_second": 400}])
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0779", timeout=120)
        took = run_seconds(lab, "a1_to_a2")
        assert result.returncode == 1, lab.log_text("a1_to_a2")[-3000:]
        assert took < 30, took  # deadline 2 s + 20000 B / 8 KiB/s = 4.4 s, not the 50 s the trickle needs
        log = lab.log_text("a1_to_a2")
        assert "took longer than its 4s deadline" in log and "slow.mp4" in log
        assert [f["size"] for f in box_files(lab.box.tree(lab.box.roots["a1_a2"])).values()] == [300]
        state = db_rows(lab, "SELECT state, lease_owner, lease_expires_at FROM workflow_state "
                             "WHERE campaign_id = 'LC-2026-0779'")[0]
        assert state["state"] == "partial" and state["lease_owner"] is None and state["lease_expires_at"] is None
        failed = db_rows(lab, "SELECT last_error FROM transfer_items WHERE original_filename = 'slow.mp4'")[0]
        assert "deadline" in failed["last_error"]


# -- uploads to a server that drains the body at a trickle ---------------------------------------------------------
# The client is the runtime's own BoxClient against the strict Box sandbox (1 MiB parts); the sandbox's
# slow_read fault reads each upload's body at a trickle with a small receive buffer, so every send blocks.

MB = 1024 * 1024
FAST_DEADLINE = {"min_throughput_kib_per_second": 2048, "deadline_grace_seconds": 2}


@pytest.mark.slow
# simple: the file is checked at every piece read; chunked: before each 1 MiB part (a part already on the wire
# finishes first, so the chunked case drains at 512 KB/s: 2 s a part, 42 s for the file)
@pytest.mark.parametrize("size_mb,kind,rate", [(3, "simple", 64 * 1024), (21, "chunked", 512 * 1024)])
def test_a_box_upload_to_a_slow_reading_server_is_cut_at_its_deadline_and_the_next_try_completes(
        box_sandbox, tmp_path, size_mb, kind, rate):  # noqa: F811 (the imported fixture)
    from scripts.shared.box.box_client import BoxClient
    from scripts.shared.core.errors import ServiceError
    client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20, transfer=FAST_DEADLINE))
    path = write_random(str(tmp_path / "spot.mp4"), size_mb * MB, seed=size_mb)
    folder = box_sandbox.roots["a1_a2"]
    # never silent for a read timeout, far too slow for the whole file; the deadline is 2 s + size / 2 MiB/s
    box_sandbox.middleware.set_faults([{"method": "POST" if kind == "simple" else "PUT", "path": "/api/2.0/files/",
                                        "slow_read_bytes_per_second": rate}])
    started = time.time()
    with pytest.raises(ServiceError) as cut:
        client.upload_file(path, folder, "spot.mp4")
    took = time.time() - started
    seconds = 2 + size_mb / 2.0
    assert "upload of spot.mp4 took longer than its {:.0f}s deadline".format(seconds) in str(cut.value)
    # well before the trickle could finish (a chunked part already on the wire finishes first)
    assert took < (seconds + 10 if kind == "simple" else size_mb * MB / rate), took
    assert box_sandbox.tree(folder)["files"] == {}
    box_sandbox.middleware.set_faults([])
    done = client.upload_file(path, folder, "spot.mp4")
    files = box_sandbox.tree(folder)["files"]
    assert list(files) == ["spot.mp4"] and files["spot.mp4"]["sha1"] == sha1_file(path) == done.sha1


@pytest.mark.slow
def test_uploads_to_slow_reading_box_and_dam_fail_the_asset_free_the_lease_and_the_next_tick_completes_once(
        pg_server, tmp_path, pki_dir):
    """End to end: the A1->A2 simple upload to Box and the A2->A3 import into the DAM, each to a server draining the
    body at 64 KB/s (a 3 MB file would need 50 s; its deadline is 2 s + 3 MB / 2 MiB/s = 4 s)."""
    env = {"MIN_THROUGHPUT_KIB_PER_SECOND": "2048", "TRANSFER_DEADLINE_GRACE_SECONDS": "2", "DAM_RETRY_ATTEMPTS": "1"}
    with fresh_lab(pg_server, tmp_path, pki_dir, **env) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0782", "name": "Slow uplink", "status": "A1", "type": "Local comm",
                               "folders": {"Final Assets": {}, "Master Assets": {"assets": [{"name": "spot.mp4", "size": 3 * MB},
                                                                         {"name": "quick.jpg", "size": 300}]}}})
        slow = {"method": "POST", "path": "^/api/2.0/files/content", "slow_read_bytes_per_second": 64 * 1024}
        lab.box.middleware.set_faults([slow])
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0782", timeout=120)
        assert result.returncode == 1 and run_seconds(lab, "a1_to_a2") < 30, lab.log_text("a1_to_a2")[-3000:]
        log = lab.log_text("a1_to_a2")
        assert "upload of" in log and "spot.mp4 took longer than its 4s deadline" in log
        _assert_lease_free(lab, "partial")
        lab.box.middleware.set_faults([])
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0782", timeout=120)
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        delivered = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
        assert sorted(f["size"] for f in delivered.values()) == [300, 3 * MB], delivered
        assert lab.otmm.campaign_status("LC-2026-0782") == "A2"

        lab.play_agency("LC-2026-0782")
        lab.otmm.middleware.set_faults([{"method": "POST", "path": "/assets$", "slow_read_bytes_per_second": 64 * 1024}])
        result = lab.run_script("a2_to_a3_upload_polling", timeout=120)
        assert run_seconds(lab, "a2_to_a3") < 60, lab.log_text("a2_to_a3")[-3000:]
        log = lab.log_text("a2_to_a3")
        assert "import upload of" in log and "took longer than its 4s deadline" in log, log[-3000:]
        assert all(r["lease_owner"] is None for r in db_rows(lab, "SELECT lease_owner FROM workflow_state"))
        lab.otmm.middleware.set_faults([])
        _back_off_over(lab)
        result = lab.run_script("a2_to_a3_upload_polling", timeout=120)
        assert result.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert lab.otmm.campaign_status("LC-2026-0782") == "A3"
        finals = [a for a in lab.otmm.snapshot()["LC-2026-0782"]["assets"] if a["path"].startswith("Final Assets")]
        assert sorted(a["name"].split("_", 1)[1] for a in finals) == sorted(
            ["it-IT_quick localised.jpg", "it-IT_spot localised.mp4"]), finals
        state = db_rows(lab, "SELECT lease_owner FROM workflow_state WHERE campaign_id = 'LC-2026-0782'")
        assert all(r["lease_owner"] is None for r in state)


def _back_off_over(lab):
    """The failed file's back-off time has come (as it would a few minutes later)."""
    s = lab.db_settings
    conn = psycopg2.connect(host=s["host"], port=s["port"], dbname=s["name"], user=s["user"], password=s["password"])
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE workflow_state SET next_attempt_at = now() WHERE next_attempt_at IS NOT NULL")
    conn.close()


def _assert_lease_free(lab, expected_state):
    state = db_rows(lab, "SELECT state, lease_owner, lease_expires_at FROM workflow_state "
                         "WHERE campaign_id = 'LC-2026-0782'")[0]
    assert state["state"] == expected_state and state["lease_owner"] is None and state["lease_expires_at"] is None
