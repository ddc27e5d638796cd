-- Indexes for the operator's read-only questions (status.py, trace.py, the tick's metrics), measured by
-- `make bench` (h) on 1 million assets and 10 million events: without them each was a scan of a whole table.
-- The partial ones hold only the few rows that need attention, so they stay small however much history piles up.
-- status.py "failing items": assets and inbox files whose last attempt failed.
CREATE INDEX IF NOT EXISTS idx_transfer_items_failed ON transfer_items (updated_at) WHERE state = 'failed';
CREATE INDEX IF NOT EXISTS idx_derivative_assets_failed ON derivative_assets (updated_at) WHERE state = 'failed';
-- status.py "notifications owed": emails and webhooks not sent yet.
CREATE INDEX IF NOT EXISTS idx_notifications_owed ON notifications (created_at) WHERE status <> 'sent';
-- trace.py TID: every delivery of a tracking id (A1->A2, A5->A6 rework, B1->B2).
CREATE INDEX IF NOT EXISTS idx_transfer_items_tracking_id ON transfer_items (tracking_id);
-- trace.py <Box file id>: the master's copy in Box.
CREATE INDEX IF NOT EXISTS idx_master_assets_box_file_id ON master_assets (box_file_id);
-- status.py's campaign sections and the status page: the campaigns not completed (in flight, backing off, waiting
-- for their email, their assets or another tick), the few among years of completed ones.
CREATE INDEX IF NOT EXISTS idx_workflow_state_open ON workflow_state (campaign_id) WHERE state <> 'completed';
-- trace.py CAMPAIGN and the status page: a campaign's rows of every workflow (the primary key starts with the
-- workflow, so it cannot find a campaign alone).
CREATE INDEX IF NOT EXISTS idx_workflow_state_campaign ON workflow_state (campaign_id);
