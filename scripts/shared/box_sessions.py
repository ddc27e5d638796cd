"""Chunked uploads kept across runs: every part is in Box but the commit is still answered 202 (Box is processing)
for longer than one run may wait. Throwing the session away would cost the whole file again; keeping it costs a
row, and the next run that uploads the same bytes to the same place commits it. Box keeps a session 7 days.

Rows live in box_upload_sessions (database/migrations/004_box_pacing.sql); without a database, in memory.
"""
import json
import threading


class MemorySessions(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.rows = {}

    def get(self, user, target, sha1, size):
        with self.lock:
            row = self.rows.get((user, target, sha1))
        return row if row and row["file_size"] == size else None

    def keep(self, user, target, sha1, size, session, parts):
        with self.lock:
            self.rows[(user, target, sha1)] = {"file_size": size, "session": session, "parts": parts}

    def forget(self, user, target, sha1):
        with self.lock:
            self.rows.pop((user, target, sha1), None)


class PostgresSessions(object):
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


def session_store(db):
    return PostgresSessions(db) if db is not None else MemorySessions()
