"""The Box rate budget in PostgreSQL: two pacers (as two processes would) take from one bucket per Box user, and a
429 met by one makes the other wait. Sleeps are recorded, not slept; the buckets run on the database's clock."""
from scripts.shared.box.box_pacer import Pacer

URL = "https://api.box.com/2.0/folders/0"


def pacer(database, user="service-account:abc", calls=60, uploads=10):
    slept = []
    return Pacer(user, calls, uploads, db=database, sleep=slept.append), slept


def test_two_processes_share_one_bucket_per_user(database):
    a, a_slept = pacer(database)
    b, b_slept = pacer(database)
    for _ in range(6):  # the burst of a budget of 60: 6
        a.before("GET", URL)
    assert a_slept == []
    waits = [b.before("GET", URL) for _ in range(3)]  # b finds the bucket a emptied: 0.9 a second from now on
    assert [round(w, 1) for w in waits] == [1.1, 2.2, 3.3]
    other, other_slept = pacer(database, user="user:22000001")
    other.before("GET", URL)
    assert other_slept == []  # another Box user has its own budget
    with database.cursor() as cur:
        cur.execute("SELECT box_user, bucket, capacity FROM box_rate_budget ORDER BY box_user, bucket")
        rows = [(r["box_user"], r["bucket"], r["capacity"]) for r in cur.fetchall()]
    assert rows == [("service-account:abc", "calls", 6.0), ("user:22000001", "calls", 6.0)]


def test_an_upload_takes_from_both_budgets_and_a_429_cools_everyone_down(database):
    a, _ = pacer(database, calls=1000, uploads=10)
    b, b_slept = pacer(database, calls=1000, uploads=10)
    assert a.before("POST", "https://upload.box.com/api/2.0/files/upload_sessions") == 0
    assert 6.5 < b.before("POST", "https://upload.box.com/api/2.0/files/content") < 6.8  # uploads: 9 a minute
    assert b.waited["uploads"] > 6.5 and b.waited["calls"] == 0
    a.after(429, "30")
    wait = b.before("GET", URL)
    assert 29 < wait <= 30 and b.waited["cooldown"] > 29
