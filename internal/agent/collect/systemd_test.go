// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readTestdata returns the contents of testdata/name.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseListUnits(t *testing.T) {
	got := parseListUnits(readTestdata(t, "systemctl/list-units.txt"))
	want := []listedUnit{
		{"apparmor.service", "loaded", "active", "exited", "Load AppArmor profiles"},
		{"auditd.service", "not-found", "inactive", "dead", "auditd.service"},
		{"cron.service", "loaded", "active", "running", "Regular background program processing daemon"},
		{"mariadb.service", "loaded", "failed", "failed", "MariaDB 10.11.6 database server"},
		{"ssh.service", "loaded", "active", "running", "OpenBSD Secure Shell server"},
		{`systemd-fsck@dev-disk-by\x2dlabel-UEFI.service`, "loaded", "active", "exited", "File System Check on /dev/disk/by-label/UEFI"},
		{"unattended-upgrades.service", "loaded", "inactive", "dead", "Unattended Upgrades Shutdown"},
		{"user@1000.service", "loaded", "active", "running", "User Manager for UID 1000"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseListUnits() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseListUnitFiles(t *testing.T) {
	got := parseListUnitFiles(readTestdata(t, "systemctl/list-unit-files.txt"))
	want := map[string]string{
		"apparmor.service":            "enabled",
		"apt-daily.service":           "static",
		"autovt@.service":             "alias",
		"cron.service":                "enabled",
		"cups.service":                "masked",
		"getty@.service":              "enabled",
		"mariadb.service":             "enabled",
		"rsync.service":               "disabled",
		"ssh.service":                 "enabled",
		"sshd.service":                "alias",
		"unattended-upgrades.service": "enabled",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseListUnitFiles() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseSystemctlShow(t *testing.T) {
	units := parseSystemctlShow(readTestdata(t, "systemctl/show.txt"))
	var got []map[string]string
	for _, u := range units {
		got = append(got, u.entry())
	}
	want := []map[string]string{
		{"Name": "apparmor", "DisplayName": "Load AppArmor profiles", "ServiceType": "oneshot", "Status": "Running", "StartType": "Automatic"},
		{"Name": "apt-daily", "DisplayName": "Daily apt download activities", "ServiceType": "oneshot", "Status": "Stopped", "StartType": "Manual"},
		{"Name": "cron", "DisplayName": "Regular background program processing daemon", "ServiceType": "simple", "Status": "Running", "StartType": "Automatic"},
		{"Name": "cups", "DisplayName": "cups.service", "ServiceType": "simple", "Status": "Stopped", "StartType": "Disabled"},
		{"Name": "mariadb", "DisplayName": "MariaDB 10.11.6 database server", "ServiceType": "notify", "Status": "Failed", "StartType": "Automatic"},
		{
			"Name": "ssh", "DisplayName": "OpenBSD Secure Shell server", "ServiceType": "notify", "Status": "StartPending",
			"StartType": "Automatic", "DependentServices": "app-worker",
		},
		{
			"Name": "app-worker", "DisplayName": "Application worker", "ServiceType": "simple", "Status": "StopPending",
			"StartType": "Automatic", "ServicesDependedOn": "cron, mariadb, ssh",
		},
		{"Name": "ghost", "DisplayName": "ghost.service", "Status": "Stopped"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseSystemctlShow() entries mismatch (-want +got):\n%s", diff)
	}
	if units[len(units)-1].LoadState != "not-found" {
		t.Errorf("LoadState of ghost.service = %q, want not-found", units[len(units)-1].LoadState)
	}
}

func TestParseUnitFile(t *testing.T) {
	tests := []struct {
		name, data string
		want       unitFile
	}{
		{
			name: "defaults",
			data: "[Service]\nExecStart=/bin/true\n",
			want: unitFile{Type: "simple"},
		},
		{
			name: "dependencies accumulate and an empty assignment resets them",
			data: "[Unit]\nDescription=Worker\nRequires=a.service b.service\nWants=c.service\nWants=\nWants=d.service\n" +
				"BindsTo=e.service\nRequisite=f.service\nAfter=g.service\n[Service]\nType=forking\n[Install]\nWantedBy=multi-user.target\n",
			want: unitFile{
				Description: "Worker", Type: "forking", Installable: true,
				DependsOn: []string{"a.service", "b.service", "f.service", "d.service", "e.service"},
			},
		},
		{
			name: "continuation lines and comments",
			data: "# comment\n[Unit]\nDescription=Long \\\n  name\n; another\n[Install]\nWantedBy=\n",
			want: unitFile{Description: "Long name", Type: "simple"},
		},
		{
			name: "keys of another section are not the unit's",
			data: "[Service]\nDescription=not this\nRequires=x.service\n[Unit]\nDescription=this\n",
			want: unitFile{Description: "this", Type: "simple"},
		},
		{
			name: "Also makes it installable",
			data: "[Install]\nAlso=cups.socket\n",
			want: unitFile{Type: "simple", Installable: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseUnitFile(tt.data)); diff != "" {
				t.Errorf("parseUnitFile() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSystemdStatusAndStartType(t *testing.T) {
	statuses := map[string]string{
		"active": "Running", "reloading": "Running", "inactive": "Stopped", "failed": "Failed",
		"activating": "StartPending", "deactivating": "StopPending", "": "Unknown", "weird": "Unknown",
	}
	for in, want := range statuses {
		if got := systemdStatus(in); got != want {
			t.Errorf("systemdStatus(%q) = %q, want %q", in, got, want)
		}
	}
	startTypes := []struct{ file, load, want string }{
		{"enabled", "loaded", "Automatic"},
		{"enabled-runtime", "loaded", "Automatic"},
		{"generated", "loaded", "Automatic"},
		{"static", "loaded", "Manual"},
		{"indirect", "loaded", "Manual"},
		{"disabled", "loaded", "Manual"},
		{"masked", "masked", "Disabled"},
		{"", "masked", "Disabled"},
		{"", "loaded", ""},
	}
	for _, tt := range startTypes {
		if got := systemdStartType(tt.file, tt.load); got != tt.want {
			t.Errorf("systemdStartType(%q, %q) = %q, want %q", tt.file, tt.load, got, tt.want)
		}
	}
}
