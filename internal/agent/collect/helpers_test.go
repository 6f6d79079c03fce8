// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// fixtureTime is the modification time fixtureRoot gives the files whose
// times the tests check.
var fixtureTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// dpkgListTimes are the times fixtureRoot gives dpkg's file lists, which
// are not in testdata because their names have colons.
func dpkgListTimes() map[string]time.Time {
	return map[string]time.Time{
		"adduser.list":          fixtureTime,
		"libc6:amd64.list":      fixtureTime.Add(1 * time.Hour),
		"libc6:i386.list":       fixtureTime.Add(2 * time.Hour),
		"openssh-server.list":   fixtureTime.Add(3 * time.Hour),
		"nginx.list":            fixtureTime.Add(4 * time.Hour),
		"amazon-ssm-agent.list": fixtureTime.Add(5 * time.Hour),
		"curl.list":             fixtureTime.Add(6 * time.Hour),
	}
}

// fixtureRoot copies testdata/root into a temporary directory and adds
// what git cannot hold portably: symbolic links (some absolute, meant to
// resolve inside the root), dpkg's file lists and fixed modification times.
// Tests point Config.Root at the result.
func fixtureRoot(t testing.TB) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fixture tree needs symbolic links and shell scripts")
	}
	root := filepath.Join(t.TempDir(), "root")
	copyTree(t, filepath.Join("testdata", "root"), root)

	links := map[string]string{
		"usr/lib/jvm/default-java": "java-8-oracle",
		"etc/alternatives/java":    "/usr/lib/jvm/java-8-oracle/jre/bin/java",
		"usr/bin/java":             "/etc/alternatives/java",
		"opt/jdk-17-link":          "jdk-17",

		"etc/systemd/system/multi-user.target.wants/ssh.service":        "/lib/systemd/system/ssh.service",
		"etc/systemd/system/multi-user.target.wants/app-worker.service": "/lib/systemd/system/app-worker.service",
		"etc/systemd/system/app-worker.service.wants/metrics.service":   "/lib/systemd/system/metrics.service",
		"etc/systemd/system/sshd.service":                               "/lib/systemd/system/ssh.service",
		"etc/systemd/system/cups.service":                               "/dev/null",
	}
	for name, target := range links {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}

	info := filepath.Join(root, "var/lib/dpkg/info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mt := range dpkgListTimes() {
		p := filepath.Join(info, name)
		if err := os.WriteFile(p, []byte("/.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		setTime(t, p, mt)
	}
	for _, p := range []string{"etc/app/a.conf", "etc/app/b.conf", "etc/app/notes.txt", "etc/app/sub/c.conf", "etc/app/sub/deeper/d.conf"} {
		setTime(t, filepath.Join(root, p), fixtureTime)
	}
	return root
}

// setTime sets the access and modification times of p.
func setTime(t testing.TB, p string, mt time.Time) {
	t.Helper()
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the directory src to dst, keeping file modes and links.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, info.Mode().Perm())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fixedNow returns a clock stopped at tm.
func fixedNow(tm time.Time) func() time.Time {
	return func() time.Time { return tm }
}

// byKey indexes entries by the value of key, failing on duplicates.
func byKey(t testing.TB, entries []map[string]string, key string) map[string]map[string]string {
	t.Helper()
	m := map[string]map[string]string{}
	for _, e := range entries {
		if _, dup := m[e[key]]; dup {
			t.Fatalf("two entries with %s %q", key, e[key])
		}
		m[e[key]] = e
	}
	return m
}
