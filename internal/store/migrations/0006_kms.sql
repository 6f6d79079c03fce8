-- KMS: an account's customer keys (and AWS managed keys such as
-- aws/ssm), each with its versions of key material sealed under the
-- server's master key, and the aliases that name them.

CREATE TABLE kms_keys (
    key_id               TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL,
    description          TEXT NOT NULL,
    key_usage            TEXT NOT NULL,
    key_spec             TEXT NOT NULL,
    origin               TEXT NOT NULL,
    manager              TEXT NOT NULL,
    state                TEXT NOT NULL,
    policy               TEXT NOT NULL,
    tags                 TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    -- deletion_at is when a key PendingDeletion is deleted (0: none).
    deletion_at          BIGINT NOT NULL,
    pending_window_days  BIGINT NOT NULL,
    rotation_period_days BIGINT NOT NULL, -- 0: automatic rotation off
    next_rotation_at     BIGINT NOT NULL,
    current_version      BIGINT NOT NULL
);
CREATE INDEX kms_keys_account ON kms_keys (account_id, key_id);

CREATE TABLE kms_key_material (
    key_id        TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
    sealed        BYTEA NOT NULL,
    rotation_type TEXT NOT NULL, -- "" for the first, AUTOMATIC or ON_DEMAND
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (key_id, version)
);

CREATE TABLE kms_aliases (
    account_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_id     TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE INDEX kms_aliases_key ON kms_aliases (key_id);
