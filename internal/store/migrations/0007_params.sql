-- Parameter Store: an account's parameters, the versions kept of each
-- (the latest 100), and the labels on versions (unique per parameter).
-- A parameter is keyed by its name without a leading slash, so that
-- "/token" and "token" are one parameter; name keeps the name it was
-- created with, depth the number of slashes in the key.

CREATE TABLE param_parameters (
    account_id     TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    name           TEXT NOT NULL,
    depth          BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    tags           TEXT NOT NULL,
    PRIMARY KEY (account_id, name_key)
);
CREATE INDEX param_parameters_depth ON param_parameters (account_id, depth, name_key);

-- value is a String or StringList value, or a SecureString's ciphertext
-- (base64): plaintext secrets are never stored.
CREATE TABLE param_versions (
    account_id      TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    version         BIGINT NOT NULL,
    type            TEXT NOT NULL,
    value           TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    description     TEXT NOT NULL,
    allowed_pattern TEXT NOT NULL,
    tier            TEXT NOT NULL,
    policies        TEXT NOT NULL,
    data_type       TEXT NOT NULL,
    modified_at     BIGINT NOT NULL,
    modified_by     TEXT NOT NULL,
    PRIMARY KEY (account_id, name_key, version)
);

CREATE TABLE param_labels (
    account_id TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    label      TEXT NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (account_id, name_key, label)
);
CREATE INDEX param_labels_version ON param_labels (account_id, name_key, version);
