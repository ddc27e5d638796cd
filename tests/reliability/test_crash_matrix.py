"""Crash at every external call: SIGKILL the script right after its k-th request took effect, run the next ticks,
and compare the end state with an uninterrupted run. Nothing may be lost, duplicated or emailed twice."""
import json
import os

import pytest

from tests.e2e.helpers import db_rows
from tests.reliability.conftest import crash_points
from tests.reliability.harness import compare, end_state, fresh_lab, run_killed_after, until_done

FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "var",
                       "reliability")


def _completed(lab, workflow, campaign):
    rows = db_rows(lab, "SELECT state FROM workflow_state WHERE workflow = %s AND campaign_id = %s",
                   (workflow, campaign))
    return bool(rows) and rows[0]["state"] == "completed"


def _record(name, figures):
    os.makedirs(FIGURES, exist_ok=True)
    with open(os.path.join(FIGURES, name + ".json"), "w") as f:
        json.dump(figures, f, indent=2)


def _matrix(pg_server, tmp_path, pki_dir, prepare, script, args, workflow, campaign):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        prepare(lab)
        lab.otmm.middleware.reset_counters()
        lab.box.middleware.reset_counters()
        assert lab.run_script(script, *args).returncode == 0
        total = lab.otmm.middleware.snapshot()["total"] + lab.box.middleware.snapshot()["total"]
        reference = end_state(lab)
    figures = {"calls_in_reference_run": total, "crash_points": 0, "duplicates": 0, "lost": 0,
               "extra_success_emails": 0, "ticks_to_recover_max": 0, "differences": []}
    for k in crash_points(total):
        with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
            prepare(lab)
            code, served, killed = run_killed_after(lab, k, script, *args)
            ticks = until_done(lab, script, args, lambda: _completed(lab, workflow, campaign))
            got = end_state(lab)
        duplicates, lost, diffs = compare(reference, got)
        figures["crash_points"] += 1
        figures["duplicates"] += duplicates
        figures["lost"] += lost
        figures["extra_success_emails"] += max(0, len(got["success_mail"]) - len(reference["success_mail"]))
        figures["ticks_to_recover_max"] = max(figures["ticks_to_recover_max"], ticks)
        if diffs:
            figures["differences"].append({"k": k, "killed": killed, "what": diffs,
                                           "got": {d: got[d] for d in diffs}, "want": {d: reference[d] for d in diffs}})
    _record("crash_" + workflow, figures)
    assert figures["duplicates"] == 0 and figures["lost"] == 0 and figures["extra_success_emails"] == 0
    assert figures["differences"] == [], json.dumps(figures["differences"][:2], indent=1, default=str)
    return figures


@pytest.mark.slow
def test_a1_to_a2_survives_a_kill_at_every_call(pg_server, tmp_path, pki_dir):
    figures = _matrix(pg_server, tmp_path, pki_dir, lambda lab: None, "a1_to_a2_download",
                      ["--campaign", "LC-2026-0043"], "a1_a2", "LC-2026-0043")
    assert figures["crash_points"] >= 5


def _agency_ready(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    lab.play_agency("LC-2026-0043")
    lab.box.put_file(lab.box.roots["a2_a3"], "not a v2 name.jpg", b"x")


@pytest.mark.slow
def test_a2_to_a3_survives_a_kill_at_every_call(pg_server, tmp_path, pki_dir):
    figures = _matrix(pg_server, tmp_path, pki_dir, _agency_ready, "a2_to_a3_upload_polling", [], "a2_a3",
                      "LC-2026-0043")
    assert figures["crash_points"] >= 5
