// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package agent

import "os"

// restrictDir makes dir accessible to its owner only, even if it existed
// with a wider mode.
func restrictDir(dir string) error { return os.Chmod(dir, 0o700) }
