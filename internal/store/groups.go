// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"maps"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/groups"
)

// DB implements the storage resource groups need.
var _ groups.Store = (*DB)(nil)

const rgColumns = `account_id, name, description, query_type, query, criticality, owner, display_name, tags, created_at`

func scanResourceGroup(row rowScanner) (*groups.Group, error) {
	g := &groups.Group{}
	var tags string
	var created int64
	if err := row.Scan(&g.Account, &g.Name, &g.Description, &g.Query.Type, &g.Query.Query, &g.Criticality, &g.Owner, &g.DisplayName,
		&tags, &created); err != nil {
		return nil, err
	}
	g.CreatedAt = fromMillis(created)
	var err error
	if g.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("group %s tags: %w", g.Name, err)
	}
	return g, nil
}

// CreateResourceGroup stores a new group; one of the account with the
// same name yields an error of kind Exists.
func (db *DB) CreateResourceGroup(ctx context.Context, g *groups.Group) error {
	_, err := db.exec(ctx, "INSERT INTO rg_groups ("+rgColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		g.Account, g.Name, g.Description, g.Query.Type, g.Query.Query, g.Criticality, g.Owner, g.DisplayName, jsonMap(g.Tags), millis(g.CreatedAt))
	if isUniqueViolation(err) {
		return exists("group " + g.Name)
	}
	return err
}

// GetResourceGroup returns the account's group name; none is an error of
// kind NotFound.
func (db *DB) GetResourceGroup(ctx context.Context, account, name string) (*groups.Group, error) {
	return getOne(ctx, db, scanResourceGroup, "group "+name,
		"SELECT "+rgColumns+" FROM rg_groups WHERE account_id = ? AND name = ?", account, name)
}

// ListResourceGroups returns the account's groups ordered by name, those
// after the name after when it is not "", at most n of them (0: no
// limit).
func (db *DB) ListResourceGroups(ctx context.Context, account, after string, n int) ([]*groups.Group, error) {
	var w where
	w.add("account_id = ?", account)
	if after != "" {
		w.add("name > ?", after)
	}
	return queryAll(ctx, db, scanResourceGroup, "SELECT "+rgColumns+" FROM rg_groups"+w.String()+" ORDER BY name"+limit(n, &w.args), w.args...)
}

// UpdateResourceGroup sets the attributes of the account's group name
// that u sets, in one statement, and returns the group; none is an error
// of kind NotFound.
func (db *DB) UpdateResourceGroup(ctx context.Context, account, name string, u groups.Update) (*groups.Group, error) {
	var queryType, query any
	if u.Query != nil {
		queryType, query = u.Query.Type, u.Query.Query
	}
	var g *groups.Group
	err := db.inTx(ctx, func(tx *Tx) error {
		// A NULL argument keeps the column's value.
		res, err := tx.exec(ctx, `UPDATE rg_groups SET description = COALESCE(?, description), criticality = COALESCE(?, criticality),
			owner = COALESCE(?, owner), display_name = COALESCE(?, display_name), query_type = COALESCE(?, query_type),
			query = COALESCE(?, query) WHERE account_id = ? AND name = ?`,
			nullable(u.Description), nullable(u.Criticality), nullable(u.Owner), nullable(u.DisplayName), queryType, query, account, name)
		if err := mustAffect(res, err, "group "+name); err != nil {
			return err
		}
		g, err = scanResourceGroup(tx.queryRow(ctx, "SELECT "+rgColumns+" FROM rg_groups WHERE account_id = ? AND name = ?", account, name))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update group %s: %w", name, err)
	}
	return g, nil
}

// nullable returns *p, or nil (SQL NULL) when p is nil.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TagResourceGroup sets and removes tags of the account's group name and
// returns its tags then. Its first statement locks the group's row (and
// finds whether it exists), so concurrent changes of one group's tags
// take turns, on any number of servers, and none is lost. More than
// maxTags tags is an error of kind LimitExceeded and changes nothing.
func (db *DB) TagResourceGroup(ctx context.Context, account, name string, set map[string]string, remove []string, maxTags int) (map[string]string, error) {
	var tags map[string]string
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE rg_groups SET tags = tags WHERE account_id = ? AND name = ?", account, name)
		if err := mustAffect(res, err, "group "+name); err != nil {
			return err
		}
		var text string
		if err := tx.queryRow(ctx, "SELECT tags FROM rg_groups WHERE account_id = ? AND name = ?", account, name).Scan(&text); err != nil {
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
		_, err = tx.exec(ctx, "UPDATE rg_groups SET tags = ? WHERE account_id = ? AND name = ?", jsonMap(tags), account, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tag group %s: %w", name, err)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

// DeleteResourceGroup deletes the account's group name; none is an error
// of kind NotFound.
func (db *DB) DeleteResourceGroup(ctx context.Context, account, name string) error {
	res, err := db.exec(ctx, "DELETE FROM rg_groups WHERE account_id = ? AND name = ?", account, name)
	return mustAffect(res, err, "group "+name)
}
