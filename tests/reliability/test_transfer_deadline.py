"""Every transfer has a deadline: a server that trickles bytes cannot hold a campaign's lease for ever."""
import time

import pytest

from tests.e2e.helpers import box_files, db_rows
from tests.integration.box_fixtures import box_sandbox, sha1_file, write_random  # noqa: F401,F811 (fixture)
from tests.reliability.harness import fresh_lab


def test_a_trickling_download_fails_the_asset_clearly_and_frees_the_lease(pg_server, tmp_path, pki_dir):
    env = {"MIN_THROUGHPUT_KIB_PER_SECOND": "8", "TRANSFER_DEADLINE_GRACE_SECONDS": "2", "DAM_RETRY_ATTEMPTS": "1"}
    with fresh_lab(pg_server, tmp_path, pki_dir, **env) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0779", "name": "Slow link", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"assets": [{"name": "slow.mp4", "size": 20000},
                                                                         {"name": "quick.jpg", "size": 300}]}}})
        slow = next(a for a in lab.otmm.snapshot()["LC-2026-0779"]["assets"] if a["name"] == "slow.mp4")
        # 400 bytes a second, a piece every quarter second: never silent for the 120 s read timeout, 50 s in all
        lab.otmm.middleware.set_faults([{"path": slow["asset_id"] + "/contents", "trickle_bytes_per_second": 400}])
        started = time.time()
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0779", timeout=120)
        took = time.time() - started
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


# simple: the file is checked at every piece read; chunked: before each 1 MiB part (a part already on the wire
# finishes first, so the chunked case drains at 512 KB/s: 2 s a part, 42 s for the file)
@pytest.mark.parametrize("size_mb,kind,rate", [(3, "simple", 64 * 1024), (21, "chunked", 512 * 1024)])
def test_a_box_upload_to_a_slow_reading_server_is_cut_at_its_deadline_and_the_next_try_completes(
        box_sandbox, tmp_path, size_mb, kind, rate):  # noqa: F811 (the imported fixture)
    from scripts.shared.box_client import BoxClient
    from scripts.shared.errors import ServiceError
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
    assert took < (seconds + 10 if kind == "simple" else 0.8 * size_mb * MB / rate), took
    assert box_sandbox.tree(folder)["files"] == {}
    box_sandbox.middleware.set_faults([])
    done = client.upload_file(path, folder, "spot.mp4")
    files = box_sandbox.tree(folder)["files"]
    assert list(files) == ["spot.mp4"] and files["spot.mp4"]["sha1"] == sha1_file(path) == done["sha1"]
