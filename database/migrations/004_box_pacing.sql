-- Box's rate limits are per Box user and every process acts as the same user: the budget is shared here (see
-- scripts/shared/box/box_pacer.py). One token bucket per (user, bucket 'calls'|'uploads'); cooldown_until is set by
-- whoever meets a 429 so that every process waits it out.
CREATE TABLE IF NOT EXISTS box_rate_budget (
    box_user          TEXT NOT NULL,
    bucket            TEXT NOT NULL,
    capacity          DOUBLE PRECISION NOT NULL,
    refill_per_second DOUBLE PRECISION NOT NULL,
    tokens            DOUBLE PRECISION NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    cooldown_until    TIMESTAMPTZ,
    PRIMARY KEY (box_user, bucket)
);

-- A chunked upload whose every part is stored but whose commit Box keeps answering 202 (still processing) for
-- longer than a run may wait: kept here so the next run commits it instead of sending the whole file again.
CREATE TABLE IF NOT EXISTS box_upload_sessions (
    box_user    TEXT NOT NULL,
    target      TEXT NOT NULL,
    sha1        VARCHAR(40) NOT NULL,
    file_size   BIGINT NOT NULL,
    session_id  TEXT NOT NULL,
    session     JSONB NOT NULL,
    parts       JSONB NOT NULL,
    expires_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (box_user, target, sha1)
);
