// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixtureRegistry is a registry held in memory: values by full key path,
// "HKLM\SOFTWARE\...\Uninstall\7-Zip". Keys exist if a key below them does.
type fixtureRegistry map[string]map[string]any

// loadRegistry reads testdata/windows/registry.json, Uninstall and
// Installer keys in the shape a Windows Server 2022 machine with a few
// programs has them.
func loadRegistry(t testing.TB) fixtureRegistry {
	t.Helper()
	var r fixtureRegistry
	if err := json.Unmarshal([]byte(readTestdata(t, "windows/registry.json")), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r fixtureRegistry) SubKeyNames(h registryHive, path string) ([]string, error) {
	prefix := string(h) + `\`
	if path != "" {
		prefix += path + `\`
	}
	set := map[string]bool{}
	for k := range r {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			name, _, _ := strings.Cut(rest, `\`)
			set[name] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (r fixtureRegistry) Values(h registryHive, path string) (map[string]any, error) {
	return r[string(h)+`\`+path], nil
}

func TestWindowsApplications(t *testing.T) {
	got, err := windowsApplications(loadRegistry(t), "x86_64")
	if err != nil {
		t.Fatalf("windowsApplications() error = %v", err)
	}
	sortEntries(got, "Name", "Version", "Architecture")
	want := []map[string]string{
		{
			"Name": "7-Zip 23.01 (x64)", "Version": "23.01", "Publisher": "Igor Pavlov",
			"URL": "https://www.7-zip.org/", "Architecture": "x86_64", "PackageId": "7-Zip",
		},
		{
			// The bundle is listed; its MSI, a SystemComponent, is not.
			"Name": "Amazon SSM Agent", "Version": "3.3.40.0", "Publisher": "Amazon Web Services",
			"InstalledTime": "2024-01-02T00:00:00Z", "Architecture": "x86_64",
			"PackageId": "{d6f4f2a1-0b5e-4d1c-9f3a-7c2e1b0a9d88}",
		},
		{
			// An InstallDate that is not a date.
			"Name": "Bad Date App", "Version": "0.9", "Architecture": "x86_64", "PackageId": "BadDate",
		},
		{
			"Name": "Git", "Version": "2.43.0", "Publisher": "The Git Development Community",
			"InstalledTime": "2024-01-15T00:00:00Z", "URL": "https://gitforwindows.org/",
			"Architecture": "x86_64", "PackageId": "Git_is1",
		},
		{
			"Name": "Google Chrome", "Version": "120.0.6099.217", "Publisher": "Google LLC",
			"InstalledTime": "2024-01-10T00:00:00Z", "Architecture": "i386", "PackageId": "Google Chrome",
		},
		{
			// An MSI product Windows Installer knows.
			"Name": "Microsoft Visual C++ 2019 X64 Minimum Runtime - 14.29.30133", "Version": "14.29.30133",
			"Publisher": "Microsoft Corporation", "InstalledTime": "2023-11-02T00:00:00Z",
			"Architecture": "x86_64", "PackageId": "{2BE0FA87-5B36-43CF-95C8-C68D6673FB94}",
		},
		{
			// Installed for two users: listed once, with no architecture.
			"Name": "Microsoft Visual Studio Code (User)", "Version": "1.85.1", "Publisher": "Microsoft Corporation",
			"InstalledTime": "2024-01-05T00:00:00Z", "URL": "https://code.visualstudio.com/",
			"PackageId": "{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1",
		},
		{
			"Name": "Notepad++ (32-bit x86)", "Version": "8.6.2", "Publisher": "Notepad++ Team",
			"URL": "https://notepad-plus-plus.org/", "Architecture": "i386", "PackageId": "Notepad++",
		},
		{
			"Name": "Odd Date App", "Version": "4.2", "InstalledTime": "2024-01-15T00:00:00Z",
			"Architecture": "x86_64", "PackageId": "OddDate",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windowsApplications() mismatch (-want +got):\n%s", diff)
	}
}

func TestWindowsApplications32BitOS(t *testing.T) {
	got, err := windowsApplications(loadRegistry(t), "i386")
	if err != nil {
		t.Fatalf("windowsApplications() error = %v", err)
	}
	for _, e := range got {
		if e["Name"] == "Google Chrome" {
			t.Errorf("WOW6432Node was read on a 32-bit system: %v", e)
		}
		if a := e["Architecture"]; a != "i386" && a != "" {
			t.Errorf("%s: Architecture %q on a 32-bit system", e["Name"], a)
		}
	}
	if len(got) != 7 {
		t.Errorf("windowsApplications() on a 32-bit system listed %d programs, want 7", len(got))
	}
}

// failingRegistry fails every read.
type failingRegistry struct{}

func (failingRegistry) SubKeyNames(registryHive, string) ([]string, error) {
	return nil, errors.New("access denied")
}

func (failingRegistry) Values(registryHive, string) (map[string]any, error) {
	return nil, errors.New("access denied")
}

func TestWindowsApplicationsRegistryError(t *testing.T) {
	if got, err := windowsApplications(failingRegistry{}, "x86_64"); err == nil {
		t.Errorf("windowsApplications() = %v, want an error", got)
	}
}

func TestCompressedGUID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{2BE0FA87-5B36-43CF-95C8-C68D6673FB94}", "78AF0EB263B5FC34598C6CD86637BF49"},
		{"2be0fa87-5b36-43cf-95c8-c68d6673fb94", "78AF0EB263B5FC34598C6CD86637BF49"},
		{"{C6A8B1E5-6A36-4A44-8D64-BE4B3E9B1C10}", "5E1B8A6C63A644A4D846EBB4E3B9C101"},
		{"7-Zip", ""},
		{"{2BE0FA87-5B36-43CF-95C8-C68D6673FB9Z}", ""},
	}
	for _, tt := range tests {
		if got := compressedGUID(tt.in); got != tt.want {
			t.Errorf("compressedGUID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInstallDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"20231102", "2023-11-02T00:00:00Z"},
		{" 20240229 ", "2024-02-29T00:00:00Z"},
		{"2024-01-15", "2024-01-15T00:00:00Z"},
		{"1/15/2024", "2024-01-15T00:00:00Z"},
		{"20230230", ""},
		{"someday", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := installDate(tt.in); got != tt.want {
			t.Errorf("installDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
