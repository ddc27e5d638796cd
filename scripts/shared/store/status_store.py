"""Read-only queries behind ``status.py``, the status page and the tick's metrics: what runs, waits, backs off or
fails right now, and what a tick moved.

Every function takes a cursor from ``snapshot(db)``: one READ ONLY transaction, so the whole answer is one
consistent picture and nothing here can write (the status works with the DAM and Box down, and is safe to run
while ticks work). Every list is bounded (``limit``) and walks an index: the figures stay fast on a database of a
million assets and ten million events (`make bench` (h)). What each waiting campaign waits for is
``campaign_store.waits`` (the daily report's query too), called with the same cursor.
"""
import contextlib

WORKFLOWS = ["a1_a2", "a2_a3", "a5_a6", "b1_b2"]  # workflow_state.workflow values (the primary key's first column)


@contextlib.contextmanager
def snapshot(db):
    """A cursor in one READ ONLY transaction (PostgreSQL refuses any write made through it)."""
    with db.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        yield cur


def schema_ready(cur):
    """True when the tracking tables exist (a new install before its first tick has none)."""
    cur.execute("SELECT to_regclass('public.workflow_state') IS NOT NULL AS ready")
    return bool(cur.fetchone()["ready"])


def campaigns_in_flight(cur, limit=100):
    """Campaigns a live run holds now: who (lease_owner host:pid:run), since when, until when."""
    cur.execute("SELECT workflow, campaign_id, campaign_name, folder_id, state, lease_owner, started_at, "
                "lease_expires_at, assets_total, assets_done, assets_failed FROM workflow_state "
                "WHERE state <> 'completed' AND lease_expires_at >= now() ORDER BY started_at LIMIT %s", (limit,))
    return [dict(r) for r in cur.fetchall()]


def campaigns_backing_off(cur, limit=100):
    """Campaigns whose last attempt failed and that wait for their next try (a manual --campaign run skips it)."""
    cur.execute("SELECT workflow, campaign_id, campaign_name, folder_id, state, attempts, next_attempt_at, "
                "last_error, finished_at FROM workflow_state WHERE state IN ('failed', 'partial') AND "
                "(lease_expires_at IS NULL OR lease_expires_at < now()) ORDER BY next_attempt_at NULLS FIRST, "
                "campaign_id LIMIT %s", (limit,))
    return [dict(r) for r in cur.fetchall()]


def failing_items(cur, limit=50):
    """(rows, total) of single assets or inbox files whose last attempt failed and that nothing has replaced since:
    workflow, campaign_id, tracking_id, name, attempts, last_error, since."""
    sql = ("SELECT workflow, campaign_id, tracking_id, original_filename AS name, attempts, last_error, "
           "updated_at AS since FROM transfer_items WHERE state = 'failed' "
           "UNION ALL SELECT 'a2_a3', local_campaign_id, tracking_id, box_file_name, attempts, last_error, updated_at "
           "FROM derivative_assets d WHERE state = 'failed' AND superseded_by IS NULL AND NOT EXISTS "
           "(SELECT 1 FROM derivative_assets n WHERE n.box_file_id = d.box_file_id AND n.id > d.id)")
    # B608: ``sql`` is the constant above; the limit is a %s parameter
    cur.execute("SELECT count(*) AS n FROM ({}) f".format(sql))  # nosec B608
    total = cur.fetchone()["n"]
    cur.execute("SELECT * FROM ({}) f ORDER BY since DESC LIMIT %s".format(sql), (limit,))  # nosec B608
    return [dict(r) for r in cur.fetchall()], total


def inbox_known(cur, days=7):
    """What the database knows of the A2->A3 inbox: files being imported now (taken, not yet deleted from Box) and
    files moved to '_Needs attention' in the last ``days`` days (whether someone has dealt with them since, only
    Box can say: status.py --live)."""
    cur.execute("SELECT count(*) AS n FROM derivative_assets WHERE state IN ('claimed', 'downloaded', 'imported')")
    in_progress = cur.fetchone()["n"]
    cur.execute("SELECT count(*) AS n, max(occurred_at) AS last FROM asset_events WHERE occurred_at > now() - "
                "%s * interval '1 day' AND event_type = 'file_quarantined'", (days,))
    row = cur.fetchone()
    return {"being_imported": in_progress, "quarantined_recently": row["n"], "quarantined_last_at": row["last"],
            "quarantine_window_days": days}


def notifications_owed(cur, limit=50):
    """Emails and webhooks not sent yet (pending, being sent, or failed: the next run sends them again)."""
    cur.execute("SELECT campaign_id, template, channel, status, attempts, last_error, created_at, updated_at "
                "FROM notifications WHERE status <> 'sent' ORDER BY created_at LIMIT %s", (limit,))
    return [dict(r) for r in cur.fetchall()]


def campaign_stages(cur, limit=300, recent_days=7):
    """Every workflow row of the campaigns that are unfinished or moved in the last ``recent_days`` days (most
    recently active first), with the Box folder each DAM->Box workflow delivered to (for the status page)."""
    # the campaigns' rows are read once, by index (= ANY(ARRAY(...)): a join made the planner hash all of
    # workflow_state, twice, 32 ms at 80,000 rows in bench (h); now 4 ms), and a window gives each row its
    # campaign's latest activity
    cur.execute(
        "WITH ids AS (SELECT campaign_id FROM workflow_state WHERE state <> 'completed' UNION "
        "SELECT campaign_id FROM workflow_state WHERE updated_at > now() - %s * interval '1 day'), "
        "rows AS (SELECT w.*, max(w.updated_at) OVER (PARTITION BY w.campaign_id) AS active FROM workflow_state w "
        "WHERE w.workflow = ANY(%s) AND w.campaign_id = ANY(ARRAY(SELECT campaign_id FROM ids))), "
        "pick AS (SELECT DISTINCT campaign_id, active FROM rows ORDER BY active DESC, campaign_id LIMIT %s) "
        "SELECT w.workflow, w.campaign_id, w.campaign_name, w.folder_id, w.state, w.attempts, w.next_attempt_at, "
        "w.last_error, w.assets_total, w.assets_done, w.assets_failed, w.updated_at, w.completed_at, "
        "w.lease_expires_at >= now() AS in_flight, w.active, (SELECT t.box_folder_id FROM transfer_items t "
        "WHERE t.workflow = w.workflow AND t.campaign_id = w.campaign_id AND t.folder_path = '' AND "
        "t.box_folder_id IS NOT NULL LIMIT 1) AS box_folder_id "
        "FROM rows w JOIN pick ON pick.campaign_id = w.campaign_id "
        "ORDER BY w.active DESC, w.campaign_id, w.workflow", (recent_days, WORKFLOWS, limit))
    return [dict(r) for r in cur.fetchall()]


def tick_figures(cur, workflow, since):
    """What ``workflow`` moved from ``since`` on (a tick's own window): assets and bytes moved, failures."""
    cur.execute(
        "SELECT count(*) FILTER (WHERE e.event_type IN ('asset_delivered', 'file_imported')) AS moved, "
        "COALESCE(sum(COALESCE(t.file_size, d.file_size)) FILTER (WHERE e.event_type IN ('asset_delivered', "
        "'file_imported')), 0) AS bytes, count(*) FILTER (WHERE e.level = 'error') AS failures "
        "FROM asset_events e LEFT JOIN transfer_items t ON e.event_type = 'asset_delivered' AND "
        "t.workflow = e.workflow AND t.campaign_id = e.campaign_id AND t.opentext_id = e.opentext_id "
        "LEFT JOIN LATERAL (SELECT file_size FROM derivative_assets x WHERE e.event_type = 'file_imported' AND "
        "x.box_file_id = e.box_file_id ORDER BY x.id DESC LIMIT 1) d ON true "
        "WHERE e.occurred_at >= %s AND e.workflow = %s", (since, workflow))
    return dict(cur.fetchone())


def backlog(cur, workflow):
    """How much ``workflow`` still owes: campaigns not finished (failing, waiting or in flight) and failing
    items."""
    cur.execute("SELECT count(*) AS n FROM workflow_state WHERE workflow = %s AND state NOT IN "
                "('completed', 'no_assets')", (workflow,))
    campaigns = cur.fetchone()["n"]
    if workflow == "a2_a3":
        cur.execute("SELECT count(*) AS n FROM derivative_assets WHERE state = 'failed' AND superseded_by IS NULL")
    else:
        cur.execute("SELECT count(*) AS n FROM transfer_items WHERE state = 'failed' AND workflow = %s", (workflow,))
    return {"campaigns": campaigns, "failing_items": cur.fetchone()["n"]}
