-- Resource data syncs: where each exports its account's inventory (the
-- S3Destination, as JSON), how its last exports went, and when a full
-- export is due (full_due_at, 0 for none; while a server runs one, when
-- that server's lease ends). Times are unix milliseconds, 0 for never.

CREATE TABLE ds_syncs (
    account_id      TEXT NOT NULL,
    sync_name       TEXT NOT NULL,
    sync_type       TEXT NOT NULL,
    destination     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_sync_at    BIGINT NOT NULL,
    last_status     TEXT NOT NULL,
    last_success_at BIGINT NOT NULL,
    last_message    TEXT NOT NULL,
    full_due_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, sync_name)
);
CREATE INDEX ds_syncs_due ON ds_syncs (account_id, full_due_at);

-- How many syncs each account has: its limit holds across servers.
CREATE TABLE ds_counts (
    account_id TEXT PRIMARY KEY,
    syncs      BIGINT NOT NULL
);
