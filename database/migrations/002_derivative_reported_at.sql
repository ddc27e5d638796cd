-- When the localised file was reported in an a2_to_a3_file_uploaded email. A run killed between the import and
-- the email leaves it NULL, so the next run reports it instead of losing the notice.
ALTER TABLE derivative_assets ADD COLUMN IF NOT EXISTS reported_at TIMESTAMPTZ;
