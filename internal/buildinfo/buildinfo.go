// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package buildinfo reports the version of the running binary.
package buildinfo

import "runtime/debug"

// version is set at link time: -ldflags "-X github.com/kanri-dev/kanri/internal/buildinfo.version=v1.2.3".
var version = ""

// Version returns the release version, or the module version or VCS
// revision recorded in the binary, or "dev".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}
