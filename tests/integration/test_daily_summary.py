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


def _tables(ctx, separator=","):
    """{table: rows} from the CSV attachments, checked the way Excel needs them: UTF-8 with a BOM, one table each,
    every row as wide as the header, ASCII workflow names."""
    tables = {}
    for name, data in csv_files(ctx, separator):
        assert name.startswith("daily_report_" + ctx["date"] + "_") and name.endswith(".csv")
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=separator))
        assert rows and all(len(r) == len(rows[0]) for r in rows), name      # one rectangular table
        assert "\u2192" not in data.decode("utf-8-sig")
        tables[name[len("daily_report_" + ctx["date"] + "_"):-len(".csv")]] = rows
    assert sorted(tables) == ["failures", "moves", "stuck", "trend", "workflows"]
    return tables


def test_csv_cells_excel_would_run_as_formulas_are_quoted_and_empty_tables_keep_their_header():
    ctx = {"date": "2026-11-24", "inbox_waiting": None, "stuck": [], "moves": [], "trend": {"workflows": []},
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


def test_the_report_says_which_campaigns_moved_and_where_they_are_now(database):
    today = datetime.date.today()
    def ev(*args, **kwargs):
        events.record_event(database, *args, **kwargs)
    with database.cursor() as cur:
        cur.execute("INSERT INTO workflow_state (workflow, campaign_id, campaign_name, state) VALUES "
                    "('a1_a2', 'LC-7', 'Nutella Spring', 'completed')")
        cur.execute("INSERT INTO asset_events (workflow, campaign_id, event_type, message, occurred_at) VALUES "
                    "('a1_a2', 'LC-8', 'status_changed', 'A1 -> A2', now() - interval '2 days')")
    ev("a1_a2", "status_changed", "A1 -> A2", campaign_id="LC-7")
    ev("a2_a3", "status_changed", "A2 -> A3", campaign_id="LC-7")   # later the same day: it is in A3 now
    ctx = collect(database, today)
    moved = [(m["campaign_id"], m["name"], m["change"], m["now"]) for m in ctx["moves"]]
    assert moved == [("LC-7", "Nutella Spring", "A1 \u2192 A2", "A3"), ("LC-7", "Nutella Spring", "A2 \u2192 A3", "A3")]
    assert [r[1:] for r in _tables(ctx)["moves"][1:]] == [["LC-7", "Nutella Spring", "A1-A2", "A1 -> A2", "A3"],
                                                          ["LC-7", "Nutella Spring", "A2-A3", "A2 -> A3", "A3"]]


def test_runs_that_could_not_start_are_failures_in_the_subject_the_table_and_the_trend(database):
    from scripts.shared.notify.notifier import Notifier
    today = datetime.date.today()
    events.record_event(database, "a1_a2", "asset_failed", "HTTP 503", campaign_id="LC-2", level="error")
    not_started = {today: [{"workflow": "A1\u2192A2", "count": 4, "message": "Database: cannot connect",
                            "first": "08:00", "last": "08:15", "resolved_at": None}]}
    ctx = collect(database, today, not_started_on=lambda day: not_started.get(day, []))
    subject = Notifier({"smtp": {}, "notifications": {}}).render("daily_summary_report", dict(
        ctx, channels=[], certificate=None))[0]
    assert subject.endswith(", 5 failure(s)"), subject
    a1 = next(w for w in ctx["workflows"] if w["workflow"] == "A1\u2192A2")
    assert a1["failures"] == 5 and a1["not_started"] == 4
    chart = next(w for w in ctx["trend"]["workflows"] if w["workflow"] == "A1\u2192A2")
    assert chart["bars"][-1]["failures"] == 5 and chart["failures"] == 5


def test_the_trend_covers_fourteen_days_per_workflow(database):
    today = datetime.date.today()
    with database.cursor() as cur:
        for days_ago, event, workflow, level in ((0, "asset_delivered", "a1_a2", "info"),
                                                 (0, "asset_delivered", "a1_a2", "info"),
                                                 (3, "asset_delivered", "a1_a2", "info"),
                                                 (3, "asset_failed", "a1_a2", "error"),
                                                 (13, "file_imported", "a2_a3", "info"),
                                                 (13, "asset_delivered", "a2_a3", "info"),   # not A2->A3's move
                                                 (14, "asset_delivered", "a1_a2", "info")):  # before the window
            cur.execute("INSERT INTO asset_events (workflow, event_type, level, occurred_at) VALUES "
                        "(%s, %s, %s, %s)", (workflow, event, level, datetime.datetime.combine(
                            today - datetime.timedelta(days=days_ago), datetime.time(12)).astimezone()))
    trend = collect(database, today)["trend"]
    assert len(trend["days"]) == 14 and trend["days"][-1] == today.strftime("%m-%d")
    charts = dict((w["workflow"], w) for w in trend["workflows"])
    a1 = [(b["moved"], b["failures"]) for b in charts["A1\u2192A2"]["bars"]]
    assert a1[-1] == (2, 0) and a1[-4] == (1, 1) and sum(m for m, _ in a1) == 3
    assert charts["A1\u2192A2"]["bars"][-1]["moved_px"] == 40 and charts["A1\u2192A2"]["bars"][-4]["moved_px"] == 20
    assert [(b["moved"], b["failures"]) for b in charts["A2\u2192A3"]["bars"]][0] == (1, 0)
    rows = _tables(collect(database, today), separator=";")["trend"]
    assert rows[0] == ["Date", "Workflow", "Assets moved", "Failures"] and len(rows) == 1 + 14 * 4
    assert [today.isoformat(), "A1-A2", "2", "0"] in rows


def test_csv_separator_semicolon_for_italian_excel_keeps_every_cell_in_its_column():
    ctx = {"date": "2026-11-24", "inbox_waiting": 2, "stuck": [], "moves": [], "trend": {"workflows": []},
           "workflows": [{"workflow": "A2\u2192A3", "campaigns_advanced": 1, "assets_moved": 3, "failures": 0,
                          "rejections": 0, "quarantined": 0}],
           "failures": [{"workflow": "A1\u2192A2", "campaign_id": "LC-1", "tracking_id": "K7Q2XM", "at": "2026-11-24 10:05",
                         "reason": "name; with a semicolon, and a comma: caff\u00e8.jpg"}]}
    files = dict(csv_files(ctx, ";"))
    raw = files["daily_report_2026-11-24_workflows.csv"]
    assert raw.startswith(b"\xef\xbb\xbfDate;Workflow;Campaigns advanced;") and b"sep=" not in raw
    tables = _tables(ctx, separator=";")
    assert tables["workflows"][1] == ["2026-11-24", "A2-A3", "1", "3", "0", "0", "0", "2"]
    assert tables["failures"][1][4] == "name; with a semicolon, and a comma: caff\u00e8.jpg"
