-- IAM: groups, roles, managed and inline policies, attachments, instance
-- profiles and OpenID Connect providers. Names are unique per account
-- regardless of case: *_key columns hold the lower-cased name. Tags are
-- JSON arrays of {"Key","Value"} in the order they were given.

ALTER TABLE iam_users ADD COLUMN permissions_boundary TEXT NOT NULL DEFAULT '';
ALTER TABLE iam_users ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE iam_groups (
    account_id TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    group_name TEXT NOT NULL,
    group_id   TEXT NOT NULL UNIQUE,
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE iam_group_members (
    account_id TEXT NOT NULL,
    group_key  TEXT NOT NULL,
    user_key   TEXT NOT NULL,
    PRIMARY KEY (account_id, group_key, user_key)
);
CREATE INDEX iam_group_members_user ON iam_group_members (account_id, user_key);

CREATE TABLE iam_roles (
    account_id           TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    role_name            TEXT NOT NULL,
    role_id              TEXT NOT NULL UNIQUE,
    path                 TEXT NOT NULL,
    trust_policy         TEXT NOT NULL,
    description          TEXT NOT NULL,
    max_session_duration BIGINT NOT NULL,
    permissions_boundary TEXT NOT NULL,
    tags                 TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    last_used_at         BIGINT NOT NULL DEFAULT 0,
    last_used_region     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, name_key)
);

-- Inline policies of users, groups and roles. owner_kind is user, group or
-- role; owner_key the owner's name_key.
CREATE TABLE iam_inline_policies (
    account_id  TEXT NOT NULL,
    owner_kind  TEXT NOT NULL,
    owner_key   TEXT NOT NULL,
    policy_key  TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_key, policy_key)
);

-- Managed policies. Provider policies (arn:aws:iam::aws:policy/…) have
-- account_id 'aws'; customer policies the owning account.
CREATE TABLE iam_policies (
    arn             TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    policy_name     TEXT NOT NULL,
    policy_id       TEXT NOT NULL UNIQUE,
    path            TEXT NOT NULL,
    description     TEXT NOT NULL,
    default_version TEXT NOT NULL,
    next_version    BIGINT NOT NULL,
    tags            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX iam_policies_name ON iam_policies (account_id, name_key);

CREATE TABLE iam_policy_versions (
    policy_arn TEXT NOT NULL,
    version_id TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
);

-- Managed policies attached to users, groups and roles.
CREATE TABLE iam_attachments (
    account_id TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_key  TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_key, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn);

CREATE TABLE iam_instance_profiles (
    account_id   TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    profile_name TEXT NOT NULL,
    profile_id   TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    tags         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE iam_instance_profile_roles (
    account_id  TEXT NOT NULL,
    profile_key TEXT NOT NULL,
    role_key    TEXT NOT NULL,
    PRIMARY KEY (account_id, profile_key, role_key)
);
CREATE INDEX iam_instance_profile_roles_role ON iam_instance_profile_roles (account_id, role_key);

-- OpenID Connect identity providers. url is stored without its scheme
-- ("oidc.example.com/id"), as the provider's ARN and condition keys name it.
CREATE TABLE iam_oidc_providers (
    arn         TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    url         TEXT NOT NULL,
    client_ids  TEXT NOT NULL,
    thumbprints TEXT NOT NULL,
    tags        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX iam_oidc_providers_url ON iam_oidc_providers (account_id, url);
