-- The fleet: activations, managed instances and their tags, vending state,
-- and the revoked agent keys the agent bus refuses.

CREATE TABLE fleet_activations (
    activation_id         TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL,
    description           TEXT NOT NULL,
    default_instance_name TEXT NOT NULL,
    iam_role              TEXT NOT NULL,
    registration_limit    BIGINT NOT NULL,
    registrations_count   BIGINT NOT NULL,
    expiration_at         BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    code_hash             TEXT NOT NULL,
    tags                  TEXT NOT NULL
);
CREATE INDEX fleet_activations_account ON fleet_activations (account_id, created_at);

CREATE TABLE fleet_instances (
    instance_id      TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    name             TEXT NOT NULL,
    activation_id    TEXT NOT NULL,
    iam_role         TEXT NOT NULL,
    public_key       TEXT NOT NULL UNIQUE,
    registered_at    BIGINT NOT NULL,
    last_ping_at     BIGINT NOT NULL,
    agent_version    TEXT NOT NULL,
    platform_type    TEXT NOT NULL,
    platform_name    TEXT NOT NULL,
    platform_version TEXT NOT NULL,
    architecture     TEXT NOT NULL,
    ip_address       TEXT NOT NULL,
    computer_name    TEXT NOT NULL
);
CREATE INDEX fleet_instances_ping ON fleet_instances (account_id, last_ping_at);

CREATE TABLE fleet_instance_tags (
    instance_id TEXT NOT NULL,
    tag_key     TEXT NOT NULL,
    tag_value   TEXT NOT NULL,
    PRIMARY KEY (instance_id, tag_key)
);
CREATE INDEX fleet_instance_tags_kv ON fleet_instance_tags (tag_key, tag_value);

-- The activation the vending endpoint hands out now, per vending
-- configuration name; its code sealed under the master key.
CREATE TABLE fleet_vending (
    name          TEXT PRIMARY KEY,
    activation_id TEXT NOT NULL,
    sealed_code   BYTEA NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Agent keys of deregistered instances: the bus refuses them.
CREATE TABLE fleet_revoked_keys (
    public_key  TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    revoked_at  BIGINT NOT NULL
);
