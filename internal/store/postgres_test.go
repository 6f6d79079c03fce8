// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store_test

import (
	"testing"

	"github.com/kanri-dev/kanri/internal/store/storetest"
)

func TestPostgres(t *testing.T) {
	storetest.Run(t, storetest.Postgres)
}
