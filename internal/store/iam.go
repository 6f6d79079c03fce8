// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

// DB implements the storage the IAM service needs.
var _ iam.Store = (*DB)(nil)

// rowScanner is what *sql.Row and *sql.Rows provide.
type rowScanner interface{ Scan(dest ...any) error }

// nameKey is the key under which an IAM name is unique: names differing
// only in case are the same name.
func nameKey(name string) string { return strings.ToLower(name) }

// ownerTable returns the table holding owners of kind (iam.KindUser, …)
// and its column with the owner's name as given.
func ownerTable(kind string) (table, nameCol string, err error) {
	switch kind {
	case iam.KindUser:
		return "iam_users", "user_name", nil
	case iam.KindGroup:
		return "iam_groups", "group_name", nil
	case iam.KindRole:
		return "iam_roles", "role_name", nil
	}
	return "", "", fmt.Errorf("owner kind %q: %w", kind, awserr.Invalid)
}

// checkOwner returns an error of kind NotFound unless the owner exists.
func (db *DB) checkOwner(ctx context.Context, qr queryer, account, kind, owner string) error {
	table, _, err := ownerTable(kind)
	if err != nil {
		return err
	}
	ok, err := db.has(ctx, qr, "SELECT 1 FROM "+table+" WHERE account_id = ? AND name_key = ?", account, nameKey(owner))
	if err != nil {
		return err
	}
	if !ok {
		return notFound(kind + " " + owner)
	}
	return nil
}

// has reports whether query, run on qr (db.sql or a transaction's
// *sql.Tx), returns a row.
func (db *DB) has(ctx context.Context, qr queryer, query string, args ...any) (bool, error) {
	var one int
	err := qr.QueryRowContext(ctx, db.q(query), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// mustAffect returns err, or an error of kind NotFound naming what when
// res changed no row.
func mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

// affected returns how many rows res changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// jsonList encodes a list for a JSON text column; no list is "[]".
// Encoding strings and tags cannot fail.
func jsonList[T iam.Tag | string](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseList decodes a JSON text column written by jsonList; an empty list
// is nil.
func parseList[T iam.Tag | string](s string) ([]T, error) {
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// millisOrZero is millis, with the zero time ("never") stored as 0.
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// fromMillisOrZero is fromMillis, with 0 read as the zero time.
func fromMillisOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

// where accumulates the conditions of a query's WHERE clause and their
// arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// String returns " WHERE c1 AND c2 …", or "" with no conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// pathPrefix selects rows whose column col starts with prefix; "" and "/"
// select every path. It compares a substring rather than using LIKE,
// because SQLite's LIKE ignores case and IAM paths do not, and because
// then no character of the prefix needs escaping.
func (w *where) pathPrefix(col, prefix string) {
	if prefix == "" || prefix == "/" {
		return
	}
	w.add("substr("+col+", 1, ?) = ?", utf8.RuneCountInString(prefix), prefix)
}

// page restricts a listing ordered by the name key column keyCol to opt's
// path prefix (on pathCol) and to names after opt.After.
func (w *where) page(keyCol, pathCol string, opt iam.ListOptions) {
	w.pathPrefix(pathCol, opt.PathPrefix)
	if opt.After != "" {
		w.add(keyCol+" > ?", nameKey(opt.After))
	}
}

// limit returns the LIMIT clause for n rows and appends its argument to
// args; n ≤ 0 means no limit.
func limit(n int, args *[]any) string {
	if n <= 0 {
		return ""
	}
	*args = append(*args, n)
	return " LIMIT ?"
}

// scanAll scans every row of rows with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryAll runs query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scan)
}

// getOne runs query, expecting one row scanned with scan; no row is an
// error of kind NotFound naming what.
func getOne[T any](ctx context.Context, db *DB, scan func(rowScanner) (T, error), what, query string, args ...any) (T, error) {
	v, err := scan(db.queryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, notFound(what)
	}
	return v, err
}
