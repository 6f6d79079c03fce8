// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDpkgApplications(t *testing.T) {
	root := fixtureRoot(t)
	c := newCollector(Config{Root: root})
	got, err := c.dpkgApplications()
	if err != nil {
		t.Fatalf("dpkgApplications() error = %v", err)
	}
	sortEntries(got, "Name", "Version", "Architecture")
	at := func(d time.Duration) string { return fixtureTime.Add(d).Format(time.RFC3339) }
	ubuntu := "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>"
	want := []map[string]string{
		{
			"Name": "adduser", "Publisher": "Ubuntu Core Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
			"Version": "3.118ubuntu5", "ApplicationType": "admin", "Architecture": "all",
			"Summary": "add and remove users and groups", "PackageId": "adduser_3.118ubuntu5_all.deb",
			"InstalledTime": at(0),
		},
		{
			"Name": "amazon-ssm-agent", "Publisher": "Amazon.com, Inc. <ec2-ssm-feedback@amazon.com>",
			"Version": "3.3.40.0-1", "ApplicationType": "admin", "Architecture": "x86_64",
			"URL": "https://github.com/aws/amazon-ssm-agent", "Summary": "Amazon SSM Agent",
			"PackageId": "amazon-ssm-agent_3.3.40.0-1_amd64.deb", "InstalledTime": at(5 * time.Hour),
		},
		{
			// updates/0001 upgraded it after the status file was written.
			"Name": "curl", "Publisher": ubuntu, "Version": "7.81.0-1ubuntu1.15", "ApplicationType": "web",
			"Architecture": "x86_64", "URL": "https://curl.se/",
			"Summary":   "command line tool for transferring data with URL syntax",
			"PackageId": "curl_7.81.0-1ubuntu1.15_amd64.deb", "InstalledTime": at(6 * time.Hour),
		},
		{
			// No file list, so no InstalledTime; Summary cut to 100 bytes.
			"Name": "fonts-dejavu-core", "Publisher": "Debian Fonts Task Force <debian-fonts@lists.debian.org>",
			"Version": "2.37-2build1", "ApplicationType": "fonts", "Architecture": "all",
			"URL":       "https://dejavu-fonts.github.io/",
			"Summary":   "Vera font family derivate with additional characters — a very long short description that goes bey",
			"PackageId": "fonts-dejavu-core_2.37-2build1_all.deb",
		},
		{
			"Name": "libc6", "Publisher": ubuntu, "Version": "2.35-0ubuntu3.6", "ApplicationType": "libs",
			"Architecture": "i386", "URL": "https://www.gnu.org/software/libc/libc.html",
			"Summary": "GNU C Library: Shared libraries", "PackageId": "libc6_2.35-0ubuntu3.6_i386.deb",
			"InstalledTime": at(2 * time.Hour),
		},
		{
			"Name": "libc6", "Publisher": ubuntu, "Version": "2.35-0ubuntu3.6", "ApplicationType": "libs",
			"Architecture": "x86_64", "URL": "https://www.gnu.org/software/libc/libc.html",
			"Summary": "GNU C Library: Shared libraries", "PackageId": "libc6_2.35-0ubuntu3.6_amd64.deb",
			"InstalledTime": at(1 * time.Hour),
		},
		{
			// Held packages are installed.
			"Name": "nginx", "Publisher": ubuntu, "Version": "1.18.0-6ubuntu14.4", "ApplicationType": "httpd",
			"Architecture": "x86_64", "URL": "https://nginx.net",
			"Summary": "small, powerful, scalable web/proxy server", "PackageId": "nginx_1.18.0-6ubuntu14.4_amd64.deb",
			"InstalledTime": at(4 * time.Hour),
		},
		{
			// The epoch stays in Version, as dpkg-query prints it.
			"Name": "openssh-server", "Publisher": ubuntu, "Version": "1:8.9p1-3ubuntu0.6", "ApplicationType": "net",
			"Architecture": "x86_64", "URL": "https://www.openssh.com/",
			"Summary":   "secure shell (SSH) server, for secure access from remote machines",
			"PackageId": "openssh-server_1:8.9p1-3ubuntu0.6_amd64.deb", "InstalledTime": at(3 * time.Hour),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dpkgApplications() mismatch (-want +got):\n%s", diff)
	}
}

func TestDpkgApplicationsWithoutDpkg(t *testing.T) {
	c := newCollector(Config{Root: t.TempDir()})
	got, err := c.dpkgApplications()
	if got != nil || err != nil {
		t.Errorf("dpkgApplications() on a machine without dpkg = %v, %v; want nil, nil", got, err)
	}
}

func TestDpkgInstalled(t *testing.T) {
	tests := []struct {
		status string
		want   bool
	}{
		{"install ok installed", true},
		{"hold ok installed", true},
		{"deinstall ok installed", true},
		{"deinstall ok config-files", false},
		{"purge ok not-installed", false},
		{"install reinstreq half-installed", false},
		{"install ok unpacked", false},
		{"install ok half-configured", false},
		{"", false},
	}
	for _, tt := range tests {
		p := &dpkgPackage{Status: tt.status}
		if got := p.installed(); got != tt.want {
			t.Errorf("installed() with Status %q = %v, want %v", tt.status, got, tt.want)
		}
	}
}

// TestDpkgMatchesDpkgQuery checks the collector against dpkg itself on the
// machine running the test: every installed package, with its exact name
// and version, and nothing else.
func TestDpkgMatchesDpkgQuery(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("dpkg-query is not installed")
	}
	if _, err := os.Stat(dpkgStatusFile); err != nil {
		t.Skipf("no dpkg database: %v", err)
	}
	out, err := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Status} ${Package} ${Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var want []string
	for _, line := range strings.Split(string(out), "\n") {
		if pkg, ok := strings.CutPrefix(line, dpkgInstalledOK+" "); ok {
			want = append(want, pkg)
		}
	}
	sort.Strings(want)

	start := time.Now()
	apps, err := newCollector(Config{}).dpkgApplications()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("dpkgApplications() error = %v", err)
	}
	var got []string
	for _, a := range apps {
		got = append(got, a["Name"]+" "+a["Version"])
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dpkgApplications() differs from dpkg-query (-want +got):\n%s", diff)
	}
	if len(want) == 0 {
		t.Errorf("dpkg-query lists no installed package")
	}
	t.Logf("read %d packages in %v", len(got), elapsed)
}

func BenchmarkDpkgApplications(b *testing.B) {
	if _, err := os.Stat(filepath.FromSlash(dpkgStatusFile)); err != nil {
		b.Skip("no dpkg database")
	}
	c := newCollector(Config{})
	for b.Loop() {
		if _, err := c.dpkgApplications(); err != nil {
			b.Fatal(err)
		}
	}
}
