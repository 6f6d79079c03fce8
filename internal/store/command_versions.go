// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// DeleteDocumentVersion deletes one version of the account's document. A
// missing document or version is an error of kind NotFound; the default
// and the latest version cannot be deleted (Conflict).
func (db *DB) DeleteDocumentVersion(ctx context.Context, account, name string, version int) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// Writing the document's row first holds off the other changes
		// to it until this ends.
		res, err := tx.exec(ctx, "UPDATE cmd_documents SET default_version = default_version WHERE account_id = ? AND name = ?", account, name)
		if err := mustAffect(res, err, "document "+name); err != nil {
			return err
		}
		d, err := scanDocument(tx.queryRow(ctx, "SELECT "+documentColumns+" FROM cmd_documents d WHERE d.account_id = ? AND d.name = ?", account, name))
		if err != nil {
			return err
		}
		if version == d.DefaultVersion || version == d.LatestVersion {
			return fmt.Errorf("document %s version %d is its default or latest version: %w", name, version, awserr.Conflict)
		}
		res, err = tx.exec(ctx, "DELETE FROM cmd_document_versions WHERE account_id = ? AND name = ? AND version = ?", account, name, version)
		return mustAffect(res, err, "document "+name+" version "+strconv.Itoa(version))
	})
}
