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
