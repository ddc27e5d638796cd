"""Issue 27.5-6: versions that change under a run. A new Box version arriving while the run reads the file is a
changed file, not a corrupt one; a final that a newer localisation replaced is marked in the DAM itself and never
sends the campaign back to the agency."""
import hashlib

from tests.e2e.helpers import box_files, db_rows, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0043"


def _agency_delivered(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0
    lab.play_agency(CAMPAIGN)
    return box_files(lab.box.tree(lab.box.roots["a2_a3"]))


def _dam_sha1s(lab):
    return sorted(a["sha1"] for a in lab.otmm.snapshot()[CAMPAIGN]["assets"] if "Final" in a["path"])


def test_a_new_box_version_arriving_while_the_file_is_read_is_not_called_corrupt(pg_server, tmp_path, pki_dir):
    """The inbox is listed; as the run starts downloading a file the agency uploads a corrected version of it. The
    download then has the new version's SHA-1, not the listed one: that is a changed file (Box's current version
    has exactly the bytes read), not a corrupt download; no failure email, no back-off, and it is imported."""
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        inbox = _agency_delivered(lab)
        path, first = sorted(inbox.items())[0]
        corrected = b"corrected by the agency while the run was reading the first version"
        done = []

        def agency_uploads_a_new_version(method, url, total):
            if method == "GET" and url.endswith("/files/{}/content".format(first["id"])) and not done:
                folder = lab.box.ensure_folder(lab.box.roots["a2_a3"], path.split("/")[0])
                done.append(lab.box.put_file(folder, path.split("/")[-1], corrected))
        lab.box.middleware.on_request.append(agency_uploads_a_new_version)
        first_run = lab.run_script("a2_to_a3_upload_polling")
        lab.box.middleware.on_request.remove(agency_uploads_a_new_version)
        assert done, "the hook must have fired"
        log = lab.log_text("a2_to_a3")
        assert first_run.returncode == 0, log[-3000:]
        assert "corrupt" not in log and "changed in Box while it was read" in log, log[-3000:]
        assert not any("failed" in s for s in subjects(lab)), subjects(lab)
        state = db_rows(lab, "SELECT attempts, next_attempt_at FROM workflow_state WHERE workflow = 'a2_a3' "
                             "AND campaign_id = %s", (CAMPAIGN,))
        assert all(r["attempts"] == 0 and r["next_attempt_at"] is None for r in state), state
        # taken in the same run: the new version is in the DAM, the version listed never was
        assert box_files(lab.box.tree(lab.box.roots["a2_a3"])) == {}
        finals = _dam_sha1s(lab)
        assert hashlib.sha1(corrected).hexdigest() in finals and first["sha1"] not in finals
        assert lab.otmm.campaign_status(CAMPAIGN) == "A3"
        rows = db_rows(lab, "SELECT sha1, state FROM derivative_assets WHERE box_file_id = %s ORDER BY id",
                       (first["id"],))
        assert [(r["sha1"], r["state"]) for r in rows] == [(first["sha1"], "failed"),
                                                           (hashlib.sha1(corrected).hexdigest(), "cleaned")]

        second = lab.run_script("a2_to_a3_upload_polling")
        assert second.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert not any("failed" in s for s in subjects(lab)), subjects(lab)
        assert len([s for s in subjects(lab) if "moved to A3" in s]) == 1, subjects(lab)


def test_a_superseded_final_is_marked_in_the_dam_and_never_sends_the_campaign_back(pg_server, tmp_path, pki_dir):
    """After A3 the agency delivers a corrected file for the same tracking id and language: it is imported and the
    earlier final is superseded. The DAM itself shows it (the configured superseded-by field names the new asset),
    and when the superseded final is NOT APPROVED in the next review round, A5->A6 ignores it and says so: the
    campaign is not sent back to the agency for a file nobody needs any more."""
    from tests.e2e.helpers import html_of
    field = "FERRERO.FIELD.SUPERSEDED_BY"
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        inbox = _agency_delivered(lab)
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0
        path, first = sorted(inbox.items())[0]
        folder, name = path.split("/")
        tid, lang = name.split("_")[:2]
        upload = lab.box.ensure_folder(lab.box.roots["a2_a3"], folder)
        lab.box.put_file(upload, "{}_{}_corrected.png".format(tid, lang), b"corrected artwork")
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        rows = db_rows(lab, "SELECT dam_asset_id, superseded_by FROM derivative_assets WHERE tracking_id = %s "
                            "ORDER BY id", (tid.upper(),))
        earlier, newer = rows[0]["dam_asset_id"], rows[1]["dam_asset_id"]
        assets = {a["asset_id"]: a for a in lab.otmm.snapshot()[CAMPAIGN]["assets"]}
        shown = str(assets[earlier]["fields"].get(field) or "")
        assert "Superseded by DAM asset {}".format(newer) in shown, assets[earlier]["fields"]
        assert not assets[newer]["fields"].get(field)
        assert not lab.otmm.is_locked(CAMPAIGN)

        # the next review round: the superseded final is (still) NOT APPROVED, the campaign goes to A5
        lab.otmm.set_asset_field(earlier, "FERRERO.FIELD.ECOMMERCE_STATUS", "NOT APPROVED")
        lab.otmm.set_asset_field(earlier, "FERRERO.FIELD.APPROVER_COMMENT", "Too dark")
        lab.otmm.set_campaign_status(CAMPAIGN, "A5")
        result = lab.run_script("a5_to_a6_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0, lab.log_text("a5_to_a6")[-3000:]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A5"
        assert box_files(lab.box.tree(lab.box.roots["a5_a6"])) == {}
        mails = [m for m in lab.smtp.messages() if "A5" in str(m["Subject"]) or "rejection" in str(m["Subject"])]
        assert len(mails) == 1, subjects(lab)
        text = html_of(mails[0])
        assert "superseded" in text and "DAM asset {}".format(newer) in text, text[-3000:]
        assert "ignored superseded final" in lab.log_text("a5_to_a6")
