"""Box never goes stale behind the DAM: changed masters become new Box versions under the same TID, assets deleted
in the DAM are reported as gone, downloads are checked against the DAM's checksum, and every delivered file is
confirmed still in Box before the status moves."""
import hashlib

from tests.e2e.helpers import box_files, db_rows, html_of, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0042"


def _asset(lab, name):
    return next(a for a in lab.otmm.snapshot()[CAMPAIGN]["assets"] if a["name"] == name)


def _campaign_files(lab):
    tree = lab.box.tree(lab.box.roots["a1_a2"])
    return box_files(next(v for k, v in tree["folders"].items() if k.startswith(CAMPAIGN)))


def test_between_ticks_the_dam_and_box_change_and_the_next_tick_catches_up(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, DAM_RETRY_ATTEMPTS="1") as lab:
        teaser = _asset(lab, "teaser.mp4")
        lab.otmm.middleware.set_faults([{"path": teaser["asset_id"] + "/contents", "status": 500}])
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 1   # partial: 4 of 5
        lab.otmm.middleware.set_faults([])
        first = _campaign_files(lab)
        assert len(first) == 4
        # between the ticks: a person checks in a new key visual, deletes the poster in the DAM, deletes a
        # delivered banner in Box; the DAM now publishes a checksum for the teaser, which does not match
        new_visual = b"key visual, version 2"
        lab.otmm.replace_content(_asset(lab, "key-visual.jpg")["asset_id"], new_visual,
                                 checksum=hashlib.sha1(new_visual).hexdigest())
        lab.otmm.delete_asset(_asset(lab, "poster A2.pdf")["asset_id"])
        banner = next(info for path, info in first.items() if path.endswith("banner 728x90.png"))
        with lab.box.state.lock:
            lab.box.state.trash[banner["id"]] = lab.box.state.items.pop(banner["id"])
        lab.otmm.set_checksum(teaser["asset_id"], "0" * 40)
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 1
        log = lab.log_text("a1_to_a2")
        assert "does not match the DAM's" in log  # the teaser's download was checked and refused
        assert lab.otmm.campaign_status(CAMPAIGN) == "A1"
        lab.otmm.set_checksum(teaser["asset_id"], None)
        lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2", lab.log_text("a1_to_a2")[-3000:]
        files = _campaign_files(lab)
        visual = next(info for path, info in files.items() if path.endswith("key-visual.jpg"))
        assert visual["sha1"] == hashlib.sha1(new_visual).hexdigest() and visual["versions"] == 2
        assert any(path.endswith("banner 728x90.png") for path in files)      # delivered again
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        html = html_of(mail[0])
        assert "poster A2.pdf" in html and "deleted in the DAM" in html
        assert "new version" in html
        gone = db_rows(lab, "SELECT state FROM transfer_items WHERE original_filename = 'poster A2.pdf'")[0]
        assert gone["state"] == "gone"
