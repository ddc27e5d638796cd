"""Issue 27.3: "delivered" means in the campaign folder (or a subfolder of it). A delivered file a collaborator
moved elsewhere in Box is delivered again into the campaign folder before the status moves; the moved copy is left
where the person put it, and the email says so and links to the copy in the campaign folder."""
from tests.e2e.helpers import box_files, html_of, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0042"


def test_a_delivered_file_moved_out_of_the_campaign_folder_is_delivered_again_and_said(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, DAM_RETRY_ATTEMPTS="1") as lab:
        teaser = next(a for a in lab.otmm.snapshot()[CAMPAIGN]["assets"] if a["name"] == "teaser.mp4")
        lab.otmm.middleware.set_faults([{"path": teaser["asset_id"] + "/contents", "status": 500}])
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 1   # 4 of 5 delivered
        lab.otmm.middleware.set_faults([])
        root = lab.box.roots["a1_a2"]
        folders = lab.box.tree(root)["folders"]
        (name,) = [k for k in folders if k.startswith(CAMPAIGN)]
        campaign_folder = folders[name]
        banner_path, banner = next((p, f) for p, f in box_files(campaign_folder).items()
                                   if p.endswith("banner 728x90.png"))
        elsewhere = lab.box.ensure_folder(root, "Anna's picks")  # a collaborator moves it out of the campaign
        with lab.box.state.lock:
            lab.box.state.items[banner["id"]]["parent_id"] = elsewhere

        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        tree = lab.box.tree(root)["folders"]
        inside = box_files(tree[name])
        assert len(inside) == 5 and banner_path in inside, sorted(inside)
        assert inside[banner_path]["id"] != banner["id"] and inside[banner_path]["sha1"] == banner["sha1"]
        moved = box_files(tree["Anna's picks"])
        assert [f["id"] for f in moved.values()] == [banner["id"]]  # the person's copy is left where it was put
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        html = html_of(mail[0])
        assert "file/{}".format(inside[banner_path]["id"]) in html and "file/{}".format(banner["id"]) not in html
        assert "moved out of the campaign folder" in html and "Anna&#39;s picks" in html, html
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"
