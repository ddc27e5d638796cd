"""Every transfer has a deadline: a server that trickles bytes cannot hold a campaign's lease for ever."""
import time

from tests.e2e.helpers import box_files, db_rows
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
