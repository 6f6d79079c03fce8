// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAPKApplications(t *testing.T) {
	c := newCollector(Config{Root: fixtureRoot(t)})
	got, err := c.apkApplications()
	if err != nil {
		t.Fatalf("apkApplications() error = %v", err)
	}
	want := []map[string]string{
		{
			"Name": "musl", "Version": "1.2.4-r2", "Architecture": "x86_64",
			"Summary": "the musl c library (libc) implementation", "URL": "https://musl.libc.org/",
			"Publisher": "Timo Teräs <timo.teras@iki.fi>", "PackageId": "musl-1.2.4-r2.apk",
		},
		{
			"Name": "busybox", "Version": "1.36.1-r15", "Architecture": "x86_64",
			"Summary": "Size optimized toolbox of many common UNIX utilities", "URL": "https://busybox.net/",
			"Publisher": "Sören Tempel <soeren+alpine@soeren-tempel.net>", "PackageId": "busybox-1.36.1-r15.apk",
		},
		{
			// The last record has no blank line after it.
			"Name": "alpine-baselayout-data", "Version": "3.4.3-r2", "Architecture": "x86_64",
			"Summary":   "Alpine base dir structure and init scripts",
			"URL":       "https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout",
			"Publisher": "Natanael Copa <ncopa@alpinelinux.org>", "PackageId": "alpine-baselayout-data-3.4.3-r2.apk",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apkApplications() mismatch (-want +got):\n%s", diff)
	}
}

func TestAPKApplicationsWithoutAPK(t *testing.T) {
	c := newCollector(Config{Root: t.TempDir()})
	if got, err := c.apkApplications(); got != nil || err != nil {
		t.Errorf("apkApplications() = %v, %v; want nil, nil", got, err)
	}
}
