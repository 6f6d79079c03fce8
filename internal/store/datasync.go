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

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/datasync"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// DB implements the storage resource data syncs need.
var _ datasync.Store = (*DB)(nil)

const dsSyncColumns = `account_id, sync_name, sync_type, destination, created_at, last_sync_at, last_status, last_success_at,
	last_message, full_due_at`

func scanDataSync(row rowScanner) (*datasync.Sync, error) {
	sy := &datasync.Sync{}
	var dest string
	var created, last, success, due int64
	if err := row.Scan(&sy.Account, &sy.Name, &sy.Type, &dest, &created, &last, &sy.LastStatus, &success, &sy.LastMessage, &due); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(dest), &sy.Destination); err != nil {
		return nil, fmt.Errorf("resource data sync %s destination: %w", sy.Name, err)
	}
	sy.CreatedAt, sy.LastSyncAt, sy.LastSuccessAt, sy.FullDue = fromMillis(created), fromMillisOrZero(last), fromMillisOrZero(success),
		fromMillisOrZero(due)
	return sy, nil
}

// CreateResourceDataSync adds a sync, counting it in its account's
// ds_counts row with a conditional UPDATE, which serializes the creations
// of an account on every engine: a sync of the same name is an error of
// kind Exists; max syncs already, of kind LimitExceeded.
func (db *DB) CreateResourceDataSync(ctx context.Context, sy *datasync.Sync, max int) error {
	dest, err := json.Marshal(&sy.Destination)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		var one int
		err := tx.queryRow(ctx, "SELECT 1 FROM ds_syncs WHERE account_id = ? AND sync_name = ?", sy.Account, sy.Name).Scan(&one)
		if err == nil {
			return exists("resource data sync " + sy.Name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO ds_counts (account_id, syncs) VALUES (?, 0) ON CONFLICT (account_id) DO NOTHING", sy.Account); err != nil {
			return err
		}
		n, err := affected(tx.exec(ctx, "UPDATE ds_counts SET syncs = syncs + 1 WHERE account_id = ? AND syncs < ?", sy.Account, max))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%d syncs: %w", max, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, "INSERT INTO ds_syncs ("+dsSyncColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			sy.Account, sy.Name, sy.Type, string(dest), millis(sy.CreatedAt), millisOrZero(sy.LastSyncAt), sy.LastStatus,
			millisOrZero(sy.LastSuccessAt), sy.LastMessage, millisOrZero(sy.FullDue))
		if isUniqueViolation(err) {
			return exists("resource data sync " + sy.Name)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create resource data sync %s: %w", sy.Name, err)
	}
	return nil
}

// ResourceDataSync returns a sync of the account (NotFound if none).
func (db *DB) ResourceDataSync(ctx context.Context, account, name string) (*datasync.Sync, error) {
	return getOne(ctx, db, scanDataSync, "resource data sync "+name,
		"SELECT "+dsSyncColumns+" FROM ds_syncs WHERE account_id = ? AND sync_name = ?", account, name)
}

// ResourceDataSyncs returns the account's syncs of syncType ("": any) in
// name order, after the name after, at most n (0: no limit).
func (db *DB) ResourceDataSyncs(ctx context.Context, account, syncType, after string, n int) ([]*datasync.Sync, error) {
	var w where
	w.add("account_id = ?", account)
	if syncType != "" {
		w.add("sync_type = ?", syncType)
	}
	if after != "" {
		w.add("sync_name > ?", after)
	}
	return queryAll(ctx, db, scanDataSync, "SELECT "+dsSyncColumns+" FROM ds_syncs"+w.String()+" ORDER BY sync_name"+limit(n, &w.args), w.args...)
}

// DeleteResourceDataSync deletes a sync of the account, of syncType unless
// it is "", and uncounts it (NotFound if there is none).
func (db *DB) DeleteResourceDataSync(ctx context.Context, account, name, syncType string) error {
	err := db.inTx(ctx, func(tx *Tx) error {
		var w where
		w.add("account_id = ?", account)
		w.add("sync_name = ?", name)
		if syncType != "" {
			w.add("sync_type = ?", syncType)
		}
		res, err := tx.exec(ctx, "DELETE FROM ds_syncs"+w.String(), w.args...)
		if err := mustAffect(res, err, "resource data sync "+name); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "UPDATE ds_counts SET syncs = syncs - 1 WHERE account_id = ?", account)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete resource data sync %s: %w", name, err)
	}
	return nil
}

// DueResourceDataSyncs returns the account's syncs whose full export is
// due at now, earliest first, at most n; it reads ds_syncs_due.
func (db *DB) DueResourceDataSyncs(ctx context.Context, account string, now time.Time, n int) ([]*datasync.Sync, error) {
	args := []any{account, millis(now)}
	return queryAll(ctx, db, scanDataSync, "SELECT "+dsSyncColumns+` FROM ds_syncs
		WHERE account_id = ? AND full_due_at > 0 AND full_due_at <= ? ORDER BY full_due_at, sync_name`+limit(n, &args), args...)
}

// ClaimResourceDataSync moves a sync's due full export to until, marking
// it InProgress since now, if its due time is still due: a compare-and-set
// that only one of several servers wins (PostgreSQL's row lock makes the
// others re-check the condition; SQLite has one writer).
func (db *DB) ClaimResourceDataSync(ctx context.Context, account, name string, due, until, now time.Time) (bool, error) {
	n, err := affected(db.exec(ctx, `UPDATE ds_syncs SET full_due_at = ?, last_status = ?, last_sync_at = ?
		WHERE account_id = ? AND sync_name = ? AND full_due_at = ? AND full_due_at > 0`,
		millis(until), ssm.LastResourceDataSyncStatusInProgress, millis(now), account, name, millis(due)))
	if err != nil {
		return false, fmt.Errorf("claim resource data sync %s: %w", name, err)
	}
	return n > 0, nil
}

// RenewResourceDataSync moves a claimed export's lease from lease to
// until, if it is still lease.
func (db *DB) RenewResourceDataSync(ctx context.Context, account, name string, lease, until time.Time) (bool, error) {
	n, err := affected(db.exec(ctx, "UPDATE ds_syncs SET full_due_at = ? WHERE account_id = ? AND sync_name = ? AND full_due_at = ?",
		millis(until), account, name, millis(lease)))
	if err != nil {
		return false, fmt.Errorf("renew resource data sync %s: %w", name, err)
	}
	return n > 0, nil
}

// FinishResourceDataSync records the outcome of a full export whose lease
// is still lease. A success clears the due time, unless an export of some
// items failed meanwhile (the status is Failed, no longer InProgress):
// then another full export is due at o.RetryAt. A failure makes one due
// then.
func (db *DB) FinishResourceDataSync(ctx context.Context, account, name string, lease time.Time, o datasync.Outcome) (bool, error) {
	var res sql.Result
	var err error
	if o.Err == "" {
		res, err = db.exec(ctx, `UPDATE ds_syncs SET last_success_at = ?,
			full_due_at = CASE WHEN last_status = ? THEN 0 ELSE CAST(? AS BIGINT) END,
			last_message = CASE WHEN last_status = ? THEN '' ELSE last_message END,
			last_status = CASE WHEN last_status = ? THEN ? ELSE last_status END
			WHERE account_id = ? AND sync_name = ? AND full_due_at = ?`,
			millis(o.At), ssm.LastResourceDataSyncStatusInProgress, millisOrZero(o.RetryAt), ssm.LastResourceDataSyncStatusInProgress,
			ssm.LastResourceDataSyncStatusInProgress, ssm.LastResourceDataSyncStatusSuccessful, account, name, millis(lease))
	} else {
		res, err = db.exec(ctx, `UPDATE ds_syncs SET last_status = ?, last_message = ?, full_due_at = ?
			WHERE account_id = ? AND sync_name = ? AND full_due_at = ?`,
			ssm.LastResourceDataSyncStatusFailed, o.Err, millis(o.RetryAt), account, name, millis(lease))
	}
	n, err := affected(res, err)
	if err != nil {
		return false, fmt.Errorf("finish resource data sync %s: %w", name, err)
	}
	return n > 0, nil
}

// RecordResourceDataSync records the outcome of an export of some items.
func (db *DB) RecordResourceDataSync(ctx context.Context, account, name string, o datasync.Outcome) error {
	var err error
	if o.Err == "" {
		_, err = db.exec(ctx, `UPDATE ds_syncs SET last_sync_at = ?, last_success_at = ?,
			last_status = CASE WHEN last_status IN (?, ?) THEN last_status ELSE ? END
			WHERE account_id = ? AND sync_name = ?`,
			millis(o.At), millis(o.At), ssm.LastResourceDataSyncStatusFailed, ssm.LastResourceDataSyncStatusInProgress,
			ssm.LastResourceDataSyncStatusSuccessful, account, name)
	} else {
		_, err = db.exec(ctx, `UPDATE ds_syncs SET last_sync_at = ?, last_status = ?, last_message = ?,
			full_due_at = CASE WHEN full_due_at = 0 THEN CAST(? AS BIGINT) ELSE full_due_at END
			WHERE account_id = ? AND sync_name = ?`,
			millis(o.At), ssm.LastResourceDataSyncStatusFailed, o.Err, millis(o.RetryAt), account, name)
	}
	if err != nil {
		return fmt.Errorf("record resource data sync %s: %w", name, err)
	}
	return nil
}

// markPendingExports records, in a PutInventory's transaction, the items
// it changed as waiting for their export, if the account has a resource
// data sync.
func (tx *Tx) markPendingExports(ctx context.Context, account, instanceID string, typeNames []string, now time.Time) error {
	for _, typeName := range typeNames {
		if _, err := tx.exec(ctx, `INSERT INTO ds_pending (account_id, instance_id, type_name, token, put_at)
			SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM ds_syncs WHERE account_id = ?)
			ON CONFLICT (account_id, instance_id, type_name) DO UPDATE SET token = excluded.token, put_at = excluded.put_at`,
			account, instanceID, typeName, uuid.NewString(), millis(now), account); err != nil {
			return fmt.Errorf("mark pending export of %s: %w", typeName, err)
		}
	}
	return nil
}

// PendingExports returns the account's items waiting for their export:
// those of keys (nil: every one changed before before), at most limit.
func (db *DB) PendingExports(ctx context.Context, account string, keys []datasync.PendingExport, before time.Time, limit int) ([]datasync.PendingExport, error) {
	var w where
	w.add("account_id = ?", account)
	if keys != nil {
		if len(keys) == 0 {
			return nil, nil
		}
		var or []string
		for _, k := range keys {
			or = append(or, "(instance_id = ? AND type_name = ?)")
			w.args = append(w.args, k.InstanceID, k.TypeName)
		}
		w.conds = append(w.conds, "("+strings.Join(or, " OR ")+")")
	} else {
		w.add("put_at < ?", millis(before))
	}
	rows, err := db.query(ctx, "SELECT instance_id, type_name, token, put_at FROM ds_pending"+w.String()+
		" ORDER BY put_at, instance_id, type_name LIMIT ?", append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("pending exports: %w", err)
	}
	defer rows.Close()
	var out []datasync.PendingExport
	for rows.Next() {
		var p datasync.PendingExport
		var at int64
		if err := rows.Scan(&p.InstanceID, &p.TypeName, &p.Token, &at); err != nil {
			return nil, fmt.Errorf("pending exports: %w", err)
		}
		p.PutAt = fromMillis(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ClearPendingExports removes the account's pending items that an export
// wrote, each only if it has not changed since (same token).
func (db *DB) ClearPendingExports(ctx context.Context, account string, done []datasync.PendingExport) error {
	for _, p := range done {
		if _, err := db.exec(ctx, "DELETE FROM ds_pending WHERE account_id = ? AND instance_id = ? AND type_name = ? AND token = ?",
			account, p.InstanceID, p.TypeName, p.Token); err != nil {
			return fmt.Errorf("clear pending export: %w", err)
		}
	}
	return nil
}
