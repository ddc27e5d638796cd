"""What the suite keeps about a campaign beyond its lease, and what each waiting campaign waits for.

The Box folder of its deliveries is kept by id (a person renaming or moving it in Box is followed, never answered
with a second folder). A master deleted or expired in the DAM after delivery is marked on its row
(``master_assets.asset_state``) and no longer expected to come back localised. ``waiting_campaigns`` is the one
query that says, per waiting campaign, what it waits for (the daily report and status.py read it).
"""
from collections import namedtuple

from .leases import fenced
from .rows import Master

GONE_STATES = ("deleted_in_dam", "expired_in_dam")  # master_assets.asset_state of a master no longer expected

Waiting = namedtuple("Waiting", "workflow campaign_id campaign_name folder_id state waits_for missing since "
                                "next_attempt_at last_error masters localised gone")
Waiting.__doc__ = """One waiting campaign (none held by a live run): ``waits_for`` is "localisation" (A2->A3 awaits
the agency's files: ``missing``: (tracking id, file name) of each master still expected without a localised file;
``masters`` delivered, ``localised`` of them with a localised file, ``gone`` deleted or expired in the DAM), "retry" (a
back-off after a failure: ``next_attempt_at``, ``last_error``), "assets" (its source folder in the DAM was empty; the
no-assets email was sent, a person adds them), "finishing" (the status change or success email is owed; every tick
tries again), "interrupted" (a run died holding it; the next tick resumes it) or "more_work" (a tick left work for
the next one). ``since``: when the wait began; ``folder_id``: its DAM folder."""

# Local campaigns delivered A1->A2 whose masters still expected lack an imported localised file (one row per master).
# The campaigns come first, as an anti-join on A2->A3's completed rows (which the planner estimates from the state's
# statistics): after years almost every campaign is complete, and only the few left are looked up by index in
# master_assets. Written as COALESCE(w.state, '') <> 'completed' the planner expected every master to qualify and
# read all of master_assets and derivative_assets (0.6 s at a million assets, bench (h)).
_LOCALISATION_WAITS = (
    "SELECT m.local_campaign_id AS campaign_id, m.tracking_id, m.original_filename, m.dam_folder_path, "
    "a.completed_at AS since, a.campaign_name, a.folder_id, COALESCE(w.state, 'idle') AS state, "
    "w.masters_checked_at FROM workflow_state a "
    "LEFT JOIN workflow_state w ON w.workflow = 'a2_a3' AND w.campaign_id = a.campaign_id "
    "JOIN master_assets m ON m.local_campaign_id = a.campaign_id AND m.workflow = 'a1_a2' "
    "WHERE a.workflow = 'a1_a2' AND a.state = 'completed' AND NOT EXISTS (SELECT 1 FROM workflow_state done WHERE "
    "done.workflow = 'a2_a3' AND done.campaign_id = a.campaign_id AND done.state = 'completed') "
    "AND m.asset_state <> ALL(%s) AND NOT EXISTS (SELECT 1 FROM derivative_assets d WHERE "
    "d.tracking_id = m.tracking_id AND d.state IN ('imported', 'cleaned'))")

# Per campaign waiting for localised files (the first ``limit`` by number): its missing masters and its counts.
# B608: the subquery is this module's constant; the states and the limit are %s parameters.
_LOCALISATION_BY_CAMPAIGN = (
    "SELECT g.*, c.* FROM (SELECT campaign_id, campaign_name, folder_id, state, min(since) AS since, "  # nosec B608
    "array_agg(tracking_id ORDER BY dam_folder_path, original_filename) AS tracking_ids, "
    "array_agg(original_filename ORDER BY dam_folder_path, original_filename) AS names "
    "FROM (" + _LOCALISATION_WAITS + ") w GROUP BY campaign_id, campaign_name, folder_id, state "  # nosec B608
    "ORDER BY campaign_id LIMIT %s) g CROSS JOIN LATERAL (SELECT count(*) AS masters, count(*) FILTER (WHERE "
    "EXISTS (SELECT 1 FROM derivative_assets d WHERE d.tracking_id = x.tracking_id AND d.state IN ('imported', "
    "'cleaned'))) AS localised, count(*) FILTER (WHERE x.asset_state = ANY(%s)) AS gone FROM master_assets x "
    "WHERE x.local_campaign_id = g.campaign_id AND x.workflow = 'a1_a2') c ORDER BY g.campaign_id")

# Every other wait: not finished, not held by a live run; A2->A3's idle rows are the localisation waits above.
_OTHER_WAITS_SQL = (
    "SELECT workflow, campaign_id, campaign_name, folder_id, state, last_error, next_attempt_at, "
    "COALESCE(finished_at, updated_at) AS since FROM workflow_state WHERE (lease_expires_at IS NULL OR "
    "lease_expires_at < now()) AND ((%s AND state IN ('failed', 'partial') AND next_attempt_at > now()) OR state NOT IN "
    "('completed', 'failed', 'partial')) AND NOT (workflow = 'a2_a3' AND state = 'idle') "
    "ORDER BY campaign_id, workflow LIMIT %s")
_OTHER_WAITS = {"finishing": "finishing", "notify_pending": "finishing", "no_assets": "assets", "failed": "retry",
                "partial": "retry", "running": "interrupted"}


def kept_box_folder(db, workflow, campaign_id):
    """The Box folder id the campaign's first delivery recorded, or None."""
    with db.cursor() as cur:
        cur.execute("SELECT box_folder_id FROM workflow_state WHERE workflow = %s AND campaign_id = %s",
                    (workflow, campaign_id))
        row = cur.fetchone()
        return row["box_folder_id"] if row else None


def keep_box_folder(db, lease, folder_id):
    """Record the campaign's Box folder id (fenced: only the run holding the campaign writes it)."""
    with fenced(db, lease) as cur:
        cur.execute("UPDATE workflow_state SET box_folder_id = %s WHERE workflow = %s AND campaign_id = %s",
                    (folder_id, lease.workflow, lease.campaign_id))


def waiting_campaigns(db, limit=None):
    """Every campaign the suite is waiting on, and for what (Waiting values): ``waits`` in a cursor of its own."""
    with db.cursor() as cur:
        return waits(cur, limit)


def waits(cur, limit=None, retries=True):
    """Every campaign the suite is waiting on, and for what (Waiting values), localisation waits first, then
    back-offs (unless not ``retries``: status.py lists those apart), owed endings, interruptions and more work, each
    by campaign number; at most ``limit`` (None: all). Reads only: status.py calls it with its READ ONLY cursor."""
    cur.execute(_LOCALISATION_BY_CAMPAIGN, (list(GONE_STATES), limit, list(GONE_STATES)))
    out = [Waiting("a2_a3", r["campaign_id"], r["campaign_name"], r["folder_id"], r["state"], "localisation",
                   list(zip(r["tracking_ids"], r["names"])), r["since"], None, None, r["masters"], r["localised"],
                   r["gone"]) for r in cur.fetchall()]
    cur.execute(_OTHER_WAITS_SQL, (retries, limit))
    out += [Waiting(r["workflow"], r["campaign_id"], r["campaign_name"], r["folder_id"], r["state"],
                    _OTHER_WAITS.get(r["state"], "more_work"), [], r["since"], r["next_attempt_at"], r["last_error"],
                    None, None, None) for r in cur.fetchall()]
    return out[:limit] if limit is not None else out


def due_master_checks(db, hours):
    """Campaigns waiting for a localisation whose masters were not asked about in the DAM for ``hours`` (never:
    due at once), longest unchecked first."""
    with db.cursor() as cur:
        # B608: the subquery is this module's constant; the states and hours are %s parameters
        cur.execute("SELECT campaign_id FROM (" + _LOCALISATION_WAITS + ") w WHERE "  # nosec B608
                    "masters_checked_at IS NULL OR "
                    "masters_checked_at < now() - %s * interval '1 hour' GROUP BY campaign_id "
                    "ORDER BY min(masters_checked_at) NULLS FIRST, campaign_id", (list(GONE_STATES), hours))
        return [r["campaign_id"] for r in cur.fetchall()]


def masters_check_due(db, campaign_id, hours):
    """True when the A2->A3 run last asked the DAM about this campaign's waiting masters more than ``hours`` ago, or
    never."""
    with db.cursor() as cur:
        cur.execute("SELECT 1 FROM workflow_state WHERE workflow = 'a2_a3' AND campaign_id = %s AND "
                    "masters_checked_at >= now() - %s * interval '1 hour'", (campaign_id, hours))
        return cur.fetchone() is None


def masters_to_check(db, campaign_id, tracking_ids, waiting=True):
    """The campaign's masters still expected whose file this tick imported (``tracking_ids``) and, with
    ``waiting``, those without a localised file: the ones the DAM is asked about."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM master_assets m WHERE local_campaign_id = %s AND workflow = 'a1_a2' AND "
                    "asset_state <> ALL(%s) AND (tracking_id = ANY(%s) OR (%s AND NOT EXISTS (SELECT 1 FROM "
                    "derivative_assets d WHERE d.tracking_id = m.tracking_id AND d.state IN ('imported', "
                    "'cleaned')))) ORDER BY tracking_id", (campaign_id, list(GONE_STATES), list(tracking_ids),
                                                          waiting))
        return Master.from_rows(cur.fetchall())


def mark_master_gone(db, lease, tracking_id, standing):
    """The DAM says the master is ``standing`` ("deleted" or "expired"): no longer expected."""
    with fenced(db, lease) as cur:
        cur.execute("UPDATE master_assets SET asset_state = %s, updated_at = now() WHERE tracking_id = %s",
                    ("{}_in_dam".format(standing), tracking_id))


def mark_masters_checked(db, lease):
    with fenced(db, lease) as cur:
        cur.execute("UPDATE workflow_state SET masters_checked_at = now() WHERE workflow = %s AND campaign_id = %s",
                    (lease.workflow, lease.campaign_id))


def gone_masters(db, campaign_id):
    """Masters of a local campaign deleted or expired in the DAM after delivery (Master values)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM master_assets WHERE local_campaign_id = %s AND workflow = 'a1_a2' AND "
                    "asset_state = ANY(%s) ORDER BY dam_folder_path, original_filename", (campaign_id, list(GONE_STATES)))
        return Master.from_rows(cur.fetchall())
