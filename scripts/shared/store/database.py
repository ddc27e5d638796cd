"""PostgreSQL tracking database: connection pool, schema migrations, tracking IDs, campaign leases, audit events.

Every statement is parameterised. Uniqueness (tracking IDs, natural keys, notifications) is enforced by constraints
and retried on conflict, never by check-then-insert. Campaign claims use one atomic UPDATE ... SKIP LOCKED with a
lease and a claim token that grows with each claim; later writes of a tick pass that token (fencing), so a tick
whose lease was taken over cannot overwrite the new owner's work.
"""
import contextlib
import errno
import glob
import json
import logging
import os
import secrets
import socket
import threading

from ..core.config_schema import setting
from ..core.errors import LeaseLostError, ServiceError

log = logging.getLogger(__name__)

# Crockford base32: digits and letters without the look-alikes I, L, O, U.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_ID_LENGTH = 6
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "database")
_MIGRATION_LOCK = 7245001


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


class Lease(object):
    """This tick's claim on one (workflow, campaign): pass it to every fenced write."""

    def __init__(self, workflow, campaign_id, claim_token, owner, row):
        self.workflow = workflow
        self.campaign_id = campaign_id
        self.claim_token = claim_token
        self.owner = owner
        self.row = row

    def __repr__(self):
        return "Lease({}, {}, token={})".format(self.workflow, self.campaign_id, self.claim_token)


class Database(object):
    """Threaded connection pool plus the suite's operations. One instance per process; thread-safe."""

    def __init__(self, db_cfg, lease_seconds=900, backoff_base_seconds=300, backoff_max_seconds=21600):
        self.cfg = db_cfg
        self.lease_seconds = int(lease_seconds)
        self.backoff_base = int(backoff_base_seconds)
        self.backoff_max = int(backoff_max_seconds)
        self._pool = None
        self._lock = threading.Lock()
        self._dry = None  # the single connection of a dry run (one transaction, always rolled back)
        self._dry_lock = threading.RLock()

    @classmethod
    def from_config(cls, config):
        transfer = config["transfer"]  # defaults: config/schema.yaml
        return cls(config["database"], lease_seconds=transfer["lease_seconds"],
                   backoff_base_seconds=transfer["backoff_base_seconds"],
                   backoff_max_seconds=transfer["backoff_max_seconds"])

    # -- connections ------------------------------------------------------------------------------------------
    def connect(self):
        import psycopg2
        import psycopg2.pool
        _register_storable_text()
        with self._lock:
            if self._pool is not None:
                return self
            cfg = self.cfg
            try:
                self._pool = psycopg2.pool.ThreadedConnectionPool(
                    int(setting(cfg, "database.pool_min")), int(setting(cfg, "database.pool_max")),
                    host=cfg["host"], port=int(cfg["port"]), dbname=cfg["name"], user=cfg["user"],
                    password=cfg.get("password") or None,
                    connect_timeout=int(setting(cfg, "database.connect_timeout_seconds")),
                    application_name="dam-content-scaling")
            except psycopg2.OperationalError as exc:
                refused = _refused_login(exc, cfg)
                if refused is not None:  # a wrong password does not heal on the next tick: exit 2, with the fix
                    raise refused
                raise ServiceError(
                    "Database", "cannot connect to PostgreSQL at {}:{} database {} as {}: {}".format(
                        cfg["host"], cfg["port"], cfg["name"], cfg["user"], str(exc).strip().splitlines()[0]),
                    retryable=True,
                    fix="verify PostgreSQL is running on port {} (not default 5432) and DB_HOST/DB_PORT/DB_USER/"
                        "DB_PASSWORD in .env; try: psql -h {} -p {} -U {} -d {} -c 'SELECT 1;'".format(
                            cfg["port"], cfg["host"], cfg["port"], cfg["user"], cfg["name"]))
        return self

    @property
    def connected(self):
        """True once connect() opened the pool (a tick that never reached the database has none)."""
        return self._pool is not None

    def start_dry_run(self):
        """Dry runs read through one connection in one transaction that is rolled back at close(): nothing they do
        can be written. A fresh database gets its tables inside that transaction (and loses them again), so a dry
        run answers on a new install too; otherwise the transaction is READ ONLY."""
        self.connect()
        conn = self._pool.getconn()
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('public.workflow_state') IS NULL")
            fresh = cur.fetchone()[0]
        conn.rollback()
        self._dry = conn
        if fresh:
            log.info("DRY RUN: the database has no tables yet; they exist only inside this run's transaction, "
                     "which is rolled back")
            self.migrate(announce=False)
        else:
            with conn.cursor() as cur:
                cur.execute("SET TRANSACTION READ ONLY")
        return self

    def close(self):
        with self._lock:
            if self._dry is not None and self._pool is not None:
                try:
                    self._dry.rollback()
                finally:
                    self._pool.putconn(self._dry, close=True)
                    self._dry = None
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None

    @contextlib.contextmanager
    def cursor(self):
        """A cursor in its own transaction: committed on success, rolled back on any exception."""
        import psycopg2.extras
        if self._dry is not None:
            with self._dry_lock, self._dry.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                cur.execute("SAVEPOINT dry_run")
                try:
                    yield cur
                except BaseException:
                    cur.execute("ROLLBACK TO SAVEPOINT dry_run")
                    raise
            return
        if self._pool is None:
            self.connect()
        conn = self._pool.getconn()
        broken = False
        try:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                yield cur
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            except Exception:
                broken = True
            raise
        finally:
            self._pool.putconn(conn, close=broken or conn.closed != 0)

    # -- schema -----------------------------------------------------------------------------------------------
    def migrate(self, announce=True):
        """Apply database/init.sql and any numbered migration not yet recorded; safe under concurrent starts."""
        with self.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            cur.execute("SELECT to_regclass('public.schema_migrations') AS t")
            applied = set()
            if cur.fetchone()["t"] is not None:
                cur.execute("SELECT version FROM schema_migrations")
                applied = set(r["version"] for r in cur.fetchall())
            if "001_init" not in applied:
                with open(os.path.join(SCHEMA_DIR, "init.sql"), encoding="utf-8") as f:
                    cur.execute(f.read())
                applied.add("001_init")
            for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "migrations", "*.sql"))):
                version = os.path.basename(path)[:-4]
                if version in applied:
                    continue
                with open(path, encoding="utf-8") as f:
                    cur.execute(f.read())
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                if announce:
                    log.info("Applied database migration %s", version)

    # -- tracking ids -----------------------------------------------------------------------------------------
    def generate_unique_tracking_id(self):
        """A tracking id not in use right now. Uniqueness is finally guaranteed by the constraint on insert."""
        for _ in range(20):
            tid = generate_tracking_id()
            with self.cursor() as cur:
                cur.execute("SELECT 1 FROM master_assets WHERE tracking_id = %s", (tid,))
                if cur.fetchone() is None:
                    return tid
        raise ServiceError("Database", "could not draw a free tracking id in 20 tries",
                           fix="the tracking id space is nearly full; widen TRACKING_ID_LENGTH")

    def existing_tracking_id(self, opentext_id, campaign_id, metadata_tracking_id=None):
        """The tracking id this asset already has (master, derivative it came from, or the registered id written in
        its metadata) as {"tracking_id", "source"}, or None. Reads only (dry runs name files with it)."""
        with self.cursor() as cur:
            cur.execute("SELECT tracking_id FROM master_assets WHERE opentext_id = %s AND local_campaign_id = %s",
                        (opentext_id, campaign_id))
            hit = cur.fetchone()
            if hit:
                return {"tracking_id": hit["tracking_id"], "source": "master"}
            cur.execute("SELECT tracking_id FROM derivative_assets WHERE dam_asset_id = %s ORDER BY id DESC LIMIT 1",
                        (opentext_id,))
            hit = cur.fetchone()
            if hit:
                return {"tracking_id": hit["tracking_id"], "source": "derivative"}
            known = normalise_tracking_id(metadata_tracking_id)
            if known:
                cur.execute("SELECT 1 FROM master_assets WHERE tracking_id = %s", (known,))
                if cur.fetchone():
                    return {"tracking_id": known, "source": "metadata"}
        return None

    def find_or_create_tracking_id(self, opentext_id, campaign_id, original_filename=None, workflow=None,
                                   metadata_tracking_id=None, **row):
        """The tracking id of this DAM asset in this campaign: existing master, else the derivative it came from
        (rework), else the id written in its metadata (registered for it when still free), else a new one.

        Returns {"tracking_id", "source": "master"|"derivative"|"metadata"|"new"}.
        """
        import psycopg2
        existing = self.existing_tracking_id(opentext_id, campaign_id, metadata_tracking_id)
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
                with self.cursor() as cur:
                    cur.execute(
                        "INSERT INTO master_assets ({}) VALUES ({}) ON CONFLICT (opentext_id, local_campaign_id) "
                        "DO NOTHING RETURNING tracking_id".format(", ".join(names), ", ".join(["%s"] * len(names))),
                        [_adapt(columns[n]) for n in names])
                    hit = cur.fetchone()
                    if hit is None:  # a concurrent tick registered the same asset first: use its id
                        cur.execute("SELECT tracking_id FROM master_assets WHERE opentext_id = %s "
                                    "AND local_campaign_id = %s", (opentext_id, campaign_id))
                        return {"tracking_id": cur.fetchone()["tracking_id"], "source": "master"}
                    return {"tracking_id": hit["tracking_id"], "source": "metadata" if tid == known else "new"}
            except psycopg2.IntegrityError as exc:
                if "master_assets_tracking_id_key" not in str(exc):
                    raise
                log.debug("tracking id %s already taken, drawing another", tid)
        raise ServiceError("Database", "could not register a unique tracking id in 50 tries",
                           fix="the tracking id space is nearly full")

    def store_master_asset(self, tracking_id, opentext_id, campaign_id, asset_data=None, box_file_id=None,
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
        with self._fenced_cursor(lease) as cur:
            cur.execute(
                "INSERT INTO master_assets ({}) VALUES ({}) ON CONFLICT (opentext_id, local_campaign_id) DO UPDATE "
                "SET {}, updated_at = now() RETURNING *".format(
                    ", ".join(names), ", ".join(["%s"] * len(names)), updates),
                [_adapt(columns[n]) for n in names])
            return cur.fetchone()

    def check_all_campaign_assets_uploaded(self, campaign_id, workflow="a1_a2"):
        """True when the campaign has masters and every one of them is in Box."""
        with self.cursor() as cur:
            cur.execute("SELECT count(*) AS total, count(box_file_id) AS uploaded FROM master_assets "
                        "WHERE local_campaign_id = %s AND workflow = %s", (campaign_id, workflow))
            row = cur.fetchone()
            return row["total"] > 0 and row["total"] == row["uploaded"]

    # -- events -----------------------------------------------------------------------------------------------
    def record_event(self, workflow, event_type, message=None, campaign_id=None, tracking_id=None,
                     opentext_id=None, box_file_id=None, level="info", details=None, run_id=None):
        """Append one row to the audit trail."""
        from ..core.logging_setup import get_run_id
        with self.cursor() as cur:
            cur.execute(
                "INSERT INTO asset_events (run_id, workflow, campaign_id, tracking_id, opentext_id, box_file_id, "
                "event_type, level, message, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (run_id or get_run_id(), workflow, campaign_id, tracking_id, opentext_id, box_file_id, event_type,
                 level, message, json_text(details or {})))

    # -- campaign leases --------------------------------------------------------------------------------------
    @staticmethod
    def lease_owner(run_id):
        return "{}:{}:{}".format(socket.gethostname(), os.getpid(), run_id)

    def claim_campaign(self, workflow, candidates, run_id, force=False):
        """Claim the first eligible campaign of ``candidates`` (dam_types.Campaign values; DAM order).

        Eligible: not leased by a live run and not waiting out a back-off (``force`` ignores the back-off, for a
        manual ``--campaign`` run). Returns (lease or None, reason) with reason "claimed", "none" (nothing to do),
        "backoff" (all eligible ones are waiting) or "leased" (all are held by other runs).
        """
        if not candidates:
            return None, "none"
        ids = [campaign.campaign_id for campaign in candidates]
        with self.cursor() as cur:
            for campaign in candidates:
                cur.execute("INSERT INTO workflow_state (workflow, campaign_id, folder_id, campaign_name) "
                            "VALUES (%s, %s, %s, %s) ON CONFLICT (workflow, campaign_id) DO UPDATE SET "
                            "folder_id = EXCLUDED.folder_id, campaign_name = EXCLUDED.campaign_name",
                            (workflow, campaign.campaign_id, campaign.folder_id, campaign.name))
        owner = self.lease_owner(run_id)
        with self.cursor() as cur:
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
                (owner, self.lease_seconds, run_id, workflow, ids, bool(force), ids))
            row = cur.fetchone()
            if row is not None:
                return Lease(workflow, row["campaign_id"], row["claim_token"], owner, dict(row)), "claimed"
            cur.execute("SELECT count(*) FILTER (WHERE lease_expires_at >= now()) AS leased, "
                        "count(*) FILTER (WHERE next_attempt_at > now()) AS waiting FROM workflow_state "
                        "WHERE workflow = %s AND campaign_id = ANY(%s)", (workflow, ids))
            counts = cur.fetchone()
        if counts["leased"]:
            return None, "leased"
        if counts["waiting"]:
            return None, "backoff"
        return None, "none"

    def preview_claim(self, workflow, candidates, force=False):
        """What claim_campaign would pick, without claiming: (Campaign or None, reason) (for dry runs)."""
        ids = [campaign.campaign_id for campaign in candidates]
        with self.cursor() as cur:
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

    def describe_waiting(self, workflow, candidates):
        """'LC-1 (next try 14:05, after 3 failed attempts), ...; run with --campaign ID to try one now' for the
        candidates waiting out a back-off (the operator's answer to "why is nothing happening?")."""
        ids = [campaign.campaign_id for campaign in candidates]
        with self.cursor() as cur:
            cur.execute("SELECT campaign_id, attempts, next_attempt_at FROM workflow_state WHERE workflow = %s AND "
                        "campaign_id = ANY(%s) AND next_attempt_at > now() ORDER BY next_attempt_at", (workflow, ids))
            rows = cur.fetchall()
        parts = ["{} (next try {}{})".format(
            r["campaign_id"], r["next_attempt_at"].astimezone().strftime("%Y-%m-%d %H:%M"),
            ", after {} failed attempt(s)".format(r["attempts"]) if r["attempts"] else "") for r in rows]
        return "{}; run with --campaign ID to try one now".format(", ".join(parts) or "-")

    @contextlib.contextmanager
    def _fenced_cursor(self, lease):
        """A transaction that first proves ``lease`` still holds (row locked FOR SHARE until commit)."""
        with self.cursor() as cur:
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

    def fenced(self, lease):
        """Public form of the fenced transaction for workflow-specific writes."""
        return self._fenced_cursor(lease)

    def renew_lease(self, lease):
        """Push the lease expiry forward; raises LeaseLostError when another run took the campaign."""
        with self._fenced_cursor(lease) as cur:
            cur.execute("UPDATE workflow_state SET lease_expires_at = now() + %s * interval '1 second', "
                        "updated_at = now() WHERE workflow = %s AND campaign_id = %s AND claim_token = %s",
                        (self.lease_seconds, lease.workflow, lease.campaign_id, lease.claim_token))

    def mark_finishing(self, lease, folder_id=None):
        """Every asset is done: the status change and the success email are owed next (resumable from here)."""
        with self._fenced_cursor(lease) as cur:
            if folder_id is None:
                cur.execute("UPDATE workflow_state SET state = 'finishing', updated_at = now() WHERE workflow = %s "
                            "AND campaign_id = %s", (lease.workflow, lease.campaign_id))
            else:
                cur.execute("UPDATE workflow_state SET state = 'finishing', folder_id = %s, updated_at = now() "
                            "WHERE workflow = %s AND campaign_id = %s", (folder_id, lease.workflow, lease.campaign_id))

    def unfinished_campaigns(self, workflow):
        """Campaigns of ``workflow`` whose status change or success email is still owed ('finishing',
        'notify_pending') and that no live run holds: rows with campaign_id, folder_id, campaign_name."""
        with self.cursor() as cur:
            cur.execute("SELECT campaign_id, folder_id, campaign_name FROM workflow_state WHERE workflow = %s AND "
                        "state IN ('finishing', 'notify_pending') AND (lease_expires_at IS NULL OR "
                        "lease_expires_at < now())", (workflow,))
            return [dict(r) for r in cur.fetchall()]

    def finish_campaign(self, lease, outcome, error=None, total=0, done=0, failed=0):
        """Release the lease with the tick's outcome.

        ``completed``: status moved, attempts reset. ``released``: nothing failed, more work later (no back-off).
        ``finishing``/``notify_pending``: assets all done, the status change or the success email is still owed.
        ``failed``/``partial``: attempts + 1 and an exponential back-off so other campaigns move meanwhile. ``no_assets``: waits one back-off base before the next look.
        Returns the updated row (attempts tells the caller when to raise an alert).
        """
        with self._fenced_cursor(lease) as cur:
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
                    (self.backoff_base, lease.workflow, lease.campaign_id))
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
                    (outcome, error, self.backoff_max, self.backoff_base, total, done, failed, lease.workflow,
                     lease.campaign_id))
            return dict(cur.fetchone())

    def mark_alerted(self, workflow, campaign_id):
        with self.cursor() as cur:
            cur.execute("UPDATE workflow_state SET alerted_at = now() WHERE workflow = %s AND campaign_id = %s",
                        (workflow, campaign_id))

    # -- notifications (de-duplication store for the notifier) ------------------------------------------------
    def notification_should_send(self, campaign_id, template, content_hash, channel):
        """Claim this notification for sending: True when it was never sent (new, or an earlier attempt failed)
        and no live run is sending it right now. A 'sending' claim of a process that is gone (same host) is taken
        over at once; one from another host after the lease length (at most 10 minutes)."""
        key = (campaign_id or "", template, channel, content_hash)
        me = "{}:{}".format(socket.gethostname(), os.getpid())
        with self.cursor() as cur:
            cur.execute("INSERT INTO notifications (campaign_id, template, channel, content_hash) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (campaign_id, template, channel, content_hash) "
                        "DO NOTHING", key)
            cur.execute("SELECT status, claimed_by FROM notifications WHERE campaign_id = %s AND template = %s "
                        "AND channel = %s AND content_hash = %s", key)
            row = cur.fetchone()
            dead = row["claimed_by"] if row and row["status"] == "sending" and \
                not _claimer_alive(row["claimed_by"]) else None
            cur.execute("UPDATE notifications SET status = 'sending', claimed_by = %s, updated_at = now() "
                        "WHERE campaign_id = %s AND template = %s AND channel = %s AND content_hash = %s "
                        "AND (status IN ('pending', 'failed') OR (status = 'sending' AND (claimed_by = %s OR "
                        "updated_at < now() - LEAST(600, %s) * interval '1 second'))) RETURNING id",
                        (me,) + key + (dead, self.lease_seconds))
            return cur.fetchone() is not None

    def notification_status(self, campaign_id, template, content_hash, channel):
        """'sent', 'sending' (another live run has it), 'failed', 'pending' or None."""
        with self.cursor() as cur:
            cur.execute("SELECT status FROM notifications WHERE campaign_id = %s AND template = %s AND channel = %s "
                        "AND content_hash = %s", (campaign_id or "", template, channel, content_hash))
            row = cur.fetchone()
            return row["status"] if row else None

    def notification_record(self, campaign_id, template, content_hash, channel, status, error=None):
        with self.cursor() as cur:
            cur.execute("UPDATE notifications SET status = %s, attempts = attempts + 1, last_error = %s, "
                        "updated_at = now(), sent_at = CASE WHEN %s = 'sent' THEN now() ELSE sent_at END "
                        "WHERE campaign_id = %s AND template = %s AND channel = %s AND content_hash = %s",
                        (status, error, status, campaign_id or "", template, channel, content_hash))


def _claimer_alive(claimed_by):
    """False only when ``host:pid`` names a process of this host that no longer exists (other hosts: unknown)."""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True


def _adapt(value):
    """psycopg2 parameters: dicts and lists go to JSONB as JSON text."""
    if isinstance(value, (dict, list)):
        return json_text(value)
    return value


def storable(text):
    """Text PostgreSQL accepts: it refuses the NUL character in TEXT and JSONB, so NUL is stored as the four
    characters \\x00 (visible in reports as what it was). Other control characters are stored as they are."""
    return text.replace("\x00", "\\x00") if isinstance(text, str) and "\x00" in text else text


def json_text(value):
    """JSON for a JSONB column, NUL characters escaped as in ``storable`` (JSON's \\u0000 is refused too)."""
    def clean(v):
        if isinstance(v, dict):
            return dict((storable(k), clean(x)) for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return storable(v)
    return json.dumps(clean(value), default=str)


_TEXT_ADAPTER = []


def _register_storable_text():
    """Every str parameter of every statement goes through ``storable``: one name with a NUL byte must not fail
    the statement (and with it the whole campaign)."""
    if _TEXT_ADAPTER:
        return
    from psycopg2.extensions import QuotedString, register_adapter
    register_adapter(str, lambda text: QuotedString(storable(text)))
    _TEXT_ADAPTER.append(True)


def _refused_login(exc, cfg):
    """A ConfigError (exit 2) naming DB_PASSWORD or DB_USER when PostgreSQL refused the login itself, else None."""
    from ..core.config import Problem
    from ..core.errors import ConfigError
    text = str(exc)
    try_it = "psql -h {} -p {} -U {} -d {} -c 'SELECT 1;'".format(cfg["host"], cfg["port"], cfg["user"], cfg["name"])
    if "password authentication failed" in text or "no password supplied" in text:
        return ConfigError([Problem(".env", "DB_PASSWORD", "PostgreSQL at {}:{} refused the password of user {}"
                                    .format(cfg["host"], cfg["port"], cfg["user"]),
                                    "set DB_PASSWORD in .env to the password of {} (check it with: {}); a "
                                    "database administrator can set a new one with ALTER USER {} PASSWORD '...'"
                                    .format(cfg["user"], try_it, cfg["user"]))])
    if "role" in text and "does not exist" in text:
        return ConfigError([Problem(".env", "DB_USER", "PostgreSQL at {}:{} has no user {}".format(
            cfg["host"], cfg["port"], cfg["user"]), "set DB_USER in .env to the suite's database user "
                                                    "(ferrero_user in database/init.sql)")])
    return None
