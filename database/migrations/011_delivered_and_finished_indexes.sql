-- Issue 26 (bench (h)): the campaigns waiting for localised files are those delivered A1->A2 and not finished
-- A2->A3 (store/campaign_store.py). Both sets grow with every campaign ever delivered (20,000 rows each in the
-- bench); read from these two small indexes (index-only) instead of all of workflow_state's rows, twice.
CREATE INDEX IF NOT EXISTS idx_workflow_state_delivered ON workflow_state (campaign_id)
    WHERE workflow = 'a1_a2' AND state = 'completed';
CREATE INDEX IF NOT EXISTS idx_workflow_state_localised ON workflow_state (campaign_id)
    WHERE workflow = 'a2_a3' AND state = 'completed';
