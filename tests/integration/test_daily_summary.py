"""The daily report's figures come from the audit trail and workflow state of the day asked for."""
import csv
import datetime
import io

from scripts.shared.dam.dam_types import Campaign
from scripts.shared.notify.daily_summary import collect, csv_files
from scripts.shared.store import events, leases


def test_figures_per_workflow_failures_and_stuck(database):
    today = datetime.date.today()
    def ev(*args, **kwargs):
        events.record_event(database, *args, **kwargs)
    ev("a1_a2", "asset_delivered", "a.jpg", campaign_id="LC-1", tracking_id="K7Q2XM")
    ev("a1_a2", "asset_delivered", "b.jpg", campaign_id="LC-1", tracking_id="K7Q2XN")
    ev("a1_a2", "status_changed", "A1 -> A2", campaign_id="LC-1")
    ev("a1_a2", "asset_failed", "DAM GET /v6/assets/x/contents HTTP 503", campaign_id="LC-2", tracking_id="K7Q2XP",
       level="error")
    ev("a5_a6", "asset_rejection_seen", "NOT APPROVED", campaign_id="LC-3", opentext_id="o1")
    ev("a5_a6", "asset_rejection_seen", "NOT APPROVED", campaign_id="LC-3", opentext_id="o1")
    ev("a2_a3", "file_imported", "x", campaign_id="LC-1")
    ev("a2_a3", "file_quarantined", "bad name", level="warning")
    with database.cursor() as cur:
        cur.execute("INSERT INTO asset_events (workflow, event_type, occurred_at) VALUES "
                    "('a1_a2', 'asset_delivered', now() - interval '3 days')")
        cur.execute("INSERT INTO workflow_state (workflow, campaign_id, state, started_at, last_error) VALUES "
                    "('a1_a2', 'LC-2', 'partial', now() - interval '9 hours', 'DAM down'), "
                    "('a1_a2', 'LC-1', 'completed', now() - interval '9 hours', NULL)")
    ctx = collect(database, today, stuck_after_hours=6, inbox_waiting=3)
    rows = {w["workflow"]: w for w in ctx["workflows"]}
    assert rows["A1→A2"]["assets_moved"] == 2 and rows["A1→A2"]["campaigns_advanced"] == 1
    assert rows["A1→A2"]["failures"] == 1 and rows["A5→A6"]["rejections"] == 1
    assert rows["A2→A3"]["assets_moved"] == 1 and rows["A2→A3"]["quarantined"] == 1
    assert ctx["failures"][0]["campaign_id"] == "LC-2" and "503" in ctx["failures"][0]["reason"]
    assert [s["campaign_id"] for s in ctx["stuck"]] == ["LC-2"]
    assert ctx["totals"]["assets_moved"] == 3 and ctx["inbox_waiting"] == 3
    tables = _tables(ctx)
    workflows = tables["workflows"]
    assert workflows[0] == ["Date", "Workflow", "Campaigns advanced", "Assets moved", "Failures", "Rejections",
                            "Needs attention", "Files waiting in the inbox"]
    assert workflows[1] == [today.isoformat(), "A1-A2", "1", "2", "1", "0", "0", ""]
    assert workflows[4] == [today.isoformat(), "A2-A3", "0", "1", "0", "0", "1", "3"]
    assert tables["failures"][1][1:4] == ["A1-A2", "LC-2", "K7Q2XP"] and "503" in tables["failures"][1][4]
    assert [r[1] for r in tables["stuck"][1:]] == ["LC-2"]
    yesterday = collect(database, today - datetime.timedelta(days=1), inbox_waiting=None)
    assert yesterday["totals"]["assets_moved"] == 0


def _tables(ctx):
    """{table: rows} from the CSV attachments, checked the way Excel needs them: UTF-8 with a BOM, one table each,
    every row as wide as the header, ASCII workflow names."""
    tables = {}
    for name, data in csv_files(ctx):
        assert name.startswith("daily_report_" + ctx["date"] + "_") and name.endswith(".csv")
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows and all(len(r) == len(rows[0]) for r in rows), name      # one rectangular table
        assert "\u2192" not in data.decode("utf-8-sig")
        tables[name[len("daily_report_" + ctx["date"] + "_"):-len(".csv")]] = rows
    assert sorted(tables) == ["failures", "stuck", "workflows"]
    return tables


def test_csv_cells_excel_would_run_as_formulas_are_quoted_and_empty_tables_keep_their_header():
    ctx = {"date": "2026-11-24", "inbox_waiting": None, "stuck": [],
           "workflows": [{"workflow": "A1→A2", "campaigns_advanced": 0, "assets_moved": 0, "failures": 1,
                          "rejections": 0, "quarantined": 0}],
           "failures": [{"workflow": "A1→A2", "campaign_id": "LC-1", "tracking_id": None, "at": "2026-11-24 10:05",
                         "reason": "=HYPERLINK(\"http://evil.example\",\"click\") in file name café.jpg"}]}
    tables = _tables(ctx)
    assert tables["failures"][1][3] == "" and tables["failures"][1][4].startswith("'=HYPERLINK(")
    assert "café" in tables["failures"][1][4]
    assert tables["stuck"] == [["Workflow", "Campaign", "State", "Since", "Last error"]]
    assert tables["workflows"][1][-1] == ""                      # inbox count unknown: empty, not "None"


def test_a_run_that_died_or_left_work_is_named_as_a_wait(database):
    for workflow, number in (("a5_a6", "LC-7"), ("b1_b2", "GM-8")):
        lease, _ = leases.claim_campaign(database, workflow, [Campaign(number, "f")], "run-1")
    leases.finish_campaign(database, lease, "released", total=3, done=1)  # GM-8 left work for the next tick
    with database.cursor() as cur:  # LC-7's run died holding it
        cur.execute("UPDATE workflow_state SET lease_expires_at = now() - interval '1 second' WHERE campaign_id = "
                    "'LC-7'")
    waits = {w["campaign_id"]: w["waits_for"] for w in collect(database, datetime.date.today())["waiting"]}
    assert waits == {"LC-7": "the next run: a run stopped while working on it, the next one resumes it",
                     "GM-8": "the next run: more to move, the next one carries on"}
