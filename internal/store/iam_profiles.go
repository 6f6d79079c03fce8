// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

const profileColumns = "ip.account_id, ip.profile_name, ip.profile_id, ip.path, ip.tags, ip.created_at"

func scanProfile(row rowScanner) (*iam.InstanceProfile, error) {
	p := &iam.InstanceProfile{}
	var tags string
	var created int64
	if err := row.Scan(&p.Account, &p.Name, &p.ID, &p.Path, &tags, &created); err != nil {
		return nil, err
	}
	p.CreateDate = fromMillis(created)
	var err error
	if p.Tags, err = parseList[iam.Tag](tags); err != nil {
		return nil, fmt.Errorf("instance profile %s tags: %w", p.Name, err)
	}
	return p, nil
}

// CreateInstanceProfile stores a new instance profile, without roles
// (p.Roles is not read); a profile of the same name (in any case) yields an
// error of kind Exists.
func (db *DB) CreateInstanceProfile(ctx context.Context, p *iam.InstanceProfile) error {
	_, err := db.exec(ctx, `INSERT INTO iam_instance_profiles (account_id, name_key, profile_name, profile_id, path, tags, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.Account, nameKey(p.Name), p.Name, p.ID, p.Path, jsonList(p.Tags), millis(p.CreateDate))
	if isUniqueViolation(err) {
		return exists("instance profile " + p.Name)
	}
	return err
}

// GetInstanceProfile returns the named instance profile with its roles.
func (db *DB) GetInstanceProfile(ctx context.Context, account, name string) (*iam.InstanceProfile, error) {
	p, err := getOne(ctx, db, scanProfile, "instance profile "+name,
		"SELECT "+profileColumns+" FROM iam_instance_profiles ip WHERE ip.account_id = ? AND ip.name_key = ?", account, nameKey(name))
	if err != nil {
		return nil, err
	}
	if err := db.fillProfileRoles(ctx, account, []*iam.InstanceProfile{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// ListInstanceProfiles returns a page of the account's instance profiles,
// with their roles, ordered by name key.
func (db *DB) ListInstanceProfiles(ctx context.Context, account string, opt iam.ListOptions) ([]*iam.InstanceProfile, error) {
	var w where
	w.add("ip.account_id = ?", account)
	w.page("ip.name_key", "ip.path", opt)
	query := "SELECT " + profileColumns + " FROM iam_instance_profiles ip" + w.String() + " ORDER BY ip.name_key" + limit(opt.Limit, &w.args)
	ps, err := queryAll(ctx, db, scanProfile, query, w.args...)
	if err != nil {
		return nil, err
	}
	return ps, db.fillProfileRoles(ctx, account, ps)
}

// ListInstanceProfilesForRole returns the instance profiles that hold the
// role, with their roles, ordered by name key. A missing role is an error
// of kind NotFound.
func (db *DB) ListInstanceProfilesForRole(ctx context.Context, account, role string) ([]*iam.InstanceProfile, error) {
	ps, err := queryAll(ctx, db, scanProfile, "SELECT "+profileColumns+` FROM iam_instance_profile_roles pr
		JOIN iam_instance_profiles ip ON ip.account_id = pr.account_id AND ip.name_key = pr.profile_key
		WHERE pr.account_id = ? AND pr.role_key = ? ORDER BY ip.name_key`, account, nameKey(role))
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, db.checkOwner(ctx, db.sql, account, iam.KindRole, role)
	}
	return ps, db.fillProfileRoles(ctx, account, ps)
}

// fillProfileRoles sets the Roles of the account's profiles ps.
func (db *DB) fillProfileRoles(ctx context.Context, account string, ps []*iam.InstanceProfile) error {
	byKey := make(map[string]*iam.InstanceProfile, len(ps))
	for _, p := range ps {
		byKey[nameKey(p.Name)] = p
	}
	// Few placeholders a query, well below either engine's limit.
	for chunk := range slices.Chunk(ps, 200) {
		args := []any{account}
		for _, p := range chunk {
			args = append(args, nameKey(p.Name))
		}
		rows, err := db.query(ctx, "SELECT "+roleColumns+`, pr.profile_key FROM iam_instance_profile_roles pr
			JOIN iam_roles r ON r.account_id = pr.account_id AND r.name_key = pr.role_key
			WHERE pr.account_id = ? AND pr.profile_key IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)
			ORDER BY pr.profile_key, r.name_key`, args...)
		if err != nil {
			return err
		}
		_, err = scanAll(rows, func(row rowScanner) (*iam.Role, error) {
			var key string
			r, err := scanRole(row, &key)
			if err == nil {
				byKey[key].Roles = append(byKey[key].Roles, r)
			}
			return r, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// AddRoleToInstanceProfile puts the role in the instance profile. A
// profile holds one role: adding to a profile that has one is an error of
// kind LimitExceeded. A missing profile or role is an error of kind
// NotFound.
func (db *DB) AddRoleToInstanceProfile(ctx context.Context, account, profile, role string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// The no-op update holds off other additions to the profile until
		// this ends, so that they count this one's role.
		res, err := tx.exec(ctx, "UPDATE iam_instance_profiles SET path = path WHERE account_id = ? AND name_key = ?", account, nameKey(profile))
		if err := mustAffect(res, err, "instance profile "+profile); err != nil {
			return err
		}
		if err := db.checkOwner(ctx, tx.tx, account, iam.KindRole, role); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM iam_instance_profile_roles WHERE account_id = ? AND profile_key = ?",
			account, nameKey(profile)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("instance profile %s has a role: %w", profile, awserr.LimitExceeded)
		}
		_, err = tx.exec(ctx, "INSERT INTO iam_instance_profile_roles (account_id, profile_key, role_key) VALUES (?, ?, ?)",
			account, nameKey(profile), nameKey(role))
		return err
	})
}

// RemoveRoleFromInstanceProfile takes the role out of the instance
// profile; a role not in it is an error of kind NotFound.
func (db *DB) RemoveRoleFromInstanceProfile(ctx context.Context, account, profile, role string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_instance_profile_roles WHERE account_id = ? AND profile_key = ? AND role_key = ?",
		account, nameKey(profile), nameKey(role))
	return mustAffect(res, err, "role "+role+" in instance profile "+profile)
}

// DeleteInstanceProfile deletes the instance profile and its link to a
// role (not the role).
func (db *DB) DeleteInstanceProfile(ctx context.Context, account, name string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM iam_instance_profiles WHERE account_id = ? AND name_key = ?", account, nameKey(name))
		if err := mustAffect(res, err, "instance profile "+name); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "DELETE FROM iam_instance_profile_roles WHERE account_id = ? AND profile_key = ?", account, nameKey(name))
		return err
	})
}
