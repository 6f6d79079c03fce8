// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
)

const userColumns = "u.account_id, u.user_name, u.user_id, u.path, u.permissions_boundary, u.tags, u.created_at"

func scanUser(row rowScanner) (*iam.User, error) {
	u := &iam.User{}
	var tags string
	var created int64
	if err := row.Scan(&u.Account, &u.Name, &u.ID, &u.Path, &u.PermissionsBoundary, &tags, &created); err != nil {
		return nil, err
	}
	u.CreateDate = fromMillis(created)
	var err error
	if u.Tags, err = parseList[iam.Tag](tags); err != nil {
		return nil, fmt.Errorf("user %s tags: %w", u.Name, err)
	}
	return u, nil
}

// CreateUser stores a new user; a user of the same name (in any case)
// yields an error of kind Exists.
func (db *DB) CreateUser(ctx context.Context, u *iam.User) error {
	_, err := db.exec(ctx, `INSERT INTO iam_users
		(account_id, name_key, user_name, user_id, path, permissions_boundary, tags, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Account, nameKey(u.Name), u.Name, u.ID, u.Path, u.PermissionsBoundary, jsonList(u.Tags), millis(u.CreateDate))
	if isUniqueViolation(err) {
		return exists("user " + u.Name)
	}
	return err
}

// GetUser returns the named user (names match in any case).
func (db *DB) GetUser(ctx context.Context, account, name string) (*iam.User, error) {
	return getOne(ctx, db, scanUser, "user "+name,
		"SELECT "+userColumns+" FROM iam_users u WHERE u.account_id = ? AND u.name_key = ?", account, nameKey(name))
}

// ListUsers returns a page of the account's users ordered by name key.
func (db *DB) ListUsers(ctx context.Context, account string, opt iam.ListOptions) ([]*iam.User, error) {
	var w where
	w.add("u.account_id = ?", account)
	w.page("u.name_key", "u.path", opt)
	query := "SELECT " + userColumns + " FROM iam_users u" + w.String() + " ORDER BY u.name_key" + limit(opt.Limit, &w.args)
	return queryAll(ctx, db, scanUser, query, w.args...)
}

// UpdateUser renames the user to newName and moves it to newPath; an
// empty newName or newPath keeps the old one. A rename rewrites every
// reference to the user (group memberships, inline policies, attachments,
// access keys) in the same transaction, and fails with an error of kind
// Exists when another user has the new name.
func (db *DB) UpdateUser(ctx context.Context, account, name, newName, newPath string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		key := nameKey(name)
		var cur, path string
		err := tx.queryRow(ctx, "SELECT user_name, path FROM iam_users WHERE account_id = ? AND name_key = ?", account, key).Scan(&cur, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user " + name)
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
		res, err := tx.exec(ctx, "UPDATE iam_users SET name_key = ?, user_name = ?, path = ? WHERE account_id = ? AND name_key = ?",
			newKey, newName, newPath, account, key)
		if isUniqueViolation(err) {
			return exists("user " + newName)
		}
		if err := mustAffect(res, err, "user "+name); err != nil {
			return err
		}
		if newName == cur {
			return nil
		}
		if newKey != key {
			if err := tx.renameOwner(ctx, account, iam.KindUser, key, newKey); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, "UPDATE iam_group_members SET user_key = ? WHERE account_id = ? AND user_key = ?", newKey, account, key); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, "UPDATE iam_access_keys SET user_name = ? WHERE account_id = ? AND LOWER(user_name) = ?", newName, account, key)
		return err
	})
}

// renameOwner moves the inline policies and attachments of an owner of
// kind from the name key key to newKey.
func (t *Tx) renameOwner(ctx context.Context, account, kind, key, newKey string) error {
	for _, table := range []string{"iam_inline_policies", "iam_attachments"} {
		_, err := t.exec(ctx, "UPDATE "+table+" SET owner_key = ? WHERE account_id = ? AND owner_kind = ? AND owner_key = ?",
			newKey, account, kind, key)
		if isUniqueViolation(err) {
			return fmt.Errorf("rename %s %s: %s left over under the new name: %w", kind, key, table, err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SetUserBoundary sets the user's permissions boundary to the managed
// policy policyARN; "" removes it.
func (db *DB) SetUserBoundary(ctx context.Context, account, name, policyARN string) error {
	res, err := db.exec(ctx, "UPDATE iam_users SET permissions_boundary = ? WHERE account_id = ? AND name_key = ?",
		policyARN, account, nameKey(name))
	return mustAffect(res, err, "user "+name)
}

// SetUserTags replaces the user's tags.
func (db *DB) SetUserTags(ctx context.Context, account, name string, tags []iam.Tag) error {
	res, err := db.exec(ctx, "UPDATE iam_users SET tags = ? WHERE account_id = ? AND name_key = ?",
		jsonList(tags), account, nameKey(name))
	return mustAffect(res, err, "user "+name)
}

// DeleteUser deletes the user's row only: the caller makes sure nothing
// refers to the user any more (keys, policies, groups).
func (db *DB) DeleteUser(ctx context.Context, account, name string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_users WHERE account_id = ? AND name_key = ?", account, nameKey(name))
	return mustAffect(res, err, "user "+name)
}

// keyUser is the user_name stored in iam_access_keys for the arguments
// account, name key and name: the user's name as created when the user
// exists, else name as given.
const keyUser = "COALESCE((SELECT user_name FROM iam_users WHERE account_id = ? AND name_key = ?), ?)"

// CreateAccessKey stores a new access key. Its UserName is stored as the
// user was named when created, whatever its case in k.
func (db *DB) CreateAccessKey(ctx context.Context, k *iam.AccessKey) error {
	_, err := db.exec(ctx, `INSERT INTO iam_access_keys
		(access_key_id, account_id, user_name, secret, status, created_at, last_used_at, last_used_service, last_used_region)
		VALUES (?, ?, `+keyUser+`, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Account, k.Account, nameKey(k.UserName), k.UserName, k.SealedSecret, k.Status, millis(k.CreateDate),
		millisOrZero(k.LastUsed), k.LastService, k.LastRegion)
	if isUniqueViolation(err) {
		return exists("access key " + k.ID)
	}
	return err
}

const accessKeyColumns = `k.access_key_id, k.account_id, k.user_name, k.secret, k.status, k.created_at,
	COALESCE(k.last_used_at, 0), COALESCE(k.last_used_service, ''), COALESCE(k.last_used_region, '')`

func scanAccessKey(row rowScanner) (*iam.AccessKey, error) {
	k := &iam.AccessKey{}
	var created, used int64
	if err := row.Scan(&k.ID, &k.Account, &k.UserName, &k.SealedSecret, &k.Status, &created,
		&used, &k.LastService, &k.LastRegion); err != nil {
		return nil, err
	}
	k.CreateDate = fromMillis(created)
	k.LastUsed = fromMillisOrZero(used)
	return k, nil
}

// GetAccessKey returns the access key with the given ID.
func (db *DB) GetAccessKey(ctx context.Context, id string) (*iam.AccessKey, error) {
	return getOne(ctx, db, scanAccessKey, "access key "+id,
		"SELECT "+accessKeyColumns+" FROM iam_access_keys k WHERE k.access_key_id = ?", id)
}

// ListAccessKeys returns the user's access keys, oldest first.
func (db *DB) ListAccessKeys(ctx context.Context, account, userName string) ([]*iam.AccessKey, error) {
	return queryAll(ctx, db, scanAccessKey, "SELECT "+accessKeyColumns+` FROM iam_access_keys k
		WHERE k.account_id = ? AND k.user_name = `+keyUser+` ORDER BY k.created_at, k.access_key_id`,
		account, account, nameKey(userName), userName)
}

// UpdateAccessKeyStatus sets the status of the user's access key id; a
// key of another user is not found.
func (db *DB) UpdateAccessKeyStatus(ctx context.Context, account, userName, id, status string) error {
	res, err := db.exec(ctx, "UPDATE iam_access_keys SET status = ? WHERE access_key_id = ? AND account_id = ? AND user_name = "+keyUser,
		status, id, account, account, nameKey(userName), userName)
	return mustAffect(res, err, "access key "+id+" of user "+userName)
}

// DeleteAccessKey deletes the user's access key id; a key of another user
// is not found.
func (db *DB) DeleteAccessKey(ctx context.Context, account, userName, id string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_access_keys WHERE access_key_id = ? AND account_id = ? AND user_name = "+keyUser,
		id, account, account, nameKey(userName), userName)
	return mustAffect(res, err, "access key "+id+" of user "+userName)
}

// TouchAccessKey records that the key was used at a time, for a service in
// a region. A use older than the one recorded changes nothing.
func (db *DB) TouchAccessKey(ctx context.Context, id string, at time.Time, service, region string) error {
	n, err := affected(db.exec(ctx, `UPDATE iam_access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?
		WHERE access_key_id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`, millis(at), service, region, id, millis(at)))
	if err != nil || n > 0 {
		return err
	}
	ok, err := db.has(ctx, db.sql, "SELECT 1 FROM iam_access_keys WHERE access_key_id = ?", id)
	if err == nil && !ok {
		err = notFound("access key " + id)
	}
	return err
}
