// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob

// Internals that the tests (package blob_test, which may import the
// packages that import blob) need.
const (
	MinPartSize = minPartSize // bodies past it are put in several parts
	TmpDir      = tmpDir      // where a local store writes before renaming
)
