-- Compliance: the compliance items of managed instances (SSM's, one row
-- per resource, compliance type and item), inventory rules (their latest
-- version and how far its evaluation on every instance has got), and the
-- row per account that transactions adding a rule lock, so that the limit
-- on their number holds across servers.

CREATE TABLE cmp_items (
    account_id      TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    compliance_type TEXT NOT NULL,
    item_id         TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    details         TEXT NOT NULL,
    execution_id    TEXT NOT NULL,
    execution_type  TEXT NOT NULL,
    execution_time  BIGINT NOT NULL,
    -- An inventory rule's action in the resource's current period of
    -- non-compliance: '' (none), Pending (claimed by the transaction that
    -- made the resource non-compliant), Sent or Failed; action_command is
    -- the command's ID, or why it was not sent.
    action_state    TEXT NOT NULL,
    action_command  TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, resource_type, resource_id, compliance_type, item_id)
);
CREATE INDEX cmp_items_type ON cmp_items (account_id, compliance_type, item_id, status);

-- spec is the JSON of the rule's description, conditions, kind, severity,
-- targets and action. The sweep evaluates the rule's version on the
-- instances after sweep_after, in ID order, by whichever server holds
-- sweep_lease (a time) or takes it over once it has passed.
CREATE TABLE cmp_rules (
    account_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    type_name   TEXT NOT NULL,
    spec        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    sweep_after TEXT NOT NULL,
    sweep_done  BIGINT NOT NULL,
    sweep_lease BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE INDEX cmp_rules_type ON cmp_rules (account_id, type_name);
CREATE INDEX cmp_rules_sweep ON cmp_rules (sweep_done, sweep_lease);

CREATE TABLE cmp_accounts (
    account_id TEXT PRIMARY KEY
);
