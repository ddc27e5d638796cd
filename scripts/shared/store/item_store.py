"""Per-asset progress rows: ``transfer_items`` (DAM -> Box) and ``derivative_assets`` (Box inbox -> DAM).

Every write is fenced by the tick's lease, so a run that lost its campaign cannot overwrite the new owner's results.
A ``campaign_id`` argument is the campaign number, kept in the ``local_campaign_id`` column of the asset tables.
"""
from ..core.errors import SuiteError
from .database import json_text
from .leases import fenced
from .rows import Derivative, Master, TransferItem

TRANSFER_COLUMNS = ("tracking_id", "state", "file_size", "sha1", "box_folder_id", "box_file_id", "box_file_name",
                    "box_url", "box_outcome", "last_error", "original_filename", "folder_path", "dam_version")
DERIVATIVE_COLUMNS = ("state", "dam_folder_id", "dam_asset_id", "dam_import_job_id", "last_error", "metadata",
                      "local_campaign_id", "language", "description", "file_size")


def ensure_transfer_items(db, lease, workflow, campaign_id, assets):
    """Insert a pending row per source asset (dam_types.DamAsset; existing rows keep their state); return the
    campaign's TransferItem values by opentext_id."""
    with fenced(db, lease) as cur:
        for asset in assets:
            cur.execute(
                "INSERT INTO transfer_items (workflow, campaign_id, opentext_id, original_filename, folder_path, "
                "file_size, claim_token, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (workflow, campaign_id, opentext_id) DO UPDATE SET "
                "original_filename = EXCLUDED.original_filename, folder_path = EXCLUDED.folder_path",
                (workflow, campaign_id, asset.asset_id, asset.name, "/".join(asset.folder_path), asset.size,
                 lease.claim_token, lease.state.last_run_id))
        cur.execute("SELECT * FROM transfer_items WHERE workflow = %s AND campaign_id = %s", (workflow, campaign_id))
        return {item.opentext_id: item for item in TransferItem.from_rows(cur.fetchall())}


def _fenced_update(db, lease, row_type, sets, params, row_id):
    """One row of ``row_type``'s table updated under the lease's fence; the row as it is now."""
    table = row_type.TABLE
    with fenced(db, lease) as cur:
        cur.execute("UPDATE {} SET {} WHERE id = %s RETURNING *".format(table, ", ".join(sets)), params + [row_id])
        row = cur.fetchone()
    if row is None:
        raise SuiteError("{} row {} is gone: it was deleted while this run worked on it".format(table, row_id),
                         fix="the next run lists the campaign again and recreates the row it needs")
    return row_type.from_row(row)


def update_transfer_item(db, lease, item_id, **values):
    """Fenced update of one transfer row; ``state='done'`` also stamps done_at; failures count attempts."""
    names = [n for n in values if n in TRANSFER_COLUMNS]
    sets = ["{} = %s".format(n) for n in names] + ["claim_token = %s", "updated_at = now()"]
    params = [values[n] for n in names] + [lease.claim_token]
    if values.get("state") == "done":
        sets.append("done_at = now()")
    if values.get("state") == "failed":
        sets.append("attempts = attempts + 1")
    return _fenced_update(db, lease, TransferItem, sets, params, item_id)


def transfer_items(db, workflow, campaign_id):
    with db.cursor() as cur:
        cur.execute("SELECT * FROM transfer_items WHERE workflow = %s AND campaign_id = %s ORDER BY folder_path, "
                    "original_filename", (workflow, campaign_id))
        return TransferItem.from_rows(cur.fetchall())


def master_by_tracking_id(db, tracking_id):
    with db.cursor() as cur:
        cur.execute("SELECT * FROM master_assets WHERE tracking_id = %s", (tracking_id,))
        return Master.from_row(cur.fetchone())


def claim_derivative(db, lease, tracking_id, box_file, campaign_id, language, description):
    """The derivative row of this Box file version (``box_file``: a box_types.InboxFile), created on first sight;
    its state says what is left to do."""
    with fenced(db, lease) as cur:
        cur.execute(
            "INSERT INTO derivative_assets (tracking_id, local_campaign_id, box_file_id, sha1, box_file_name, "
            "box_folder_path, file_size, language, description, claim_token, box_version_id, box_etag) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (box_file_id, sha1) DO NOTHING",
            (tracking_id, campaign_id, box_file.file_id, box_file.sha1, box_file.name,
             "/".join(box_file.folder_path or []), box_file.size, language, description,
             lease.claim_token, box_file.version_id, box_file.etag))
        cur.execute("SELECT * FROM derivative_assets WHERE box_file_id = %s AND sha1 = %s",
                    (box_file.file_id, box_file.sha1))
        return Derivative.from_row(cur.fetchone())


def source_key(derivative):
    """The DAM import's SOURCE_FILE_ID: the Box file id and the version imported, so a corrected version of the same
    Box file is a new import, not "already imported". Rows claimed before versions were recorded keep the bare id."""
    if derivative.box_version_id:
        return "{}/{}".format(derivative.box_file_id, derivative.box_version_id)
    return derivative.box_file_id


def update_derivative(db, lease, derivative_id, **values):
    names = [n for n in values if n in DERIVATIVE_COLUMNS]
    sets = ["{} = %s".format(n) for n in names] + ["claim_token = %s", "updated_at = now()"]
    params = [json_text(values[n]) if n == "metadata" else values[n] for n in names] + [lease.claim_token]
    state = values.get("state")
    if state == "imported":
        sets.append("imported_at = now()")
    elif state == "cleaned":
        sets.append("cleaned_at = now()")
    elif state == "failed":
        sets.append("attempts = attempts + 1")
    return _fenced_update(db, lease, Derivative, sets, params, derivative_id)


def supersede_earlier(db, lease, derivative):
    """Mark the earlier imported finals of the same tracking id and language (other content) as replaced by
    ``derivative``; return them (name and DAM asset) for the report."""
    with fenced(db, lease) as cur:
        cur.execute("UPDATE derivative_assets SET superseded_by = %s, superseded_at = now(), updated_at = now() "
                    "WHERE tracking_id = %s AND lower(language) = lower(%s) AND id <> %s AND sha1 <> %s AND "
                    "superseded_by IS NULL AND state IN ('imported', 'cleaned') RETURNING *",
                    (derivative.id, derivative.tracking_id, derivative.language, derivative.id, derivative.sha1))
        return Derivative.from_rows(cur.fetchall())


def replaced_by(db, derivative_id):
    """The earlier finals ``derivative_id`` replaced (for the email's result column)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM derivative_assets WHERE superseded_by = %s ORDER BY id", (derivative_id,))
        return Derivative.from_rows(cur.fetchall())


def changed_while_imported(db, derivative):
    """True when the delete of this imported version was refused (412): a newer version stayed in the inbox."""
    with db.cursor() as cur:
        cur.execute("SELECT 1 FROM asset_events WHERE event_type = 'inbox_file_changed' AND box_file_id = %s AND "
                    "details->>'sha1' = %s LIMIT 1", (derivative.box_file_id, derivative.sha1))
        return cur.fetchone() is not None


def imported_duplicate(db, tracking_id, language, sha1, box_file_id):
    """An earlier, already imported derivative with the same master, language and bytes (another Box file)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM derivative_assets WHERE tracking_id = %s AND lower(language) = lower(%s) AND "
                    "sha1 = %s AND box_file_id <> %s AND state IN ('imported', 'cleaned') ORDER BY id LIMIT 1",
                    (tracking_id, language, sha1, box_file_id))
        return Derivative.from_row(cur.fetchone())


def localisation_progress(db, campaign_id):
    """(masters expected, of them with an imported localised file) of a local campaign's A1->A2 masters. A master
    deleted or expired in the DAM without a localised file is not expected any more (campaign_store.GONE_STATES)."""
    with db.cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE localised OR asset_state NOT IN ('deleted_in_dam', 'expired_in_dam')) "
            "AS masters, count(*) FILTER (WHERE localised) AS localised FROM (SELECT m.asset_state, EXISTS "
            "(SELECT 1 FROM derivative_assets d WHERE d.tracking_id = m.tracking_id AND d.state IN ('imported', "
            "'cleaned')) AS localised FROM master_assets m WHERE m.local_campaign_id = %s AND "
            "m.workflow = 'a1_a2') x", (campaign_id,))
        row = cur.fetchone()
        return row["masters"], row["localised"]


def unsettled_campaigns(db):
    """Local campaigns an interrupted A2->A3 run left work for: half-done derivatives, or a dead run's claim."""
    with db.cursor() as cur:
        cur.execute("SELECT DISTINCT local_campaign_id AS c FROM derivative_assets WHERE state IN "
                    "('claimed', 'downloaded', 'imported') AND local_campaign_id IS NOT NULL "
                    "UNION SELECT campaign_id FROM workflow_state WHERE workflow = 'a2_a3' AND state = 'running' "
                    "AND lease_expires_at < now()")
        return sorted(r["c"] for r in cur.fetchall())


def transfer_states(db, workflow, campaign_id):
    """{opentext_id: TransferItem} of a campaign's transfer rows (read-only, for a dry run)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM transfer_items WHERE workflow = %s AND campaign_id = %s", (workflow, campaign_id))
        return {item.opentext_id: item for item in TransferItem.from_rows(cur.fetchall())}


def count_rework(db, lease, tracking_id):
    """A master delivered again for rework (A5->A6): count it on the master row."""
    with fenced(db, lease) as cur:
        cur.execute("UPDATE master_assets SET rework_count = rework_count + 1, last_rework_at = now(), "
                    "updated_at = now() WHERE tracking_id = %s", (tracking_id,))


def rejection_sources(db, tracking_id, opentext_id):
    """(the Master with its kept metadata or None, details of the last 'asset_rejection_seen' event or None)."""
    with db.cursor() as cur:
        cur.execute("SELECT * FROM master_assets WHERE tracking_id = %s", (tracking_id,))
        hit = Master.from_row(cur.fetchone())
        cur.execute("SELECT details FROM asset_events WHERE event_type = 'asset_rejection_seen' AND "
                    "opentext_id = %s ORDER BY id DESC LIMIT 1", (opentext_id,))
        seen = cur.fetchone()
    return hit, (seen["details"] if seen else None)


def unsettled_derivatives(db, campaign_id):
    """Derivatives of a local campaign an interrupted run left half-done, with their master's DAM folder path."""
    with db.cursor() as cur:
        cur.execute("SELECT d.*, m.dam_folder_path FROM derivative_assets d JOIN master_assets m USING (tracking_id) "
                    "WHERE d.local_campaign_id = %s AND d.state IN ('claimed', 'downloaded', 'imported')",
                    (campaign_id,))
        return Derivative.from_rows(cur.fetchall())


def unreported_imports(db, campaign_id):
    """Imported derivatives of a local campaign not yet reported by email, by file name (with the master's folder
    and its asset_state as master_state)."""
    with db.cursor() as cur:
        cur.execute("SELECT d.*, m.dam_folder_path, m.asset_state AS master_state FROM derivative_assets d JOIN master_assets m USING (tracking_id) "
                    "WHERE d.local_campaign_id = %s AND d.state = 'cleaned' AND d.reported_at IS NULL "
                    "ORDER BY d.box_file_name", (campaign_id,))
        return Derivative.from_rows(cur.fetchall())


def mark_reported(db, lease, derivative_ids):
    with fenced(db, lease) as cur:
        cur.execute("UPDATE derivative_assets SET reported_at = now() WHERE id = ANY(%s)", (list(derivative_ids),))


def localised_files(db, campaign_id):
    """Every imported localised file of a local campaign's masters, by DAM folder and file name."""
    with db.cursor() as cur:
        cur.execute("SELECT d.*, m.dam_folder_path FROM derivative_assets d JOIN master_assets m "
                    "ON m.tracking_id = d.tracking_id WHERE m.local_campaign_id = %s AND d.state IN "
                    "('imported', 'cleaned') ORDER BY m.dam_folder_path, d.box_file_name", (campaign_id,))
        return Derivative.from_rows(cur.fetchall())
