"""Box's rate limits are per Box user (about 1000 API calls and 240 uploads a minute), and every workflow, every
overlapping cron tick and every host acts as the same user. So the budget is shared through PostgreSQL: one token
bucket row per (user, kind) that every process takes from, and a cool-down that a 429 from Box sets for all of
them. Without a database (the connection probe, unit tests) the same buckets live in this process's memory.

A budget of N a minute is a bucket of N/10 tokens, but never more than Box's per-second figure (16.67 calls, 4
uploads: Box staff, box-evidence.md finding 11), refilled so that no 60-second window holds more than N requests:
a burst Box accepts even if it counts per second, then a steady pace, whichever way Box counts its minute.
"""
import logging
import re
import threading
import time

from ..core import retry
from ..store.box_store import PostgresBuckets

log = logging.getLogger(__name__)

# Box's documented per-user limits (developer.box.com, rate limits guide): the highest budgets we accept.
BOX_CALLS_PER_MINUTE = 1000
BOX_UPLOADS_PER_MINUTE = 240
MIN_PER_MINUTE = 10
# What counts as an upload: a simple upload (new file or version) and the creation of an upload session. Parts,
# commits, part listings and aborts of a session are ordinary API calls (a 2 GB file is one upload, not 256).
_UPLOAD_PATH = re.compile(r"/files/(?:\d+/)?(?:content|upload_sessions)$")


def is_upload(method, url):
    path = url.split("://", 1)[-1].split("?", 1)[0]
    return method.upper() == "POST" and bool(_UPLOAD_PATH.search(path))


# Box's per-second figures ("16.67 API calls per second per user", "4 uploads per second per user"; F11): the
# largest burst a bucket releases at once.
BOX_PER_SECOND = {"calls": BOX_CALLS_PER_MINUTE / 60.0, "uploads": BOX_UPLOADS_PER_MINUTE / 60.0}


class Budget(object):
    """A per-minute budget as a token bucket: capacity N/10 (at most Box's per-second figure for the kind), refilled
    with the rest of N over a minute."""

    def __init__(self, kind, per_minute):
        self.kind = kind
        self.per_minute = max(MIN_PER_MINUTE, int(per_minute))
        self.capacity = max(1.0, min(self.per_minute / 10.0, BOX_PER_SECOND[kind]))
        self.refill_per_second = (self.per_minute - self.capacity) / 60.0


class MemoryBuckets(object):
    """The buckets of one process (no database)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = {}
        self.cooldown = {}

    def take(self, user, budgets):
        """Reserve one token of each budget; returns ({kind: seconds its budget makes us wait}, cool-down seconds)."""
        waits = {}
        with self.lock:
            now = time.time()
            for b in budgets:
                tokens, stamp = self.rows.get((user, b.kind), (b.capacity, now))
                tokens = min(b.capacity, tokens + b.refill_per_second * (now - stamp)) - 1
                self.rows[(user, b.kind)] = (tokens, now)
                waits[b.kind] = max(0.0, -tokens / b.refill_per_second)
            cooldown = max(0.0, self.cooldown.get(user, 0) - now)
        return waits, cooldown

    def cool_down(self, user, seconds):
        with self.lock:
            self.cooldown[user] = max(self.cooldown.get(user, 0), time.time() + seconds)


class Pacer(object):
    """Waits before each Box request until the user's shared budgets allow it; a 429 cools every process down.

    If the database cannot be used the pacer carries on with this process's own buckets (logged once): pacing
    must never be the reason a run fails."""

    def __init__(self, user, calls_per_minute, uploads_per_minute, db=None, sleep=None):
        self.user = user
        self.calls = Budget("calls", calls_per_minute)
        self.uploads = Budget("uploads", uploads_per_minute)
        self.memory = MemoryBuckets()
        self.store = PostgresBuckets(db) if db is not None else self.memory
        self.sleep = sleep or retry.sleep
        # seconds this process waited, by what made it wait (the upload budget only beyond what calls asked)
        self.waited = {"calls": 0.0, "uploads": 0.0, "cooldown": 0.0}

    def _store(self, action, *args):
        try:
            return getattr(self.store, action)(self.user, *args)
        except Exception as exc:
            if self.store is self.memory:
                raise
            log.warning("Box pacing falls back to this process alone: the shared budget in PostgreSQL failed (%s)",
                        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            self.store = self.memory
            return getattr(self.store, action)(self.user, *args)

    def before(self, method, url):
        budgets = [self.calls, self.uploads] if is_upload(method, url) else [self.calls]
        waits, cooldown = self._store("take", budgets)
        calls, uploads = waits.get("calls", 0.0), waits.get("uploads", 0.0)
        wait = max(calls, uploads, cooldown)
        self.waited["calls"] += calls
        self.waited["uploads"] += max(0.0, uploads - calls)
        self.waited["cooldown"] += max(0.0, cooldown - max(calls, uploads))
        if wait > 0:
            if wait >= 1:
                log.debug("Box pacing: waiting %.1fs for the shared budget of %s", wait, self.user)
            self.sleep(wait)
        return wait

    def summary(self):
        """One line for the run's log, or None when nothing waited."""
        if not any(v >= 0.05 for v in self.waited.values()):
            return None
        return ("Box pacing for {}: waited {calls:.1f}s for the calls budget, {uploads:.1f}s for the uploads budget, "
                "{cooldown:.1f}s in 429 cool-downs".format(self.user, **self.waited))

    def after(self, status, retry_after):
        """A 429 from Box: everyone acting as this user waits out its Retry-After (at least 1 s)."""
        if status != 429:
            return
        try:
            seconds = max(1.0, float(retry_after))
        except (TypeError, ValueError):
            seconds = 1.0
        log.warning("Box answered 429 (rate limit): every process acting as %s waits %.0fs", self.user, seconds)
        self._store("cool_down", seconds)
