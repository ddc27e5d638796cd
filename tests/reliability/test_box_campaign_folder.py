"""Issue 27.2: the Box campaign folder is kept by the id of its first delivery, not found again by name. A person
renames it: the next tick follows it (no second folder). A person deletes it: the next tick recreates it, delivers
every file into it again and says so in the email."""
from tests.e2e.helpers import box_files, db_rows, html_of, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0042"


def _partial_first_tick(lab):
    """Tick 1 delivers 4 of the 5 masters (the teaser's download fails); returns the campaign folder's id."""
    teaser = next(a for a in lab.otmm.snapshot()[CAMPAIGN]["assets"] if a["name"] == "teaser.mp4")
    lab.otmm.middleware.set_faults([{"path": teaser["asset_id"] + "/contents", "status": 500}])
    assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 1
    lab.otmm.middleware.set_faults([])
    folders = lab.box.tree(lab.box.roots["a1_a2"])["folders"]
    (name,) = [k for k in folders if k.startswith(CAMPAIGN)]
    assert len(box_files(folders[name])) == 4
    return folders[name]["id"]


def test_a_renamed_campaign_folder_is_followed_not_doubled(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, DAM_RETRY_ATTEMPTS="1") as lab:
        folder_id = _partial_first_tick(lab)
        with lab.box.state.lock:  # a person renames the campaign folder in Box
            lab.box.state.items[folder_id]["name"] = "Nutella Spring (checked by Anna)"
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        folders = lab.box.tree(lab.box.roots["a1_a2"])["folders"]
        assert list(folders) == ["Nutella Spring (checked by Anna)"], sorted(folders)
        assert len(box_files(folders["Nutella Spring (checked by Anna)"])) == 5
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1 and "folder/{}".format(folder_id) in html_of(mail[0]), subjects(lab)
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"


def test_a_deleted_campaign_folder_is_recreated_refilled_and_said(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, DAM_RETRY_ATTEMPTS="1") as lab:
        folder_id = _partial_first_tick(lab)
        with lab.box.state.lock:  # a person deletes the campaign folder (and so its files) in Box
            s = lab.box.state
            doomed, changed = {folder_id}, True
            while changed:
                kids = set(k for k, v in s.items.items() if v.get("parent_id") in doomed) - doomed
                doomed |= kids
                changed = bool(kids)
            for item_id in doomed:
                s.trash[item_id] = s.items.pop(item_id)
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        folders = lab.box.tree(lab.box.roots["a1_a2"])["folders"]
        (name,) = [k for k in folders if k.startswith(CAMPAIGN)]
        assert folders[name]["id"] != folder_id and len(box_files(folders[name])) == 5
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        html = html_of(mail[0])
        assert "was deleted in Box" in html and "folder/{}".format(folders[name]["id"]) in html, html
        kept = db_rows(lab, "SELECT box_folder_id FROM workflow_state WHERE campaign_id = %s", (CAMPAIGN,))
        assert [r["box_folder_id"] for r in kept] == [folders[name]["id"]]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"
