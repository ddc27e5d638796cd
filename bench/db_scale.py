"""(h) of `make bench`: the hot queries on a tracking database of one million assets and ten million events.

The data is generated in SQL with generate_series (seconds, not hours of row-by-row inserts) in a database of its
own on the lab's PostgreSQL, after the product's own schema (init.sql + migrations, through Database.migrate). The
secondary indexes are dropped for the load and rebuilt after it, as a bulk load would do; the schema they come from
is the product's.

The queries are the product's own code, not copies: the claim (leases.claim_campaign), the daily report
(daily_summary.collect) and the A2->A3 look-ups by tracking id (item_store.master_by_tracking_id,
imported_duplicate, localisation_progress, unsettled_campaigns). A Database whose cursors EXPLAIN (ANALYZE,
BUFFERS) each statement first, inside a savepoint that is rolled back, captures their plans; the timed calls run
on a plain Database.

Shape of the data (bounded by what 2 cores build in about two minutes): 1,000,000 A1->A2 masters in 20,000 local
campaigns of 50; one derivative per master; 10,000,000 events over two years (about 13,700 a day, 1 % errors);
workflow_state for every campaign and workflow (80,000 rows), 40 of them still running or failed.
"""
import contextlib
import datetime
import os
import statistics
import time

from bench.common import ROOT, ok

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # the tracking-id alphabet (init.sql's CHECK)
PER_CAMPAIGN = 50
DAYS = 730
BIG_TABLES = ("master_assets", "derivative_assets", "asset_events", "workflow_state")
# status.py's run records are files; the bench database has none (the report shows "never ran here")
STATUS_CONFIG = {"database": {"name": "bench_scale"}, "notifications": {"state_dir": os.devnull}, "dam": {}}
# trace.py's name search (ILIKE on any part of a file name) reads the names it searches: its scan is expected
SCAN_EXPECTED = ("trace_name",)
TIMEOUT_S = 20  # a statement slower than this is reported as such, not waited for (make bench stays bounded)


def _tid_sql(expr):
    """SQL for the 6-character tracking id of the integer ``expr`` (a bijection on 0 .. 2^30-1, scattered)."""
    x = "mod({}::bigint * 387420489, 1073741824)".format(expr)
    return " || ".join("substr('{}', (({} >> {}) & 31)::int + 1, 1)".format(ALPHABET, x, shift)
                       for shift in (25, 20, 15, 10, 5, 0))


def tracking_id(i):
    x = (i * 387420489) % 1073741824
    return "".join(ALPHABET[(x >> s) & 31] for s in (25, 20, 15, 10, 5, 0))


def campaign_id(i):
    return "LC-2024-{:05d}".format(i // PER_CAMPAIGN)


def _generate(cur, assets, events):
    campaigns = (assets + PER_CAMPAIGN - 1) // PER_CAMPAIGN
    cur.execute("SET maintenance_work_mem = '256MB'")
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)", (list(BIG_TABLES),))
    secondary = [(r["indexname"], r["indexdef"]) for r in cur.fetchall()]
    for name, _ in secondary:
        cur.execute('DROP INDEX "{}"'.format(name))
    cur.execute(
        "INSERT INTO master_assets (tracking_id, opentext_id, original_filename, local_campaign_id, "
        "global_master_campaign_id, campaign_name, workflow, asset_state, file_size, mime_type, sha1, "
        "dam_folder_path, box_file_id, mvp_metadata, created_at, updated_at, uploaded_at, completed_at) "
        "SELECT {tid}, md5(i::text), 'asset-' || i || '.jpg', 'LC-2024-' || lpad((i / %(per)s)::text, 5, '0'), "
        "'GM-2024-' || lpad((i / 5000)::text, 4, '0'), 'Campaign ' || (i / %(per)s), 'a1_a2', 'delivered', "
        "1048576 + i, 'image/jpeg', md5(i::text) || '00000000', CASE WHEN mod(i, 3) = 0 THEN 'Banners' ELSE '' END, "
        "(900000000000 + i)::text, jsonb_build_object('brand', 'Brand ' || mod(i, 40), 'market', 'IT'), t, t, t, t "
        "FROM generate_series(0, %(n)s - 1) AS i, "
        "LATERAL (SELECT now() - (%(days)s::float * (%(n)s - i) / %(n)s) * interval '1 day') AS at(t)".format(
            tid=_tid_sql("i")), {"n": assets, "per": PER_CAMPAIGN, "days": DAYS})
    cur.execute(
        "INSERT INTO derivative_assets (tracking_id, local_campaign_id, box_file_id, sha1, box_file_name, "
        "file_size, language, description, state, dam_asset_id, created_at, updated_at, imported_at, cleaned_at, "
        "reported_at) "
        "SELECT {tid}, 'LC-2024-' || lpad((i / %(per)s)::text, 5, '0'), (800000000000 + i)::text, "
        "md5('d' || i) || '00000000', 'x_it-IT_asset ' || i || '.jpg', 2048, 'it-IT', 'asset ' || i, "
        "'cleaned', md5('dam' || i), t, t, t, t, t "
        "FROM generate_series(0, %(n)s - 1) AS i, "
        "LATERAL (SELECT now() - (%(days)s::float * (%(n)s - i) / %(n)s) * interval '1 day' "
        "+ interval '3 days') AS at(t)".format(tid=_tid_sql("i")), {"n": assets, "per": PER_CAMPAIGN, "days": DAYS})
    cur.execute(
        "INSERT INTO asset_events (occurred_at, workflow, campaign_id, tracking_id, event_type, level, message) "
        "SELECT now() - (%(days)s::float * (%(n)s - e) / %(n)s) * interval '1 day', "
        "(ARRAY['a1_a2', 'a2_a3', 'a5_a6', 'b1_b2'])[1 + mod(e, 4)], "
        "'LC-2024-' || lpad((a / %(per)s)::text, 5, '0'), {tid}, "
        "CASE WHEN mod(e, 100) = 0 THEN 'file_failed' WHEN mod(e, 50) = 1 THEN 'status_changed' "
        "WHEN mod(e, 4) = 1 THEN 'file_imported' ELSE 'asset_delivered' END, "
        "CASE WHEN mod(e, 100) = 0 THEN 'error' ELSE 'info' END, 'event ' || e "
        "FROM generate_series(0, %(n)s - 1) AS e, LATERAL (SELECT (e::bigint * %(assets)s / %(n)s)) AS m(a)".format(
            tid=_tid_sql("a")), {"n": events, "assets": assets, "per": PER_CAMPAIGN, "days": DAYS})
    cur.execute(
        "INSERT INTO workflow_state (workflow, campaign_id, state, claim_token, assets_total, assets_done, "
        "started_at, finished_at, completed_at, created_at, updated_at) "
        "SELECT w, 'LC-2024-' || lpad(c::text, 5, '0'), "
        "CASE WHEN mod(c, 2000) = 7 THEN 'running' WHEN mod(c, 2000) = 9 THEN 'failed' ELSE 'completed' END, c, "
        "%(per)s, %(per)s, t, t, t, t, t "
        "FROM generate_series(0, %(c)s - 1) AS c, unnest(ARRAY['a1_a2', 'a2_a3', 'a5_a6', 'b1_b2']) AS w, "
        "LATERAL (SELECT now() - (%(days)s::float * (%(c)s - c) / %(c)s) * interval '1 day') AS at(t)",
        {"c": campaigns, "per": PER_CAMPAIGN, "days": DAYS})
    for _, definition in secondary:
        cur.execute(definition)


def _plan_summary(plan):
    """Scans of one EXPLAIN (FORMAT JSON) plan: [(node type, relation, index or None, rows)]."""
    out = []

    def walk(node):
        if "Scan" in node["Node Type"] and node.get("Relation Name"):
            out.append((node["Node Type"], node["Relation Name"], node.get("Index Name"),
                        node.get("Actual Rows")))
        for kid in node.get("Plans") or []:
            walk(kid)
    walk(plan["Plan"])
    return out


def _explaining_database(settings, plans, analyze=True):
    """A Database whose cursors record the EXPLAIN (ANALYZE, BUFFERS) of each statement before running it (plain
    EXPLAIN when ``analyze`` is false: a statement that outlasts the bench's timeout still shows its plan)."""
    how = "ANALYZE, BUFFERS, " if analyze else ""
    from scripts.shared.store.database import Database

    class _Cursor(object):
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, params=None):
            if sql.startswith("SET "):  # SET TRANSACTION READ ONLY (status, trace) has no plan
                return self._cur.execute(sql, params)
            self._cur.execute("SAVEPOINT bench_explain")
            self._cur.execute("EXPLAIN ({}FORMAT JSON) ".format(how) + sql, params)
            plan = self._cur.fetchone()["QUERY PLAN"][0]
            self._cur.execute("EXPLAIN ({}) ".format(how.rstrip(", ") or "COSTS") + sql, params)
            text = "\n".join(r["QUERY PLAN"] for r in self._cur.fetchall())
            self._cur.execute("ROLLBACK TO SAVEPOINT bench_explain")
            plans.append({"sql": " ".join(sql.split()), "ms": plan.get("Execution Time"),
                          "scans": _plan_summary(plan), "text": text})
            return self._cur.execute(sql, params)

        def __getattr__(self, name):
            return getattr(self._cur, name)

    class ExplainingDatabase(Database):
        @contextlib.contextmanager
        def cursor(self):
            with Database.cursor(self) as cur:
                yield _Cursor(cur)

    return ExplainingDatabase(settings)


def _queries(db, assets):
    """name -> callable running the product's code once; arguments spread over the data."""
    from scripts.shared.dam.dam_types import Campaign
    from scripts.shared.notify import daily_summary, status_view, trace_view
    from scripts.shared.store import item_store, leases
    mid = assets // 2
    candidates = [Campaign(campaign_id=campaign_id(mid + k * PER_CAMPAIGN), folder_id="f{}".format(k),
                           name="Campaign") for k in range(20)]
    day = (datetime.datetime.now() - datetime.timedelta(days=DAYS // 2)).date()

    def claim():
        lease, _ = leases.claim_campaign(db, "a1_a2", candidates, "bench-run")
        if lease is not None:  # hand it back, so the next call claims again
            with db.cursor() as cur:
                cur.execute("UPDATE workflow_state SET lease_expires_at = NULL WHERE workflow = %s AND "
                            "campaign_id = %s", (lease.workflow, lease.campaign_id))

    def report():
        daily_summary.collect(db, day)

    def tid_lookup():
        tid = tracking_id(mid + 17)
        master = item_store.master_by_tracking_id(db, tid)
        item_store.imported_duplicate(db, tid, "it-IT", "0" * 40, "800000000017")
        item_store.localisation_progress(db, master.local_campaign_id)
        item_store.unsettled_campaigns(db)

    def status():
        status_view.collect(STATUS_CONFIG, db)

    def trace_tid():
        assert trace_view.find(db, tracking_id(mid + 17))["kind"] == "assets"

    def trace_campaign():
        assert trace_view.find(db, campaign_id(mid))["kind"] == "campaign"

    def trace_name():  # the fuzzy search: part of a file name, the one scan an operator's question needs
        assert trace_view.find(db, "asset-{}.j".format(mid + 17))["kind"] == "assets"

    return {"claim": claim, "daily_report": report, "a2_a3_tid_lookup": tid_lookup, "status": status,
            "trace_tid": trace_tid, "trace_campaign": trace_campaign, "trace_name": trace_name}


def bench_database(lab, assets=1000000, events=10000000, repeats=7):
    import psycopg2
    import psycopg2.errors
    from scripts.shared.store.database import Database
    base = dict(lab.db_settings)
    name = "bench_scale"
    admin = psycopg2.connect(host=base["host"], port=base["port"], dbname=base["name"], user=base["user"],
                             password=base["password"] or None)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + name)
        cur.execute("CREATE DATABASE " + name)
    settings = dict(base, name=name)
    db = Database(settings).connect()
    out = {"assets": assets, "events": events, "queries": {}}
    try:
        db.migrate()
        started = time.perf_counter()
        with db.cursor() as cur:
            _generate(cur, assets, events)
        with db.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute("SELECT pg_database_size(current_database()) AS size")
            out["database_bytes"] = cur.fetchone()["size"]
        out["generate_s"] = time.perf_counter() - started
        print("  (h) generated {} assets and {} events in {:.0f}s ({:.1f} GiB)".format(
            assets, events, out["generate_s"], out["database_bytes"] / 2.0 ** 30), flush=True)
        # from here on no statement may run longer than TIMEOUT_S (new sessions only: the build above needs longer)
        with admin.cursor() as cur:
            cur.execute("ALTER DATABASE {} SET statement_timeout = '{}s'".format(name, TIMEOUT_S))
        db.close()
        db = Database(settings).connect()
        for qname, fn in _queries(db, assets).items():
            times, timed_out = [], False
            try:
                fn()  # warm the cache once, as a tick on a live server finds it
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    fn()
                    times.append((time.perf_counter() - t0) * 1000.0)
            except psycopg2.errors.QueryCanceled:
                timed_out = True
                times = [TIMEOUT_S * 1000.0]
            plans = []
            explaining = _explaining_database(settings, plans, analyze=not timed_out)
            try:
                _queries(explaining, assets)[qname]()
            except psycopg2.errors.QueryCanceled:
                pass  # the plan of the slow statement is recorded before it runs
            finally:
                explaining.close()
            seq = sorted(set(s[1] for p in plans for s in p["scans"] if s[0] == "Seq Scan"))
            out["queries"][qname] = {"ms": {"median": statistics.median(times), "min": min(times),
                                            "max": max(times), "runs": times}, "timed_out": timed_out,
                                     "seq_scans": seq, "plans": plans,
                                     "indexes": sorted(set(s[2] for p in plans for s in p["scans"] if s[2]))}
            print("  (h) {}: {} ({} statements; seq scans: {})".format(
                qname, "over {} s: cancelled".format(TIMEOUT_S) if timed_out else
                "{:.1f} ms median".format(statistics.median(times)), len(plans), ", ".join(seq) or "none"),
                flush=True)
    finally:
        db.close()
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS " + name)
        admin.close()
    slow = [q for q, e in out["queries"].items() if e["ms"]["median"] >= 50 and q not in SCAN_EXPECTED]
    scans = [q for q, e in out["queries"].items() if set(e["seq_scans"]) & set(BIG_TABLES) and q not in SCAN_EXPECTED]
    out["target"] = "each query < 50 ms, using indexes (the name search: a scan, < 50 ms not expected)"
    out["met"] = not slow and not scans
    _write_plans(out)
    return out


def _write_plans(out):
    """bench/query-plans.txt: every statement's plan, for the performance notes."""
    with open(os.path.join(ROOT, "bench", "query-plans.txt"), "w") as f:
        f.write("Query plans of `make bench` (h): {assets} assets, {events} events\n".format(**out))
        for qname, e in out["queries"].items():
            f.write("\n== {} ({:.1f} ms median)\n".format(qname, e["ms"]["median"]))
            for p in e["plans"]:
                f.write("\n-- {}\n{}\n".format(p["sql"], p["text"]))


def rows(results):
    h = results.get("h_database")
    if not h:
        return []
    out = []
    for qname, e in h["queries"].items():
        ms = e["ms"]
        out.append(("(h) {}, {:g}M assets/{:g}M events".format(qname, h["assets"] / 1e6, h["events"] / 1e6),
                    "over {:.0f} s (cancelled)".format(ms["median"] / 1000.0) if e.get("timed_out") else
                    "{:.1f} ({:.1f}-{:.1f}, n={}) ms".format(ms["median"], ms["min"], ms["max"], len(ms["runs"])),
                    "seq scans: {}".format(", ".join(e["seq_scans"]) or "none")))
    out.append(("(h) target < 50 ms each, indexed", "", "{} (data built in {:.0f} s)".format(
        ok(h["met"]), h["generate_s"])))
    return out

