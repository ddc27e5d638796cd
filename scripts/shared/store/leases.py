"""Campaign leases (the ``workflow_state`` table): which run works on which campaign, until when, and how its last
attempt ended.

A claim is one atomic UPDATE ... SKIP LOCKED with a lease and a claim token that grows with each claim; later writes
of a tick pass that token through ``fenced``, so a tick whose lease was taken over cannot overwrite the new owner's
work. A failed attempt waits an exponential back-off (the Database's backoff_base/backoff_max) before the next.
"""
import contextlib
import os
import socket

from ..core.errors import LeaseLostError
from .rows import CampaignState, Lease


def lease_owner(run_id):
    return "{}:{}:{}".format(socket.gethostname(), os.getpid(), run_id)


def claim_campaign(db, workflow, candidates, run_id, force=False):
    """Claim the first eligible campaign of ``candidates`` (dam_types.Campaign values; DAM order).

    Eligible: not leased by a live run and not waiting out a back-off (``force`` ignores the back-off, for a
    manual ``--campaign`` run). Returns (lease or None, reason) with reason "claimed", "none" (nothing to do),
    "backoff" (all eligible ones are waiting) or "leased" (all are held by other runs).
    """
    if not candidates:
        return None, "none"
    ids = [campaign.campaign_id for campaign in candidates]
    register_candidates(db, workflow, candidates)
    owner = lease_owner(run_id)
    with db.cursor() as cur:
        cur.execute(
            "UPDATE workflow_state w SET lease_owner = %s, lease_expires_at = now() + %s * interval '1 second', "
            "claim_token = nextval('claim_token_seq'), state = 'running', started_at = now(), "
            "last_run_id = %s, updated_at = now() "
            "WHERE (w.workflow, w.campaign_id) = ("
            "  SELECT workflow, campaign_id FROM workflow_state "
            "  WHERE workflow = %s AND campaign_id = ANY(%s) "
            "    AND (lease_expires_at IS NULL OR lease_expires_at < now()) "
            "    AND (%s OR next_attempt_at IS NULL OR next_attempt_at <= now()) "
            "  ORDER BY array_position(%s::text[], campaign_id) LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "RETURNING *",
            (owner, db.lease_seconds, run_id, workflow, ids, bool(force), ids))
        row = cur.fetchone()
        if row is not None:
            state = CampaignState.from_row(row)
            return Lease(workflow, state.campaign_id, state.claim_token, owner, state), "claimed"
        cur.execute("SELECT count(*) FILTER (WHERE lease_expires_at >= now()) AS leased, "
                    "count(*) FILTER (WHERE next_attempt_at > now()) AS waiting FROM workflow_state "
                    "WHERE workflow = %s AND campaign_id = ANY(%s)", (workflow, ids))
        counts = cur.fetchone()
    if counts["leased"]:
        return None, "leased"
    if counts["waiting"]:
        return None, "backoff"
    return None, "none"


def register_candidates(db, workflow, candidates):
    """A row for every candidate (its folder and name kept current): what the backlog counts as waiting."""
    with db.cursor() as cur:
        for campaign in candidates:
            cur.execute("INSERT INTO workflow_state (workflow, campaign_id, folder_id, campaign_name) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (workflow, campaign_id) DO UPDATE SET "
                        "folder_id = EXCLUDED.folder_id, campaign_name = EXCLUDED.campaign_name",
                        (workflow, campaign.campaign_id, campaign.folder_id, campaign.name))


def forget_candidate(db, workflow, campaign_id):
    """Drop a candidate's row that no run ever claimed (the search's index listed a campaign its folder says is
    not in the status): it is not waiting. A row with any history stays."""
    with db.cursor() as cur:
        cur.execute("DELETE FROM workflow_state WHERE workflow = %s AND campaign_id = %s AND claim_token = 0 AND "
                    "state = 'idle' AND lease_owner IS NULL", (workflow, campaign_id))


def preview_claim(db, workflow, candidates, force=False):
    """What claim_campaign would pick, without claiming: (Campaign or None, reason) (for dry runs)."""
    ids = [campaign.campaign_id for campaign in candidates]
    with db.cursor() as cur:
        cur.execute("SELECT campaign_id, lease_expires_at >= now() AS leased, "
                    "COALESCE(next_attempt_at > now(), false) AS waiting FROM workflow_state "
                    "WHERE workflow = %s AND campaign_id = ANY(%s)", (workflow, ids))
        rows = {r["campaign_id"]: r for r in cur.fetchall()}
    leased = waiting = 0
    for campaign in candidates:
        row = rows.get(campaign.campaign_id)
        if row and row["leased"]:
            leased += 1
        elif row and row["waiting"] and not force:
            waiting += 1
        else:
            return campaign, "claimed"
    return None, "leased" if leased else ("backoff" if waiting else "none")


def describe_waiting(db, workflow, candidates):
    """'LC-1 (next try 14:05, after 3 failed attempts), ...; run with --campaign ID to try one now' for the
    candidates waiting out a back-off (the operator's answer to "why is nothing happening?")."""
    ids = [campaign.campaign_id for campaign in candidates]
    with db.cursor() as cur:
        cur.execute("SELECT campaign_id, attempts, next_attempt_at FROM workflow_state WHERE workflow = %s AND "
                    "campaign_id = ANY(%s) AND next_attempt_at > now() ORDER BY next_attempt_at", (workflow, ids))
        rows = cur.fetchall()
    parts = ["{} (next try {}{})".format(
        r["campaign_id"], r["next_attempt_at"].astimezone().strftime("%Y-%m-%d %H:%M"),
        ", after {} failed attempt(s)".format(r["attempts"]) if r["attempts"] else "") for r in rows]
    return "{}; run with --campaign ID to try one now".format(", ".join(parts) or "-")


@contextlib.contextmanager
def fenced(db, lease):
    """A transaction that first proves ``lease`` still holds (row locked FOR SHARE until commit): every write of a
    tick on its campaign's rows goes through it."""
    with db.cursor() as cur:
        if lease is not None:
            cur.execute("SELECT claim_token, lease_owner FROM workflow_state WHERE workflow = %s AND "
                        "campaign_id = %s FOR SHARE", (lease.workflow, lease.campaign_id))
            row = cur.fetchone()
            if row is None or row["claim_token"] != lease.claim_token:
                raise LeaseLostError(
                    "lease on {} {} was taken over by another run (our claim token {}, current {})".format(
                        lease.workflow, lease.campaign_id, lease.claim_token, row and row["claim_token"]),
                    fix="nothing to do: the other run carries on; check for ticks longer than the lease")
        yield cur


def renew_lease(db, lease):
    """Push the lease expiry forward; raises LeaseLostError when another run took the campaign."""
    with fenced(db, lease) as cur:
        cur.execute("UPDATE workflow_state SET lease_expires_at = now() + %s * interval '1 second', "
                    "updated_at = now() WHERE workflow = %s AND campaign_id = %s AND claim_token = %s",
                    (db.lease_seconds, lease.workflow, lease.campaign_id, lease.claim_token))


def mark_finishing(db, lease, folder_id=None):
    """Every asset is done: the status change and the success email are owed next (resumable from here)."""
    with fenced(db, lease) as cur:
        if folder_id is None:
            cur.execute("UPDATE workflow_state SET state = 'finishing', updated_at = now() WHERE workflow = %s "
                        "AND campaign_id = %s", (lease.workflow, lease.campaign_id))
        else:
            cur.execute("UPDATE workflow_state SET state = 'finishing', folder_id = %s, updated_at = now() "
                        "WHERE workflow = %s AND campaign_id = %s", (folder_id, lease.workflow, lease.campaign_id))


def unfinished_campaigns(db, workflow):
    """Campaigns of ``workflow`` whose status change or success email is still owed ('finishing',
    'notify_pending') and that no live run holds (CampaignState values)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM workflow_state WHERE workflow = %s AND "
                    "state IN ('finishing', 'notify_pending') AND (lease_expires_at IS NULL OR "
                    "lease_expires_at < now())", (workflow,))
        return CampaignState.from_rows(cur.fetchall())


def finish_campaign(db, lease, outcome, error=None, total=0, done=0, failed=0):
    """Release the lease with the tick's outcome.

    ``completed``: status moved, attempts reset. ``released``: nothing failed, more work later (no back-off).
    ``finishing``/``notify_pending``: assets all done, the status change or the success email is still owed.
    ``failed``/``partial``: attempts + 1 and an exponential back-off so other campaigns move meanwhile. ``no_assets``: waits one back-off base before the next look.
    Returns the CampaignState as it is now (attempts tells the caller when to raise an alert).
    """
    with fenced(db, lease) as cur:
        if outcome == "completed":
            cur.execute(
                "UPDATE workflow_state SET state = 'completed', attempts = 0, next_attempt_at = NULL, "
                "last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), "
                "completed_at = now(), assets_total = %s, assets_done = %s, assets_failed = %s, "
                "updated_at = now() WHERE workflow = %s AND campaign_id = %s RETURNING *",
                (total, done, failed, lease.workflow, lease.campaign_id))
        elif outcome == "no_assets":
            cur.execute(
                "UPDATE workflow_state SET state = 'no_assets', attempts = 0, last_error = NULL, "
                "next_attempt_at = now() + %s * interval '1 second', lease_owner = NULL, lease_expires_at = NULL, "
                "finished_at = now(), assets_total = 0, assets_done = 0, assets_failed = 0, updated_at = now() "
                "WHERE workflow = %s AND campaign_id = %s RETURNING *",
                (db.backoff_base, lease.workflow, lease.campaign_id))
        elif outcome in ("released", "finishing", "notify_pending"):
            # work left for a later tick without counting a failure: no back-off
            cur.execute(
                "UPDATE workflow_state SET state = %s, last_error = %s, next_attempt_at = NULL, "
                "lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), assets_total = %s, "
                "assets_done = %s, assets_failed = %s, updated_at = now() "
                "WHERE workflow = %s AND campaign_id = %s RETURNING *",
                ("idle" if outcome == "released" else outcome, error, total, done, failed, lease.workflow,
                 lease.campaign_id))
        else:
            cur.execute(
                "UPDATE workflow_state SET state = %s, attempts = attempts + 1, last_error = %s, "
                "next_attempt_at = now() + LEAST(%s, %s * power(2, attempts)) * interval '1 second', "
                "lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), assets_total = %s, "
                "assets_done = %s, assets_failed = %s, updated_at = now() "
                "WHERE workflow = %s AND campaign_id = %s RETURNING *",
                (outcome, error, db.backoff_max, db.backoff_base, total, done, failed, lease.workflow,
                 lease.campaign_id))
        return CampaignState.from_row(cur.fetchone())


def mark_alerted(db, workflow, campaign_id):
    with db.cursor() as cur:
        cur.execute("UPDATE workflow_state SET alerted_at = now() WHERE workflow = %s AND campaign_id = %s",
                    (workflow, campaign_id))
