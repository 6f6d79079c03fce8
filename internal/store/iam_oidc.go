// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"

	"github.com/kanri-dev/kanri/internal/iam"
)

const oidcColumns = "o.arn, o.account_id, o.url, o.client_ids, o.thumbprints, o.tags, o.created_at"

func scanOIDCProvider(row rowScanner) (*iam.OIDCProvider, error) {
	p := &iam.OIDCProvider{}
	var clients, thumbs, tags string
	var created int64
	if err := row.Scan(&p.ARN, &p.Account, &p.URL, &clients, &thumbs, &tags, &created); err != nil {
		return nil, err
	}
	p.CreateDate = fromMillis(created)
	var err error
	if p.ClientIDs, err = parseList[string](clients); err != nil {
		return nil, fmt.Errorf("oidc provider %s client IDs: %w", p.ARN, err)
	}
	if p.Thumbprints, err = parseList[string](thumbs); err != nil {
		return nil, fmt.Errorf("oidc provider %s thumbprints: %w", p.ARN, err)
	}
	if p.Tags, err = parseList[iam.Tag](tags); err != nil {
		return nil, fmt.Errorf("oidc provider %s tags: %w", p.ARN, err)
	}
	return p, nil
}

// CreateOIDCProvider stores a new OpenID Connect provider; one of the same
// ARN, or of the same URL in the account, yields an error of kind Exists.
func (db *DB) CreateOIDCProvider(ctx context.Context, p *iam.OIDCProvider) error {
	_, err := db.exec(ctx, `INSERT INTO iam_oidc_providers (arn, account_id, url, client_ids, thumbprints, tags, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ARN, p.Account, p.URL, jsonList(p.ClientIDs), jsonList(p.Thumbprints), jsonList(p.Tags), millis(p.CreateDate))
	if isUniqueViolation(err) {
		return exists("oidc provider " + p.URL)
	}
	return err
}

// GetOIDCProvider returns the provider with the given ARN.
func (db *DB) GetOIDCProvider(ctx context.Context, arn string) (*iam.OIDCProvider, error) {
	return getOne(ctx, db, scanOIDCProvider, "oidc provider "+arn,
		"SELECT "+oidcColumns+" FROM iam_oidc_providers o WHERE o.arn = ?", arn)
}

// ListOIDCProviders returns the account's providers ordered by ARN.
func (db *DB) ListOIDCProviders(ctx context.Context, account string) ([]*iam.OIDCProvider, error) {
	return queryAll(ctx, db, scanOIDCProvider,
		"SELECT "+oidcColumns+" FROM iam_oidc_providers o WHERE o.account_id = ? ORDER BY o.arn", account)
}

// UpdateOIDCProvider stores the provider's client IDs, thumbprints and
// tags; its URL and creation date stay as they are.
func (db *DB) UpdateOIDCProvider(ctx context.Context, p *iam.OIDCProvider) error {
	res, err := db.exec(ctx, "UPDATE iam_oidc_providers SET client_ids = ?, thumbprints = ?, tags = ? WHERE arn = ?",
		jsonList(p.ClientIDs), jsonList(p.Thumbprints), jsonList(p.Tags), p.ARN)
	return mustAffect(res, err, "oidc provider "+p.ARN)
}

// DeleteOIDCProvider deletes the provider.
func (db *DB) DeleteOIDCProvider(ctx context.Context, arn string) error {
	res, err := db.exec(ctx, "DELETE FROM iam_oidc_providers WHERE arn = ?", arn)
	return mustAffect(res, err, "oidc provider "+arn)
}
