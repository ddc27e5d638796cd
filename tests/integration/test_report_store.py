"""scripts/shared/store/report_store.py on a real database: the daily summary's figures for a known set of events,
the failures with when they were resolved, stuck and failing campaigns, and the connection probe's answer."""
import datetime
import functools
import glob
import os

from scripts.shared.store import report_store
from scripts.shared.store.database import SCHEMA_DIR

START = datetime.datetime(2026, 3, 10, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(days=1)


def at(hours):
    return START + datetime.timedelta(hours=hours)


def event(database, workflow, event_type, when, campaign=None, tid=None, opentext_id=None, level="info"):
    with database.cursor() as cur:
        cur.execute("INSERT INTO asset_events (workflow, event_type, occurred_at, campaign_id, tracking_id, "
                    "opentext_id, level) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (workflow, event_type, when, campaign, tid, opentext_id, level))


def campaigns(database, *rows):
    """workflow_state rows: (campaign, state, attempts, started hours ago or None, updated hours ago)."""
    with database.cursor() as cur:
        for campaign, state, attempts, started, updated in rows:
            cur.execute("INSERT INTO workflow_state (workflow, campaign_id, state, attempts, started_at, updated_at, "
                        "last_error) VALUES ('a1_a2', %s, %s, %s, now() - %s * interval '1 hour', "
                        "now() - %s * interval '1 hour', %s)", (campaign, state, attempts, started, updated,
                                                                 "error of " + campaign))


def test_day_counts_for_a_known_day_of_events(database):
    """Each figure counts the workflow's events of [start, end): status changes, moves, errors, rejected assets; a
    workflow's move is its own event; a workflow without events has zeros."""
    ev = functools.partial(event, database)
    ev("a1_a2", "asset_delivered", START, "LC-1", "K7Q2X1")                   # at the start: counted
    ev("a1_a2", "asset_delivered", at(12), "LC-1", "K7Q2X2")
    ev("a1_a2", "asset_delivered", END, "LC-1", "K7Q2X3")                     # at the end: the next day's
    ev("a1_a2", "asset_delivered", START - datetime.timedelta(seconds=1), "LC-1", "K7Q2X4")
    ev("a1_a2", "status_changed", at(13), "LC-1")
    ev("a1_a2", "asset_failed", at(14), "LC-2", "K7Q2X5", level="error")
    ev("a1_a2", "campaign_failed", at(15), "LC-3", level="error")
    ev("a1_a2", "asset_rejection_seen", at(16), "LC-4", opentext_id="o1")
    ev("a1_a2", "asset_rejection_seen", at(17), "LC-4", opentext_id="o1")   # the same asset seen again
    ev("a1_a2", "asset_rejection_seen", at(18), "LC-4", opentext_id="o2")
    ev("a1_a2", "file_quarantined", at(19), level="warning")
    ev("a5_a6", "asset_delivered", at(12), "LC-5", "K7Q2X6")                 # another workflow
    ev("a2_a3", "asset_delivered", at(12), "LC-5", "K7Q2X6")                 # not A2->A3's move
    counts = report_store.day_counts(database, {"a1_a2": "asset_delivered", "a5_a6": "asset_delivered",
                                                "a2_a3": "file_imported", "b1_b2": "asset_delivered"}, START, END)
    assert counts["a1_a2"] == {"advanced": 1, "moved": 2, "failures": 2, "rejections": 2, "quarantined": 1}
    assert counts["a5_a6"] == {"advanced": 0, "moved": 1, "failures": 0, "rejections": 0, "quarantined": 0}
    assert counts["a2_a3"]["moved"] == 0
    assert counts["b1_b2"] == {"advanced": 0, "moved": 0, "failures": 0, "rejections": 0, "quarantined": 0}


def test_failures_between_says_when_each_failure_was_resolved(database):
    """A failure is resolved when its asset (or campaign) moves on later in the same workflow; else None."""
    ev = functools.partial(event, database)
    ev("a1_a2", "asset_failed", at(1), "LC-1", "K7Q2X1", level="error")
    ev("a1_a2", "asset_delivered", at(2), "LC-1", "K7Q2X2")                  # another asset: no
    ev("a1_a2", "asset_delivered", at(3), "LC-1", "K7Q2X1")                  # the asset: resolved at 3
    ev("a1_a2", "campaign_failed", at(4), "LC-2", level="error")
    ev("a1_a2", "asset_delivered", at(5), "LC-2", "K7Q2X3")                  # any asset of the campaign: 5
    ev("a2_a3", "file_failed", at(6), "LC-3", "K7Q2X4", level="error")
    ev("a1_a2", "asset_delivered", at(6.5), "LC-3", "K7Q2X4")                # another workflow: no
    ev("a2_a3", "status_changed", at(7), "LC-3")                              # the campaign moved: 7
    ev("a1_a2", "run_failed", at(8), level="error")                           # no campaign: never resolved
    ev("a1_a2", "asset_delivered", at(8.5))
    ev("a1_a2", "asset_delivered", at(8.8), "LC-4", "K7Q2X5")                # before the failure: no
    ev("a1_a2", "asset_failed", at(9), "LC-4", "K7Q2X5", level="error")
    ev("a1_a2", "asset_failed", START - datetime.timedelta(hours=1), "LC-5", level="error")  # the day before
    got = [(r["workflow"], r["campaign_id"], r["occurred_at"], r["resolved_at"])
           for r in report_store.failures_between(database, START, END)]
    assert got == [("a1_a2", "LC-1", at(1), at(3)), ("a1_a2", "LC-2", at(4), at(5)), ("a2_a3", "LC-3", at(6), at(7)),
                   ("a1_a2", None, at(8), None), ("a1_a2", "LC-4", at(9), None)]


def test_stuck_campaigns_are_unsettled_for_longer_than_the_hours_given(database):
    """Campaigns not completed, idle or without assets since more than ``hours`` are listed, longest first."""
    campaigns(database, ("LC-1", "running", 0, 9, 9), ("LC-2", "partial", 1, 7, 1), ("LC-3", "running", 0, 2, 2),
              ("LC-4", "completed", 0, 9, 9), ("LC-5", "idle", 0, 9, 9), ("LC-6", "no_assets", 0, 9, 9),
              ("LC-7", "failed", 2, None, 10))
    stuck = report_store.stuck_campaigns(database, 6)
    assert [(r["campaign_id"], r["state"], r["last_error"]) for r in stuck] == \
        [("LC-7", "failed", "error of LC-7"), ("LC-1", "running", "error of LC-1"),
         ("LC-2", "partial", "error of LC-2")]
    assert [r["campaign_id"] for r in report_store.stuck_campaigns(database, 8)] == ["LC-7", "LC-1"]


def test_failing_campaigns_most_failed_attempts_first(database):
    """Failed or partial campaigns with attempts are listed by attempts, then campaign id."""
    campaigns(database, ("LC-B", "failed", 3, 1, 1), ("LC-A", "partial", 3, 1, 1), ("LC-C", "failed", 5, 1, 1),
              ("LC-D", "failed", 0, 1, 1), ("LC-E", "running", 2, 1, 1), ("LC-F", "completed", 4, 1, 1))
    rows = report_store.failing_campaigns(database)
    assert [(r["campaign_id"], r["attempts"]) for r in rows] == [("LC-C", 5), ("LC-A", 3), ("LC-B", 3)]
    assert rows[0]["last_error"] == "error of LC-C"


def test_server_and_schema_names_the_last_migration_or_none_before_the_schema(database):
    """The probe reports the server and the newest migration applied; None when the schema is not created yet."""
    newest = max(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(SCHEMA_DIR, "migrations", "*.sql")))
    version, schema = report_store.server_and_schema(database)
    assert version.startswith("PostgreSQL ") and schema == newest
    with database.cursor() as cur:
        cur.execute("DROP TABLE schema_migrations")
    assert report_store.server_and_schema(database) == (version, None)


MOVES = {"a1_a2": "asset_delivered", "a2_a3": "file_imported"}


def _kept(database):
    with database.cursor() as cur:
        cur.execute("SELECT day_start, workflow, moved, failures FROM trend_day_counts ORDER BY day_start, workflow")
        return [(r["day_start"], r["workflow"], r["moved"], r["failures"]) for r in cur.fetchall()]


def test_the_trend_counts_each_day_and_keeps_the_days_that_have_ended(database):
    """Moves and failures per workflow and day; a day that has ended is counted once and its figures kept (with
    zeros), so the next report reads them instead of a fortnight of events; today is counted afresh each time."""
    today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    bounds = [today - datetime.timedelta(days=2 - i) for i in range(4)]  # the day before yesterday, yesterday, today
    ev = functools.partial(event, database)
    ev("a1_a2", "asset_delivered", bounds[0] + datetime.timedelta(hours=1), "LC-1", "K7Q2X1")
    ev("a1_a2", "asset_failed", bounds[1] + datetime.timedelta(hours=2), "LC-1", "K7Q2X2", level="error")
    ev("a2_a3", "file_imported", bounds[1] + datetime.timedelta(hours=3), "LC-1", "K7Q2X1")
    ev("a2_a3", "asset_delivered", bounds[1] + datetime.timedelta(hours=3), "LC-1", "K7Q2X1")  # not A2->A3's move
    ev("a1_a2", "asset_delivered", today, "LC-2", "K7Q2X3")
    first = report_store.daily_trend(database, MOVES, bounds)
    assert first == [{"workflow": "a1_a2", "day": 0, "moved": 1, "failures": 0},
                     {"workflow": "a1_a2", "day": 1, "moved": 0, "failures": 1},
                     {"workflow": "a2_a3", "day": 1, "moved": 1, "failures": 0},
                     {"workflow": "a1_a2", "day": 2, "moved": 1, "failures": 0}]
    assert _kept(database) == [(bounds[0], "a1_a2", 1, 0), (bounds[0], "a2_a3", 0, 0),
                               (bounds[1], "a1_a2", 0, 1), (bounds[1], "a2_a3", 1, 0)]  # not today: not ended
    ev("a1_a2", "asset_delivered", today + datetime.timedelta(seconds=1), "LC-2", "K7Q2X4")
    ev("a1_a2", "asset_delivered", bounds[0] + datetime.timedelta(hours=5), "LC-1", "K7Q2X5")  # never happens
    second = report_store.daily_trend(database, MOVES, bounds)
    assert second == first[:3] + [{"workflow": "a1_a2", "day": 2, "moved": 2, "failures": 0}]  # kept; today afresh


def test_a_kept_day_counted_for_other_workflows_is_counted_again(database):
    """A day kept when the report knew other workflows (one retired, one new since) is counted again for the ones
    asked about, not read as if it held them."""
    day = datetime.datetime(2026, 3, 10, tzinfo=datetime.timezone.utc)
    bounds = [day, day + datetime.timedelta(days=1)]
    event(database, "a1_a2", "asset_delivered", day + datetime.timedelta(hours=1), "LC-1", "K7Q2X1")
    event(database, "a2_a3", "file_imported", day + datetime.timedelta(hours=3), "LC-1", "K7Q2X1")
    with database.cursor() as cur:
        for workflow, moved in (("a1_a2", 1), ("retired_wf", 5)):
            cur.execute("INSERT INTO trend_day_counts (day_start, day_end, workflow, moved, failures) "
                        "VALUES (%s, %s, %s, %s, 0)", (bounds[0], bounds[1], workflow, moved))
    assert report_store.daily_trend(database, MOVES, bounds) == [
        {"workflow": "a1_a2", "day": 0, "moved": 1, "failures": 0},
        {"workflow": "a2_a3", "day": 0, "moved": 1, "failures": 0}]
    assert (bounds[0], "a2_a3", 1, 0) in _kept(database)  # now kept for the workflow asked about too
