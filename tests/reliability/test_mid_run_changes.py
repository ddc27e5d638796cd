"""People change things while a run works: a corrected delivery uploaded mid-import, redelivery, files moved.
Each test plays the person with a hook on the sandbox, at the exact moment the run is busy elsewhere."""
import hashlib

import pytest

from tests.e2e.helpers import box_files, db_rows, html_of, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0043"


def _agency_delivered(lab, limit=None):
    assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0
    lab.play_agency(CAMPAIGN, limit=limit)
    return box_files(lab.box.tree(lab.box.roots["a2_a3"]))


def _dam_sha1s(lab):
    return sorted(a["sha1"] for a in lab.otmm.snapshot()[CAMPAIGN]["assets"] if "Final" in a["path"])


def test_a_corrected_version_uploaded_during_the_import_stays_and_is_imported_next_run(pg_server, tmp_path,
                                                                                      pki_dir):
    """Promise 1: the inbox file is deleted only if the version imported is still the current one (If-Match)."""
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        inbox = _agency_delivered(lab)
        path, first = sorted(inbox.items())[0]
        corrected = b"corrected by the agency while the run was importing"
        done = []

        def agency_corrects(method, url, total):
            if method == "POST" and url.rstrip("/").endswith("/assets") and not done:
                folder = lab.box.ensure_folder(lab.box.roots["a2_a3"], path.split("/")[0])
                done.append(lab.box.put_file(folder, path.split("/")[-1], corrected))
        lab.otmm.middleware.on_request.append(agency_corrects)
        first_run = lab.run_script("a2_to_a3_upload_polling")
        lab.otmm.middleware.on_request.remove(agency_corrects)
        assert done, "the hook must have fired"
        left = box_files(lab.box.tree(lab.box.roots["a2_a3"]))
        assert list(left) == [path], (first_run.stdout, lab.log_text("a2_to_a3")[-3000:])
        assert left[path]["sha1"] == hashlib.sha1(corrected).hexdigest() and left[path]["versions"] == 2
        assert first["sha1"] in _dam_sha1s(lab)
        assert "changed in Box while it was imported" in lab.log_text("a2_to_a3")
        imports = [html_of(m) for m in lab.smtp.messages() if "imported" in str(m["Subject"]).lower()]
        assert any("newer version stays in the inbox" in h for h in imports), subjects(lab)

        second = lab.run_script("a2_to_a3_upload_polling")
        assert second.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert box_files(lab.box.tree(lab.box.roots["a2_a3"])) == {}
        assert hashlib.sha1(corrected).hexdigest() in _dam_sha1s(lab)
        trashed = lab.box.trash()
        assert sorted(t["sha1"] for t in trashed) == sorted([hashlib.sha1(corrected).hexdigest()] + [
            info["sha1"] for p, info in inbox.items() if p != path])
        rows = db_rows(lab, "SELECT box_version_id, sha1 FROM derivative_assets WHERE box_file_id = %s ORDER BY id",
                       (first["id"],))
        assert [r["sha1"] for r in rows] == [first["sha1"], hashlib.sha1(corrected).hexdigest()]
        assert all(r["box_version_id"] for r in rows) and rows[0]["box_version_id"] != rows[1]["box_version_id"]
        assert len([s for s in subjects(lab) if "moved to A3" in s]) == 1, subjects(lab)


def test_final_assets_mirror_the_master_folders_under_their_box_names(pg_server, tmp_path, pki_dir):
    """Promise 9: a DAM folder named with '/' stays one folder; NFC and NFD spellings map to one folder."""
    nfd, nfc = "Cafe\u0301 visuals", "Caf\u00e9 visuals"
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0781", "name": "Folders", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"folders": {
                                   "Web/Social": {"assets": [{"name": "story.jpg", "size": 11}]},
                                   nfc: {"assets": [{"name": "menu.jpg", "size": 12}]}}},
                                   "Final Assets": {"folders": {nfd: {}}}}})  # a person made it, spelled NFD
        assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0781").returncode == 0
        box = lab.box.tree(lab.box.roots["a1_a2"])
        campaign = next(v for k, v in box["folders"].items() if k.startswith("LC-2026-0781"))
        assert sorted(campaign["folders"]) == sorted(["Web_Social", nfc])
        lab.play_agency("LC-2026-0781")
        result = lab.run_script("a2_to_a3_upload_polling")
        assert result.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        final = sorted(set(a["path"] for a in lab.otmm.snapshot()["LC-2026-0781"]["assets"]
                           if a["path"].startswith("Final Assets")))
        assert final == sorted(["Final Assets/Web_Social", "Final Assets/" + nfd]), final
        assert lab.otmm.campaign_status("LC-2026-0781") == "A3"


def test_a_delivered_file_renamed_or_moved_by_a_person_after_a_crash_is_not_uploaded_again(pg_server, tmp_path,
                                                                                          pki_dir):
    """Promise 8: the run dies right after Box stored an upload; a person renames one file and moves another into
    a subfolder of the campaign folder; the next run recognises both by SHA-1."""
    import os
    import signal
    import subprocess

    from sandbox.lab import ROOT
    from tests.reliability.harness import expire_leases

    with fresh_lab(pg_server, tmp_path, pki_dir, TRANSFER_CONCURRENCY="1") as lab:
        env = dict(os.environ)
        env.update(lab.env())
        env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "no-such.env")
        proc, uploads = {}, []

        def kill_after_second_upload(method, path, total):
            if method == "POST" and path.endswith("/files/content"):
                uploads.append(path)
                if len(uploads) == 2:
                    os.kill(proc["p"].pid, signal.SIGKILL)
        lab.box.middleware.after_request.append(kill_after_second_upload)
        proc["p"] = subprocess.Popen([lab.product_python, os.path.join("scripts", "a1_to_a2_download.py"),
                                      "--campaign", "LC-2026-0042"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc["p"].wait(timeout=120) == -signal.SIGKILL
        lab.box.middleware.after_request.remove(kill_after_second_upload)
        box = lab.box.tree(lab.box.roots["a1_a2"])
        folder = next(v for k, v in box["folders"].items() if k.startswith("LC-2026-0042"))
        delivered = box_files(folder)
        assert len(delivered) == 2
        # a person tidies up: renames the first file, moves the second into a new subfolder
        (first, one), (second, two) = sorted(delivered.items())
        sub = lab.box.ensure_folder(folder["id"], "checked by Anna")
        with lab.box.state.lock:
            lab.box.state.items[one["id"]]["name"] = "renamed by a person.bin"
            lab.box.state.items[two["id"]]["parent_id"] = sub
        expire_leases(lab)
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042")
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        box = lab.box.tree(lab.box.roots["a1_a2"])
        folder = next(v for k, v in box["folders"].items() if k.startswith("LC-2026-0042"))
        files = box_files(folder)
        sha1s = [f["sha1"] for f in files.values()]
        assert len(sha1s) == len(set(sha1s)) == 5, sorted(files)
        assert {one["id"], two["id"]} <= set(f["id"] for f in files.values())
        assert lab.otmm.campaign_status("LC-2026-0042") == "A2"


@pytest.mark.slow
def test_redelivery_identical_is_imported_once_different_replaces_and_after_a3_is_a_correction(pg_server, tmp_path,
                                                                                                 pki_dir):
    """Promise 2: identical content once; other content replaces the earlier final (marked superseded, both kept
    in the DAM); after A3 a correction is imported without a second 'moved to A3' email."""
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        inbox = _agency_delivered(lab)
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0
        assert lab.otmm.campaign_status(CAMPAIGN) == "A3"
        finals = _dam_sha1s(lab)
        path, first = sorted(inbox.items())[0]
        folder, name = path.split("/")
        tid, lang = name.split("_")[:2]
        upload = lab.box.ensure_folder(lab.box.roots["a2_a3"], folder)
        lab.box.put_file(upload, "{}_{}_same again.png".format(tid, lang), _first_bytes(lab, first))
        corrected = b"corrected artwork"
        lab.box.put_file(upload, "{}_{}_corrected.png".format(tid, lang), corrected)
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        now = _dam_sha1s(lab)
        assert len(now) == len(finals) + 1 and hashlib.sha1(corrected).hexdigest() in now
        needs = box_files(lab.box.tree(lab.box.roots["a2_a3"]))
        assert list(needs) == ["_Needs attention/{}_{}_same again.png".format(tid, lang)]
        rows = db_rows(lab, "SELECT box_file_name, superseded_by, id FROM derivative_assets WHERE tracking_id = %s "
                            "ORDER BY id", (tid.upper(),))
        assert len(rows) == 2 and rows[0]["superseded_by"] == rows[1]["id"] and rows[1]["superseded_by"] is None
        assert len([s for s in subjects(lab) if "moved to A3" in s]) == 1, subjects(lab)
        mail = [m for m in lab.smtp.messages() if "corrected" in html_of(m)]
        assert mail and "replaces " + name in html_of(mail[-1]) and "already in A3" in html_of(mail[-1])
        assert lab.otmm.campaign_status(CAMPAIGN) == "A3"


def _first_bytes(lab, info):
    """The bytes the agency delivered first (that file is in the Box trash now)."""
    with lab.box.state.lock:
        blob = lab.box.state.trash[info["id"]]["blob"]
    with open(blob, "rb") as f:
        return f.read()
