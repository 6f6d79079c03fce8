// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
)

// maxArgs bounds the arguments of one statement: below SQLite's limit of
// 32,766 and PostgreSQL's of 65,535.
const maxArgs = 30000

// Rows a batched statement handles at once, well below maxArgs.
const (
	tagBatch   = 1000 // instances whose tags one query reads, tags one INSERT writes
	touchBatch = 1000 // pings one UPDATE records
)

// placeholders returns n "?" separated by commas, for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// rowsOf returns n parenthesized rows of the placeholder list row, for a
// multi-row VALUES.
func rowsOf(n int, row string) string {
	return strings.TrimSuffix(strings.Repeat("("+row+"), ", n), ", ")
}

const instanceColumns = `i.instance_id, i.account_id, i.name, i.activation_id, i.iam_role, i.public_key, i.registered_at,
	i.last_ping_at, i.agent_version, i.platform_type, i.platform_name, i.platform_version, i.architecture,
	i.ip_address, i.computer_name`

// scanInstance scans a row of instanceColumns; the instance's Tags are
// left for fillInstanceTags.
func scanInstance(row rowScanner) (*fleet.Instance, error) {
	in := &fleet.Instance{}
	var registered, pinged int64
	if err := row.Scan(&in.ID, &in.Account, &in.Name, &in.ActivationID, &in.IAMRole, &in.PublicKey, &registered,
		&pinged, &in.AgentVersion, &in.PlatformType, &in.PlatformName, &in.PlatformVersion, &in.Architecture,
		&in.IPAddress, &in.ComputerName); err != nil {
		return nil, err
	}
	in.RegisteredAt = fromMillis(registered)
	in.LastPing = fromMillis(pinged)
	return in, nil
}

// RegisterInstance stores inst as registered with its activation, in one
// transaction that checks and counts the registration. A missing
// activation is an error of kind NotFound, a codeHash other than the
// activation's of kind Invalid, an activation expired at now of kind
// Conflict, one whose registrations reached its limit of kind
// LimitExceeded. An instance ID or agent key in use, or a key revoked by
// an earlier deregistration, is an error of kind Exists.
//
// The count is taken by a conditional update of the activation's row, so
// concurrent registrations never exceed the limit on any number of
// servers: PostgreSQL serializes them on that row, SQLite has one writer.
func (db *DB) RegisterInstance(ctx context.Context, inst *fleet.Instance, codeHash string, now time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		act := inst.ActivationID
		var hash string
		var expires int64
		err := tx.queryRow(ctx, "SELECT code_hash, expiration_at FROM fleet_activations WHERE activation_id = ?", act).Scan(&hash, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("activation " + act)
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(hash), []byte(codeHash)) != 1 {
			return fmt.Errorf("activation %s: wrong code: %w", act, awserr.Invalid)
		}
		if expires <= millis(now) {
			return fmt.Errorf("activation %s: expired: %w", act, awserr.Conflict)
		}
		revoked, err := db.has(ctx, tx.tx, "SELECT 1 FROM fleet_revoked_keys WHERE public_key = ?", inst.PublicKey)
		if err != nil {
			return err
		}
		if revoked {
			return exists("agent key " + inst.PublicKey + " (revoked)")
		}
		n, err := affected(tx.exec(ctx, `UPDATE fleet_activations SET registrations_count = registrations_count + 1
			WHERE activation_id = ? AND registrations_count < registration_limit AND expiration_at > ?`, act, millis(now)))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("activation %s: registration limit reached: %w", act, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, `INSERT INTO fleet_instances (instance_id, account_id, name, activation_id, iam_role, public_key,
			registered_at, last_ping_at, agent_version, platform_type, platform_name, platform_version, architecture,
			ip_address, computer_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(inst.ID), inst.Account, inst.Name, act, inst.IAMRole, inst.PublicKey, millis(inst.RegisteredAt),
			millis(inst.LastPing), inst.AgentVersion, inst.PlatformType, inst.PlatformName, inst.PlatformVersion,
			inst.Architecture, inst.IPAddress, inst.ComputerName)
		if isUniqueViolation(err) {
			return exists("instance " + string(inst.ID) + " or its agent key")
		}
		if err != nil {
			return err
		}
		return tx.insertInstanceTags(ctx, inst.ID, inst.Tags)
	})
}

// insertInstanceTags stores the tags of the instance id, which has none.
func (t *Tx) insertInstanceTags(ctx context.Context, id fleet.InstanceID, tags map[string]string) error {
	for keys := range slices.Chunk(slices.Sorted(maps.Keys(tags)), tagBatch) {
		args := make([]any, 0, 3*len(keys))
		for _, k := range keys {
			args = append(args, string(id), k, tags[k])
		}
		if _, err := t.exec(ctx, "INSERT INTO fleet_instance_tags (instance_id, tag_key, tag_value) VALUES "+
			rowsOf(len(keys), "?, ?, ?"), args...); err != nil {
			return fmt.Errorf("instance %s tags: %w", id, err)
		}
	}
	return nil
}

// GetInstance returns the instance with the given ID, of any account.
func (db *DB) GetInstance(ctx context.Context, id fleet.InstanceID) (*fleet.Instance, error) {
	return db.getInstance(ctx, "instance "+string(id), "i.instance_id = ?", string(id))
}

// GetInstanceByKey returns the instance whose agent has the public key.
func (db *DB) GetInstanceByKey(ctx context.Context, publicKey string) (*fleet.Instance, error) {
	return db.getInstance(ctx, "instance with agent key "+publicKey, "i.public_key = ?", publicKey)
}

// getInstance returns the one instance matching cond, with its tags.
func (db *DB) getInstance(ctx context.Context, what, cond string, args ...any) (*fleet.Instance, error) {
	in, err := getOne(ctx, db, scanInstance, what, "SELECT "+instanceColumns+" FROM fleet_instances i WHERE "+cond, args...)
	if err != nil {
		return nil, err
	}
	if err := db.fillInstanceTags(ctx, []*fleet.Instance{in}); err != nil {
		return nil, err
	}
	return in, nil
}

// inList selects rows whose column col holds one of vs; no vs selects
// every row.
func inList[T ~string](w *where, col string, vs []T) {
	if len(vs) == 0 {
		return
	}
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = string(v)
	}
	w.add(col+" IN ("+placeholders(len(vs))+")", args...)
}

// instanceWhere returns the conditions selecting the account's instances
// that f selects, apart from its paging (After, Limit). A filter with more
// values than one statement takes is an error of kind Invalid.
func instanceWhere(account string, f fleet.InstanceFilter) (*where, error) {
	w := &where{}
	w.add("i.account_id = ?", account)
	inList(w, "i.instance_id", f.IDs)
	inList(w, "i.activation_id", f.ActivationIDs)
	inList(w, "i.iam_role", f.IAMRoles)
	inList(w, "i.platform_type", f.PlatformTypes)
	inList(w, "i.agent_version", f.AgentVersions)
	switch {
	case f.PingOnline && !f.PingLost:
		w.add("i.last_ping_at >= ?", millis(f.OnlineSince))
	case f.PingLost && !f.PingOnline:
		w.add("i.last_ping_at < ?", millis(f.OnlineSince))
	}
	for _, tf := range f.Tags {
		t := &where{}
		t.add("t.instance_id = i.instance_id")
		t.add("t.tag_key = ?", tf.Key)
		inList(t, "t.tag_value", tf.Values)
		w.add("EXISTS (SELECT 1 FROM fleet_instance_tags t"+t.String()+")", t.args...)
	}
	if len(w.args) > maxArgs {
		return nil, fmt.Errorf("instance filter of %d values, more than %d: %w", len(w.args), maxArgs, awserr.Invalid)
	}
	return w, nil
}

// ListInstances returns the account's instances that f selects, with
// their tags, ordered by ID: those after f.After, at most f.Limit (0: no
// limit). The filter may hold up to about 30,000 values in all (IDs, tag
// values, …); more is an error of kind Invalid.
func (db *DB) ListInstances(ctx context.Context, account string, f fleet.InstanceFilter) ([]*fleet.Instance, error) {
	w, err := instanceWhere(account, f)
	if err != nil {
		return nil, err
	}
	if f.After != "" {
		w.add("i.instance_id > ?", string(f.After))
	}
	query := "SELECT " + instanceColumns + " FROM fleet_instances i" + w.String() + " ORDER BY i.instance_id" + limit(f.Limit, &w.args)
	ins, err := queryAll(ctx, db, scanInstance, query, w.args...)
	if err != nil {
		return nil, err
	}
	return ins, db.fillInstanceTags(ctx, ins)
}

// CountInstances returns how many of the account's instances f selects.
// f.After and f.Limit, which page a listing, are ignored.
func (db *DB) CountInstances(ctx context.Context, account string, f fleet.InstanceFilter) (int, error) {
	w, err := instanceWhere(account, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.queryRow(ctx, "SELECT COUNT(*) FROM fleet_instances i"+w.String(), w.args...).Scan(&n)
	return n, err
}

// fillInstanceTags sets the Tags of ins, reading the tags of up to
// tagBatch instances a query.
func (db *DB) fillInstanceTags(ctx context.Context, ins []*fleet.Instance) error {
	byID := make(map[string]*fleet.Instance, len(ins))
	for _, in := range ins {
		byID[string(in.ID)] = in
	}
	for chunk := range slices.Chunk(ins, tagBatch) {
		args := make([]any, len(chunk))
		for i, in := range chunk {
			args[i] = string(in.ID)
		}
		rows, err := db.query(ctx, "SELECT instance_id, tag_key, tag_value FROM fleet_instance_tags WHERE instance_id IN ("+
			placeholders(len(chunk))+")", args...)
		if err != nil {
			return err
		}
		_, err = scanAll(rows, func(row rowScanner) (struct{}, error) {
			var id, k, v string
			if err := row.Scan(&id, &k, &v); err != nil {
				return struct{}{}, err
			}
			in := byID[id]
			if in.Tags == nil {
				in.Tags = map[string]string{}
			}
			in.Tags[k] = v
			return struct{}{}, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// UpdateInstanceFacts stores what the instance's agent reports: its
// version, platform, architecture, IP address and computer name. Its
// name, role, key, tags and times stay as they are.
func (db *DB) UpdateInstanceFacts(ctx context.Context, inst *fleet.Instance) error {
	res, err := db.exec(ctx, `UPDATE fleet_instances SET agent_version = ?, platform_type = ?, platform_name = ?,
		platform_version = ?, architecture = ?, ip_address = ?, computer_name = ? WHERE instance_id = ?`,
		inst.AgentVersion, inst.PlatformType, inst.PlatformName, inst.PlatformVersion, inst.Architecture,
		inst.IPAddress, inst.ComputerName, string(inst.ID))
	return mustAffect(res, err, "instance "+string(inst.ID))
}

// TouchInstances records the last pings of many instances in one
// transaction, touchBatch instances a statement. A ping older than the
// one recorded changes nothing; instances that do not exist (say,
// deregistered meanwhile) are skipped.
func (db *DB) TouchInstances(ctx context.Context, pings map[fleet.InstanceID]time.Time) error {
	if len(pings) == 0 {
		return nil
	}
	// In ID order, so that concurrent calls tend to lock rows in one order.
	ids := slices.Sorted(maps.Keys(pings))
	return db.inTx(ctx, func(tx *Tx) error {
		for chunk := range slices.Chunk(ids, touchBatch) {
			args := make([]any, 0, 2*len(chunk))
			for _, id := range chunk {
				args = append(args, string(id), millis(pings[id]))
			}
			// VALUES columns are named column1, column2 in both engines;
			// the casts give PostgreSQL their types.
			if _, err := tx.exec(ctx, `UPDATE fleet_instances SET last_ping_at = v.column2
				FROM (VALUES `+rowsOf(len(chunk), "CAST(? AS TEXT), CAST(? AS BIGINT)")+`) AS v
				WHERE fleet_instances.instance_id = v.column1 AND fleet_instances.last_ping_at < v.column2`, args...); err != nil {
				return fmt.Errorf("touch instances: %w", err)
			}
		}
		return nil
	})
}

// SetInstanceTags replaces the instance's tags; nil removes them all.
func (db *DB) SetInstanceTags(ctx context.Context, id fleet.InstanceID, tags map[string]string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// The no-op update checks that the instance exists and holds off
		// other changes of its tags until this ends: otherwise two
		// replacements could each miss the other's new rows.
		res, err := tx.exec(ctx, "UPDATE fleet_instances SET name = name WHERE instance_id = ?", string(id))
		if err := mustAffect(res, err, "instance "+string(id)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM fleet_instance_tags WHERE instance_id = ?", string(id)); err != nil {
			return err
		}
		return tx.insertInstanceTags(ctx, id, tags)
	})
}

// DeregisterInstance deletes the instance and its tags and revokes its
// agent key as of at, in one transaction. The activation's registrations
// count stays as it is.
func (db *DB) DeregisterInstance(ctx context.Context, id fleet.InstanceID, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var key string
		err := tx.queryRow(ctx, "DELETE FROM fleet_instances WHERE instance_id = ? RETURNING public_key", string(id)).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("instance " + string(id))
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM fleet_instance_tags WHERE instance_id = ?", string(id)); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO fleet_revoked_keys (public_key, instance_id, revoked_at) VALUES (?, ?, ?)
			ON CONFLICT (public_key) DO NOTHING`, key, string(id), millis(at))
		return err
	})
}

// RevokedKeys returns every revoked agent key and when it was revoked.
func (db *DB) RevokedKeys(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.query(ctx, "SELECT public_key, revoked_at FROM fleet_revoked_keys")
	if err != nil {
		return nil, err
	}
	keys := map[string]time.Time{}
	_, err = scanAll(rows, func(row rowScanner) (struct{}, error) {
		var key string
		var at int64
		if err := row.Scan(&key, &at); err != nil {
			return struct{}{}, err
		}
		keys[key] = fromMillis(at)
		return struct{}{}, nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}
