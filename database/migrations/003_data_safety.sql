-- Data safety (issue 14).
-- The Box version an A2->A3 import took: its version id and etag (the SHA-1 is already in sha1). The inbox file is
-- deleted only with If-Match on that etag, so a corrected version uploaded meanwhile is never deleted unimported.
ALTER TABLE derivative_assets ADD COLUMN IF NOT EXISTS box_version_id TEXT;
ALTER TABLE derivative_assets ADD COLUMN IF NOT EXISTS box_etag TEXT;

-- Which process claimed a notification as 'sending' (host:pid), so the next run sends it at once when that
-- process is dead, whatever the lease length (a claim used to block for 10 minutes, longer than a short lease).
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS claimed_by TEXT;

-- Redelivery: a file with other content for the same tracking id and language replaces the earlier final. Both
-- stay in the DAM's Final Assets; the earlier row points at the one that replaced it.
ALTER TABLE derivative_assets ADD COLUMN IF NOT EXISTS superseded_by BIGINT;
ALTER TABLE derivative_assets ADD COLUMN IF NOT EXISTS superseded_at TIMESTAMPTZ;

-- What the DAM said about a master when it was delivered (version, size, checksum), so a later run sees a changed
-- master and uploads it as a new Box version under the same tracking id.
ALTER TABLE transfer_items ADD COLUMN IF NOT EXISTS dam_version TEXT;
