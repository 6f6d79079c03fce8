// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/iam"
)

// AttachPolicy attaches a managed policy, of a.Account or of the
// provider, to a user, group or role. Attaching it again changes nothing;
// a missing owner or policy is an error of kind NotFound.
func (db *DB) AttachPolicy(ctx context.Context, a *iam.Attachment) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkOwner(ctx, tx.tx, a.Account, a.OwnerKind, a.Owner); err != nil {
			return err
		}
		ok, err := db.has(ctx, tx.tx, "SELECT 1 FROM iam_policies WHERE arn = ? AND account_id IN (?, ?)",
			a.PolicyARN, a.Account, iam.ProviderAccount)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("policy " + a.PolicyARN)
		}
		_, err = tx.exec(ctx, `INSERT INTO iam_attachments (account_id, owner_kind, owner_key, policy_arn) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, owner_kind, owner_key, policy_arn) DO NOTHING`,
			a.Account, a.OwnerKind, nameKey(a.Owner), a.PolicyARN)
		return err
	})
}

// DetachPolicy detaches a managed policy; one not attached is an error of
// kind NotFound.
func (db *DB) DetachPolicy(ctx context.Context, a *iam.Attachment) error {
	res, err := db.exec(ctx, "DELETE FROM iam_attachments WHERE account_id = ? AND owner_kind = ? AND owner_key = ? AND policy_arn = ?",
		a.Account, a.OwnerKind, nameKey(a.Owner), a.PolicyARN)
	return mustAffect(res, err, "policy "+a.PolicyARN+" attached to "+a.OwnerKind+" "+a.Owner)
}

// ListAttachedPolicies returns the managed policies attached to the owner,
// ordered by name key (then ARN); a missing owner is an error of kind
// NotFound.
func (db *DB) ListAttachedPolicies(ctx context.Context, account, kind, owner string) ([]*iam.ManagedPolicy, error) {
	if _, _, err := ownerTable(kind); err != nil {
		return nil, err
	}
	ps, err := queryAll(ctx, db, scanPolicy, "SELECT "+policyColumns+` FROM iam_attachments a
		JOIN iam_policies p ON p.arn = a.policy_arn
		WHERE a.account_id = ? AND a.owner_kind = ? AND a.owner_key = ? ORDER BY p.name_key, p.arn`, account, kind, nameKey(owner))
	if err != nil || len(ps) > 0 {
		return ps, err
	}
	return nil, db.checkOwner(ctx, db.sql, account, kind, owner)
}

func scanAttachment(row rowScanner) (*iam.Attachment, error) {
	a := &iam.Attachment{}
	if err := row.Scan(&a.Account, &a.OwnerKind, &a.Owner, &a.PolicyARN); err != nil {
		return nil, err
	}
	return a, nil
}

// ListPolicyAttachments returns what the policy is attached to, in every
// account, ordered by account, owner kind and owner name key. Owner is the
// owner's name as created. A missing policy is an error of kind NotFound.
func (db *DB) ListPolicyAttachments(ctx context.Context, arn string) ([]*iam.Attachment, error) {
	as, err := queryAll(ctx, db, scanAttachment, `SELECT a.account_id, a.owner_kind,
			COALESCE(u.user_name, g.group_name, r.role_name, a.owner_key), a.policy_arn
		FROM iam_attachments a
		LEFT JOIN iam_users u ON a.owner_kind = 'user' AND u.account_id = a.account_id AND u.name_key = a.owner_key
		LEFT JOIN iam_groups g ON a.owner_kind = 'group' AND g.account_id = a.account_id AND g.name_key = a.owner_key
		LEFT JOIN iam_roles r ON a.owner_kind = 'role' AND r.account_id = a.account_id AND r.name_key = a.owner_key
		WHERE a.policy_arn = ? ORDER BY a.account_id, a.owner_kind, a.owner_key`, arn)
	if err != nil || len(as) > 0 {
		return as, err
	}
	return nil, db.checkPolicy(ctx, arn)
}

// CountPolicyAttachments returns to how many users, groups and roles, in
// every account, the policy is attached. A missing policy is an error of
// kind NotFound.
func (db *DB) CountPolicyAttachments(ctx context.Context, arn string) (int, error) {
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM iam_attachments WHERE policy_arn = ?", arn).Scan(&n); err != nil || n > 0 {
		return n, err
	}
	return 0, db.checkPolicy(ctx, arn)
}

// checkPolicy returns an error of kind NotFound unless the policy exists.
func (db *DB) checkPolicy(ctx context.Context, arn string) error {
	ok, err := db.has(ctx, db.sql, "SELECT 1 FROM iam_policies WHERE arn = ?", arn)
	if err == nil && !ok {
		err = notFound("policy " + arn)
	}
	return err
}

// PolicyDocuments returns, ordered by ID, the policies that apply to the
// owner: its inline policies ("user/alice/name") and the default versions
// of its attached managed policies (by ARN, each once), and for a user
// those of its groups ("group/devs/name") too. A missing owner has none.
// It is one query, as it runs for every authorization not cached.
func (db *DB) PolicyDocuments(ctx context.Context, account, kind, owner string) ([]iam.PolicyDocument, error) {
	table, nameCol, err := ownerTable(kind)
	if err != nil {
		return nil, err
	}
	key := nameKey(owner)
	// Each row is (owner kind, owner name, policy name, document) for an
	// inline policy and ('', '', ARN, document) for a managed one.
	const managed = ` JOIN iam_policies mp ON mp.arn = a.policy_arn
		JOIN iam_policy_versions v ON v.policy_arn = mp.arn AND v.version_id = mp.default_version`
	query := `SELECT p.owner_kind, o.` + nameCol + `, p.policy_name, p.document FROM ` + table + ` o
		JOIN iam_inline_policies p ON p.account_id = o.account_id AND p.owner_kind = ? AND p.owner_key = o.name_key
		WHERE o.account_id = ? AND o.name_key = ?
		UNION ALL
		SELECT '', '', v.policy_arn, v.document FROM iam_attachments a` + managed + `
		WHERE a.account_id = ? AND a.owner_kind = ? AND a.owner_key = ?`
	args := []any{kind, account, key, account, kind, key}
	if kind == iam.KindUser {
		query += `
		UNION ALL
		SELECT p.owner_kind, g.group_name, p.policy_name, p.document FROM iam_group_members m
		JOIN iam_groups g ON g.account_id = m.account_id AND g.name_key = m.group_key
		JOIN iam_inline_policies p ON p.account_id = m.account_id AND p.owner_kind = 'group' AND p.owner_key = m.group_key
		WHERE m.account_id = ? AND m.user_key = ?
		UNION ALL
		SELECT '', '', v.policy_arn, v.document FROM iam_group_members m
		JOIN iam_attachments a ON a.account_id = m.account_id AND a.owner_kind = 'group' AND a.owner_key = m.group_key` + managed + `
		WHERE m.account_id = ? AND m.user_key = ?`
		args = append(args, account, key, account, key)
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var docs []iam.PolicyDocument
	seen := map[string]bool{}
	for rows.Next() {
		var ownerKind, ownerName, name, doc string
		if err := rows.Scan(&ownerKind, &ownerName, &name, &doc); err != nil {
			return nil, err
		}
		id := name
		if ownerKind != "" {
			id = ownerKind + "/" + ownerName + "/" + name
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		docs = append(docs, iam.PolicyDocument{ID: id, Document: doc})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(docs, func(a, b iam.PolicyDocument) int { return strings.Compare(a.ID, b.ID) })
	return docs, nil
}
