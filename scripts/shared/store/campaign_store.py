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

Waiting = namedtuple("Waiting", "workflow campaign_id waits_for missing since next_attempt_at last_error")
Waiting.__doc__ = """One waiting campaign: ``waits_for`` is "localisation" (``missing``: (tracking id, file name) of
each master without a localised file), "retry" (a back-off after a failure: ``next_attempt_at``, ``last_error``),
"assets" (its source folder in the DAM was empty; the no-assets email was sent, a person adds them) or "finishing"
(the status change or success email is owed; every tick tries again). ``since``: when the wait began."""

# Local campaigns delivered A1->A2 whose masters still expected lack an imported localised file (one row per master).
_LOCALISATION_WAITS = (
    "SELECT m.local_campaign_id AS campaign_id, m.tracking_id, m.original_filename, a.completed_at AS since, "
    "w.masters_checked_at FROM master_assets m "
    "JOIN workflow_state a ON a.workflow = 'a1_a2' AND a.campaign_id = m.local_campaign_id AND a.state = 'completed' "
    "LEFT JOIN workflow_state w ON w.workflow = 'a2_a3' AND w.campaign_id = m.local_campaign_id "
    "WHERE m.workflow = 'a1_a2' AND m.asset_state <> ALL(%s) AND COALESCE(w.state, '') <> 'completed' "
    "AND NOT EXISTS (SELECT 1 FROM derivative_assets d WHERE d.tracking_id = m.tracking_id AND "
    "d.state IN ('imported', 'cleaned'))")


_OTHER_WAITS = {"finishing": "finishing", "notify_pending": "finishing", "no_assets": "assets"}


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


def waiting_campaigns(db):
    """Every campaign the suite is waiting on, and for what (Waiting values), localisation waits first, then
    back-offs and owed endings, each by campaign number."""
    with db.cursor() as cur:
        cur.execute(_LOCALISATION_WAITS + " ORDER BY m.local_campaign_id, m.dam_folder_path, m.original_filename",
                    (list(GONE_STATES),))
        by_campaign = {}
        for r in cur.fetchall():
            wait = by_campaign.setdefault(r["campaign_id"], Waiting("a2_a3", r["campaign_id"], "localisation", [],
                                                                    r["since"], None, None))
            wait.missing.append((r["tracking_id"], r["original_filename"]))
        cur.execute("SELECT workflow, campaign_id, state, last_error, next_attempt_at, COALESCE(finished_at, "
                    "updated_at) AS since FROM workflow_state WHERE (state IN ('failed', 'partial') AND "
                    "next_attempt_at > now()) OR state IN ('finishing', 'notify_pending', 'no_assets') "
                    "ORDER BY campaign_id, workflow")
        others = [Waiting(r["workflow"], r["campaign_id"], _OTHER_WAITS.get(r["state"], "retry"), [], r["since"],
                          r["next_attempt_at"], r["last_error"]) for r in cur.fetchall()]
    return [by_campaign[c] for c in sorted(by_campaign)] + others


def due_master_checks(db, hours):
    """Campaigns waiting for a localisation whose masters were not asked about in the DAM for ``hours`` (never:
    due at once), longest unchecked first."""
    with db.cursor() as cur:
        cur.execute("SELECT campaign_id FROM (" + _LOCALISATION_WAITS + ") w WHERE masters_checked_at IS NULL OR "
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
