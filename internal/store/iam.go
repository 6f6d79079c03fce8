// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kanri-dev/kanri/internal/iam"
)

// CreateUser stores a new user; a user of the same name (in any case)
// yields an error of kind Exists.
func (db *DB) CreateUser(ctx context.Context, u *iam.User) error {
	_, err := db.exec(ctx, `INSERT INTO iam_users (account_id, name_key, user_name, user_id, path, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.Account, strings.ToLower(u.Name), u.Name, u.ID, u.Path, millis(u.CreateDate))
	if isUniqueViolation(err) {
		return exists("user " + u.Name)
	}
	return err
}

// GetUser returns the named user (names match in any case).
func (db *DB) GetUser(ctx context.Context, account, name string) (*iam.User, error) {
	u := &iam.User{Account: account}
	var created int64
	err := db.queryRow(ctx, `SELECT user_name, user_id, path, created_at FROM iam_users
		WHERE account_id = ? AND name_key = ?`, account, strings.ToLower(name)).Scan(&u.Name, &u.ID, &u.Path, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user " + name)
	}
	if err != nil {
		return nil, err
	}
	u.CreateDate = fromMillis(created)
	return u, nil
}

// CreateAccessKey stores a new access key.
func (db *DB) CreateAccessKey(ctx context.Context, k *iam.AccessKey) error {
	_, err := db.exec(ctx, `INSERT INTO iam_access_keys (access_key_id, account_id, user_name, secret, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, k.ID, k.Account, k.UserName, k.SealedSecret, k.Status, millis(k.CreateDate))
	if isUniqueViolation(err) {
		return exists("access key " + k.ID)
	}
	return err
}

const accessKeyColumns = "access_key_id, account_id, user_name, secret, status, created_at"

func scanAccessKey(row interface{ Scan(...any) error }) (*iam.AccessKey, error) {
	k := &iam.AccessKey{}
	var created int64
	if err := row.Scan(&k.ID, &k.Account, &k.UserName, &k.SealedSecret, &k.Status, &created); err != nil {
		return nil, err
	}
	k.CreateDate = fromMillis(created)
	return k, nil
}

// GetAccessKey returns the access key with the given ID.
func (db *DB) GetAccessKey(ctx context.Context, id string) (*iam.AccessKey, error) {
	k, err := scanAccessKey(db.queryRow(ctx, "SELECT "+accessKeyColumns+" FROM iam_access_keys WHERE access_key_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("access key " + id)
	}
	return k, err
}

// ListAccessKeys returns the user's access keys, oldest first.
func (db *DB) ListAccessKeys(ctx context.Context, account, userName string) ([]*iam.AccessKey, error) {
	rows, err := db.query(ctx, "SELECT "+accessKeyColumns+` FROM iam_access_keys
		WHERE account_id = ? AND user_name = ? ORDER BY created_at, access_key_id`, account, userName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ks []*iam.AccessKey
	for rows.Next() {
		k, err := scanAccessKey(rows)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}
