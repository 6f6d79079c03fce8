// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
)

const documentColumns = `d.account_id, d.name, d.document_type, d.target_type, d.latest_version, d.default_version,
	d.tags, d.created_at`

func scanDocument(row rowScanner) (*command.Document, error) {
	d := &command.Document{}
	var tags string
	var created int64
	if err := row.Scan(&d.Account, &d.Name, &d.DocumentType, &d.TargetType, &d.LatestVersion, &d.DefaultVersion,
		&tags, &created); err != nil {
		return nil, err
	}
	d.CreateDate = fromMillis(created)
	var err error
	if d.Tags, err = parseMap(tags); err != nil {
		return nil, fmt.Errorf("document %s tags: %w", d.Name, err)
	}
	return d, nil
}

const documentVersionColumns = `v.account_id, v.name, v.version, v.version_name, v.format, v.content, v.content_hash,
	v.description, v.schema_version, v.platform_types, v.parameters, v.created_at`

func scanDocumentVersion(row rowScanner) (*command.DocumentVersion, error) {
	v := &command.DocumentVersion{}
	var platforms string
	var created int64
	if err := row.Scan(&v.Account, &v.Name, &v.Version, &v.VersionName, &v.Format, &v.Content, &v.Hash,
		&v.Description, &v.SchemaVersion, &platforms, &v.Parameters, &created); err != nil {
		return nil, err
	}
	v.CreateDate = fromMillis(created)
	var err error
	if v.PlatformTypes, err = parseList[string](platforms); err != nil {
		return nil, fmt.Errorf("document %s version %d platform types: %w", v.Name, v.Version, err)
	}
	return v, nil
}

// insertDocumentVersion stores v as the version n of its document.
func (t *Tx) insertDocumentVersion(ctx context.Context, v *command.DocumentVersion, n int) error {
	_, err := t.exec(ctx, `INSERT INTO cmd_document_versions (account_id, name, version, version_name, format, content,
		content_hash, description, schema_version, platform_types, parameters, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.Account, v.Name, n, v.VersionName, v.Format, v.Content, v.Hash, v.Description, v.SchemaVersion,
		jsonList(v.PlatformTypes), v.Parameters, millis(v.CreateDate))
	if isUniqueViolation(err) {
		return exists("document " + v.Name + " version " + strconv.Itoa(n))
	}
	return err
}

// CreateDocument stores a new document d of its account with its first
// version v (stored as version v.Version, normally 1), in one transaction.
// Its version counters are stored as d has them. A document of the name
// in the account is an error of kind Exists, a version of another
// document than d one of kind Invalid.
func (db *DB) CreateDocument(ctx context.Context, d *command.Document, v *command.DocumentVersion) error {
	if v.Account != d.Account || v.Name != d.Name {
		return fmt.Errorf("create document %s: version of document %s: %w", d.Name, v.Name, awserr.Invalid)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO cmd_documents (account_id, name, document_type, target_type, latest_version,
			default_version, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Account, d.Name, d.DocumentType, d.TargetType, d.LatestVersion, d.DefaultVersion, jsonMap(d.Tags),
			millis(d.CreateDate))
		if isUniqueViolation(err) {
			return exists("document " + d.Name)
		}
		if err != nil {
			return err
		}
		return tx.insertDocumentVersion(ctx, v, v.Version)
	})
}

// GetDocument returns the account's document with the given name.
func (db *DB) GetDocument(ctx context.Context, account, name string) (*command.Document, error) {
	return getOne(ctx, db, scanDocument, "document "+name,
		"SELECT "+documentColumns+" FROM cmd_documents d WHERE d.account_id = ? AND d.name = ?", account, name)
}

// ListDocuments returns the account's documents ordered by name: those
// after the name after when it is not "", at most n of them (0: no limit).
func (db *DB) ListDocuments(ctx context.Context, account, after string, n int) ([]*command.Document, error) {
	var w where
	w.add("d.account_id = ?", account)
	if after != "" {
		w.add("d.name > ?", after)
	}
	query := "SELECT " + documentColumns + " FROM cmd_documents d" + w.String() + " ORDER BY d.name" + limit(n, &w.args)
	return queryAll(ctx, db, scanDocument, query, w.args...)
}

// AddDocumentVersion stores v as the next version of its document
// (LatestVersion+1, whatever v.Version says), sets v.Version to it and
// returns the updated document. A missing document is an error of kind
// NotFound. A content whose hash equals the latest version's (SSM's
// DuplicateDocumentContent) is an error of kind Exists, and so is a
// VersionName another version has (DuplicateDocumentVersionName); the
// messages tell them apart. Concurrent calls for one document are
// serialized on its row, so each gets its own number.
func (db *DB) AddDocumentVersion(ctx context.Context, v *command.DocumentVersion) (*command.Document, error) {
	var d *command.Document
	err := db.inTx(ctx, func(tx *Tx) error {
		// Updating first holds off other new versions, and the default's
		// or the document's changes, until this ends.
		res, err := tx.exec(ctx, "UPDATE cmd_documents SET latest_version = latest_version + 1 WHERE account_id = ? AND name = ?",
			v.Account, v.Name)
		if err := mustAffect(res, err, "document "+v.Name); err != nil {
			return err
		}
		if d, err = scanDocument(tx.queryRow(ctx, "SELECT "+documentColumns+" FROM cmd_documents d WHERE d.account_id = ? AND d.name = ?",
			v.Account, v.Name)); err != nil {
			return err
		}
		// The latest version there is: the one numbered LatestVersion-1
		// unless it was deleted.
		var latest int
		var hash string
		err = tx.queryRow(ctx, `SELECT version, content_hash FROM cmd_document_versions WHERE account_id = ? AND name = ?
			ORDER BY version DESC LIMIT 1`, v.Account, v.Name).Scan(&latest, &hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && hash == v.Hash {
			return fmt.Errorf("document %s: content of the latest version %d: %w", v.Name, latest, awserr.Exists)
		}
		if v.VersionName != "" {
			taken, err := db.has(ctx, tx.tx, "SELECT 1 FROM cmd_document_versions WHERE account_id = ? AND name = ? AND version_name = ?",
				v.Account, v.Name, v.VersionName)
			if err != nil {
				return err
			}
			if taken {
				return fmt.Errorf("document %s: version name %s: %w", v.Name, v.VersionName, awserr.Exists)
			}
		}
		return tx.insertDocumentVersion(ctx, v, d.LatestVersion)
	})
	if err != nil {
		return nil, fmt.Errorf("add document version: %w", err)
	}
	v.Version = d.LatestVersion
	return d, nil
}

// GetDocumentVersion returns a version of the account's document.
func (db *DB) GetDocumentVersion(ctx context.Context, account, name string, version int) (*command.DocumentVersion, error) {
	return getOne(ctx, db, scanDocumentVersion, "document "+name+" version "+strconv.Itoa(version),
		"SELECT "+documentVersionColumns+" FROM cmd_document_versions v WHERE v.account_id = ? AND v.name = ? AND v.version = ?",
		account, name, version)
}

// GetDocumentVersionByName returns the version of the account's document
// with the given VersionName. No version has the name "": that is an error
// of kind NotFound, like any name no version has.
func (db *DB) GetDocumentVersionByName(ctx context.Context, account, name, versionName string) (*command.DocumentVersion, error) {
	if versionName == "" {
		return nil, notFound("document " + name + " version without a name")
	}
	return getOne(ctx, db, scanDocumentVersion, "document "+name+" version "+versionName,
		"SELECT "+documentVersionColumns+" FROM cmd_document_versions v WHERE v.account_id = ? AND v.name = ? AND v.version_name = ?",
		account, name, versionName)
}

// ListDocumentVersions returns the versions of the account's document,
// newest first. A missing document, which has none, is an error of kind
// NotFound.
func (db *DB) ListDocumentVersions(ctx context.Context, account, name string) ([]*command.DocumentVersion, error) {
	vs, err := queryAll(ctx, db, scanDocumentVersion, "SELECT "+documentVersionColumns+
		" FROM cmd_document_versions v WHERE v.account_id = ? AND v.name = ? ORDER BY v.version DESC", account, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, notFound("document " + name)
	}
	return vs, nil
}

// SetDefaultDocumentVersion makes a version the document's default. A
// missing document or version is an error of kind NotFound.
func (db *DB) SetDefaultDocumentVersion(ctx context.Context, account, name string, version int) error {
	return db.inTx(ctx, func(tx *Tx) error {
		// Updating first holds off DeleteDocument until this ends, so the
		// version checked below stays.
		res, err := tx.exec(ctx, "UPDATE cmd_documents SET default_version = ? WHERE account_id = ? AND name = ?", version, account, name)
		if err := mustAffect(res, err, "document "+name); err != nil {
			return err
		}
		ok, err := db.has(ctx, tx.tx, "SELECT 1 FROM cmd_document_versions WHERE account_id = ? AND name = ? AND version = ?",
			account, name, version)
		if err == nil && !ok {
			err = notFound("document " + name + " version " + strconv.Itoa(version))
		}
		return err
	})
}

// SetDocumentTags replaces the document's tags; nil removes them all. A
// missing document is an error of kind NotFound.
func (db *DB) SetDocumentTags(ctx context.Context, account, name string, tags map[string]string) error {
	res, err := db.exec(ctx, "UPDATE cmd_documents SET tags = ? WHERE account_id = ? AND name = ?", jsonMap(tags), account, name)
	return mustAffect(res, err, "document "+name)
}

// DeleteDocument deletes the account's document and all its versions. A
// missing document is an error of kind NotFound. Commands that ran it
// keep their record of it.
func (db *DB) DeleteDocument(ctx context.Context, account, name string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM cmd_documents WHERE account_id = ? AND name = ?", account, name)
		if err := mustAffect(res, err, "document "+name); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "DELETE FROM cmd_document_versions WHERE account_id = ? AND name = ?", account, name)
		return err
	})
}
