// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
)

// SetMetaIfAbsent stores value under name unless a value is there already,
// and returns the value stored. Concurrent callers all get the first value.
func (db *DB) SetMetaIfAbsent(ctx context.Context, name, value string) (string, error) {
	if _, err := db.exec(ctx, "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, value); err != nil {
		return "", err
	}
	return db.GetMeta(ctx, name)
}

// GetMeta returns the value stored under name, or an error of kind
// NotFound.
func (db *DB) GetMeta(ctx context.Context, name string) (string, error) {
	var v string
	err := db.queryRow(ctx, "SELECT value FROM meta WHERE name = ?", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("meta " + name)
	}
	return v, err
}
