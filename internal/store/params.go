// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/params"
)

// DB implements the storage Parameter Store needs.
var _ params.Store = (*DB)(nil)

const paramVersionColumns = `v.version, v.type, v.value, v.key_id, v.description, v.allowed_pattern, v.tier, v.policies,
	v.data_type, v.modified_at, v.modified_by`

const paramColumns = `p.account_id, p.name, p.latest_version, p.tags, p.expires_at, ` + paramVersionColumns

func scanParamVersion(row rowScanner, extra ...any) (*params.Version, error) {
	v := &params.Version{}
	var modified int64
	dest := append(extra, &v.Number, &v.Type, &v.Value, &v.KeyID, &v.Description, &v.AllowedPattern, &v.Tier, &v.Policies,
		&v.DataType, &modified, &v.ModifiedBy)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	v.ModifiedAt = fromMillis(modified)
	return v, nil
}

func scanParameter(row rowScanner) (*params.Parameter, error) {
	p := &params.Parameter{}
	var tags string
	var expires int64
	v, err := scanParamVersion(row, &p.Account, &p.Name, &p.Latest, &tags, &expires)
	if err != nil {
		return nil, err
	}
	p.Version, p.ExpiresAt = v, fromMillisOrZero(expires)
	if p.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("parameter %s tags: %w", p.Name, err)
	}
	return p, nil
}

// wroteParameters tells the parameter cache, if any, that a write's
// transaction has ended.
func (db *DB) wroteParameters() {
	if db.params != nil {
		db.params.wrote()
	}
}

// paramExists reports whether the account has the parameter with key.
func (db *DB) paramExists(ctx context.Context, qr queryer, account, key string) (bool, error) {
	return db.has(ctx, qr, "SELECT 1 FROM param_parameters WHERE account_id = ? AND name_key = ?", account, key)
}

// lockParameter locks the row of the account's parameter with key for
// the rest of tx, so that changes of one parameter's versions and labels
// take turns on any number of servers, and returns its latest version. A
// missing parameter is an error of kind NotFound.
func (t *Tx) lockParameter(ctx context.Context, account, key string) (int64, error) {
	res, err := t.exec(ctx, "UPDATE param_parameters SET latest_version = latest_version WHERE account_id = ? AND name_key = ?", account, key)
	if err := mustAffect(res, err, "parameter "+key); err != nil {
		return 0, err
	}
	var latest int64
	err = t.queryRow(ctx, "SELECT latest_version FROM param_parameters WHERE account_id = ? AND name_key = ?", account, key).Scan(&latest)
	return latest, err
}

// hasParamVersion returns nil if the parameter with key has the version,
// and an error wrapping params.ErrVersionNotFound if not.
func (t *Tx) hasParamVersion(ctx context.Context, account, key string, version int64) error {
	ok, err := t.db.has(ctx, t.tx, "SELECT 1 FROM param_versions WHERE account_id = ? AND name_key = ? AND version = ?", account, key, version)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("parameter %s version %d: %w", key, version, params.ErrVersionNotFound)
	}
	return nil
}

// PutParameter stores p.Version as the next version of the account's
// parameter p.Name, in one transaction, and sets its number and
// p.Latest: version 1 of a new parameter when prev is 0 (Exists if there
// is one), version prev+1 when the latest is prev (Conflict if it is not,
// or the parameter is gone). The parameter's row is updated first, so
// concurrent puts of one parameter take turns and at most one of those
// that read the same latest version succeeds. Beyond maxVersions
// versions the oldest is deleted, unless it has a label: then the
// transaction rolls back with an error of kind LimitExceeded.
func (db *DB) PutParameter(ctx context.Context, p *params.Parameter, prev int64, maxVersions int) error {
	defer db.wroteParameters()
	key := params.Key(p.Name)
	v := p.Version
	n := prev + 1
	expires := millisOrZero(p.ExpiresAt)
	err := db.inTx(ctx, func(tx *Tx) error {
		if prev == 0 {
			_, err := tx.exec(ctx, `INSERT INTO param_parameters (account_id, name_key, name, depth, latest_version, tags, expires_at)
				VALUES (?, ?, ?, ?, 1, ?, ?)`, p.Account, key, p.Name, strings.Count(key, "/"), jsonMap(p.Tags), expires)
			if isUniqueViolation(err) {
				return exists("parameter " + p.Name)
			}
			if err != nil {
				return err
			}
		} else {
			res, err := tx.exec(ctx, "UPDATE param_parameters SET latest_version = ?, expires_at = ? WHERE account_id = ? AND name_key = ? AND latest_version = ?",
				n, expires, p.Account, key, prev)
			k, err := affected(res, err)
			if err != nil {
				return err
			}
			if k == 0 {
				return fmt.Errorf("parameter %s: latest version is no longer %d: %w", p.Name, prev, awserr.Conflict)
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO param_versions (account_id, name_key, version, type, value, key_id, description,
			allowed_pattern, tier, policies, data_type, modified_at, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Account, key, n, v.Type, v.Value, v.KeyID, v.Description, v.AllowedPattern, v.Tier, v.Policies, v.DataType,
			millis(v.ModifiedAt), v.ModifiedBy); err != nil {
			return err
		}
		// The versions kept are the latest maxVersions: n-maxVersions+1 to n.
		oldest := n - int64(maxVersions) + 1
		if oldest <= 1 {
			return nil
		}
		labeled, err := db.has(ctx, tx.tx, "SELECT 1 FROM param_labels WHERE account_id = ? AND name_key = ? AND version < ?",
			p.Account, key, oldest)
		if err != nil {
			return err
		}
		if labeled {
			return fmt.Errorf("parameter %s: its oldest version has a label: %w", p.Name, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, "DELETE FROM param_versions WHERE account_id = ? AND name_key = ? AND version < ?", p.Account, key, oldest)
		return err
	})
	if err != nil {
		return fmt.Errorf("put parameter %s: %w", p.Name, err)
	}
	v.Number, p.Latest = n, n
	return nil
}

// GetParameter returns the account's parameter with key, with the
// version sel selects: by number, by label, or the latest. A missing
// parameter is an error of kind NotFound; a missing version wraps
// params.ErrVersionNotFound.
func (db *DB) GetParameter(ctx context.Context, account, key string, sel params.Selector) (*params.Parameter, error) {
	if db.params == nil {
		return db.getParameter(ctx, account, key, sel)
	}
	k := paramCacheKey{account: account, key: key, sel: sel}
	if p := db.params.get(k); p != nil {
		return p, nil
	}
	gen := db.params.gen.Load()
	p, err := db.getParameter(ctx, account, key, sel)
	if err == nil {
		db.params.put(k, gen, p)
	}
	return p, err
}

// getParameter is GetParameter from the database.
func (db *DB) getParameter(ctx context.Context, account, key string, sel params.Selector) (*params.Parameter, error) {
	join, args := "v.version = p.latest_version", []any{}
	switch {
	case sel.Version != 0:
		join, args = "v.version = ?", []any{sel.Version}
	case sel.Label != "":
		join = `v.version = (SELECT l.version FROM param_labels l WHERE l.account_id = p.account_id AND l.name_key = p.name_key
			AND l.label = ?)`
		args = []any{sel.Label}
	}
	args = append(args, account, key)
	p, err := getOne(ctx, db, scanParameter, "parameter "+key, "SELECT "+paramColumns+` FROM param_parameters p
		JOIN param_versions v ON v.account_id = p.account_id AND v.name_key = p.name_key AND `+join+`
		WHERE p.account_id = ? AND p.name_key = ?`, args...)
	if err == nil || !errors.Is(err, awserr.NotFound) || sel == (params.Selector{}) {
		return p, err
	}
	// No row: the parameter or the version is missing.
	ok, herr := db.paramExists(ctx, db.sql, account, key)
	if herr != nil {
		return nil, herr
	}
	if ok {
		return nil, fmt.Errorf("parameter %s version %d label %q: %w", key, sel.Version, sel.Label, params.ErrVersionNotFound)
	}
	return nil, err
}

// ListParameters returns the account's parameters that opt selects,
// ordered by key, each with its tags and its latest version, or with
// opt.Labels its newest version with one of them (parameters without are
// left out). Paths are compared with substr rather than LIKE, which
// SQLite applies without regard to case.
func (db *DB) ListParameters(ctx context.Context, account string, opt params.ListOptions) ([]*params.Parameter, error) {
	join, args := "v.version = p.latest_version", []any{}
	if len(opt.Labels) > 0 {
		join = `v.version = (SELECT MAX(l.version) FROM param_labels l WHERE l.account_id = p.account_id AND l.name_key = p.name_key
			AND l.label IN (` + placeholders(len(opt.Labels)) + `))`
		args = stringArgs(opt.Labels)
	}
	w := where{args: args}
	w.add("p.account_id = ?", account)
	if len(opt.Paths) > 0 {
		var conds []string
		var pargs []any
		for _, pf := range opt.Paths {
			prefix := pf.Key + "/"
			switch {
			case pf.Recursive && pf.Key == "":
				conds = append(conds, "1 = 1")
			case pf.Recursive:
				conds = append(conds, "substr(p.name_key, 1, ?) = ?")
				pargs = append(pargs, len(prefix), prefix)
			case pf.Key == "":
				conds = append(conds, "p.depth = 0")
			default:
				conds = append(conds, "(substr(p.name_key, 1, ?) = ? AND p.depth = ?)")
				pargs = append(pargs, len(prefix), prefix, strings.Count(prefix, "/"))
			}
		}
		w.add("("+strings.Join(conds, " OR ")+")", pargs...)
	}
	if opt.After != "" {
		w.add("p.name_key > ?", opt.After)
	}
	query := "SELECT " + paramColumns + ` FROM param_parameters p
		JOIN param_versions v ON v.account_id = p.account_id AND v.name_key = p.name_key AND ` + join +
		w.String() + " ORDER BY p.name_key" + limit(opt.Limit, &w.args)
	return queryAll(ctx, db, scanParameter, query, w.args...)
}

// ListParameterVersions returns the versions of the account's parameter
// with key numbered after after, oldest first, at most n of them (0: no
// limit), each with its labels in order. A missing parameter is an error
// of kind NotFound.
func (db *DB) ListParameterVersions(ctx context.Context, account, key string, after int64, n int) ([]*params.Version, error) {
	ok, err := db.paramExists(ctx, db.sql, account, key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("parameter " + key)
	}
	args := []any{account, key, after}
	vs, err := queryAll(ctx, db, func(r rowScanner) (*params.Version, error) { return scanParamVersion(r) },
		"SELECT "+paramVersionColumns+" FROM param_versions v WHERE v.account_id = ? AND v.name_key = ? AND v.version > ? ORDER BY v.version"+
			limit(n, &args), args...)
	if err != nil || len(vs) == 0 {
		return vs, err
	}
	byVersion := make(map[int64]*params.Version, len(vs))
	for _, v := range vs {
		byVersion[v.Number] = v
	}
	rows, err := db.query(ctx, `SELECT version, label FROM param_labels WHERE account_id = ? AND name_key = ? AND version >= ?
		AND version <= ?`, account, key, vs[0].Number, vs[len(vs)-1].Number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var version int64
		var label string
		if err := rows.Scan(&version, &label); err != nil {
			return nil, err
		}
		if v := byVersion[version]; v != nil {
			v.Labels = append(v.Labels, label)
		}
	}
	for _, v := range vs {
		slices.Sort(v.Labels) // in Go: the engines' collations differ
	}
	return vs, rows.Err()
}

// LabelParameterVersion attaches labels to a version of the account's
// parameter with key (the latest when version is 0), moving those that
// other versions have, and returns the version's number. It locks the
// parameter's row first, so that concurrent label changes take turns and
// no version ever has more than maxLabels labels: one that would is an
// error of kind LimitExceeded, and nothing changes.
func (db *DB) LabelParameterVersion(ctx context.Context, account, key string, version int64, labels []string, maxLabels int) (int64, error) {
	defer db.wroteParameters()
	var labeled int64
	err := db.inTx(ctx, func(tx *Tx) error {
		latest, err := tx.lockParameter(ctx, account, key)
		if err != nil {
			return err
		}
		v := version
		if v == 0 {
			v = latest
		}
		if err := tx.hasParamVersion(ctx, account, key, v); err != nil {
			return err
		}
		for _, l := range labels {
			if _, err := tx.exec(ctx, `INSERT INTO param_labels (account_id, name_key, label, version) VALUES (?, ?, ?, ?)
				ON CONFLICT (account_id, name_key, label) DO UPDATE SET version = excluded.version`, account, key, l, v); err != nil {
				return err
			}
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM param_labels WHERE account_id = ? AND name_key = ? AND version = ?",
			account, key, v).Scan(&n); err != nil {
			return err
		}
		if n > maxLabels {
			return fmt.Errorf("version %d would have %d labels, more than %d: %w", v, n, maxLabels, awserr.LimitExceeded)
		}
		labeled = v
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("label parameter %s: %w", key, err)
	}
	return labeled, nil
}

// UnlabelParameterVersion removes labels from a version of the account's
// parameter with key and returns, in the order asked, those it had.
func (db *DB) UnlabelParameterVersion(ctx context.Context, account, key string, version int64, labels []string) ([]string, error) {
	defer db.wroteParameters()
	var removed []string
	err := db.inTx(ctx, func(tx *Tx) error {
		removed = nil
		if _, err := tx.lockParameter(ctx, account, key); err != nil {
			return err
		}
		if err := tx.hasParamVersion(ctx, account, key, version); err != nil {
			return err
		}
		if len(labels) == 0 {
			return nil
		}
		in := placeholders(len(labels))
		args := append([]any{account, key, version}, stringArgs(labels)...)
		rows, err := tx.query(ctx, "SELECT label FROM param_labels WHERE account_id = ? AND name_key = ? AND version = ? AND label IN ("+in+")", args...)
		if err != nil {
			return err
		}
		had, err := scanAll(rows, func(r rowScanner) (string, error) {
			var l string
			return l, r.Scan(&l)
		})
		if err != nil {
			return err
		}
		for _, l := range labels {
			if slices.Contains(had, l) && !slices.Contains(removed, l) {
				removed = append(removed, l)
			}
		}
		_, err = tx.exec(ctx, "DELETE FROM param_labels WHERE account_id = ? AND name_key = ? AND version = ? AND label IN ("+in+")", args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unlabel parameter %s: %w", key, err)
	}
	return removed, nil
}

// DeleteParameter deletes the account's parameter with key, its versions
// and its labels; a missing one is an error of kind NotFound.
func (db *DB) DeleteParameter(ctx context.Context, account, key string) error {
	defer db.wroteParameters()
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM param_parameters WHERE account_id = ? AND name_key = ?", account, key)
		if err := mustAffect(res, err, "parameter "+key); err != nil {
			return err
		}
		return tx.deleteParamVersions(ctx, account, key)
	})
}

// deleteParamVersions deletes the versions and labels of the account's
// parameter with key, whose row tx has deleted.
func (t *Tx) deleteParamVersions(ctx context.Context, account, key string) error {
	if _, err := t.exec(ctx, "DELETE FROM param_versions WHERE account_id = ? AND name_key = ?", account, key); err != nil {
		return err
	}
	_, err := t.exec(ctx, "DELETE FROM param_labels WHERE account_id = ? AND name_key = ?", account, key)
	return err
}

// ExpiredParameters returns the names of the account's parameters whose
// Expiration policy is due at now, the longest due first, at most limit.
func (db *DB) ExpiredParameters(ctx context.Context, account string, now time.Time, limit int) ([]string, error) {
	return queryAll(ctx, db, scanString, `SELECT name FROM param_parameters WHERE expires_at > 0 AND expires_at <= ? AND account_id = ?
		ORDER BY expires_at, name_key LIMIT ?`, millis(now), account, limit)
}

// ExpireParameter deletes the account's parameter with key, with its
// versions and labels, if its Expiration policy is due at now, and
// reports whether it did. Its first statement is the delete, which on
// PostgreSQL waits for a concurrent put of the parameter and then looks
// at the expiration that put left: a parameter whose expiration was just
// moved on, or that another server just expired, is left alone.
func (db *DB) ExpireParameter(ctx context.Context, account, key string, now time.Time) (bool, error) {
	defer db.wroteParameters()
	deleted := false
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM param_parameters WHERE account_id = ? AND name_key = ? AND expires_at > 0 AND expires_at <= ?",
			account, key, millis(now))
		n, err := affected(res, err)
		if err != nil || n == 0 {
			return err
		}
		deleted = true
		return tx.deleteParamVersions(ctx, account, key)
	})
	return deleted && err == nil, err
}

// TagParameter sets and removes tags of the account's parameter with key
// and returns its tags then. Its first statement locks the parameter's
// row, so concurrent changes take turns and none is lost. More than
// maxTags tags is an error of kind LimitExceeded and changes nothing.
func (db *DB) TagParameter(ctx context.Context, account, key string, set map[string]string, remove []string, maxTags int) (map[string]string, error) {
	defer db.wroteParameters()
	var tags map[string]string
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.lockParameter(ctx, account, key); err != nil {
			return err
		}
		var text string
		if err := tx.queryRow(ctx, "SELECT tags FROM param_parameters WHERE account_id = ? AND name_key = ?", account, key).Scan(&text); err != nil {
			return err
		}
		var err error
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
		_, err = tx.exec(ctx, "UPDATE param_parameters SET tags = ? WHERE account_id = ? AND name_key = ?", jsonMap(tags), account, key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tag parameter %s: %w", key, err)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}
