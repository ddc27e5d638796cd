"""Read-only queries behind ``trace.py``: find what the operator typed (a tracking id, a campaign, a DAM or Box id,
part of a file name) and read the whole life of an asset or a campaign.

Callers pass a cursor from ``status_store.snapshot`` (one READ ONLY transaction). Exact keys walk indexes; the
name search is a bounded ILIKE (the first ``limit`` hits), the one scan an operator's fuzzy question needs.
"""

EVENT_LIMIT = 1000


def _like(text):
    """An ILIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    return "%{}%".format(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))


def is_campaign(cur, campaign_id):
    cur.execute("SELECT EXISTS (SELECT 1 FROM workflow_state WHERE campaign_id = %s) OR EXISTS (SELECT 1 FROM "
                "master_assets WHERE local_campaign_id = %s) AS hit", (campaign_id, campaign_id))
    return bool(cur.fetchone()["hit"])


def tracking_ids_for(cur, text, limit=20):
    """Tracking ids whose asset matches ``text``: a tracking id, a DAM asset id (master or localised final), a Box
    file id, or part of a file name (master, Box or localised file), best matches first."""
    cur.execute("SELECT tracking_id FROM master_assets WHERE tracking_id = upper(%s) OR opentext_id = %s OR "
                "box_file_id = %s UNION SELECT tracking_id FROM derivative_assets WHERE dam_asset_id = %s OR "
                "box_file_id = %s", (text, text, text, text, text))
    exact = [r["tracking_id"] for r in cur.fetchall()]
    if exact:
        return sorted(set(exact))[:limit]
    pattern = _like(text)
    cur.execute("(SELECT tracking_id FROM master_assets WHERE original_filename ILIKE %s OR box_file_name ILIKE %s "
                "LIMIT %s) UNION (SELECT tracking_id FROM derivative_assets WHERE box_file_name ILIKE %s LIMIT %s)",
                (pattern, pattern, limit, pattern, limit))
    return sorted(set(r["tracking_id"] for r in cur.fetchall()))[:limit]


def master(cur, tracking_id):
    cur.execute("SELECT tracking_id, opentext_id, original_filename, local_campaign_id, global_master_campaign_id, "
                "campaign_name, workflow, asset_state, file_size, sha1, dam_folder_path, dam_url, dam_version, "
                "box_folder_id, box_file_id, box_file_name, box_url, rework_count, last_rework_at, created_at, "
                "updated_at FROM master_assets WHERE tracking_id = %s", (tracking_id,))
    row = cur.fetchone()
    return dict(row) if row else None


def deliveries(cur, tracking_id):
    """Every DAM -> Box delivery of the tracking id (A1->A2, A5->A6 rework, B1->B2): state, Box file, outcome."""
    cur.execute("SELECT workflow, campaign_id, opentext_id, original_filename, folder_path, state, file_size, sha1, "
                "dam_version, box_folder_id, box_file_id, box_file_name, box_url, box_outcome, attempts, last_error, "
                "created_at, done_at FROM transfer_items WHERE tracking_id = %s ORDER BY created_at, workflow",
                (tracking_id,))
    return [dict(r) for r in cur.fetchall()]


def localisations(cur, tracking_id):
    """Every localised file taken from the inbox for the tracking id, with the final it became in the DAM and, for
    a replaced one, the row that replaced it (superseded_by)."""
    cur.execute("SELECT id, language, description, box_file_id, box_version_id, box_file_name, box_folder_path, "
                "file_size, sha1, state, dam_folder_id, dam_asset_id, attempts, last_error, superseded_by, "
                "superseded_at, created_at, imported_at, cleaned_at, reported_at FROM derivative_assets "
                "WHERE tracking_id = %s ORDER BY lower(COALESCE(language, '')), id", (tracking_id,))
    return [dict(r) for r in cur.fetchall()]


def asset_events(cur, tracking_id, box_file_ids=(), limit=EVENT_LIMIT):
    """The events of the tracking id, and of its inbox files before the name was read (quarantine), oldest
    first."""
    cur.execute("SELECT * FROM (SELECT occurred_at, workflow, campaign_id, event_type, level, message, run_id, "
                "box_file_id, details FROM asset_events WHERE tracking_id = %s UNION SELECT occurred_at, workflow, "
                "campaign_id, event_type, level, message, run_id, box_file_id, details FROM asset_events "
                "WHERE box_file_id = ANY(%s) AND tracking_id IS NULL AND event_type = 'file_quarantined') e "
                "ORDER BY occurred_at LIMIT %s", (tracking_id, list(box_file_ids), limit))
    return [dict(r) for r in cur.fetchall()]


def campaign_rows(cur, campaign_id):
    """The campaign's row per workflow (state, lease, attempts, counts)."""
    cur.execute("SELECT workflow, campaign_id, campaign_name, folder_id, state, lease_owner, lease_expires_at, "
                "attempts, next_attempt_at, last_error, assets_total, assets_done, assets_failed, started_at, "
                "finished_at, completed_at FROM workflow_state WHERE campaign_id = %s ORDER BY workflow",
                (campaign_id,))
    return [dict(r) for r in cur.fetchall()]


def campaign_assets(cur, campaign_id, limit=2000):
    """The campaign's masters and deliveries (one line per tracking id and workflow) with their localised
    finals."""
    cur.execute(
        "SELECT t.workflow, t.tracking_id, t.original_filename, t.folder_path, t.state, t.box_file_id, t.box_url, "
        "t.box_outcome, t.last_error, (SELECT count(*) FROM derivative_assets d WHERE d.tracking_id = t.tracking_id "
        "AND d.state IN ('imported', 'cleaned') AND d.superseded_by IS NULL) AS finals "
        "FROM transfer_items t WHERE t.campaign_id = %s AND t.workflow IN ('a1_a2', 'a5_a6', 'b1_b2') "
        "ORDER BY t.workflow, t.folder_path, t.original_filename LIMIT %s", (campaign_id, limit))
    return [dict(r) for r in cur.fetchall()]


def campaign_events(cur, campaign_id, limit=EVENT_LIMIT):
    """The campaign's events, oldest first (the last ``limit``)."""
    cur.execute("SELECT * FROM (SELECT occurred_at, workflow, campaign_id, tracking_id, event_type, level, message, "
                "run_id, box_file_id, details FROM asset_events WHERE campaign_id = %s ORDER BY occurred_at DESC "
                "LIMIT %s) e ORDER BY occurred_at", (campaign_id, limit))
    return [dict(r) for r in cur.fetchall()]


def notifications(cur, campaign_ids):
    """Emails and webhooks of these campaigns (sent or not), oldest first."""
    cur.execute("SELECT campaign_id, template, channel, status, attempts, last_error, created_at, sent_at "
                "FROM notifications WHERE campaign_id = ANY(%s) ORDER BY created_at", (list(campaign_ids),))
    return [dict(r) for r in cur.fetchall()]
