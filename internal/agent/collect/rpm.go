// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// rpmFieldCount is how many tags rpmQueryFormat asks for.
const rpmFieldCount = 11

// rpmQueryFormat makes rpm -qa print one package a line, its fields
// separated by the ASCII unit separator, which no tag value contains.
const rpmQueryFormat = "%{NAME}\x1f%{VENDOR}\x1f%{VERSION}\x1f%{RELEASE}\x1f%{EPOCH}\x1f%{INSTALLTIME}\x1f" +
	"%{GROUP}\x1f%{ARCH}\x1f%{URL}\x1f%{SUMMARY}\x1f%{SOURCERPM}\n"

// rpmApplications returns the installed rpm packages, or nil if rpm or its
// database is missing.
func (c *collector) rpmApplications(ctx context.Context) ([]map[string]string, error) {
	bin, err := exec.LookPath("rpm")
	if err != nil {
		return nil, nil
	}
	found := false
	for _, db := range []string{"/usr/lib/sysimage/rpm", "/var/lib/rpm"} { // newest layout first
		if fi, err := os.Stat(c.hostPath(db)); err == nil && fi.IsDir() {
			found = true
			break
		}
	}
	if !found {
		return nil, nil
	}
	args := []string{"-qa", "--queryformat", rpmQueryFormat}
	if c.root != "" {
		args = append([]string{"--root", c.root}, args...)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rpm -qa: %s: %w", firstLine(stderr.String()), err)
	}
	return parseRPMQuery(out)
}

// parseRPMQuery parses the output of rpm -qa --queryformat rpmQueryFormat
// into AWS:Application entries as the SSM agent makes them: Version,
// Release and Epoch from the tags of those names (an unset tag, which rpm
// prints as "(none)", is left out), InstalledTime from INSTALLTIME,
// ApplicationType from GROUP and PackageId the source rpm.
func parseRPMQuery(out []byte) ([]map[string]string, error) {
	var apps []map[string]string
	for n, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\x1f")
		if len(f) != rpmFieldCount {
			return nil, fmt.Errorf("rpm output line %d: %d fields, want %d", n+1, len(f), rpmFieldCount)
		}
		for i := range f {
			if f[i] = strings.TrimSpace(f[i]); f[i] == "(none)" {
				f[i] = ""
			}
		}
		if f[0] == "" {
			return nil, errors.New("rpm output line " + strconv.Itoa(n+1) + ": no name")
		}
		installed := ""
		if sec, err := strconv.ParseInt(f[5], 10, 64); err == nil {
			installed = time.Unix(sec, 0).UTC().Format(time.RFC3339)
		}
		apps = append(apps, entry(
			"Name", f[0],
			"Publisher", f[1],
			"Version", f[2],
			"Release", f[3],
			"Epoch", f[4],
			"InstalledTime", installed,
			"ApplicationType", f[6],
			"Architecture", formatArchitecture(f[7]),
			"URL", f[8],
			"Summary", summary(f[9]),
			"PackageId", f[10],
		))
	}
	return apps, nil
}
