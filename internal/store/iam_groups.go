// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kanri-dev/kanri/internal/iam"
)

const groupColumns = "g.account_id, g.group_name, g.group_id, g.path, g.created_at"

func scanGroup(row rowScanner) (*iam.Group, error) {
	g := &iam.Group{}
	var created int64
	if err := row.Scan(&g.Account, &g.Name, &g.ID, &g.Path, &created); err != nil {
		return nil, err
	}
	g.CreateDate = fromMillis(created)
	return g, nil
}

// CreateGroup stores a new group; a group of the same name (in any case)
// yields an error of kind Exists.
func (db *DB) CreateGroup(ctx context.Context, g *iam.Group) error {
	_, err := db.exec(ctx, `INSERT INTO iam_groups (account_id, name_key, group_name, group_id, path, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, g.Account, nameKey(g.Name), g.Name, g.ID, g.Path, millis(g.CreateDate))
	if isUniqueViolation(err) {
		return exists("group " + g.Name)
	}
	return err
}

// GetGroup returns the named group.
func (db *DB) GetGroup(ctx context.Context, account, name string) (*iam.Group, error) {
	return getOne(ctx, db, scanGroup, "group "+name,
		"SELECT "+groupColumns+" FROM iam_groups g WHERE g.account_id = ? AND g.name_key = ?", account, nameKey(name))
}

// ListGroups returns a page of the account's groups ordered by name key.
func (db *DB) ListGroups(ctx context.Context, account string, opt iam.ListOptions) ([]*iam.Group, error) {
	var w where
	w.add("g.account_id = ?", account)
	w.page("g.name_key", "g.path", opt)
	query := "SELECT " + groupColumns + " FROM iam_groups g" + w.String() + " ORDER BY g.name_key" + limit(opt.Limit, &w.args)
	return queryAll(ctx, db, scanGroup, query, w.args...)
}

// UpdateGroup renames the group to newName and moves it to newPath; an
// empty newName or newPath keeps the old one. A rename rewrites the
// group's memberships, inline policies and attachments in the same
// transaction, and fails with an error of kind Exists when another group
// has the new name.
func (db *DB) UpdateGroup(ctx context.Context, account, name, newName, newPath string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		key := nameKey(name)
		var cur, path string
		err := tx.queryRow(ctx, "SELECT group_name, path FROM iam_groups WHERE account_id = ? AND name_key = ?", account, key).Scan(&cur, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("group " + name)
		}
		if err != nil {
			return err
		}
		if newName == "" {
			newName = cur
		}
		if newPath == "" {
			newPath = path
		}
		newKey := nameKey(newName)
		res, err := tx.exec(ctx, "UPDATE iam_groups SET name_key = ?, group_name = ?, path = ? WHERE account_id = ? AND name_key = ?",
			newKey, newName, newPath, account, key)
		if isUniqueViolation(err) {
			return exists("group " + newName)
		}
		if err := mustAffect(res, err, "group "+name); err != nil {
			return err
		}
		if newKey == key {
			return nil
		}
		if err := tx.renameOwner(ctx, account, iam.KindGroup, key, newKey); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "UPDATE iam_group_members SET group_key = ? WHERE account_id = ? AND group_key = ?", newKey, account, key)
		return err
	})
}

// DeleteGroup deletes the group's row only: the caller makes sure the
// group has no members, inline policies or attachments left.
func (db *DB) DeleteGroup(ctx context.Context, account, name string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_groups WHERE account_id = ? AND name_key = ?", account, nameKey(name))
	return mustAffect(res, err, "group "+name)
}

// AddUserToGroup makes the user a member of the group. Adding a member
// again changes nothing; a missing user or group is an error of kind
// NotFound.
func (db *DB) AddUserToGroup(ctx context.Context, account, group, user string) error {
	n, err := affected(db.exec(ctx, `INSERT INTO iam_group_members (account_id, group_key, user_key)
		SELECT g.account_id, g.name_key, u.name_key FROM iam_groups g, iam_users u
		WHERE g.account_id = ? AND g.name_key = ? AND u.account_id = g.account_id AND u.name_key = ?
		ON CONFLICT (account_id, group_key, user_key) DO NOTHING`, account, nameKey(group), nameKey(user)))
	if err != nil || n > 0 {
		return err
	}
	if err := db.checkOwner(ctx, db.sql, account, iam.KindGroup, group); err != nil {
		return err
	}
	return db.checkOwner(ctx, db.sql, account, iam.KindUser, user)
}

// RemoveUserFromGroup ends the user's membership of the group; a user that
// is not a member is an error of kind NotFound.
func (db *DB) RemoveUserFromGroup(ctx context.Context, account, group, user string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_group_members WHERE account_id = ? AND group_key = ? AND user_key = ?",
		account, nameKey(group), nameKey(user))
	return mustAffect(res, err, "user "+user+" in group "+group)
}

// ListGroupUsers returns the group's members ordered by name key; a
// missing group is an error of kind NotFound.
func (db *DB) ListGroupUsers(ctx context.Context, account, group string) ([]*iam.User, error) {
	us, err := queryAll(ctx, db, scanUser, "SELECT "+userColumns+` FROM iam_group_members m
		JOIN iam_users u ON u.account_id = m.account_id AND u.name_key = m.user_key
		WHERE m.account_id = ? AND m.group_key = ? ORDER BY u.name_key`, account, nameKey(group))
	if err != nil || len(us) > 0 {
		return us, err
	}
	return nil, db.checkOwner(ctx, db.sql, account, iam.KindGroup, group)
}

// ListUserGroups returns the groups the user is a member of, ordered by
// name key; a missing user is an error of kind NotFound.
func (db *DB) ListUserGroups(ctx context.Context, account, user string) ([]*iam.Group, error) {
	gs, err := queryAll(ctx, db, scanGroup, "SELECT "+groupColumns+` FROM iam_group_members m
		JOIN iam_groups g ON g.account_id = m.account_id AND g.name_key = m.group_key
		WHERE m.account_id = ? AND m.user_key = ? ORDER BY g.name_key`, account, nameKey(user))
	if err != nil || len(gs) > 0 {
		return gs, err
	}
	return nil, db.checkOwner(ctx, db.sql, account, iam.KindUser, user)
}
