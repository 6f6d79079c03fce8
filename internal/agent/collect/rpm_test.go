// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseRPMQuery parses testdata/rpm/qa.txt, output of
// rpm -qa --queryformat rpmQueryFormat in the shape Amazon Linux 2023
// prints it.
func TestParseRPMQuery(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "rpm", "qa.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseRPMQuery(out)
	if err != nil {
		t.Fatalf("parseRPMQuery() error = %v", err)
	}
	al := "Amazon Linux"
	want := []map[string]string{
		{
			"Name": "bash", "Publisher": al, "Version": "5.2.15", "Release": "1.amzn2023.0.2",
			"InstalledTime": "2023-11-14T22:13:20Z", "ApplicationType": "Unspecified", "Architecture": "x86_64",
			"URL": "https://www.gnu.org/software/bash", "Summary": "The GNU Bourne Again shell",
			"PackageId": "bash-5.2.15-1.amzn2023.0.2.src.rpm",
		},
		{
			"Name": "openssl-libs", "Publisher": al, "Version": "3.0.8", "Release": "1.amzn2023.0.11", "Epoch": "1",
			"InstalledTime": "2023-11-14T22:15:00Z", "ApplicationType": "Unspecified", "Architecture": "x86_64",
			"URL": "http://www.openssl.org/", "Summary": "A general purpose cryptography library with TLS implementation",
			"PackageId": "openssl-3.0.8-1.amzn2023.0.11.src.rpm",
		},
		{
			// rpm prints unset tags as "(none)": they are left out.
			"Name": "gpg-pubkey", "Version": "d832c631", "Release": "5ed5ff6b",
			"InstalledTime": "2023-11-14T22:16:40Z", "ApplicationType": "Public Keys",
			"Summary": "Amazon Linux <amazon-linux@amazon.com> public key",
		},
		{
			"Name": "amazon-ssm-agent", "Publisher": "Amazon.com", "Version": "3.3.40.0", "Release": "1.amzn2023",
			"InstalledTime": "2023-11-14T22:18:20Z", "ApplicationType": "Unspecified", "Architecture": "x86_64",
			"URL": "https://github.com/aws/amazon-ssm-agent", "Summary": "Manage EC2 Instances using SSM APIs",
			"PackageId": "amazon-ssm-agent-3.3.40.0-1.amzn2023.src.rpm",
		},
		{
			"Name": "tzdata", "Publisher": al, "Version": "2024a", "Release": "1.amzn2023.0.1",
			"InstalledTime": "2023-11-14T22:20:00Z", "ApplicationType": "Unspecified", "Architecture": "noarch",
			"URL": "https://www.iana.org/time-zones", "Summary": "Timezone data",
			"PackageId": "tzdata-2024a-1.amzn2023.0.1.src.rpm",
		},
		{
			"Name": "glibc", "Publisher": al, "Version": "2.34", "Release": "52.amzn2023.0.8",
			"InstalledTime": "2023-11-14T22:21:40Z", "ApplicationType": "Unspecified", "Architecture": "i686",
			"URL": "http://www.gnu.org/software/glibc/", "Summary": "The GNU libc libraries",
			"PackageId": "glibc-2.34-52.amzn2023.0.8.src.rpm",
		},
		{
			"Name": "perl-Tools", "Publisher": al, "Version": "1.0", "Release": "3.amzn2023",
			"InstalledTime": "2023-11-14T22:23:20Z", "ApplicationType": "Development/Libraries", "Architecture": "noarch",
			"Summary": "Tools for \"quoted\" \\ names\tand tabs", "PackageId": "perl-Tools-1.0-3.amzn2023.src.rpm",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRPMQuery() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRPMQueryErrors(t *testing.T) {
	fields := func(f ...string) string { return strings.Join(f, "\x1f") + "\n" }
	tests := []struct {
		name, out string
	}{
		{"too few fields", fields("bash", "Amazon Linux", "5.2.15")},
		{"too many fields", fields("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")},
		{"no name", fields("", "v", "1", "1", "(none)", "0", "g", "x86_64", "u", "s", "p")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := parseRPMQuery([]byte(tt.out)); err == nil {
				t.Errorf("parseRPMQuery(%q) = %v, want an error", tt.out, got)
			}
		})
	}
	if got, err := parseRPMQuery(nil); err != nil || got != nil {
		t.Errorf("parseRPMQuery(nil) = %v, %v; want nil, nil", got, err)
	}
}

func TestRPMApplicationsWithoutDatabase(t *testing.T) {
	// The fixture has no rpm database: rpm, even where installed, is not run.
	c := newCollector(Config{Root: t.TempDir()})
	got, err := c.rpmApplications(t.Context())
	if got != nil || err != nil {
		t.Errorf("rpmApplications() = %v, %v; want nil, nil", got, err)
	}
}
