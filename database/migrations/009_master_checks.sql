-- Issue 27.1: when the A2->A3 workflow last asked the DAM whether a waiting campaign's masters still exist (a master
-- deleted or expired in the DAM after delivery is not expected any more; master_assets.asset_state says so).
ALTER TABLE workflow_state ADD COLUMN IF NOT EXISTS masters_checked_at TIMESTAMPTZ;
