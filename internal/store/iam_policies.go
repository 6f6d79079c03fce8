// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

const policyColumns = `p.arn, p.account_id, p.policy_name, p.policy_id, p.path, p.description, p.default_version,
	p.next_version, p.tags, p.created_at, p.updated_at`

func scanPolicy(row rowScanner) (*iam.ManagedPolicy, error) {
	p := &iam.ManagedPolicy{}
	var tags string
	var created, updated int64
	if err := row.Scan(&p.ARN, &p.Account, &p.Name, &p.ID, &p.Path, &p.Description, &p.DefaultVersion,
		&p.NextVersion, &tags, &created, &updated); err != nil {
		return nil, err
	}
	p.CreateDate, p.UpdateDate = fromMillis(created), fromMillis(updated)
	var err error
	if p.Tags, err = parseList[iam.Tag](tags); err != nil {
		return nil, fmt.Errorf("policy %s tags: %w", p.ARN, err)
	}
	return p, nil
}

func scanPolicyVersion(row rowScanner) (*iam.PolicyVersion, error) {
	v := &iam.PolicyVersion{}
	var created int64
	if err := row.Scan(&v.PolicyARN, &v.VersionID, &v.Document, &created); err != nil {
		return nil, err
	}
	v.CreateDate = fromMillis(created)
	return v, nil
}

// versionNumber returns n of a version ID "vn".
func versionNumber(id string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return n, err == nil && n > 0 && strings.HasPrefix(id, "v")
}

// CreatePolicy stores p with its first version v1, created at
// p.CreateDate, as the default. It sets p.DefaultVersion to "v1",
// p.NextVersion to 2 and a zero p.UpdateDate to p.CreateDate, as stored.
// A policy of the same ARN, or of the same name (in any case) in the same
// account, yields an error of kind Exists.
func (db *DB) CreatePolicy(ctx context.Context, p *iam.ManagedPolicy, document string) error {
	p.DefaultVersion, p.NextVersion = "v1", 2
	if p.UpdateDate.IsZero() {
		p.UpdateDate = p.CreateDate
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO iam_policies (arn, account_id, name_key, policy_name, policy_id, path, description,
			default_version, next_version, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ARN, p.Account, nameKey(p.Name), p.Name, p.ID, p.Path, p.Description, p.DefaultVersion, p.NextVersion,
			jsonList(p.Tags), millis(p.CreateDate), millis(p.UpdateDate))
		if isUniqueViolation(err) {
			return exists("policy " + p.ARN)
		}
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, "INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)",
			p.ARN, p.DefaultVersion, document, millis(p.CreateDate))
		return err
	})
}

// GetPolicy returns the managed policy with the given ARN.
func (db *DB) GetPolicy(ctx context.Context, arn string) (*iam.ManagedPolicy, error) {
	return getOne(ctx, db, scanPolicy, "policy "+arn, "SELECT "+policyColumns+" FROM iam_policies p WHERE p.arn = ?", arn)
}

// ListPolicies returns a page of managed policies ordered by ARN: the
// account's own when f.Local, the provider's when f.Provider, both when
// both or neither are set. f.OnlyAttached keeps those attached to
// something in f.Account. The page starts after f.AfterARN; f.After is
// not used, as the order is by ARN.
func (db *DB) ListPolicies(ctx context.Context, f iam.PolicyFilter) ([]*iam.ManagedPolicy, error) {
	var w where
	switch {
	case f.Local && !f.Provider:
		w.add("p.account_id = ?", f.Account)
	case f.Provider && !f.Local:
		w.add("p.account_id = ?", iam.ProviderAccount)
	default:
		w.add("p.account_id IN (?, ?)", f.Account, iam.ProviderAccount)
	}
	w.pathPrefix("p.path", f.PathPrefix)
	if f.AfterARN != "" {
		w.add("p.arn > ?", f.AfterARN)
	}
	if f.OnlyAttached {
		w.add("EXISTS (SELECT 1 FROM iam_attachments a WHERE a.policy_arn = p.arn AND a.account_id = ?)", f.Account)
	}
	query := "SELECT " + policyColumns + " FROM iam_policies p" + w.String() + " ORDER BY p.arn" + limit(f.Limit, &w.args)
	return queryAll(ctx, db, scanPolicy, query, w.args...)
}

// SetPolicyTags replaces the policy's tags.
func (db *DB) SetPolicyTags(ctx context.Context, arn string, tags []iam.Tag) error {
	res, err := db.exec(ctx, "UPDATE iam_policies SET tags = ? WHERE arn = ?", jsonList(tags), arn)
	return mustAffect(res, err, "policy "+arn)
}

// DeletePolicy deletes the policy and its versions: the caller makes sure
// it is attached to nothing.
func (db *DB) DeletePolicy(ctx context.Context, arn string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM iam_policies WHERE arn = ?", arn)
		if err := mustAffect(res, err, "policy "+arn); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "DELETE FROM iam_policy_versions WHERE policy_arn = ?", arn)
		return err
	})
}

// CreatePolicyVersion adds the policy's next version, created at a time,
// unless the policy has max versions already (an error of kind
// LimitExceeded), and makes it the default when setDefault. Concurrent
// calls never take a policy past max versions: each first updates the
// policy's row, which holds off the others until it ends, and only then
// counts the versions.
func (db *DB) CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool, max int, at time.Time) (*iam.PolicyVersion, error) {
	var v *iam.PolicyVersion
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE iam_policies SET next_version = next_version + 1, updated_at = ? WHERE arn = ?", millis(at), arn)
		if err := mustAffect(res, err, "policy "+arn); err != nil {
			return err
		}
		var next, count int
		if err := tx.queryRow(ctx, "SELECT next_version FROM iam_policies WHERE arn = ?", arn).Scan(&next); err != nil {
			return err
		}
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_arn = ?", arn).Scan(&count); err != nil {
			return err
		}
		if count >= max {
			return fmt.Errorf("policy %s has %d versions: %w", arn, count, awserr.LimitExceeded)
		}
		v = &iam.PolicyVersion{PolicyARN: arn, VersionID: "v" + strconv.Itoa(next-1), Document: document, CreateDate: fromMillis(millis(at))}
		if _, err := tx.exec(ctx, "INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)",
			arn, v.VersionID, document, millis(at)); err != nil {
			return err
		}
		if setDefault {
			_, err = tx.exec(ctx, "UPDATE iam_policies SET default_version = ? WHERE arn = ?", v.VersionID, arn)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// EnsurePolicyVersion stores a provider policy p unless it exists, and
// its version versionID ("vn") with document unless it exists, created at
// p.UpdateDate (or p.CreateDate when that is zero). With setDefault it
// makes the version the default, dated the same. It keeps the policy's
// next version number past n. Replicas may run it at once.
func (db *DB) EnsurePolicyVersion(ctx context.Context, p *iam.ManagedPolicy, versionID, document string, setDefault bool) error {
	n, ok := versionNumber(versionID)
	if !ok {
		return fmt.Errorf("policy %s version %q: %w", p.ARN, versionID, awserr.Invalid)
	}
	at := p.UpdateDate
	if at.IsZero() {
		at = p.CreateDate
	}
	return db.inTx(ctx, func(tx *Tx) error {
		// DO NOTHING without a target also covers a policy of the same
		// name under another ARN; the update below then finds no row.
		if _, err := tx.exec(ctx, `INSERT INTO iam_policies (arn, account_id, name_key, policy_name, policy_id, path, description,
			default_version, next_version, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`,
			p.ARN, p.Account, nameKey(p.Name), p.Name, p.ID, p.Path, p.Description, versionID, n+1,
			jsonList(p.Tags), millis(p.CreateDate), millis(at)); err != nil {
			return err
		}
		found, err := affected(tx.exec(ctx, "UPDATE iam_policies SET next_version = CASE WHEN next_version > ? THEN next_version ELSE ? END WHERE arn = ?",
			n, n+1, p.ARN))
		if err != nil {
			return err
		}
		if found == 0 {
			return exists("policy of the name or ID of " + p.ARN)
		}
		if _, err := tx.exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (policy_arn, version_id) DO NOTHING`, p.ARN, versionID, document, millis(at)); err != nil {
			return err
		}
		if !setDefault {
			return nil
		}
		// Only forward: a replica of an older release, starting after a
		// newer one, must not roll the default back.
		_, err = tx.exec(ctx, `UPDATE iam_policies SET default_version = ?, updated_at = ?
			WHERE arn = ? AND CAST(SUBSTR(default_version, 2) AS INTEGER) < ?`,
			versionID, millis(at), p.ARN, n)
		return err
	})
}

// GetPolicyVersion returns a version of the policy.
func (db *DB) GetPolicyVersion(ctx context.Context, arn, versionID string) (*iam.PolicyVersion, error) {
	return getOne(ctx, db, scanPolicyVersion, "policy "+arn+" version "+versionID,
		"SELECT policy_arn, version_id, document, created_at FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?",
		arn, versionID)
}

// ListPolicyVersions returns the policy's versions, newest first.
func (db *DB) ListPolicyVersions(ctx context.Context, arn string) ([]*iam.PolicyVersion, error) {
	vs, err := queryAll(ctx, db, scanPolicyVersion,
		"SELECT policy_arn, version_id, document, created_at FROM iam_policy_versions WHERE policy_arn = ?", arn)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, notFound("policy " + arn)
	}
	slices.SortFunc(vs, func(a, b *iam.PolicyVersion) int {
		na, _ := versionNumber(a.VersionID)
		nb, _ := versionNumber(b.VersionID)
		return cmp.Or(cmp.Compare(nb, na), strings.Compare(b.VersionID, a.VersionID))
	})
	return vs, nil
}

// SetDefaultPolicyVersion makes a version the policy's default, updated at
// a time. A missing policy or version is an error of kind NotFound.
func (db *DB) SetDefaultPolicyVersion(ctx context.Context, arn, versionID string, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// Updating first holds off DeletePolicyVersion until this ends, so
		// the version checked below stays.
		res, err := tx.exec(ctx, "UPDATE iam_policies SET default_version = ?, updated_at = ? WHERE arn = ?", versionID, millis(at), arn)
		if err := mustAffect(res, err, "policy "+arn); err != nil {
			return err
		}
		ok, err := db.has(ctx, tx.tx, "SELECT 1 FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?", arn, versionID)
		if err == nil && !ok {
			err = notFound("policy " + arn + " version " + versionID)
		}
		return err
	})
}

// DeletePolicyVersion deletes a version of the policy. The default
// version is not deleted: that is an error of kind Conflict.
func (db *DB) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// The no-op update holds off SetDefaultPolicyVersion and
		// CreatePolicyVersion until this ends, and sees their last
		// committed default.
		n, err := affected(tx.exec(ctx, "UPDATE iam_policies SET default_version = default_version WHERE arn = ? AND default_version <> ?",
			arn, versionID))
		if err != nil {
			return err
		}
		if n == 0 {
			ok, err := db.has(ctx, tx.tx, "SELECT 1 FROM iam_policies WHERE arn = ?", arn)
			if err != nil {
				return err
			}
			if !ok {
				return notFound("policy " + arn)
			}
			return fmt.Errorf("policy %s version %s is the default: %w", arn, versionID, awserr.Conflict)
		}
		res, err := tx.exec(ctx, "DELETE FROM iam_policy_versions WHERE policy_arn = ? AND version_id = ?", arn, versionID)
		return mustAffect(res, err, "policy "+arn+" version "+versionID)
	})
}
