"""The queries behind the daily summary and the connection probe (database.py describes the rest of the store):
reads, except that the trend keeps the figures of the days that have ended (trend_day_counts, migration 010)."""


def day_counts(db, moved_events, start, end):
    """Each workflow's figures between ``start`` and ``end``, in one pass over the window's events: {workflow:
    {advanced, moved, failures, rejections, quarantined}}; ``moved_events`` {workflow: the event that counts as a
    move}. A workflow without events has zeros."""
    workflows = sorted(moved_events)
    with db.cursor() as cur:
        cur.execute(
            "SELECT e.workflow, count(*) FILTER (WHERE e.event_type = 'status_changed') AS advanced, "
            "count(*) FILTER (WHERE e.event_type = m.moved) AS moved, "
            "count(*) FILTER (WHERE e.level = 'error') AS failures, "
            "count(DISTINCT e.opentext_id) FILTER (WHERE e.event_type = 'asset_rejection_seen') AS rejections, "
            "count(*) FILTER (WHERE e.event_type = 'file_quarantined') AS quarantined "
            "FROM asset_events e JOIN unnest(%s::text[], %s::text[]) AS m(workflow, moved) ON m.workflow = e.workflow "
            "WHERE e.occurred_at >= %s AND e.occurred_at < %s GROUP BY e.workflow",
            (workflows, [moved_events[w] for w in workflows], start, end))
        found = dict((r["workflow"], dict((k, r[k]) for k in ("advanced", "moved", "failures", "rejections",
                                                                  "quarantined"))) for r in cur.fetchall())
    zero = {"advanced": 0, "moved": 0, "failures": 0, "rejections": 0, "quarantined": 0}
    return dict((w, found.get(w, dict(zero))) for w in workflows)


def campaign_moves(db, start, end):
    """The status changes of the window, each with the campaign's latest status change ever (where it is now) and
    its name as the suite last saw it."""
    with db.cursor() as cur:
        cur.execute("SELECT e.workflow, e.campaign_id, e.message AS change, e.occurred_at, "
                    "(SELECT l.message FROM asset_events l WHERE l.campaign_id = e.campaign_id AND "
                    "l.event_type = 'status_changed' ORDER BY l.occurred_at DESC LIMIT 1) AS latest, "
                    "(SELECT w.campaign_name FROM workflow_state w WHERE w.campaign_id = e.campaign_id AND "
                    "w.campaign_name IS NOT NULL ORDER BY w.updated_at DESC LIMIT 1) AS name "
                    "FROM asset_events e WHERE e.event_type = 'status_changed' AND e.occurred_at >= %s AND "
                    "e.occurred_at < %s ORDER BY e.occurred_at", (start, end))
        return [dict(r) for r in cur.fetchall()]


def daily_trend(db, moved_events, bounds):
    """Per workflow and day: assets moved and failures. ``moved_events`` {workflow: the event that counts as a
    move}; ``bounds`` the day boundaries (aware datetimes, ascending; N+1 of them for N days). Returns
    [{workflow, day (0-based index), moved, failures}] for the days that had any. A day that ended before this
    transaction began is counted once and kept (trend_day_counts): its events never change, and counting a
    fortnight of events at every report took 95 ms at 10 M events (bench (h)); other days are counted afresh."""
    workflows = sorted(moved_events)
    days = list(zip(bounds[:-1], bounds[1:]))
    with db.cursor() as cur:
        cur.execute("SELECT day_start, day_end, workflow, moved, failures FROM trend_day_counts WHERE "
                    "day_start = ANY(%s) AND workflow = ANY(%s)", ([start for start, _ in days], workflows))
        kept = {}
        for r in cur.fetchall():
            kept.setdefault((r["day_start"], r["day_end"]), {})[r["workflow"]] = (r["moved"], r["failures"])
        figures = {}  # (workflow, day index) -> (moved, failures)
        missing = [i for i, day in enumerate(days) if set(kept.get(day, {})) < set(workflows)]
        for i, day in enumerate(days):
            if i not in missing:
                figures.update(((w, i), kept[day][w]) for w in workflows)
        if missing:
            first, last = days[missing[0]][0], days[missing[-1]][1]
            cur.execute("SELECT e.workflow, width_bucket(e.occurred_at, %s::timestamptz[]) - 1 AS day, "
                        "count(*) FILTER (WHERE (e.workflow, e.event_type) IN (SELECT * FROM unnest(%s::text[], "
                        "%s::text[]))) AS moved, count(*) FILTER (WHERE e.level = 'error') AS failures "
                        "FROM asset_events e WHERE e.occurred_at >= %s AND e.occurred_at < %s AND "
                        "e.workflow = ANY(%s) GROUP BY 1, 2", (list(bounds), workflows,
                                                              [moved_events[w] for w in workflows], first, last,
                                                              workflows))
            counted = dict(((r["workflow"], r["day"]), (r["moved"], r["failures"])) for r in cur.fetchall())
            cur.execute("SELECT now() AS now")
            now = cur.fetchone()["now"]
            for i in missing:
                row = [(w, counted.get((w, i), (0, 0))) for w in workflows]
                figures.update(((w, i), f) for w, f in row)
                if days[i][1] <= now:  # ended: keep it (a second report at once keeps the first one's rows)
                    for w, (moved, failures) in row:
                        cur.execute("INSERT INTO trend_day_counts (day_start, day_end, workflow, moved, failures) "
                                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                    (days[i][0], days[i][1], w, moved, failures))
    return [{"workflow": w, "day": i, "moved": m, "failures": f}
            for (w, i), (m, f) in sorted(figures.items(), key=lambda kv: (kv[0][1], kv[0][0])) if m or f]


def failures_between(db, start, end):
    """Error events of the window, each with when it was resolved: the same asset (or, for a campaign-level
    failure, the campaign) moved on later. Plain equality on campaign_id lets the look-ahead walk the
    (campaign_id, occurred_at) index from the error on (IS NOT DISTINCT FROM could not, and walked the whole event
    history: > 20 s at 10 M events); a failure of no campaign (a run that could not start) has no such successor."""
    with db.cursor() as cur:
        cur.execute("SELECT e.workflow, e.campaign_id, e.tracking_id, e.message, e.occurred_at, "
                    "(SELECT min(l.occurred_at) FROM asset_events l WHERE l.workflow = e.workflow AND "
                    "l.campaign_id = e.campaign_id AND l.occurred_at > e.occurred_at AND "
                    "l.event_type IN ('asset_delivered', 'file_imported', 'status_changed') AND "
                    "(e.tracking_id IS NULL OR l.tracking_id = e.tracking_id OR l.event_type = 'status_changed')) "
                    "AS resolved_at FROM asset_events e "
                    "WHERE e.level = 'error' AND e.occurred_at >= %s AND e.occurred_at < %s ORDER BY e.occurred_at",
                    (start, end))
        return [dict(r) for r in cur.fetchall()]


def stuck_campaigns(db, hours):
    """Campaigns in a non-final state for longer than ``hours``."""
    with db.cursor() as cur:
        cur.execute("SELECT workflow, campaign_id, state, COALESCE(started_at, updated_at) AS since, last_error "
                    "FROM workflow_state WHERE state NOT IN ('completed', 'idle', 'no_assets') AND "
                    "COALESCE(started_at, updated_at) < now() - %s * interval '1 hour' ORDER BY since", (hours,))
        return [dict(r) for r in cur.fetchall()]


def failing_campaigns(db):
    """Campaigns failing now, most failed attempts first."""
    with db.cursor() as cur:
        cur.execute("SELECT workflow, campaign_id, attempts, last_error, next_attempt_at FROM workflow_state "
                    "WHERE state IN ('failed', 'partial') AND attempts > 0 ORDER BY attempts DESC, campaign_id")
        return [dict(r) for r in cur.fetchall()]


def server_and_schema(db):
    """(PostgreSQL version text, schema version or None when the schema is not created yet)."""
    with db.cursor() as cur:
        cur.execute("SELECT version() AS v")
        version = cur.fetchone()["v"].split(",")[0]
        cur.execute("SELECT to_regclass('public.schema_migrations') AS t")
        if cur.fetchone()["t"] is None:
            return version, None
        cur.execute("SELECT max(version) AS v FROM schema_migrations")
        return version, cur.fetchone()["v"]
