-- Issue 27.2: the Box campaign folder is kept by the id of its first delivery (a person may rename or move it;
-- finding it again by name would create a second folder beside it).
ALTER TABLE workflow_state ADD COLUMN IF NOT EXISTS box_folder_id TEXT;
