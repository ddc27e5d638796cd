"""status.py and trace.py as an operator runs them, after real ticks against the sandbox: the ticks leave their run
records, Prometheus textfiles and status page (METRICS_DIR, STATUS_HTML_DIR); both commands answer from the database
alone, exit 0/1 as documented, and --json validates against docs/status.schema.json."""
import json
import os

import jsonschema
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.helpers import db_rows

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_status_trace_metrics_and_page_after_real_ticks(lab, tmp_path):
    out = {"METRICS_DIR": str(tmp_path / "metrics"), "STATUS_HTML_DIR": str(tmp_path / "page")}
    assert lab.run_script("status", "-q", env=out).returncode == 0, "nothing has run: all good"
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043", env=out).returncode == 0
    uploaded = lab.play_agency("LC-2026-0043", limit=1)
    lab.box.put_file(lab.box.roots["a2_a3"], "ZZZZZZ_it_unknown.jpg", b"unknown tid")
    assert lab.run_script("a2_to_a3_upload_polling", env=out).returncode == 0

    status = lab.run_script("status", "-q", env=out)
    assert status.returncode == 1, status.stdout  # a file went to _Needs attention
    for words in ("NEEDS ATTENTION", "1 file(s) moved in the last 24 h to the A2→A3 inbox's '_Needs attention'",
                  "A1→A2", "exit 0", "A1→A2 LC-2026-0043: waiting for the agency's localised files in the A2→A3 inbox (1 of 2 masters "
                  "localised)"):
        assert words in status.stdout, status.stdout
    report = json.loads(lab.run_script("status", "--json", "-q", "--html", str(tmp_path / "by-hand"), env=out).stdout)
    assert json.load(open(str(tmp_path / "by-hand" / "status.json")))["attention"] == report["attention"]
    assert "LC-2026-0043" in open(str(tmp_path / "by-hand" / "index.html"), encoding="utf-8").read()
    jsonschema.validate(report, json.load(open(os.path.join(ROOT, "docs", "status.schema.json"))))
    assert report["schema_version"] == 1 and report["needs_attention"]
    assert [r["exit_code"] for r in report["runs"] if r["job"] in ("a1_to_a2", "a2_to_a3")] == [0, 0]

    live = json.loads(lab.run_script("status", "--live", "--json", "-q", env=out).stdout)["inbox"]
    assert (live["source"], live["waiting"], live["needs_attention"]) == ("box", 0, 1)

    tid = uploaded[0][:6]
    master = db_rows(lab, "SELECT * FROM master_assets WHERE tracking_id = %s", (tid,))[0]
    trace = lab.run_script("trace", tid.lower(), "-q")
    assert trace.returncode == 0, trace.stdout
    for words in ("Tracking ID " + tid, master["original_filename"], master["box_file_id"], "file_imported",
                  "[current final]", "a1_to_a2_complete"):
        assert words in trace.stdout, (words, trace.stdout)
    assert lab.run_script("trace", master["original_filename"][2:-3], "-q").returncode == 0
    campaign = lab.run_script("trace", "LC-2026-0043", "--json", "-q")
    assert json.loads(campaign.stdout)["kind"] == "campaign"
    assert lab.run_script("trace", "nothing like this", "-q").returncode == 1
    assert lab.run_script("trace", "-q").returncode == 2, "no query: a usage error"

    for job in ("a1_to_a2", "a2_to_a3"):
        text = open(str(tmp_path / "metrics" / (job + ".prom"))).read()
        names = dict((s.name, s.value) for f in text_string_to_metric_families(text) for s in f.samples)
        assert names["dam_content_scaling_last_run_exit_code"] == 0
        assert names["dam_content_scaling_last_run_assets_moved"] >= 1
        assert names["dam_content_scaling_last_success_timestamp_seconds"] == names[
            "dam_content_scaling_last_run_end_timestamp_seconds"]
    page = open(str(tmp_path / "page" / "index.html"), encoding="utf-8").read()
    assert "LC-2026-0043" in page and "https://app.box.com/folder/" in page


def test_a_metrics_directory_that_cannot_be_written_never_fails_the_tick(lab, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    tick = lab.run_script("a2_to_a3_upload_polling", env={"METRICS_DIR": str(blocker / "metrics"),
                                                           "STATUS_HTML_DIR": str(blocker / "page")})
    assert tick.returncode == 0, tick.stdout
    assert "could not write the metrics file" in tick.stdout and "fix: make METRICS_DIR writable" in tick.stdout
    assert "could not refresh the status page" in tick.stdout


def test_a_failing_asset_shows_as_backing_off_with_its_error_and_the_command_to_retry(lab, tmp_path):
    teaser = next(a for a in lab.otmm.snapshot()["LC-2026-0042"]["assets"] if a["name"] == "teaser.mp4")
    lab.otmm.middleware.set_faults([{"path": "/assets/{}/contents".format(teaser["asset_id"]), "status": 503}])
    metrics = str(tmp_path / "metrics")
    tick = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042",
                          env={"DAM_RETRY_ATTEMPTS": "1", "METRICS_DIR": metrics})
    assert tick.returncode == 1
    status = lab.run_script("status", "-q")
    assert status.returncode == 1
    for words in ("A1→A2 last run exited 1", "A1→A2 LC-2026-0042: next try", "after 1 failed attempt(s)",
                  "try it now: python scripts/a1_to_a2_download.py --campaign LC-2026-0042", "teaser.mp4",
                  "HTTP 503"):
        assert words in status.stdout, status.stdout
    text = open(os.path.join(metrics, "a1_to_a2.prom")).read()
    names = dict((s.name, s.value) for f in text_string_to_metric_families(text) for s in f.samples)
    assert names["dam_content_scaling_last_run_exit_code"] == 1
    assert names["dam_content_scaling_last_run_failures"] >= 1 and names["dam_content_scaling_failing_items"] == 1
    assert names["dam_content_scaling_last_run_assets_moved"] == 4
    assert "dam_content_scaling_last_success_timestamp_seconds" not in names, "it never succeeded"
    trace = lab.run_script("trace", "teaser", "-q")
    assert trace.returncode == 0 and "A1→A2 LC-2026-0042: failed" in trace.stdout and "HTTP 503" in trace.stdout


def test_status_with_the_database_down_says_so_and_exits_1(lab):
    status = lab.run_script("status", "-q", env={"DB_PORT": "1"})
    assert status.returncode == 1 and "cannot connect to PostgreSQL" in status.stdout, status.stdout
