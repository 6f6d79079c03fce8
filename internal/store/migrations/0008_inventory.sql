-- Inventory: each managed instance's item of each type (its metadata, one
-- row), the item's content (one row per entry), an account's custom types
-- and the deletions of their data.

CREATE TABLE inv_items (
    account_id     TEXT NOT NULL,
    instance_id    TEXT NOT NULL,
    type_name      TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    capture_time   TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    entry_count    BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, instance_id, type_name)
);
CREATE INDEX inv_items_type ON inv_items (account_id, type_name, instance_id);

-- An entry's attributes are its content (a JSON object). Name and Version,
-- which most AWS types have, are also kept as bytes (NULL when the entry
-- lacks them) for inv_entries_name: a query by name or name prefix (a
-- byte range, the same on every engine and collation), optionally
-- counting versions, reads the index alone.
CREATE TABLE inv_entries (
    account_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    type_name   TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    name        BYTEA,
    version     BYTEA,
    content     TEXT NOT NULL,
    PRIMARY KEY (account_id, instance_id, type_name, seq)
);
CREATE INDEX inv_entries_name ON inv_entries (account_id, type_name, name, version, instance_id);

-- One row per account with custom types: the row that transactions adding
-- a custom type lock, so that the limit on their number holds.
CREATE TABLE inv_accounts (
    account_id TEXT PRIMARY KEY
);

-- attributes is a JSON array of the attribute names the type's entries
-- have had.
CREATE TABLE inv_types (
    account_id       TEXT NOT NULL,
    type_name        TEXT NOT NULL,
    schema_version   TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    disabled_version TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (account_id, type_name)
);

-- summary is a JSON array of {Version, Count}.
CREATE TABLE inv_deletions (
    deletion_id   TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    type_name     TEXT NOT NULL,
    client_token  TEXT NOT NULL,
    schema_option TEXT NOT NULL,
    summary       TEXT NOT NULL,
    started_at    BIGINT NOT NULL
);
CREATE INDEX inv_deletions_account ON inv_deletions (account_id, started_at, deletion_id);
CREATE UNIQUE INDEX inv_deletions_token ON inv_deletions (account_id, client_token) WHERE client_token <> '';
