-- Run Command: documents and their versions, commands and their
-- invocations (one per command and instance).

CREATE TABLE cmd_documents (
    account_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    latest_version  BIGINT NOT NULL,
    default_version BIGINT NOT NULL,
    tags            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE cmd_document_versions (
    account_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    version_name   TEXT NOT NULL,
    format         TEXT NOT NULL,
    content        TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    description    TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    platform_types TEXT NOT NULL,
    parameters     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, name, version)
);

-- A command: what to run and how (rate control), its aggregate state.
CREATE TABLE cmd_commands (
    command_id         TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    document_name      TEXT NOT NULL,
    document_version   TEXT NOT NULL,
    document_hash      TEXT NOT NULL,
    comment            TEXT NOT NULL,
    parameters         TEXT NOT NULL,
    targets            TEXT NOT NULL,
    requested_at       BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    timeout_seconds    BIGINT NOT NULL,
    max_concurrency    TEXT NOT NULL,
    max_errors         TEXT NOT NULL,
    output_bucket      TEXT NOT NULL,
    output_prefix      TEXT NOT NULL,
    service_role       TEXT NOT NULL,
    notification       TEXT NOT NULL,
    requested_by       TEXT NOT NULL,
    status             TEXT NOT NULL,
    status_details     TEXT NOT NULL,
    target_count       BIGINT NOT NULL,
    completed_count    BIGINT NOT NULL,
    error_count        BIGINT NOT NULL,
    delivery_timed_out BIGINT NOT NULL,
    dispatch_seq       BIGINT NOT NULL
);
CREATE INDEX cmd_commands_account ON cmd_commands (account_id, requested_at);
CREATE INDEX cmd_commands_active ON cmd_commands (status);

CREATE TABLE cmd_invocations (
    command_id     TEXT NOT NULL,
    instance_id    TEXT NOT NULL,
    instance_name  TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_details TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    dispatched_at  BIGINT NOT NULL,
    attempts       BIGINT NOT NULL,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT NOT NULL,
    response_code  BIGINT NOT NULL,
    plugins        TEXT NOT NULL,
    PRIMARY KEY (command_id, instance_id)
);
CREATE INDEX cmd_invocations_instance ON cmd_invocations (instance_id, requested_at);
CREATE INDEX cmd_invocations_status ON cmd_invocations (command_id, status);
