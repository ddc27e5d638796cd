"""The tracking id register (the ``master_assets`` table): one row per DAM master and campaign, each with its unique
6-character tracking id (TID) that names the file in Box and comes back in the agency's V2 file names.

Uniqueness is enforced by the table's constraints and retried on conflict, never by check-then-insert.
"""
import logging
import secrets

from ..core.errors import ServiceError
from .database import adapt
from .leases import fenced
from .rows import Master, TrackedId

log = logging.getLogger(__name__)

# Crockford base32: digits and letters without the look-alikes I, L, O, U.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_ID_LENGTH = 6


def generate_tracking_id():
    """A random 6-character tracking id from the look-alike-free alphabet (``secrets``, not ``random``)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_ID_LENGTH))


def normalise_tracking_id(text):
    """Upper-case a tracking id typed in any case; None when it is not 6 characters of the alphabet."""
    if not text:
        return None
    value = text.strip().upper()
    if len(value) != TRACKING_ID_LENGTH or any(c not in TRACKING_ALPHABET for c in value):
        return None
    return value


def generate_unique_tracking_id(db):
    """A tracking id not in use right now. Uniqueness is finally guaranteed by the constraint on insert."""
    for _ in range(20):
        tid = generate_tracking_id()
        with db.cursor() as cur:
            cur.execute("SELECT 1 FROM master_assets WHERE tracking_id = %s", (tid,))
            if cur.fetchone() is None:
                return tid
    raise ServiceError("Database", "could not draw a free tracking id in 20 tries",
                       fix="the tracking id space is nearly full; widen TRACKING_ID_LENGTH")


def existing_tracking_id(db, opentext_id, campaign_id, metadata_tracking_id=None):
    """The tracking id this asset already has (master, derivative it came from, or the registered id written in
    its metadata) as a TrackedId, or None. Reads only (dry runs name files with it)."""
    with db.cursor() as cur:
        cur.execute("SELECT tracking_id FROM master_assets WHERE opentext_id = %s AND local_campaign_id = %s",
                    (opentext_id, campaign_id))
        hit = cur.fetchone()
        if hit:
            return TrackedId(hit["tracking_id"], "master")
        cur.execute("SELECT tracking_id FROM derivative_assets WHERE dam_asset_id = %s ORDER BY id DESC LIMIT 1",
                    (opentext_id,))
        hit = cur.fetchone()
        if hit:
            return TrackedId(hit["tracking_id"], "derivative")
        known = normalise_tracking_id(metadata_tracking_id)
        if known:
            cur.execute("SELECT 1 FROM master_assets WHERE tracking_id = %s", (known,))
            if cur.fetchone():
                return TrackedId(known, "metadata")
    return None


def find_or_create_tracking_id(db, opentext_id, campaign_id, original_filename=None, workflow=None,
                               metadata_tracking_id=None, **row):
    """The tracking id of this DAM asset in this campaign: existing master, else the derivative it came from
    (rework), else the id written in its metadata (registered for it when still free), else a new one.

    Returns a TrackedId (source "master", "derivative", "metadata" or "new").
    """
    import psycopg2
    existing = existing_tracking_id(db, opentext_id, campaign_id, metadata_tracking_id)
    if existing:
        return existing
    known = normalise_tracking_id(metadata_tracking_id)
    columns = dict(row)
    columns.update({"opentext_id": opentext_id, "local_campaign_id": campaign_id,
                    "original_filename": original_filename, "workflow": workflow or "unknown"})
    for attempt in range(50):
        # the id the asset already carries is kept when it is free (the DAM remembers it; the database may not)
        tid = known if (known and attempt == 0) else generate_tracking_id()
        columns["tracking_id"] = tid
        names = sorted(columns)
        try:
            with db.cursor() as cur:
                cur.execute(
                    "INSERT INTO master_assets ({}) VALUES ({}) ON CONFLICT (opentext_id, local_campaign_id) "
                    "DO NOTHING RETURNING tracking_id".format(", ".join(names), ", ".join(["%s"] * len(names))),
                    [adapt(columns[n]) for n in names])
                hit = cur.fetchone()
                if hit is None:  # a concurrent tick registered the same asset first: use its id
                    cur.execute("SELECT tracking_id FROM master_assets WHERE opentext_id = %s "
                                "AND local_campaign_id = %s", (opentext_id, campaign_id))
                    return TrackedId(cur.fetchone()["tracking_id"], "master")
                return TrackedId(hit["tracking_id"], "metadata" if tid == known else "new")
        except psycopg2.IntegrityError as exc:
            if "master_assets_tracking_id_key" not in str(exc):
                raise
            log.debug("tracking id %s already taken, drawing another", tid)
    raise ServiceError("Database", "could not register a unique tracking id in 50 tries",
                       fix="the tracking id space is nearly full")


def store_master_asset(db, tracking_id, opentext_id, campaign_id, asset_data=None, box_file_id=None,
                       box_url=None, upload_folder_id=None, global_master_campaign_id=None, lease=None, **extra):
    """Upsert a master asset on its natural key (opentext_id, local_campaign_id: the ``campaign_id``); JSONB
    keeps full metadata."""
    columns = dict(extra)
    columns.update({"tracking_id": tracking_id, "opentext_id": opentext_id,
                    "local_campaign_id": campaign_id, "box_file_id": box_file_id, "box_url": box_url,
                    "upload_folder_id": upload_folder_id,
                    "global_master_campaign_id": global_master_campaign_id})
    if asset_data is not None:
        columns["full_metadata"] = asset_data
    columns.setdefault("workflow", "unknown")
    if lease is not None:
        columns["claim_token"] = lease.claim_token
    names = sorted(columns)
    updates = ", ".join("{0} = COALESCE(EXCLUDED.{0}, master_assets.{0})".format(n) for n in names
                        if n not in ("tracking_id", "opentext_id", "local_campaign_id", "workflow"))
    with fenced(db, lease) as cur:
        cur.execute(
            "INSERT INTO master_assets ({}) VALUES ({}) ON CONFLICT (opentext_id, local_campaign_id) DO UPDATE "
            "SET {}, updated_at = now() RETURNING *".format(
                ", ".join(names), ", ".join(["%s"] * len(names)), updates),
            [adapt(columns[n]) for n in names])
        return Master.from_row(cur.fetchone())


def check_all_campaign_assets_uploaded(db, campaign_id, workflow="a1_a2"):
    """True when the campaign has masters and every one of them is in Box."""
    with db.cursor() as cur:
        cur.execute("SELECT count(*) AS total, count(box_file_id) AS uploaded FROM master_assets "
                    "WHERE local_campaign_id = %s AND workflow = %s", (campaign_id, workflow))
        row = cur.fetchone()
        return row["total"] > 0 and row["total"] == row["uploaded"]
