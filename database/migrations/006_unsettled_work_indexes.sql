-- Partial indexes for the two questions asked of unfinished work only (measured by `make bench` (h) on 1 million
-- assets: both were sequential scans of whole tables). Each index holds only the few unfinished rows, so it stays
-- small however many finished rows pile up.
-- Every A2->A3 tick: which local campaigns have a derivative an interrupted run left half-done
-- (item_store.unsettled_campaigns).
CREATE INDEX IF NOT EXISTS idx_derivative_assets_unsettled ON derivative_assets (local_campaign_id)
    WHERE state IN ('claimed', 'downloaded', 'imported');
-- The daily report's stuck runs and the A2->A3 tick's dead claims (daily_summary.collect,
-- item_store.unsettled_campaigns): campaigns whose workflow has not settled.
CREATE INDEX IF NOT EXISTS idx_workflow_state_unsettled ON workflow_state ((COALESCE(started_at, updated_at)))
    WHERE state NOT IN ('completed', 'idle', 'no_assets');
