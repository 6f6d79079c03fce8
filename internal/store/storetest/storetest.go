// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package storetest is the store's compliance suite, run against every
// engine, and the helpers tests use to get a fresh database of either kind.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/kanri-dev/kanri/internal/store"
)

// EnvDatabaseURL names the environment variable with the PostgreSQL URL
// tests use, e.g. postgres://127.0.0.1:5432/test. Without it PostgreSQL
// tests are skipped, unless EnvRequireAll is set.
const EnvDatabaseURL = "KANRI_TEST_DATABASE_URL"

// EnvRequireAll, when set to 1, turns every skip for a missing service or
// tool into a failure. CI sets it.
const EnvRequireAll = "KANRI_TEST_REQUIRE_ALL"

// SkipUnlessAvailable skips t because what is missing, or fails it when
// EnvRequireAll is set.
func SkipUnlessAvailable(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(EnvRequireAll) == "1" {
		t.Fatalf("%s is required (%s=1) but not available", what, EnvRequireAll)
	}
	t.Skipf("%s not available", what)
}

// SQLite returns a Config for a fresh SQLite database in a temp dir.
func SQLite(t testing.TB) store.Config {
	return store.Config{DataDir: t.TempDir(), Logger: quiet}
}

// quiet discards the store's logs in tests.
var quiet = slog.New(slog.DiscardHandler)

// Postgres returns a Config for a fresh, empty PostgreSQL schema in the
// database named by EnvDatabaseURL, dropped when t ends. It skips t when
// the variable is unset.
func Postgres(t testing.TB) store.Config {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	SkipUnlessAvailable(t, base != "", "PostgreSQL ("+EnvDatabaseURL+")")
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Config{URL: u.String(), Logger: quiet}
}

// Open opens cfg and closes it when t ends.
func Open(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
