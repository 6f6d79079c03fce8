// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

import (
	"os"
	"runtime"
)

// platformInfo reads the distribution's name (NAME) and version
// (VERSION_ID) from os-release, or else from system-release or
// redhat-release.
func (c *collector) platformInfo() platformInfo {
	pi := platformInfo{Type: "Linux"}
	switch runtime.GOOS {
	case "linux":
	case "darwin":
		pi.Type = "MacOS"
	default:
		pi.Type = runtime.GOOS
	}
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if b, err := os.ReadFile(c.hostPath(p)); err == nil {
			rel := parseOSRelease(string(b))
			pi.Name, pi.Version = rel["NAME"], rel["VERSION_ID"]
			return pi
		}
	}
	for _, p := range []string{"/etc/system-release", "/etc/redhat-release"} {
		if b, err := os.ReadFile(c.hostPath(p)); err == nil {
			pi.Name, pi.Version = parseReleaseLine(string(b))
			return pi
		}
	}
	return pi
}
