// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
)

const roleColumns = `r.account_id, r.role_name, r.role_id, r.path, r.trust_policy, r.description, r.max_session_duration,
	r.permissions_boundary, r.tags, r.created_at, r.last_used_at, r.last_used_region`

// scanRole scans a row of roleColumns followed by extra columns into extra.
func scanRole(row rowScanner, extra ...any) (*iam.Role, error) {
	r := &iam.Role{}
	var tags string
	var created, used int64
	dest := append([]any{&r.Account, &r.Name, &r.ID, &r.Path, &r.TrustPolicy, &r.Description, &r.MaxSessionDuration,
		&r.PermissionsBoundary, &tags, &created, &used, &r.LastUsedRegion}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.CreateDate = fromMillis(created)
	r.LastUsed = fromMillisOrZero(used)
	var err error
	if r.Tags, err = parseList[iam.Tag](tags); err != nil {
		return nil, fmt.Errorf("role %s tags: %w", r.Name, err)
	}
	return r, nil
}

func scanRoleRow(row rowScanner) (*iam.Role, error) { return scanRole(row) }

// CreateRole stores a new role; a role of the same name (in any case)
// yields an error of kind Exists.
func (db *DB) CreateRole(ctx context.Context, r *iam.Role) error {
	_, err := db.exec(ctx, `INSERT INTO iam_roles (account_id, name_key, role_name, role_id, path, trust_policy, description,
		max_session_duration, permissions_boundary, tags, created_at, last_used_at, last_used_region)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Account, nameKey(r.Name), r.Name, r.ID, r.Path, r.TrustPolicy, r.Description, r.MaxSessionDuration,
		r.PermissionsBoundary, jsonList(r.Tags), millis(r.CreateDate), millisOrZero(r.LastUsed), r.LastUsedRegion)
	if isUniqueViolation(err) {
		return exists("role " + r.Name)
	}
	return err
}

// GetRole returns the named role.
func (db *DB) GetRole(ctx context.Context, account, name string) (*iam.Role, error) {
	return getOne(ctx, db, scanRoleRow, "role "+name,
		"SELECT "+roleColumns+" FROM iam_roles r WHERE r.account_id = ? AND r.name_key = ?", account, nameKey(name))
}

// ListRoles returns a page of the account's roles ordered by name key.
func (db *DB) ListRoles(ctx context.Context, account string, opt iam.ListOptions) ([]*iam.Role, error) {
	var w where
	w.add("r.account_id = ?", account)
	w.page("r.name_key", "r.path", opt)
	query := "SELECT " + roleColumns + " FROM iam_roles r" + w.String() + " ORDER BY r.name_key" + limit(opt.Limit, &w.args)
	return queryAll(ctx, db, scanRoleRow, query, w.args...)
}

// UpdateRole stores the role's description, maximum session duration,
// trust policy, permissions boundary and tags. Its name, path, ID and last
// use stay as they are.
func (db *DB) UpdateRole(ctx context.Context, r *iam.Role) error {
	res, err := db.exec(ctx, `UPDATE iam_roles SET description = ?, max_session_duration = ?, trust_policy = ?,
		permissions_boundary = ?, tags = ? WHERE account_id = ? AND name_key = ?`,
		r.Description, r.MaxSessionDuration, r.TrustPolicy, r.PermissionsBoundary, jsonList(r.Tags), r.Account, nameKey(r.Name))
	return mustAffect(res, err, "role "+r.Name)
}

// TouchRole records that the role was used at a time in a region. A use
// older than the one recorded changes nothing.
func (db *DB) TouchRole(ctx context.Context, account, name string, at time.Time, region string) error {
	n, err := affected(db.exec(ctx, `UPDATE iam_roles SET last_used_at = ?, last_used_region = ?
		WHERE account_id = ? AND name_key = ? AND last_used_at <= ?`, millis(at), region, account, nameKey(name), millis(at)))
	if err != nil || n > 0 {
		return err
	}
	return db.checkOwner(ctx, db.sql, account, iam.KindRole, name)
}

// DeleteRole deletes the role's row only: the caller makes sure the role
// has no inline policies, attachments or instance profiles left.
func (db *DB) DeleteRole(ctx context.Context, account, name string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_roles WHERE account_id = ? AND name_key = ?", account, nameKey(name))
	return mustAffect(res, err, "role "+name)
}
