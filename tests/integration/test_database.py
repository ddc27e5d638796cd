"""Tracking database against a real PostgreSQL: schema, tracking ids, natural keys, leases and fencing."""
import os
import subprocess
import threading
import time

import pytest

from scripts.shared.store import events, leases, tracking_ids
from scripts.shared.store.database import Database
from scripts.shared.store.notifications import NotificationStore
from scripts.shared.store.rows import TrackedId
from scripts.shared.store.tracking_ids import TRACKING_ALPHABET, generate_tracking_id, normalise_tracking_id
from scripts.shared.core.errors import LeaseLostError
from scripts.shared.dam.dam_types import Campaign

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows(db, sql, params=()):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_schema_tables_columns_constraints_indexes(database):
    tables = {r["table_name"] for r in rows(database, "SELECT table_name FROM information_schema.tables "
                                                      "WHERE table_schema = 'public'")}
    assert {"master_assets", "derivative_assets", "asset_events", "workflow_state", "notifications",
            "schema_migrations", "transfer_items"} <= tables
    cols = rows(database, "SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_name = 'master_assets'")
    assert len(cols) == 35
    assert {"tracking_id", "opentext_id", "original_filename", "local_campaign_id", "global_master_campaign_id",
            "full_metadata"} <= {c["column_name"] for c in cols}
    assert {c["column_name"]: c["data_type"] for c in cols}["full_metadata"] == "jsonb"
    indexes = {r["indexname"]: r["indexdef"] for r in rows(database, "SELECT indexname, indexdef FROM pg_indexes "
                                                                      "WHERE schemaname = 'public'")}
    assert "idx_master_assets_tracking_id" in indexes and "idx_master_assets_opentext_local" in indexes
    assert "USING gin (full_metadata)" in indexes["idx_master_assets_full_metadata"]
    assert "(occurred_at)" in indexes["idx_asset_events_occurred_at"]
    uniques = {r["conname"] for r in rows(database, "SELECT conname FROM pg_constraint WHERE contype = 'u'")}
    assert {"master_assets_tracking_id_key", "master_assets_opentext_local_key",
            "derivative_assets_box_file_sha1_key", "notifications_dedupe_key"} <= uniques


def test_init_sql_runs_twice_with_psql_and_keeps_rows(db_config):
    env = dict(os.environ, PGPASSWORD=str(db_config["password"]))
    base = ["psql", "-h", db_config["host"], "-p", str(db_config["port"]), "-U", db_config["user"],
            "-d", db_config["name"], "-v", "ON_ERROR_STOP=1", "-q"]
    subprocess.run(base + ["-f", "database/init.sql"], cwd=ROOT, env=env, check=True)
    subprocess.run(base + ["-c", "INSERT INTO master_assets (tracking_id, opentext_id, local_campaign_id, workflow)"
                                 " VALUES ('K7Q2XM', 'a1', 'LC-1', 'a1_a2')"], env=env, check=True)
    subprocess.run(base + ["-f", "database/init.sql"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(base + ["-Atc", "SELECT tracking_id FROM master_assets"], env=env, check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout.split()
    assert out == ["K7Q2XM"]
    db = Database(db_config)
    db.migrate()  # the suite's own runner on top of a psql-initialised database is a no-op
    assert [r["tracking_id"] for r in rows(db, "SELECT tracking_id FROM master_assets")] == ["K7Q2XM"]
    db.close()


def test_tracking_id_alphabet():
    assert len(TRACKING_ALPHABET) == 32 and not set("ILOU") & set(TRACKING_ALPHABET)
    drawn = {generate_tracking_id() for _ in range(2000)}
    assert all(len(t) == 6 and set(t) <= set(TRACKING_ALPHABET) for t in drawn)
    assert len(drawn) > 1990


@pytest.mark.slow
def test_ten_thousand_ids_from_eight_threads_are_unique(database):
    errors = []

    def worker(n):
        try:
            for i in range(1250):
                tracking_ids.find_or_create_tracking_id(database, "asset-{}-{}".format(n, i), "LC-2026-0001", workflow="a1_a2")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = rows(database, "SELECT count(*) AS n, count(DISTINCT tracking_id) AS d FROM master_assets")[0]
    assert result["n"] == 10000 and result["d"] == 10000


def test_find_or_create_three_cases(database):
    first = tracking_ids.find_or_create_tracking_id(database, "otmm-1", "LC-1", original_filename="a.jpg", workflow="a1_a2")
    assert first.source == "new"
    again = tracking_ids.find_or_create_tracking_id(database, "otmm-1", "LC-1")
    assert again == TrackedId(first.tracking_id, "master")
    with database.cursor() as cur:
        cur.execute("INSERT INTO derivative_assets (tracking_id, box_file_id, sha1, box_file_name, dam_asset_id) "
                    "VALUES (%s, 'box-9', %s, 'x.jpg', 'otmm-final-7')", (first.tracking_id, "a" * 40))
    rework = tracking_ids.find_or_create_tracking_id(database, "otmm-final-7", "LC-1")
    assert rework == TrackedId(first.tracking_id, "derivative")
    other = tracking_ids.find_or_create_tracking_id(database, "otmm-1", "LC-2")
    assert other.source == "new" and other.tracking_id != first.tracking_id


def test_store_master_asset_upserts_on_natural_key(database):
    tid = tracking_ids.find_or_create_tracking_id(database, "otmm-5", "LC-1", workflow="a1_a2").tracking_id
    tracking_ids.store_master_asset(database, tracking_id=tid, opentext_id="otmm-5", campaign_id="LC-1",
                                asset_data={"long": "x" * 20000}, box_file_id="111", box_url="https://b/111",
                                upload_folder_id="99", global_master_campaign_id="GM-1", workflow="a1_a2")
    tracking_ids.store_master_asset(database, tracking_id=tid, opentext_id="otmm-5", campaign_id="LC-1",
                                box_file_id="111", workflow="a1_a2")
    got = rows(database, "SELECT * FROM master_assets WHERE opentext_id = 'otmm-5'")
    assert len(got) == 1 and got[0]["box_url"] == "https://b/111" and len(got[0]["full_metadata"]["long"]) == 20000
    assert tracking_ids.check_all_campaign_assets_uploaded(database, "LC-1")
    tracking_ids.find_or_create_tracking_id(database, "otmm-6", "LC-1", workflow="a1_a2")
    assert not tracking_ids.check_all_campaign_assets_uploaded(database, "LC-1")


def test_two_connections_race_for_five_campaigns(db_config):
    candidates = [Campaign(campaign_id="LC-{}".format(i), folder_id=str(i), name="C{}".format(i)) for i in range(5)]
    dbs = [Database(db_config, lease_seconds=60).connect() for _ in range(2)]
    claimed, lock = [], threading.Lock()

    def worker(db, n):
        while True:
            lease, reason = leases.claim_campaign(db, "a1_a2", candidates, "run-{}".format(n))
            if lease is None:
                return
            with lock:
                claimed.append(lease.campaign_id)
            time.sleep(0.01)

    threads = [threading.Thread(target=worker, args=(db, n)) for n, db in enumerate(dbs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(campaign.campaign_id for campaign in candidates)
    lease, reason = leases.claim_campaign(dbs[0], "a1_a2", candidates, "run-x")
    assert lease is None and reason == "leased"
    for db in dbs:
        db.close()


def test_expired_lease_is_taken_over_and_stale_token_refused(database):
    cands = [Campaign(campaign_id="LC-9", folder_id="9", name="Nine")]
    first, _ = leases.claim_campaign(database, "a1_a2", cands, "run-1")
    assert first is not None
    second, reason = leases.claim_campaign(database, "a1_a2", cands, "run-2")
    assert second is None and reason == "leased"
    with database.cursor() as cur:
        cur.execute("UPDATE workflow_state SET lease_expires_at = now() - interval '1 second'")
    second, reason = leases.claim_campaign(database, "a1_a2", cands, "run-2")
    assert second is not None and second.claim_token > first.claim_token
    with pytest.raises(LeaseLostError):
        leases.renew_lease(database, first)
    with pytest.raises(LeaseLostError):
        tracking_ids.store_master_asset(database, tracking_id="K7Q2XM", opentext_id="o", campaign_id="LC-9",
                                    workflow="a1_a2", lease=first)
    assert rows(database, "SELECT count(*) AS n FROM master_assets")[0]["n"] == 0
    leases.renew_lease(database, second)
    row = leases.finish_campaign(database, second, "failed", error="DAM down")
    assert row.attempts == 1 and row.lease_owner is None and row.last_error == "DAM down"
    lease, reason = leases.claim_campaign(database, "a1_a2", cands, "run-3")
    assert lease is None and reason == "backoff"
    lease, reason = leases.claim_campaign(database, "a1_a2", cands, "run-3", force=True)
    assert lease is not None


def test_notification_dedupe_store(database):
    assert NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h1", "email")
    NotificationStore(database).notification_record("LC-1", "a1_to_a2_complete", "h1", "email", "failed", error="smtp down")
    assert NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h1", "email")
    NotificationStore(database).notification_record("LC-1", "a1_to_a2_complete", "h1", "email", "sent")
    assert not NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h1", "email")
    assert NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h2", "email")


def test_two_senders_of_one_notification_only_one_wins(database):
    assert NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h9", "email")
    assert not NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h9", "email")  # being sent
    with database.cursor() as cur:
        cur.execute("UPDATE notifications SET updated_at = now() - interval '11 minutes'")
    assert NotificationStore(database).notification_should_send("LC-1", "a1_to_a2_complete", "h9", "email")  # sender died


def test_a_tracking_id_typed_in_any_case_is_normalised_or_refused():
    """Spaces and case do not matter; a wrong length or a look-alike letter is not a tracking id."""
    assert normalise_tracking_id(" k7q2xm\n") == "K7Q2XM"
    assert [normalise_tracking_id(t) for t in ("K7Q2X", "K7Q2XMM", "K7Q2XI", "K7Q2XO", "", None)] == [None] * 6


def test_the_tracking_id_written_in_the_metadata_is_kept(database):
    """An asset carrying a free tracking id gets it; another asset carrying it is given the same registered id."""
    first = tracking_ids.find_or_create_tracking_id(database, "o1", "LC-1", workflow="a1_a2", metadata_tracking_id="k7q2xm")
    assert first == TrackedId("K7Q2XM", "metadata")
    assert tracking_ids.existing_tracking_id(database, "o5", "LC-2", "K7Q2XM") == TrackedId("K7Q2XM", "metadata")
    assert tracking_ids.existing_tracking_id(database, "o5", "LC-2", "K7Q2XN") is None  # well-formed but never registered
    bad = tracking_ids.find_or_create_tracking_id(database, "o2", "LC-1", workflow="a1_a2", metadata_tracking_id="K7Q2XI")
    assert bad.source == "new" and bad.tracking_id != "K7Q2XI"
    got = rows(database, "SELECT opentext_id, tracking_id FROM master_assets ORDER BY opentext_id")
    assert [(r["opentext_id"], r["tracking_id"]) for r in got] == [("o1", "K7Q2XM"), ("o2", bad.tracking_id)]


def test_preview_claim_answers_like_claim_campaign_without_claiming(database):
    """A dry run's preview says claimed, leased or backoff as a claim would, and leaves no lease behind."""
    cands = [Campaign("LC-1", "1", name="One")]
    assert leases.preview_claim(database, "a1_a2", cands) == (cands[0], "claimed")
    assert leases.preview_claim(database, "a1_a2", cands) == (cands[0], "claimed")  # nothing was claimed
    lease, _ = leases.claim_campaign(database, "a1_a2", cands, "run-1")
    assert leases.preview_claim(database, "a1_a2", cands) == (None, "leased")
    leases.finish_campaign(database, lease, "failed", error="DAM down")
    assert leases.preview_claim(database, "a1_a2", cands) == (None, "backoff")
    assert leases.preview_claim(database, "a1_a2", cands, force=True) == (cands[0], "claimed")
    text = leases.describe_waiting(database, "a1_a2", cands)
    assert text.startswith("LC-1 (next try ") and "after 1 failed attempt(s))" in text
    assert rows(database, "SELECT lease_owner FROM workflow_state")[0]["lease_owner"] is None


def test_finish_campaign_outcomes_and_mark_alerted(database):
    """completed resets the failures, released leaves no back-off, no_assets waits one back-off base."""
    cands = [Campaign("LC-1", "1", name="One")]
    lease, _ = leases.claim_campaign(database, "a1_a2", cands, "run-1")
    leases.finish_campaign(database, lease, "partial", error="1 failed", total=3, done=2, failed=1)
    lease, _ = leases.claim_campaign(database, "a1_a2", cands, "run-2", force=True)
    row = leases.finish_campaign(database, lease, "released", total=3, done=3)
    assert (row.state, row.attempts, row.next_attempt_at, row.lease_owner) == ("idle", 1, None, None)
    lease, _ = leases.claim_campaign(database, "a1_a2", cands, "run-3")
    row = leases.finish_campaign(database, lease, "completed", total=3, done=3)
    assert (row.state, row.attempts, row.last_error, row.assets_done) == ("completed", 0, None, 3)
    assert row.completed_at is not None and row.next_attempt_at is None
    lease, _ = leases.claim_campaign(database, "a1_a2", cands, "run-4")
    row = leases.finish_campaign(database, lease, "no_assets")
    assert row.state == "no_assets" and 55 < (row.next_attempt_at - row.finished_at).total_seconds() <= 60
    assert leases.claim_campaign(database, "a1_a2", cands, "run-5") == (None, "backoff")
    leases.mark_alerted(database, "a1_a2", "LC-1")
    assert rows(database, "SELECT alerted_at FROM workflow_state")[0]["alerted_at"] is not None


def test_notification_status_follows_the_send(database):
    """None before, 'sending' while claimed, then what was recorded; no campaign is stored as ''."""
    assert NotificationStore(database).notification_status(None, "daily_report", "h1", "email") is None
    assert NotificationStore(database).notification_should_send(None, "daily_report", "h1", "email")
    assert NotificationStore(database).notification_status(None, "daily_report", "h1", "email") == "sending"
    NotificationStore(database).notification_record(None, "daily_report", "h1", "email", "sent")
    assert NotificationStore(database).notification_status(None, "daily_report", "h1", "email") == "sent"
    assert rows(database, "SELECT campaign_id, attempts, sent_at IS NOT NULL AS sent FROM notifications")[0] == \
        {"campaign_id": "", "attempts": 1, "sent": True}


def test_an_event_with_a_nul_character_is_stored_with_it_written_out(database):
    """PostgreSQL refuses NUL in text and JSONB: the event is kept with \\x00 in its place instead of failing."""
    events.record_event(database, "a1_a2", "asset_failed", "bad\x00name.jpg", campaign_id="LC-1", level="error",
                          details={"file\x00": "a\x00b", "parts": ["x\x00"]}, run_id="run-1")
    got = rows(database, "SELECT message, details, level, run_id FROM asset_events")
    assert got == [{"message": "bad\\x00name.jpg", "details": {"file\\x00": "a\\x00b", "parts": ["x\\x00"]},
                    "level": "error", "run_id": "run-1"}]


def test_connections_are_kept_for_the_next_thread_not_reopened(database):
    """Transfer threads and the Box pacer take a connection for every statement; the pool keeps each one it opened
    (up to database.pool_max) instead of closing all but pool_min and logging in again (issue 26.3)."""
    import threading
    pids, together = [], threading.Barrier(4)

    def worker():
        for _ in range(5):
            with database.cursor() as cur:
                together.wait(30)  # all four hold a connection at once, as four transfers do
                cur.execute("SELECT pg_backend_pid() AS pid")
                pids.append(cur.fetchone()["pid"])
            together.wait(30)  # and all four gave it back before any takes one again
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(pids) == 20
    assert len(set(pids)) == 4, "{} connections opened for 4 threads".format(len(set(pids)))
