-- Tracking database of the DAM content-scaling workflows (PostgreSQL >= 10).
--
-- Safe to run on an empty database and safe to run again: every statement is "IF NOT EXISTS", nothing is dropped,
-- so re-running it keeps every row. The suite applies it itself at start-up (with the numbered files in
-- database/migrations/, recorded in schema_migrations); it also runs alone, as the original setup does:
--   psql -h localhost -p 5437 -U ferrero_user -d ferrero_tracking -f database/init.sql

CREATE TABLE IF NOT EXISTS schema_migrations (
    version     TEXT PRIMARY KEY,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every master asset the suite has given a tracking ID: one row per (DAM asset, local campaign).
-- 35 columns; the MVP fields live in mvp_metadata (driven by config/field_mappings.yaml), the whole DAM metadata
-- document untruncated in full_metadata.
CREATE TABLE IF NOT EXISTS master_assets (
    id                        BIGSERIAL PRIMARY KEY,
    tracking_id               VARCHAR(6) NOT NULL,
    opentext_id               TEXT NOT NULL,
    original_filename         TEXT,
    local_campaign_id         TEXT NOT NULL,
    global_master_campaign_id TEXT,
    campaign_name             TEXT,
    campaign_folder_id        TEXT,
    workflow                  TEXT NOT NULL,
    asset_state               TEXT NOT NULL DEFAULT 'registered',
    file_size                 BIGINT,
    mime_type                 TEXT,
    sha1                      VARCHAR(40),
    dam_folder_path           TEXT NOT NULL DEFAULT '',
    dam_url                   TEXT,
    dam_version               TEXT,
    source_modified_at        TIMESTAMPTZ,
    box_folder_id             TEXT,
    box_file_id               TEXT,
    box_file_name             TEXT,
    box_url                   TEXT,
    upload_folder_id          TEXT,
    attempts                  INTEGER NOT NULL DEFAULT 0,
    last_error                TEXT,
    claim_token               BIGINT,
    run_id                    TEXT,
    rework_count              INTEGER NOT NULL DEFAULT 0,
    last_rework_at            TIMESTAMPTZ,
    mvp_metadata              JSONB NOT NULL DEFAULT '{}'::jsonb,
    full_metadata             JSONB NOT NULL DEFAULT '{}'::jsonb,
    downloaded_at             TIMESTAMPTZ,
    uploaded_at               TIMESTAMPTZ,
    completed_at              TIMESTAMPTZ,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT master_assets_tracking_id_key UNIQUE (tracking_id),
    CONSTRAINT master_assets_opentext_local_key UNIQUE (opentext_id, local_campaign_id),
    CONSTRAINT master_assets_tracking_id_format CHECK (tracking_id ~ '^[0-9A-HJKMNP-TV-Z]{6}$')
);

-- Localised files taken from the Box a2_a3 inbox, linked to their master by tracking_id.
-- State machine: claimed -> downloaded -> imported -> cleaned (Box file deleted); failed keeps the last error.
CREATE TABLE IF NOT EXISTS derivative_assets (
    id                 BIGSERIAL PRIMARY KEY,
    tracking_id        VARCHAR(6) NOT NULL,
    local_campaign_id  TEXT,
    box_file_id        TEXT NOT NULL,
    sha1               VARCHAR(40) NOT NULL,
    box_file_name      TEXT NOT NULL,
    box_folder_path    TEXT NOT NULL DEFAULT '',
    file_size          BIGINT,
    language           TEXT,
    description        TEXT,
    state              TEXT NOT NULL DEFAULT 'claimed',
    dam_folder_id      TEXT,
    dam_asset_id       TEXT,
    dam_import_job_id  TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    claim_token        BIGINT,
    run_id             TEXT,
    metadata           JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    imported_at        TIMESTAMPTZ,
    cleaned_at         TIMESTAMPTZ,
    CONSTRAINT derivative_assets_box_file_sha1_key UNIQUE (box_file_id, sha1)
);

-- Per-asset progress of the DAM -> Box workflows (A1->A2, A5->A6, B1->B2):
-- pending -> downloaded -> uploaded -> done; failed keeps the last error and is retried by the next tick.
CREATE TABLE IF NOT EXISTS transfer_items (
    id                 BIGSERIAL PRIMARY KEY,
    workflow           TEXT NOT NULL,
    campaign_id        TEXT NOT NULL,
    opentext_id        TEXT NOT NULL,
    tracking_id        VARCHAR(6),
    original_filename  TEXT NOT NULL,
    folder_path        TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL DEFAULT 'pending',
    file_size          BIGINT,
    sha1               VARCHAR(40),
    box_folder_id      TEXT,
    box_file_id        TEXT,
    box_file_name      TEXT,
    box_url            TEXT,
    box_outcome        TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    claim_token        BIGINT,
    run_id             TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at            TIMESTAMPTZ,
    CONSTRAINT transfer_items_natural_key UNIQUE (workflow, campaign_id, opentext_id)
);

-- Audit trail: one row per thing done or failed.
CREATE TABLE IF NOT EXISTS asset_events (
    id           BIGSERIAL PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    run_id       TEXT,
    workflow     TEXT NOT NULL,
    campaign_id  TEXT,
    tracking_id  VARCHAR(6),
    opentext_id  TEXT,
    box_file_id  TEXT,
    event_type   TEXT NOT NULL,
    level        TEXT NOT NULL DEFAULT 'info',
    message      TEXT,
    details      JSONB NOT NULL DEFAULT '{}'::jsonb
);

-- One row per (workflow, campaign): lease, claim token (fencing), back-off and counts.
CREATE TABLE IF NOT EXISTS workflow_state (
    workflow          TEXT NOT NULL,
    campaign_id       TEXT NOT NULL,
    folder_id         TEXT,
    campaign_name     TEXT,
    state             TEXT NOT NULL DEFAULT 'idle',
    lease_owner       TEXT,
    lease_expires_at  TIMESTAMPTZ,
    claim_token       BIGINT NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ,
    last_error        TEXT,
    last_run_id       TEXT,
    assets_total      INTEGER NOT NULL DEFAULT 0,
    assets_done       INTEGER NOT NULL DEFAULT 0,
    assets_failed     INTEGER NOT NULL DEFAULT 0,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ,
    alerted_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow, campaign_id)
);

-- Claim tokens grow with every claim, across all workflows.
CREATE SEQUENCE IF NOT EXISTS claim_token_seq;

-- Emails and webhooks, keyed so that each is sent once per (campaign, template, channel, content).
CREATE TABLE IF NOT EXISTS notifications (
    id            BIGSERIAL PRIMARY KEY,
    campaign_id   TEXT NOT NULL DEFAULT '',
    template      TEXT NOT NULL,
    channel       TEXT NOT NULL DEFAULT 'email',
    content_hash  VARCHAR(64) NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at       TIMESTAMPTZ,
    CONSTRAINT notifications_dedupe_key UNIQUE (campaign_id, template, channel, content_hash)
);

CREATE INDEX IF NOT EXISTS idx_master_assets_tracking_id ON master_assets (tracking_id);
CREATE INDEX IF NOT EXISTS idx_master_assets_opentext_local ON master_assets (opentext_id, local_campaign_id);
CREATE INDEX IF NOT EXISTS idx_master_assets_local_campaign ON master_assets (local_campaign_id);
CREATE INDEX IF NOT EXISTS idx_master_assets_full_metadata ON master_assets USING GIN (full_metadata);
CREATE INDEX IF NOT EXISTS idx_master_assets_mvp_metadata ON master_assets USING GIN (mvp_metadata);
CREATE INDEX IF NOT EXISTS idx_master_assets_created_at ON master_assets (created_at);
CREATE INDEX IF NOT EXISTS idx_derivative_assets_tracking_id ON derivative_assets (tracking_id);
CREATE INDEX IF NOT EXISTS idx_derivative_assets_dam_asset_id ON derivative_assets (dam_asset_id);
CREATE INDEX IF NOT EXISTS idx_derivative_assets_metadata ON derivative_assets USING GIN (metadata);
CREATE INDEX IF NOT EXISTS idx_derivative_assets_updated_at ON derivative_assets (updated_at);
CREATE INDEX IF NOT EXISTS idx_transfer_items_campaign ON transfer_items (workflow, campaign_id, state);
CREATE INDEX IF NOT EXISTS idx_transfer_items_updated_at ON transfer_items (updated_at);
CREATE INDEX IF NOT EXISTS idx_asset_events_occurred_at ON asset_events (occurred_at);
CREATE INDEX IF NOT EXISTS idx_asset_events_campaign ON asset_events (campaign_id, occurred_at);
CREATE INDEX IF NOT EXISTS idx_asset_events_tracking_id ON asset_events (tracking_id);
CREATE INDEX IF NOT EXISTS idx_asset_events_details ON asset_events USING GIN (details);
CREATE INDEX IF NOT EXISTS idx_workflow_state_updated_at ON workflow_state (updated_at);
CREATE INDEX IF NOT EXISTS idx_notifications_created_at ON notifications (created_at);

INSERT INTO schema_migrations (version) VALUES ('001_init') ON CONFLICT (version) DO NOTHING;
