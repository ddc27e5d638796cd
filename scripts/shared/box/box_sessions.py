"""Chunked uploads kept across runs: every part is in Box but the commit is still answered 202 (Box is processing)
for longer than one run may wait. Throwing the session away would cost the whole file again; keeping it costs a
row, and the next run that uploads the same bytes to the same place commits it. Box keeps a session 7 days.

Rows live in box_upload_sessions (SQL in box_store.py); without a database, in memory. Either way a session is
offered only while Box still has it for an hour more (``session_expires_at``; Box ends sessions after 7 days).
"""
import calendar
import re
import threading
import time

from ..store.box_store import PostgresSessions

SAFETY_SECONDS = 3600  # the same margin as PostgresSessions.get: a commit must not meet the session's end
_STAMP = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def expires_epoch(stamp):
    """Box's ``session_expires_at`` (ISO 8601, Z or an offset) as epoch seconds; None when absent or unreadable."""
    match = _STAMP.match(stamp or "")
    if not match:
        return None
    epoch = calendar.timegm(tuple(int(g) for g in match.groups()[:6]))
    zone = match.group(7)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


class MemorySessions(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.rows = {}

    def get(self, user, target, sha1, size):
        with self.lock:
            row = self.rows.get((user, target, sha1))
        if not row or row["file_size"] != size:
            return None
        expires = expires_epoch(row["session"].get("session_expires_at"))
        return row if expires is None or expires > time.time() + SAFETY_SECONDS else None

    def keep(self, user, target, sha1, size, session, parts):
        with self.lock:
            self.rows[(user, target, sha1)] = {"file_size": size, "session": session, "parts": parts}

    def forget(self, user, target, sha1):
        with self.lock:
            self.rows.pop((user, target, sha1), None)


def session_store(db):
    return PostgresSessions(db) if db is not None else MemorySessions()
