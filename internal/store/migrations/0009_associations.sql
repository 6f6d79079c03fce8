-- State Manager: associations (their current version and when they next
-- run), their versions, their executions, the instances each applies to
-- with the outcome of its latest run there, and how many associations
-- each account has (its limit holds across servers).

CREATE TABLE assoc_associations (
    association_id    TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL,
    name              TEXT NOT NULL,
    instance_id       TEXT NOT NULL,
    association_name  TEXT NOT NULL,
    version           BIGINT NOT NULL,
    spec              TEXT NOT NULL,
    tags              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    next_run_at       BIGINT NOT NULL,
    run_once_at       BIGINT NOT NULL,
    check_targets_at  BIGINT NOT NULL,
    last_execution_at BIGINT NOT NULL,
    last_success_at   BIGINT NOT NULL,
    target_counts     TEXT NOT NULL
);
CREATE INDEX assoc_associations_account ON assoc_associations (account_id, created_at);
-- An association made for one instance (InstanceId) is unique per
-- document and instance.
CREATE UNIQUE INDEX assoc_associations_legacy ON assoc_associations (account_id, name, instance_id) WHERE instance_id <> '';
CREATE INDEX assoc_associations_next_run ON assoc_associations (next_run_at);
CREATE INDEX assoc_associations_run_once ON assoc_associations (run_once_at);
CREATE INDEX assoc_associations_check ON assoc_associations (check_targets_at);

CREATE TABLE assoc_versions (
    association_id TEXT NOT NULL,
    version        BIGINT NOT NULL,
    spec           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (association_id, version)
);

-- An execution is one run: a command (command_id, '' until it is sent;
-- until then lease_until is when another server may send it) on the
-- instances listed (JSON).
CREATE TABLE assoc_executions (
    association_id  TEXT NOT NULL,
    execution_id    TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    version         BIGINT NOT NULL,
    cause           TEXT NOT NULL,
    instances       TEXT NOT NULL,
    command_id      TEXT NOT NULL,
    lease_until     BIGINT NOT NULL,
    status          TEXT NOT NULL,
    detailed_status TEXT NOT NULL,
    resource_counts TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (association_id, execution_id)
);
CREATE INDEX assoc_executions_created ON assoc_executions (association_id, created_at);
CREATE INDEX assoc_executions_status ON assoc_executions (status, command_id);

CREATE TABLE assoc_targets (
    association_id  TEXT NOT NULL,
    instance_id     TEXT NOT NULL,
    execution_id    TEXT NOT NULL,
    status          TEXT NOT NULL,
    detailed_status TEXT NOT NULL,
    applied_at      BIGINT NOT NULL,
    PRIMARY KEY (association_id, instance_id)
);

CREATE TABLE assoc_counts (
    account_id   TEXT PRIMARY KEY,
    associations BIGINT NOT NULL
);
