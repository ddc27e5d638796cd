"""Chunked uploads kept across runs: every part is in Box but the commit is still answered 202 (Box is processing)
for longer than one run may wait. Throwing the session away would cost the whole file again; keeping it costs a
row, and the next run that uploads the same bytes to the same place commits it. Box keeps a session 7 days.

Rows live in box_upload_sessions (SQL in box_store.py); without a database, in memory.
"""
import threading

from ..store.box_store import PostgresSessions


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


def session_store(db):
    return PostgresSessions(db) if db is not None else MemorySessions()
