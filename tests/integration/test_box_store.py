"""scripts/shared/store/box_store.py on a real database: the pacing rows (one token bucket per Box user and kind,
a cool-down after a 429) and the upload sessions kept for the next run."""
import datetime

from scripts.shared.box.box_pacer import Budget
from scripts.shared.store.box_store import PostgresBuckets, PostgresSessions

CALLS, UPLOADS = Budget("calls", 60), Budget("uploads", 10)  # capacity 6 at 0.9/s; capacity 1 at 0.15/s


def budget_rows(database):
    with database.cursor() as cur:
        cur.execute("SELECT box_user, bucket, capacity, refill_per_second, tokens, cooldown_until IS NOT NULL AS cool "
                    "FROM box_rate_budget ORDER BY box_user, bucket")
        return [dict(r) for r in cur.fetchall()]


def test_take_creates_one_row_per_user_and_bucket_and_says_how_long_an_empty_bucket_makes_us_wait(database):
    """A fresh bucket is full; each take removes a token; an empty bucket's wait is a token's refill time."""
    buckets = PostgresBuckets(database)
    assert buckets.take("u1", [CALLS, UPLOADS]) == ({"calls": 0.0, "uploads": 0.0}, 0.0)
    rows = budget_rows(database)
    assert [(r["bucket"], r["capacity"], round(r["refill_per_second"], 2), r["tokens"]) for r in rows] == \
        [("calls", 6.0, 0.9, 5.0), ("uploads", 1.0, 0.15, 0.0)]
    waits, cooldown = buckets.take("u1", [CALLS, UPLOADS])
    assert waits["calls"] == 0.0 and 5 < waits["uploads"] <= 6.67 and cooldown == 0.0
    buckets.take("u2", [CALLS])
    assert [(r["box_user"], r["bucket"], round(r["tokens"])) for r in budget_rows(database)] == \
        [("u1", "calls", 4), ("u1", "uploads", -1), ("u2", "calls", 5)]


def test_a_lowered_budget_takes_effect_at_the_next_take(database):
    """The bucket takes the configured capacity of each take: a full bucket of 6 shrinks to the new capacity 2."""
    buckets = PostgresBuckets(database)
    buckets.take("u1", [CALLS])
    buckets.take("u1", [Budget("calls", 20)])
    row = budget_rows(database)[0]
    assert row["capacity"] == 2.0 and 0.99 < row["tokens"] < 1.01


def test_cool_down_holds_every_bucket_of_the_user_and_a_shorter_one_never_shortens_it(database):
    """After a 429 every bucket of that user reports the cool-down; other users are not held."""
    buckets = PostgresBuckets(database)
    buckets.take("u1", [CALLS, UPLOADS])
    buckets.take("u2", [CALLS])
    buckets.cool_down("u1", 30)
    buckets.cool_down("u1", 5)
    assert [(r["box_user"], r["bucket"], r["cool"]) for r in budget_rows(database)] == \
        [("u1", "calls", True), ("u1", "uploads", True), ("u2", "calls", False)]
    waits, cooldown = buckets.take("u1", [CALLS])
    assert 29 < cooldown <= 30 and waits == {"calls": 0.0}
    assert buckets.take("u2", [CALLS])[1] == 0.0


def _session(expires_in_hours):
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=expires_in_hours)
    return {"id": "S1", "session_expires_at": expires.isoformat(), "total_parts": 3}


PARTS = [{"part_id": "p1", "offset": 0, "size": 8}, {"part_id": "p2", "offset": 8, "size": 2}]


def test_a_kept_session_is_found_for_the_same_user_target_bytes_and_size_until_forgotten(database):
    """The next run finds the session and its parts by (user, target, SHA-1, size); forget removes it."""
    sessions = PostgresSessions(database)
    sessions.keep("u1", "folder:7/a.mp4", "s1", 10, _session(48), PARTS)
    kept = sessions.get("u1", "folder:7/a.mp4", "s1", 10)
    assert kept["file_size"] == 10 and kept["session"]["id"] == "S1" and kept["parts"] == PARTS
    assert sessions.get("u1", "folder:7/a.mp4", "s1", 11) is None   # other size
    assert sessions.get("u1", "folder:7/a.mp4", "s2", 10) is None   # other bytes
    assert sessions.get("u1", "folder:8/a.mp4", "s1", 10) is None   # other target
    assert sessions.get("u2", "folder:7/a.mp4", "s1", 10) is None   # other Box user
    sessions.forget("u1", "folder:7/a.mp4", "s1")
    assert sessions.get("u1", "folder:7/a.mp4", "s1", 10) is None
    with database.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM box_upload_sessions")
        assert cur.fetchone()["n"] == 0


def test_keeping_again_replaces_the_session_and_one_about_to_expire_is_not_offered(database):
    """One row per (user, target, SHA-1): a new keep replaces it; a session expiring within the hour is not used."""
    sessions = PostgresSessions(database)
    sessions.keep("u1", "folder:7/a.mp4", "s1", 10, _session(48), PARTS)
    sessions.keep("u1", "folder:7/a.mp4", "s1", 10, dict(_session(48), id="S2"), PARTS[:1])
    kept = sessions.get("u1", "folder:7/a.mp4", "s1", 10)
    assert kept["session"]["id"] == "S2" and kept["parts"] == PARTS[:1]
    sessions.keep("u1", "folder:7/a.mp4", "s1", 10, _session(0.5), PARTS)
    assert sessions.get("u1", "folder:7/a.mp4", "s1", 10) is None
    sessions.keep("u1", "folder:7/a.mp4", "s1", 10, {"id": "S3"}, PARTS)  # Box gave no expiry
    assert sessions.get("u1", "folder:7/a.mp4", "s1", 10)["session"] == {"id": "S3"}
