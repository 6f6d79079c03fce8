// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package collect

// The tests of collectors that work differently on Windows.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func TestUnitFileServices(t *testing.T) {
	c := newCollector(Config{Root: fixtureRoot(t)})
	got, err := c.services(t.Context())
	if err != nil {
		t.Fatalf("services() error = %v", err)
	}
	want := []map[string]string{
		{
			"Name": "app-db", "DisplayName": "Application database", "ServiceType": "forking",
			"Status": "Unknown", "StartType": "Manual", "DependentServices": "app-worker",
		},
		{
			// Enabled through multi-user.target.wants; metrics is linked in
			// its own .wants directory.
			"Name": "app-worker", "DisplayName": "Application worker", "ServiceType": "simple",
			"Status": "Unknown", "StartType": "Automatic", "ServicesDependedOn": "app-db, cron, metrics",
		},
		{
			"Name": "cron", "DisplayName": "Regular background program processing daemon", "ServiceType": "simple",
			"Status": "Unknown", "StartType": "Manual", "DependentServices": "app-worker",
		},
		{
			// Masked by a link to /dev/null; described by the vendor's file.
			"Name": "cups", "DisplayName": "CUPS Scheduler", "ServiceType": "notify",
			"Status": "Unknown", "StartType": "Disabled",
		},
		{
			// The file in /etc overrides the vendor's.
			"Name": "local-override", "DisplayName": "Local override (admin)", "ServiceType": "oneshot",
			"Status": "Unknown", "StartType": "Manual",
		},
		{
			"Name": "metrics", "DisplayName": "Metrics exporter", "ServiceType": "oneshot",
			"Status": "Unknown", "StartType": "Automatic", "DependentServices": "app-worker",
		},
		{
			// sshd.service, its alias, is not a second service.
			"Name": "ssh", "DisplayName": "OpenBSD Secure Shell server", "ServiceType": "notify",
			"Status": "Unknown", "StartType": "Automatic",
		},
		{
			"Name": "systemd-journald", "DisplayName": "Journal Service", "ServiceType": "notify",
			"Status": "Unknown", "StartType": "Manual",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("services() mismatch (-want +got):\n%s", diff)
	}
}

// TestUnitFileStatesMatchSystemctl checks, on the machine running the test,
// that reading the unit files gives every service the start type systemctl
// list-unit-files gives it (systemctl reads unit files even when systemd
// is not running).
func TestUnitFileStatesMatchSystemctl(t *testing.T) {
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Skip("systemctl is not installed")
	}
	out, err := exec.Command("systemctl", "list-unit-files", "--type=service", "--no-legend", "--no-pager").Output()
	if err != nil {
		t.Skipf("systemctl list-unit-files: %v", err)
	}
	states := parseListUnitFiles(string(out))
	got := map[string]systemdUnit{}
	for _, u := range newCollector(Config{}).unitFileUnits() {
		got[u.Name] = u
	}
	compared := 0
	for name, state := range states {
		switch state {
		case "enabled", "disabled", "static", "masked", "indirect":
		default:
			continue // templates' aliases, generated and transient units
		}
		if isTemplate(name) {
			continue
		}
		u, ok := got[name]
		if !ok {
			t.Errorf("%s (%s) not found in the unit files", name, state)
			continue
		}
		compared++
		if g, w := systemdStartType(u.UnitFileState, u.LoadState), systemdStartType(state, ""); g != w {
			t.Errorf("%s: StartType %q (from %q), systemctl says %q (%q)", name, g, u.UnitFileState, w, state)
		}
	}
	t.Logf("compared %d services", compared)
}

func TestPlatformInfoFallbacks(t *testing.T) {
	tests := []struct {
		name, file, content string
		wantName, wantVer   string
	}{
		{"os-release in /usr/lib", "usr/lib/os-release", "NAME='Amazon Linux'\nVERSION_ID=\"2023\"\n", "Amazon Linux", "2023"},
		{"system-release", "etc/system-release", "Amazon Linux AMI release 2018.03\n", "Amazon Linux AMI", "2018.03"},
		{"redhat-release", "etc/redhat-release", "CentOS release 6.10 (Final)\n", "CentOS", "6.10"},
		{"nothing", "etc/hostname", "x\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			p := filepath.Join(root, tt.file)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			pi := newCollector(Config{Root: root}).platformInfo()
			if pi.Name != tt.wantName || pi.Version != tt.wantVer || pi.Type != "Linux" {
				t.Errorf("platformInfo() = %+v, want Name %q, Version %q, Type Linux", pi, tt.wantName, tt.wantVer)
			}
		})
	}
}

func TestFilesLimits(t *testing.T) {
	root := t.TempDir()
	many := filepath.Join(root, "many")
	for i := range FileCountLimit + 1 {
		p := filepath.Join(many, fmt.Sprintf("d%d", i%10), "f"+strconv.Itoa(i)+".log")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	three, ten := 3, 11
	tests := []struct {
		name    string
		specs   []FileSpec
		wantErr bool
		wantN   int
	}{
		{name: "one file too many", specs: []FileSpec{{Path: "/many", Pattern: []string{"*.log"}, Recursive: true}}, wantErr: true},
		{
			name:    "the limit is over all paths",
			specs:   []FileSpec{{Path: "/many/d0", Pattern: []string{"*.log"}}, {Path: "/many", Pattern: []string{"*.log"}, Recursive: true}},
			wantErr: true,
		},
		{name: "exactly the limit", specs: []FileSpec{{Path: "/many", Pattern: []string{"f[0-9].log", "f[0-9][0-9].log", "f[0-4][0-9][0-9].log"}, Recursive: true}}, wantN: FileCountLimit},
		{name: "directory scan limit", specs: []FileSpec{{Path: "/many", Pattern: []string{"f1.log"}, Recursive: true, DirScanLimit: &three}}, wantErr: true},
		{name: "within the directory scan limit", specs: []FileSpec{{Path: "/many", Pattern: []string{"f1.log"}, Recursive: true, DirScanLimit: &ten}}, wantN: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newCollector(Config{Root: root, FilePaths: tt.specs}).files(t.Context())
			if tt.wantErr {
				if !errors.Is(err, awserr.LimitExceeded) || got != nil {
					t.Errorf("files() = %d entries, %v; want nil and a LimitExceeded error", len(got), err)
				}
				return
			}
			if err != nil || len(got) != tt.wantN {
				t.Errorf("files() = %d entries, %v; want %d, nil", len(got), err, tt.wantN)
			}
		})
	}
}

func TestNetworkExtras(t *testing.T) {
	c := newCollector(Config{Root: fixtureRoot(t)})
	got := c.networkExtras([]net.Interface{{Index: 2, Name: "eth0"}, {Index: 3, Name: "wlan0"}, {Index: 4, Name: "docker0"}})
	dns := []string{"10.0.0.2", "10.0.0.3"} // resolv.conf names only systemd-resolved's stub
	want := map[string]netExtras{
		"eth0":    {Gateway: []string{"10.0.0.1", "fd00::1"}, DHCPServer: []string{"10.0.0.1"}, DNSServer: dns},
		"wlan0":   {DHCPServer: []string{"192.168.7.1"}, DNSServer: dns}, // networkd's lease of interface 3
		"docker0": {DNSServer: dns},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("networkExtras() mismatch (-want +got):\n%s", diff)
	}
}

func TestInstanceDetailedInformationFixture(t *testing.T) {
	got, err := newCollector(Config{Root: fixtureRoot(t)}).instanceDetailedInformation(t.Context())
	if err != nil {
		t.Fatalf("instanceDetailedInformation() error = %v", err)
	}
	want := []map[string]string{{
		"CPUModel": "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz", "CPUSpeedMHz": "3500", "CPUs": "8",
		"CPUSockets": "2", "CPUCores": "4", "CPUHyperThreadEnabled": "true",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instanceDetailedInformation() mismatch (-want +got):\n%s", diff)
	}
}
