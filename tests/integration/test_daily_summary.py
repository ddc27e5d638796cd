"""The daily report's figures come from the audit trail and workflow state of the day asked for."""
import datetime

from scripts.shared.daily_summary import collect, to_csv


def test_figures_per_workflow_failures_and_stuck(database):
    today = datetime.date.today()
    ev = database.record_event
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
    text = to_csv(ctx)
    assert "A1→A2,1,2,1,0,0" in text and "inbox_waiting,3" in text
    yesterday = collect(database, today - datetime.timedelta(days=1), inbox_waiting=None)
    assert yesterday["totals"]["assets_moved"] == 0
