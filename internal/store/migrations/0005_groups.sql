-- Resource groups: an account's named tag queries over its resources,
-- with their attributes and tags (JSON text, as fleet tags).

CREATE TABLE rg_groups (
    account_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    query_type   TEXT NOT NULL,
    query        TEXT NOT NULL,
    criticality  BIGINT NOT NULL,
    owner        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    tags         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, name)
);
