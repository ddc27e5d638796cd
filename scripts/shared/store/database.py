"""The PostgreSQL connection pool and the schema migrations every store module runs on.

``Database`` hands out cursors (each its own transaction; a dry run's one read-only transaction, always rolled back)
and applies database/init.sql and the numbered migrations. What is stored is in the per-table modules beside it:
leases.py (workflow_state), events.py (asset_events), notifications.py, tracking_ids.py (master_assets),
item_store.py (transfer_items, derivative_assets), box_store.py, report_store.py; their rows are declared in rows.py.
Every str parameter goes through ``storable`` (PostgreSQL refuses NUL).
"""
import contextlib
import glob
import json
import logging
import os
import threading

from ..core.config_schema import setting
from ..core.errors import ServiceError

log = logging.getLogger(__name__)

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "database")
_MIGRATION_LOCK = 7245001


class Database(object):
    """Threaded connection pool, with the lease and back-off lengths the store modules apply. One instance per
    process; thread-safe."""

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
                # keep every connection opened (up to pool_max) when it is given back, instead of closing all but
                # pool_min: transfer threads and the Box pacer take one per statement, and each reopening was a
                # new login (60 of 240 takes in an 8-asset run, issue 26.3). A run is short; close() ends them all.
                self._pool.minconn = self._pool.maxconn
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


def adapt(value):
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
