// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"

	"github.com/kanri-dev/kanri/internal/iam"
)

// PutInlinePolicy stores the inline policy, replacing one of the same
// name (in any case) of the same owner. A missing owner is an error of
// kind NotFound.
func (db *DB) PutInlinePolicy(ctx context.Context, p *iam.InlinePolicy) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkOwner(ctx, tx.tx, p.Account, p.OwnerKind, p.Owner); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO iam_inline_policies (account_id, owner_kind, owner_key, policy_key, policy_name, document)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, owner_kind, owner_key, policy_key)
			DO UPDATE SET policy_name = excluded.policy_name, document = excluded.document`,
			p.Account, p.OwnerKind, nameKey(p.Owner), nameKey(p.Name), p.Name, p.Document)
		return err
	})
}

// inlineQuery returns the query of the inline policies of an owner of
// kind, with the owner's name as created, for the arguments account, kind
// and owner key and the extra conditions cond.
func inlineQuery(kind, cond string) (string, error) {
	table, nameCol, err := ownerTable(kind)
	if err != nil {
		return "", err
	}
	return `SELECT p.account_id, p.owner_kind, o.` + nameCol + `, p.policy_name, p.document FROM iam_inline_policies p
		JOIN ` + table + ` o ON o.account_id = p.account_id AND o.name_key = p.owner_key
		WHERE p.account_id = ? AND p.owner_kind = ? AND p.owner_key = ?` + cond + ` ORDER BY p.policy_key`, nil
}

func scanInline(row rowScanner) (*iam.InlinePolicy, error) {
	p := &iam.InlinePolicy{}
	if err := row.Scan(&p.Account, &p.OwnerKind, &p.Owner, &p.Name, &p.Document); err != nil {
		return nil, err
	}
	return p, nil
}

// GetInlinePolicy returns the owner's inline policy of that name. Owner
// is the owner's name as created.
func (db *DB) GetInlinePolicy(ctx context.Context, account, kind, owner, name string) (*iam.InlinePolicy, error) {
	query, err := inlineQuery(kind, " AND p.policy_key = ?")
	if err != nil {
		return nil, err
	}
	return getOne(ctx, db, scanInline, "policy "+name+" of "+kind+" "+owner, query, account, kind, nameKey(owner), nameKey(name))
}

// ListInlinePolicies returns the owner's inline policies ordered by name
// key; a missing owner is an error of kind NotFound.
func (db *DB) ListInlinePolicies(ctx context.Context, account, kind, owner string) ([]*iam.InlinePolicy, error) {
	query, err := inlineQuery(kind, "")
	if err != nil {
		return nil, err
	}
	ps, err := queryAll(ctx, db, scanInline, query, account, kind, nameKey(owner))
	if err != nil || len(ps) > 0 {
		return ps, err
	}
	return nil, db.checkOwner(ctx, db.sql, account, kind, owner)
}

// DeleteInlinePolicy deletes the owner's inline policy of that name.
func (db *DB) DeleteInlinePolicy(ctx context.Context, account, kind, owner, name string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_inline_policies WHERE account_id = ? AND owner_kind = ? AND owner_key = ? AND policy_key = ?",
		account, kind, nameKey(owner), nameKey(name))
	return mustAffect(res, err, "policy "+name+" of "+kind+" "+owner)
}
