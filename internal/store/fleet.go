// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
)

// DB implements the storage the fleet needs.
var _ fleet.Store = (*DB)(nil)

// jsonMap encodes tags for a JSON text column; no tags is "{}". Encoding
// a map of strings cannot fail.
func jsonMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// parseMap decodes a JSON text column written by jsonMap; no tags is nil.
func parseMap(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

const activationColumns = `a.activation_id, a.account_id, a.description, a.default_instance_name, a.iam_role,
	a.registration_limit, a.registrations_count, a.expiration_at, a.created_at, a.code_hash, a.tags`

func scanActivation(row rowScanner) (*fleet.Activation, error) {
	a := &fleet.Activation{}
	var expires, created int64
	var tags string
	if err := row.Scan(&a.ID, &a.Account, &a.Description, &a.DefaultInstanceName, &a.IAMRole,
		&a.RegistrationLimit, &a.RegistrationsCount, &expires, &created, &a.CodeHash, &tags); err != nil {
		return nil, err
	}
	a.Expiration = fromMillis(expires)
	a.CreateDate = fromMillis(created)
	var err error
	if a.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("activation %s tags: %w", a.ID, err)
	}
	return a, nil
}

const insertActivation = `INSERT INTO fleet_activations (activation_id, account_id, description, default_instance_name,
	iam_role, registration_limit, registrations_count, expiration_at, created_at, code_hash, tags)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// activationArgs returns the arguments of insertActivation for a.
func activationArgs(a *fleet.Activation) []any {
	return []any{a.ID, a.Account, a.Description, a.DefaultInstanceName, a.IAMRole, a.RegistrationLimit, a.RegistrationsCount,
		millis(a.Expiration), millis(a.CreateDate), a.CodeHash, jsonMap(a.Tags)}
}

// CreateActivation stores a new activation; one with the same ID yields an
// error of kind Exists.
func (db *DB) CreateActivation(ctx context.Context, a *fleet.Activation) error {
	_, err := db.exec(ctx, insertActivation, activationArgs(a)...)
	if isUniqueViolation(err) {
		return exists("activation " + a.ID)
	}
	return err
}

// GetActivation returns the activation with the given ID, of any account.
func (db *DB) GetActivation(ctx context.Context, id string) (*fleet.Activation, error) {
	return getOne(ctx, db, scanActivation, "activation "+id,
		"SELECT "+activationColumns+" FROM fleet_activations a WHERE a.activation_id = ?", id)
}

// ListActivations returns the account's activations newest first (by
// creation time, then ID descending), those after the activation after
// when it is not "", at most n of them (0: no limit). An after that is
// not an activation of the account (say, deleted while paging) is an error
// of kind Invalid: its position is lost.
func (db *DB) ListActivations(ctx context.Context, account, after string, n int) ([]*fleet.Activation, error) {
	var w where
	w.add("a.account_id = ?", account)
	if after != "" {
		var created int64
		err := db.queryRow(ctx, "SELECT created_at FROM fleet_activations WHERE account_id = ? AND activation_id = ?",
			account, after).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("list activations after %s: no such activation: %w", after, awserr.Invalid)
		}
		if err != nil {
			return nil, err
		}
		w.add("(a.created_at < ? OR (a.created_at = ? AND a.activation_id < ?))", created, created, after)
	}
	query := "SELECT " + activationColumns + " FROM fleet_activations a" + w.String() +
		" ORDER BY a.created_at DESC, a.activation_id DESC" + limit(n, &w.args)
	return queryAll(ctx, db, scanActivation, query, w.args...)
}

// DeleteActivation deletes the activation. The instances registered with
// it stay registered.
func (db *DB) DeleteActivation(ctx context.Context, id string) error {
	res, err := db.exec(ctx, "DELETE FROM fleet_activations WHERE activation_id = ?", id)
	return mustAffect(res, err, "activation "+id)
}

// Vending returns the activation a vending configuration hands out now and
// its sealed code; a configuration without one yields an error of kind
// NotFound.
func (db *DB) Vending(ctx context.Context, name string) (activationID string, sealedCode []byte, err error) {
	err = db.queryRow(ctx, "SELECT activation_id, sealed_code FROM fleet_vending WHERE name = ?", name).Scan(&activationID, &sealedCode)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, notFound("vending configuration " + name)
	}
	return activationID, sealedCode, err
}

// SwapVending creates the activation next and makes it, with its sealed
// code, the one the vending configuration hands out, if the one it hands
// out is still prev ("": it has none yet); it reports whether it did. The
// swap is a conditional statement that comes first in the transaction, so
// of concurrent callers with the same prev exactly one succeeds, on any
// number of servers, and only its activation is created. An activation
// with next's ID is an error of kind Exists, and nothing changes.
func (db *DB) SwapVending(ctx context.Context, name, prev string, next *fleet.Activation, sealedCode []byte, at time.Time) (bool, error) {
	var won bool
	err := db.inTx(ctx, func(tx *Tx) error {
		var n int64
		var err error
		if prev == "" {
			n, err = affected(tx.exec(ctx, `INSERT INTO fleet_vending (name, activation_id, sealed_code, updated_at)
				VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, next.ID, sealedCode, millis(at)))
		} else {
			n, err = affected(tx.exec(ctx, `UPDATE fleet_vending SET activation_id = ?, sealed_code = ?, updated_at = ?
				WHERE name = ? AND activation_id = ?`, next.ID, sealedCode, millis(at), name, prev))
		}
		if err != nil {
			return err
		}
		if won = n == 1; !won {
			return nil
		}
		_, err = tx.exec(ctx, insertActivation, activationArgs(next)...)
		if isUniqueViolation(err) {
			return exists("activation " + next.ID)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("swap vending %s: %w", name, err)
	}
	return won, nil
}
