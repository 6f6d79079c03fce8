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

func TestJavaApplications(t *testing.T) {
	root := fixtureRoot(t)
	env := map[string]string{"JAVA_HOME": "/srv/zulu17", "PATH": "/usr/local/bin:/usr/bin:/bin"}
	c := newCollector(Config{
		Root:            root,
		JavaSearchPaths: []string{"/data/runtimes"},
		Getenv:          func(k string) string { return env[k] },
	})
	got := c.javaApplications(t.Context())
	sortEntries(got, "Summary")
	want := []map[string]string{
		{
			// JavaSearchPaths.
			"Name": "Microsoft Build of OpenJDK JDK", "ApplicationType": "Java", "Publisher": "Microsoft",
			"Version": "21.0.2", "Architecture": "x86_64", "Summary": "/data/runtimes/msjdk-21",
		},
		{
			// Two levels below /opt; a JRE by its IMAGE_TYPE.
			"Name": "Amazon Corretto JRE", "ApplicationType": "Java", "Publisher": "Amazon.com Inc.",
			"Version": "21.0.1", "Architecture": "aarch64", "Summary": "/opt/java/openjdk",
		},
		{
			// No release file: identified by running bin/java -version.
			"Name": "Eclipse Temurin JDK", "ApplicationType": "Java", "Publisher": "Eclipse Adoptium",
			"Version": "11.0.21", "Summary": "/opt/jdk-11-custom",
		},
		{
			// Also reached as /opt/jdk-17-link: reported once.
			"Name": "Eclipse Temurin JDK", "ApplicationType": "Java", "Publisher": "Eclipse Adoptium",
			"Version": "17.0.2", "Architecture": "x86_64", "Summary": "/opt/jdk-17",
		},
		{
			// JAVA_HOME; no javac, so a JRE.
			"Name": "Azul Zulu JRE", "ApplicationType": "Java", "Publisher": "Azul Systems, Inc.",
			"Version": "17.0.9", "Summary": "/srv/zulu17",
		},
		{
			// Reached by /etc/alternatives/java (its jre/bin/java), by
			// /usr/bin/java on PATH, as /usr/lib/jvm/default-java and as
			// itself: reported once, at its real path.
			"Name": "Oracle Java SE JDK", "ApplicationType": "Java", "Publisher": "Oracle Corporation",
			"Version": "1.8.0_381", "Architecture": "x86_64", "Summary": "/usr/lib/jvm/java-8-oracle",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("javaApplications() mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(root, "opt/jdk-17/bin/ran")); err == nil {
		t.Errorf("the launcher of a JDK with a release file was run")
	}
}

func TestParseJavaVersion(t *testing.T) {
	tests := []struct {
		name, out                   string
		version, product, publisher string
		ok                          bool
	}{
		{
			name: "Debian OpenJDK",
			out: `openjdk version "17.0.15" 2025-04-15
OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)
OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)`,
			version: "17.0.15", product: "OpenJDK", ok: true,
		},
		{
			name: "Oracle Java 8",
			out: `java version "1.8.0_381"
Java(TM) SE Runtime Environment (build 1.8.0_381-b09)
Java HotSpot(TM) 64-Bit Server VM (build 25.381-b09, mixed mode)`,
			version: "1.8.0_381", product: "Oracle Java SE", publisher: "Oracle Corporation", ok: true,
		},
		{
			name: "Corretto after a JAVA_TOOL_OPTIONS line",
			out: `Picked up JAVA_TOOL_OPTIONS: -Xmx512m
openjdk version "17.0.9" 2023-10-17 LTS
OpenJDK Runtime Environment Corretto-17.0.9.8.1 (build 17.0.9+8-LTS)`,
			version: "17.0.9", product: "Amazon Corretto", publisher: "Amazon.com Inc.", ok: true,
		},
		{
			name: "Red Hat",
			out: `openjdk version "11.0.22" 2024-01-16 LTS
OpenJDK Runtime Environment (Red_Hat-11.0.22.0.7-1) (build 11.0.22+7-LTS)`,
			version: "11.0.22", product: "Red Hat build of OpenJDK", publisher: "Red Hat, Inc.", ok: true,
		},
		{
			name: "IBM Semeru",
			out: `openjdk version "21.0.1" 2023-10-17 LTS
IBM Semeru Runtime Open Edition 21.0.1.0 (build 21.0.1+12-LTS)
Eclipse OpenJ9 VM 21.0.1.0 (build openj9-0.42.0, JRE 21 Linux amd64-64-Bit)`,
			version: "21.0.1", product: "IBM Semeru", publisher: "IBM Corporation", ok: true,
		},
		{
			name: "unknown java version line",
			out: `java version "1.7.0_80"
Some Runtime (build 1.7.0_80-b15)`,
			version: "1.7.0_80", product: "Java", ok: true,
		},
		{name: "not java", out: "Usage: tool [options]\n"},
		{name: "empty version", out: `openjdk version "" 2023-01-01`},
		{name: "nothing", out: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, p, pub, ok := parseJavaVersion(tt.out)
			if v != tt.version || p != tt.product || pub != tt.publisher || ok != tt.ok {
				t.Errorf("parseJavaVersion() = %q, %q, %q, %v; want %q, %q, %q, %v",
					v, p, pub, ok, tt.version, tt.product, tt.publisher, tt.ok)
			}
		})
	}
}

func TestJavaVendor(t *testing.T) {
	tests := []struct {
		in, product, publisher string
	}{
		{"Eclipse Adoptium Temurin-25.0.3+9", "Eclipse Temurin", "Eclipse Adoptium"},
		{"AdoptOpenJDK ", "AdoptOpenJDK", "AdoptOpenJDK"},
		{"Amazon.com Inc. Corretto-21.0.1.12.1", "Amazon Corretto", "Amazon.com Inc."},
		{"Azul Systems, Inc. Zulu17.46+19-CA", "Azul Zulu", "Azul Systems, Inc."},
		{"BellSoft ", "BellSoft Liberica", "BellSoft"},
		{"Microsoft Microsoft-8526911", "Microsoft Build of OpenJDK", "Microsoft"},
		{"Red Hat, Inc. ", "Red Hat build of OpenJDK", "Red Hat, Inc."},
		{"SAP SE SapMachine", "SapMachine", "SAP SE"},
		{"Oracle Corporation ", "Oracle OpenJDK", "Oracle Corporation"},
		{"Debian ", "OpenJDK", ""},
		{" ", "OpenJDK", ""},
	}
	for _, tt := range tests {
		if p, pub := javaVendor(tt.in); p != tt.product || pub != tt.publisher {
			t.Errorf("javaVendor(%q) = %q, %q; want %q, %q", tt.in, p, pub, tt.product, tt.publisher)
		}
	}
}

// TestJavaApplicationsOnThisMachine checks, where the machine has JDKs in
// /usr/lib/jvm, that each is found once, with the version its release file
// states.
func TestJavaApplicationsOnThisMachine(t *testing.T) {
	ents, err := os.ReadDir("/usr/lib/jvm")
	if err != nil {
		t.Skip("no /usr/lib/jvm")
	}
	want := map[string]string{} // real home → JAVA_VERSION
	for _, e := range ents {
		home, err := filepath.EvalSymlinks(filepath.Join("/usr/lib/jvm", e.Name()))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(home, "release"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "JAVA_VERSION="); ok {
				want[home] = strings.Trim(v, `"`)
			}
		}
	}
	if len(want) == 0 {
		t.Skip("no JDK with a release file in /usr/lib/jvm")
	}
	got := map[string]string{}
	for _, a := range newCollector(Config{}).javaApplications(t.Context()) {
		if _, dup := got[a["Summary"]]; dup {
			t.Errorf("Java home %s reported twice", a["Summary"])
		}
		got[a["Summary"]] = a["Version"]
	}
	for home, v := range want {
		if got[home] != v {
			t.Errorf("Java at %s: version %q, want %q", home, got[home], v)
		}
	}
}
