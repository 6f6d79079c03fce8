// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// apkInstalledFile is Alpine's database of installed packages, read
// directly.
const apkInstalledFile = "/lib/apk/db/installed"

// apkApplications returns the installed apk packages, or nil if the machine
// has no apk database.
func (c *collector) apkApplications() ([]map[string]string, error) {
	b, err := os.ReadFile(c.hostPath(apkInstalledFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseAPKInstalled(string(b)), nil
}

// parseAPKInstalled parses apk's installed database: one record per
// package, separated by blank lines, each line "X:value" with X a one-letter
// field (P name, V version, A architecture, T description, U URL,
// m maintainer). Version is apk's version verbatim ("1.36.1-r2"), as for
// dpkg; apk records no installation time.
func parseAPKInstalled(data string) []map[string]string {
	var apps []map[string]string
	rec := map[byte]string{}
	flush := func() {
		if name := rec['P']; name != "" {
			apps = append(apps, entry(
				"Name", name,
				"Publisher", rec['m'],
				"Version", rec['V'],
				"Architecture", formatArchitecture(rec['A']),
				"URL", rec['U'],
				"Summary", summary(rec['T']),
				"PackageId", name+"-"+rec['V']+".apk",
			))
		}
		clear(rec)
	}
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			flush()
			continue
		}
		if len(line) >= 2 && line[1] == ':' {
			switch k := line[0]; k {
			case 'P', 'V', 'A', 'T', 'U', 'm':
				rec[k] = line[2:]
			}
		}
	}
	flush()
	return apps
}
