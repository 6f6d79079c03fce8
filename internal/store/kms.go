// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/kms"
)

// DB implements the storage KMS needs.
var _ kms.Store = (*DB)(nil)

const kmsKeyColumns = `key_id, account_id, description, key_usage, key_spec, origin, manager, state, policy, tags, created_at,
	deletion_at, pending_window_days, rotation_period_days, next_rotation_at, current_version`

func scanKMSKey(row rowScanner) (*kms.Key, error) {
	k := &kms.Key{}
	var tags string
	var created, deletion, next int64
	if err := row.Scan(&k.ID, &k.Account, &k.Description, &k.Usage, &k.Spec, &k.Origin, &k.Manager, &k.State, &k.Policy, &tags, &created,
		&deletion, &k.PendingWindowDays, &k.RotationPeriodDays, &next, &k.CurrentVersion); err != nil {
		return nil, err
	}
	k.CreatedAt, k.DeletionAt, k.NextRotationAt = fromMillis(created), fromMillisOrZero(deletion), fromMillisOrZero(next)
	var err error
	if k.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("key %s tags: %w", k.ID, err)
	}
	return k, nil
}

func insertKMSKey(ctx context.Context, tx *Tx, k *kms.Key, m *kms.Material) error {
	if _, err := tx.exec(ctx, "INSERT INTO kms_keys ("+kmsKeyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.Account, k.Description, k.Usage, k.Spec, k.Origin, k.Manager, k.State, k.Policy, jsonMap(k.Tags), millis(k.CreatedAt),
		millisOrZero(k.DeletionAt), k.PendingWindowDays, k.RotationPeriodDays, millisOrZero(k.NextRotationAt), k.CurrentVersion); err != nil {
		if isUniqueViolation(err) {
			return exists("key " + k.ID)
		}
		return err
	}
	_, err := tx.exec(ctx, "INSERT INTO kms_key_material (key_id, version, sealed, rotation_type, created_at) VALUES (?, ?, ?, ?, ?)",
		m.KeyID, m.Version, m.Sealed, m.RotationType, millis(m.CreatedAt))
	return err
}

// CreateKey stores a new key with its first material.
func (db *DB) CreateKey(ctx context.Context, k *kms.Key, m *kms.Material) error {
	return db.inTx(ctx, func(tx *Tx) error { return insertKMSKey(ctx, tx, k, m) })
}

// CreateManagedKey stores the AWS managed key k, its material and the
// alias for it, unless the account has the alias already (another server
// made the key first): then it returns the key the alias names.
func (db *DB) CreateManagedKey(ctx context.Context, k *kms.Key, m *kms.Material, alias string) (*kms.Key, error) {
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := insertKMSKey(ctx, tx, k, m); err != nil {
			return err
		}
		_, err := tx.exec(ctx, "INSERT INTO kms_aliases (account_id, name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			k.Account, alias, k.ID, millis(k.CreatedAt), millis(k.CreatedAt))
		return err
	})
	if err == nil {
		return k, nil
	}
	if !isUniqueViolation(err) && !errors.Is(err, awserr.Exists) {
		return nil, fmt.Errorf("create managed key %s: %w", alias, err)
	}
	a, aerr := db.GetAlias(ctx, k.Account, alias)
	if aerr != nil {
		return nil, aerr
	}
	return db.GetKey(ctx, a.KeyID)
}

// GetKey returns a key by ID; none is an error of kind NotFound.
func (db *DB) GetKey(ctx context.Context, id string) (*kms.Key, error) {
	return getOne(ctx, db, scanKMSKey, "key "+id, "SELECT "+kmsKeyColumns+" FROM kms_keys WHERE key_id = ?", id)
}

// ListKeys returns the account's keys in ID order after the ID after, at
// most n (0: no limit).
func (db *DB) ListKeys(ctx context.Context, account, after string, n int) ([]*kms.Key, error) {
	var w where
	w.add("account_id = ?", account)
	if after != "" {
		w.add("key_id > ?", after)
	}
	return queryAll(ctx, db, scanKMSKey, "SELECT "+kmsKeyColumns+" FROM kms_keys"+w.String()+" ORDER BY key_id"+limit(n, &w.args), w.args...)
}

// UpdateKey changes a key in one statement and returns it; none is an
// error of kind NotFound.
func (db *DB) UpdateKey(ctx context.Context, id string, u kms.KeyUpdate) (*kms.Key, error) {
	var deletion, next any
	if u.DeletionAt != nil {
		deletion = millisOrZero(*u.DeletionAt)
	}
	if u.NextRotationAt != nil {
		next = millisOrZero(*u.NextRotationAt)
	}
	var k *kms.Key
	err := db.inTx(ctx, func(tx *Tx) error {
		// A NULL argument keeps the column's value.
		res, err := tx.exec(ctx, `UPDATE kms_keys SET state = COALESCE(?, state), policy = COALESCE(?, policy),
			description = COALESCE(?, description), deletion_at = COALESCE(?, deletion_at),
			pending_window_days = COALESCE(?, pending_window_days), rotation_period_days = COALESCE(?, rotation_period_days),
			next_rotation_at = COALESCE(?, next_rotation_at) WHERE key_id = ?`,
			nullable(u.State), nullable(u.Policy), nullable(u.Description), deletion, nullable(u.PendingWindowDays),
			nullable(u.RotationPeriodDays), next, id)
		if err := mustAffect(res, err, "key "+id); err != nil {
			return err
		}
		k, err = scanKMSKey(tx.queryRow(ctx, "SELECT "+kmsKeyColumns+" FROM kms_keys WHERE key_id = ?", id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update key %s: %w", id, err)
	}
	return k, nil
}

// TagKey sets and removes a key's tags and returns them. Its first
// statement locks the key's row, so concurrent changes take turns on any
// number of servers and none is lost.
func (db *DB) TagKey(ctx context.Context, id string, set map[string]string, remove []string, maxTags int) (map[string]string, error) {
	var tags map[string]string
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE kms_keys SET tags = tags WHERE key_id = ?", id)
		if err := mustAffect(res, err, "key "+id); err != nil {
			return err
		}
		var text string
		if err := tx.queryRow(ctx, "SELECT tags FROM kms_keys WHERE key_id = ?", id).Scan(&text); err != nil {
			return err
		}
		if tags, err = parseMap(text); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, set)
		for _, k := range remove {
			delete(tags, k)
		}
		if len(tags) > maxTags {
			return fmt.Errorf("%d tags, more than %d: %w", len(tags), maxTags, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, "UPDATE kms_keys SET tags = ? WHERE key_id = ?", jsonMap(tags), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tag key %s: %w", id, err)
	}
	return tags, nil
}

// RotateKey adds material m as its key's next version (m.Version, which
// must follow the current one) and makes it current. Two servers rotating
// one key at once cannot both make a version: the one that finds the key
// rotated already, or (with due set) no longer due, gets nil, nil.
func (db *DB) RotateKey(ctx context.Context, m *kms.Material, due, next time.Time) (*kms.Key, error) {
	var k *kms.Key
	err := db.inTx(ctx, func(tx *Tx) error {
		query := "UPDATE kms_keys SET current_version = ?, next_rotation_at = COALESCE(?, next_rotation_at) WHERE key_id = ? AND current_version = ?"
		var nextArg any
		if !next.IsZero() {
			nextArg = millis(next)
		}
		args := []any{m.Version, nextArg, m.KeyID, m.Version - 1}
		if !due.IsZero() {
			query, args = query+" AND next_rotation_at = ?", append(args, millis(due))
		}
		res, err := tx.exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // k stays nil: rotated meanwhile
		}
		if _, err := tx.exec(ctx, "INSERT INTO kms_key_material (key_id, version, sealed, rotation_type, created_at) VALUES (?, ?, ?, ?, ?)",
			m.KeyID, m.Version, m.Sealed, m.RotationType, millis(m.CreatedAt)); err != nil {
			return err
		}
		k, err = scanKMSKey(tx.queryRow(ctx, "SELECT "+kmsKeyColumns+" FROM kms_keys WHERE key_id = ?", m.KeyID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rotate key %s: %w", m.KeyID, err)
	}
	return k, nil
}

// DueKeys returns the IDs of keys whose deletion or automatic rotation is
// due at now.
func (db *DB) DueKeys(ctx context.Context, now time.Time) (deletions, rotations []string, err error) {
	scanID := func(row rowScanner) (string, error) {
		var id string
		return id, row.Scan(&id)
	}
	deletions, err = queryAll(ctx, db, scanID, "SELECT key_id FROM kms_keys WHERE state = ? AND deletion_at <= ? ORDER BY key_id",
		kms.StatePendingDeletion, millis(now))
	if err != nil {
		return nil, nil, err
	}
	rotations, err = queryAll(ctx, db, scanID, `SELECT key_id FROM kms_keys WHERE rotation_period_days > 0 AND state = ?
		AND next_rotation_at > 0 AND next_rotation_at <= ? ORDER BY key_id`, "Enabled", millis(now))
	return deletions, rotations, err
}

// DeleteDueKey deletes a key whose waiting period has ended at now, with
// its material and aliases, and reports whether it did. The first
// statement is the key's conditional delete, so a key whose deletion was
// cancelled meanwhile, or that another server deleted first, is left
// alone: on PostgreSQL the delete waits for a concurrent change of the
// key's row and then looks at the state it left.
func (db *DB) DeleteDueKey(ctx context.Context, id string, now time.Time) (bool, error) {
	deleted := false
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM kms_keys WHERE key_id = ? AND state = ? AND deletion_at > 0 AND deletion_at <= ?",
			id, kms.StatePendingDeletion, millis(now))
		n, err := affected(res, err)
		if err != nil || n == 0 {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM kms_aliases WHERE key_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM kms_key_material WHERE key_id = ?", id); err != nil {
			return err
		}
		deleted = true
		return nil
	})
	return deleted && err == nil, err
}

const kmsMaterialColumns = "key_id, version, sealed, rotation_type, created_at"

func scanKMSMaterial(row rowScanner) (*kms.Material, error) {
	m := &kms.Material{}
	var created int64
	if err := row.Scan(&m.KeyID, &m.Version, &m.Sealed, &m.RotationType, &created); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMillis(created)
	return m, nil
}

// GetMaterial returns a version of a key's material; none is an error of
// kind NotFound.
func (db *DB) GetMaterial(ctx context.Context, keyID string, version int) (*kms.Material, error) {
	return getOne(ctx, db, scanKMSMaterial, fmt.Sprintf("material %d of key %s", version, keyID),
		"SELECT "+kmsMaterialColumns+" FROM kms_key_material WHERE key_id = ? AND version = ?", keyID, version)
}

// ListMaterial returns a key's material, oldest first.
func (db *DB) ListMaterial(ctx context.Context, keyID string) ([]*kms.Material, error) {
	return queryAll(ctx, db, scanKMSMaterial, "SELECT "+kmsMaterialColumns+" FROM kms_key_material WHERE key_id = ? ORDER BY version", keyID)
}

const kmsAliasColumns = "account_id, name, key_id, created_at, updated_at"

func scanKMSAlias(row rowScanner) (*kms.Alias, error) {
	a := &kms.Alias{}
	var created, updated int64
	if err := row.Scan(&a.Account, &a.Name, &a.KeyID, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	return a, nil
}

// CreateAlias stores an alias; an existing name is an error of kind
// Exists.
func (db *DB) CreateAlias(ctx context.Context, a *kms.Alias) error {
	_, err := db.exec(ctx, "INSERT INTO kms_aliases ("+kmsAliasColumns+") VALUES (?, ?, ?, ?, ?)",
		a.Account, a.Name, a.KeyID, millis(a.CreatedAt), millis(a.UpdatedAt))
	if isUniqueViolation(err) {
		return exists("alias " + a.Name)
	}
	return err
}

// GetAlias returns the account's alias name; none is an error of kind
// NotFound.
func (db *DB) GetAlias(ctx context.Context, account, name string) (*kms.Alias, error) {
	return getOne(ctx, db, scanKMSAlias, "alias "+name,
		"SELECT "+kmsAliasColumns+" FROM kms_aliases WHERE account_id = ? AND name = ?", account, name)
}

// UpdateAlias points the account's alias name at keyID; no such alias is
// an error of kind NotFound.
func (db *DB) UpdateAlias(ctx context.Context, account, name, keyID string, now time.Time) error {
	res, err := db.exec(ctx, "UPDATE kms_aliases SET key_id = ?, updated_at = ? WHERE account_id = ? AND name = ?",
		keyID, millis(now), account, name)
	return mustAffect(res, err, "alias "+name)
}

// DeleteAlias deletes the account's alias name; none is an error of kind
// NotFound.
func (db *DB) DeleteAlias(ctx context.Context, account, name string) error {
	res, err := db.exec(ctx, "DELETE FROM kms_aliases WHERE account_id = ? AND name = ?", account, name)
	return mustAffect(res, err, "alias "+name)
}

// ListAliases returns the account's aliases (of keyID only when it is not
// ""), in name order after the name after, at most n (0: no limit).
func (db *DB) ListAliases(ctx context.Context, account, keyID, after string, n int) ([]*kms.Alias, error) {
	var w where
	w.add("account_id = ?", account)
	if keyID != "" {
		w.add("key_id = ?", keyID)
	}
	if after != "" {
		w.add("name > ?", after)
	}
	return queryAll(ctx, db, scanKMSAlias, "SELECT "+kmsAliasColumns+" FROM kms_aliases"+w.String()+" ORDER BY name"+limit(n, &w.args), w.args...)
}
