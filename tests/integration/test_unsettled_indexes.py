"""Migration 006: the questions about unfinished work (A2->A3 unsettled campaigns, the daily report's stuck runs)
have partial indexes, and the planner uses them instead of reading every finished row (bench (h) on 1M assets)."""


def _plan(db, sql, params=()):
    with db.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway; ask what can serve
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(r["QUERY PLAN"] for r in cur.fetchall())


def test_migration_006_is_recorded_and_its_indexes_serve_unfinished_work(database):
    from scripts.shared.store import item_store
    with database.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations")
        assert "006_unsettled_work_indexes" in {r["version"] for r in cur.fetchall()}
        cur.execute("INSERT INTO derivative_assets (tracking_id, local_campaign_id, box_file_id, sha1, box_file_name, "
                    "state) VALUES ('ABC123', 'LC-1', 'b1', 's1', 'n1', 'cleaned'), "
                    "('ABC124', 'LC-2', 'b2', 's2', 'n2', 'downloaded')")
        cur.execute("INSERT INTO workflow_state (workflow, campaign_id, state, lease_expires_at) VALUES "
                    "('a2_a3', 'LC-3', 'running', now() - interval '1 hour'), ('a2_a3', 'LC-4', 'completed', NULL)")
    assert item_store.unsettled_campaigns(database) == ["LC-2", "LC-3"]
    unsettled = _plan(database, "SELECT DISTINCT local_campaign_id FROM derivative_assets WHERE state IN "
                                "('claimed', 'downloaded', 'imported') AND local_campaign_id IS NOT NULL")
    assert "idx_derivative_assets_unsettled" in unsettled
    stuck = _plan(database, "SELECT campaign_id FROM workflow_state WHERE state NOT IN ('completed', 'idle', "
                            "'no_assets') AND COALESCE(started_at, updated_at) < now() - 6 * interval '1 hour'")
    assert "idx_workflow_state_unsettled" in stuck
