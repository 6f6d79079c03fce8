// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import "io/fs"

// fileDetails adds what the platform knows of a file beyond its name, size
// and modification time. The SSM agent reports nothing more on Linux, and
// LastAccessTime is left out on purpose: it changes whenever the file is
// read, and with it the content hash.
func fileDetails(path string, fi fs.FileInfo, e map[string]string) {}
