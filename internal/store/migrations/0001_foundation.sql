-- The foundation: server metadata, the first IAM users and access keys, and
-- the audit trail. Times are unix milliseconds (BIGINT) in every table.

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- IAM user names are unique per account regardless of case; name_key is
-- the lower-cased name.
CREATE TABLE iam_users (
    account_id TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    user_id    TEXT NOT NULL UNIQUE,
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

-- secret holds the secret access key sealed under the server's master key.
CREATE TABLE iam_access_keys (
    access_key_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL,
    user_name         TEXT NOT NULL,
    secret            BYTEA NOT NULL,
    status            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT,
    last_used_service TEXT,
    last_used_region  TEXT
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_name);

-- event_id is a version 7 UUID: ordered by time, so the table grows at its
-- end and "newest first" is "event_id descending". The columns LookupEvents
-- filters on stand alone; the rest of the record is JSON in detail.
CREATE TABLE audit_events (
    event_id      TEXT PRIMARY KEY,
    event_time    BIGINT NOT NULL,
    event_source  TEXT NOT NULL,
    event_name    TEXT NOT NULL,
    read_only     BOOLEAN NOT NULL,
    user_name     TEXT NOT NULL,
    access_key_id TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX audit_events_name ON audit_events (event_name, event_id);
CREATE INDEX audit_events_user ON audit_events (user_name, event_id);
CREATE INDEX audit_events_key ON audit_events (access_key_id, event_id);

-- One row per resource an event names, for LookupEvents by resource.
CREATE TABLE audit_event_resources (
    event_id      TEXT NOT NULL,
    resource_arn  TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    PRIMARY KEY (event_id, resource_arn)
);
CREATE INDEX audit_event_resources_arn ON audit_event_resources (resource_arn, event_id);
CREATE INDEX audit_event_resources_type ON audit_event_resources (resource_type, event_id);
