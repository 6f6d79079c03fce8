-- Items a PutInventory changed while its account had a resource data sync,
-- until an export has written them: the server that made the change
-- exports them after its commit and clears them; one that stops first
-- leaves them for any server to export a minute later. token changes with
-- every change, so that an export clears only the change it saw.
CREATE TABLE ds_pending (
    account_id  TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    type_name   TEXT NOT NULL,
    token       TEXT NOT NULL,
    put_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, instance_id, type_name)
);
CREATE INDEX ds_pending_put ON ds_pending (account_id, put_at);
