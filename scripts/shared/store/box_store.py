"""The Box client's rows in PostgreSQL: the shared rate budget (box_rate_budget) and the chunked-upload sessions
kept across runs (box_upload_sessions), both from database/migrations/004_box_pacing.sql.

The pacer (box_pacer.py) and the session keeper (box_sessions.py) hold the rules; this module holds their SQL, so
every statement of the suite lives in the store layer.
"""
import json


class PostgresBuckets(object):
    """The pacer's token buckets on the database's clock, so hosts with skewed clocks still share one minute. One
    short statement per Box request."""

    TAKE = ("INSERT INTO box_rate_budget AS b (box_user, bucket, capacity, refill_per_second, tokens, updated_at) "
            "VALUES {values} ON CONFLICT (box_user, bucket) DO UPDATE SET capacity = EXCLUDED.capacity, "
            "refill_per_second = EXCLUDED.refill_per_second, tokens = LEAST(EXCLUDED.capacity, b.tokens + "
            "EXCLUDED.refill_per_second * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8) - 1, "
            "updated_at = clock_timestamp() "
            "RETURNING b.bucket, b.tokens, b.refill_per_second, "
            "COALESCE(EXTRACT(EPOCH FROM b.cooldown_until - clock_timestamp())::float8, 0) AS cooldown")
    COOL = ("UPDATE box_rate_budget SET cooldown_until = GREATEST(COALESCE(cooldown_until, clock_timestamp()), "
            "clock_timestamp() + %s * interval '1 second') WHERE box_user = %s")

    def __init__(self, db):
        self.db = db

    def take(self, user, budgets):
        """Reserve one token of each budget; returns ({kind: seconds its budget makes us wait}, cool-down seconds)."""
        values = ", ".join(["(%s, %s, %s, %s, %s - 1, clock_timestamp())"] * len(budgets))
        params = []
        for b in budgets:
            params += [user, b.kind, b.capacity, b.refill_per_second, b.capacity]
        with self.db.cursor() as cur:
            cur.execute(self.TAKE.format(values=values), params)
            rows = cur.fetchall()
        waits = dict((row["bucket"], max(0.0, -row["tokens"] / row["refill_per_second"])) for row in rows)
        return waits, max([0.0] + [row["cooldown"] or 0.0 for row in rows])

    def cool_down(self, user, seconds):
        with self.db.cursor() as cur:
            cur.execute(self.COOL, (float(seconds), user))


class PostgresSessions(object):
    """Upload sessions whose parts are all in Box but whose commit Box still answers 202."""

    def __init__(self, db):
        self.db = db

    def get(self, user, target, sha1, size):
        with self.db.cursor() as cur:
            cur.execute("SELECT file_size, session, parts FROM box_upload_sessions WHERE box_user = %s AND "
                        "target = %s AND sha1 = %s AND file_size = %s AND (expires_at IS NULL OR expires_at > "
                        "now() + interval '1 hour')", (user, target, sha1, size))
            row = cur.fetchone()
        return dict(row) if row else None

    def keep(self, user, target, sha1, size, session, parts):
        with self.db.cursor() as cur:
            cur.execute("INSERT INTO box_upload_sessions (box_user, target, sha1, file_size, session_id, session, "
                        "parts, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::timestamptz) ON CONFLICT "
                        "(box_user, target, sha1) DO UPDATE SET file_size = EXCLUDED.file_size, session_id = "
                        "EXCLUDED.session_id, session = EXCLUDED.session, parts = EXCLUDED.parts, expires_at = "
                        "EXCLUDED.expires_at, created_at = now()",
                        (user, target, sha1, size, session.get("id"), json.dumps(session), json.dumps(parts),
                         session.get("session_expires_at")))

    def forget(self, user, target, sha1):
        with self.db.cursor() as cur:
            cur.execute("DELETE FROM box_upload_sessions WHERE box_user = %s AND target = %s AND sha1 = %s",
                        (user, target, sha1))
