// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kanri-dev/kanri/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, storetest.SQLite)
}

func TestSQLiteFileMode(t *testing.T) {
	cfg := storetest.SQLite(t)
	storetest.Open(t, cfg)
	fi, err := os.Stat(filepath.Join(cfg.DataDir, "kanri.db"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("kanri.db mode = %v, want 0600", got)
	}
}
