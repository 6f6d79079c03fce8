// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// allTypes enables every inventory type.
func allTypes() Set {
	return Set{
		Applications: true, AWSComponents: true, NetworkConfig: true, Services: true,
		Files: true, InstanceDetailedInformation: true, CustomInventory: true,
	}
}

// fixtureConfig is a Config that collects from the fixture tree at root.
func fixtureConfig(root string, now time.Time) Config {
	env := map[string]string{"PATH": "/usr/bin:/bin"}
	return Config{
		Root:               root,
		InstanceID:         "mi-0123456789abcdef0",
		AgentVersion:       "1.0.0",
		Hostname:           "web-1",
		JavaSearchPaths:    []string{"/data/runtimes"},
		FilePaths:          []FileSpec{{Path: "/etc/app", Pattern: []string{"*.conf"}, Recursive: true}},
		CustomInventoryDir: "/var/lib/kanri/inventory/custom",
		Getenv:             func(k string) string { return env[k] },
		Now:                fixedNow(now),
	}
}

func TestCollect(t *testing.T) {
	root := fixtureRoot(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("JST", 9*3600))
	items, err := Collect(t.Context(), fixtureConfig(root, now), allTypes())
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("Collect() error = %v, want the fixture's bad custom inventory files reported", err)
	}
	for _, e := range joined.Unwrap() {
		if ce := new(Error); !errors.As(e, &ce) || ce.TypeName != "Custom" {
			t.Errorf("Collect() error %v, want only custom inventory files reported", e)
		}
	}

	type head struct{ TypeName, SchemaVersion, CaptureTime string }
	var heads []head
	byType := map[string]Item{}
	for _, it := range items {
		heads = append(heads, head{it.TypeName, it.SchemaVersion, it.CaptureTime})
		byType[it.TypeName] = it
		if it.Content == nil {
			t.Errorf("%s: Content is nil", it.TypeName)
		}
		if it.ContentHash != ContentHash(it.Content) {
			t.Errorf("%s: ContentHash %q, want ContentHash(Content) %q", it.TypeName, it.ContentHash, ContentHash(it.Content))
		}
	}
	ct := "2026-03-03T20:06:07Z" // UTC
	want := []head{
		{TypeInstanceInformation, "1.0", ct},
		{TypeApplication, "1.1", ct},
		{TypeAWSComponent, "1.0", ct},
		{TypeNetwork, "1.0", ct},
		{TypeService, "1.0", ct},
		{TypeFile, "1.0", ct},
		{TypeInstanceDetailedInformation, "1.0", ct},
		{"Custom:Licenses", "2.1", ct},
		{"Custom:RackInfo", "1.0", ct},
	}
	if diff := cmp.Diff(want, heads); diff != "" {
		t.Errorf("Collect() items mismatch (-want +got):\n%s", diff)
	}

	// Applications: dpkg, apk and Java together, sorted by name.
	var names []string
	for _, a := range byType[TypeApplication].Content {
		names = append(names, a["Name"]+" "+a["Version"])
	}
	wantNames := []string{
		"adduser 3.118ubuntu5", "alpine-baselayout-data 3.4.3-r2", "Amazon Corretto JRE 21.0.1",
		"amazon-ssm-agent 3.3.40.0-1", "busybox 1.36.1-r15", "curl 7.81.0-1ubuntu1.15",
		"Eclipse Temurin JDK 11.0.21", "Eclipse Temurin JDK 17.0.2", "fonts-dejavu-core 2.37-2build1",
		"libc6 2.35-0ubuntu3.6", "libc6 2.35-0ubuntu3.6", "Microsoft Build of OpenJDK JDK 21.0.2",
		"musl 1.2.4-r2", "nginx 1.18.0-6ubuntu14.4", "openssh-server 1:8.9p1-3ubuntu0.6",
		"Oracle Java SE JDK 1.8.0_381",
	}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("AWS:Application names mismatch (-want +got):\n%s", diff)
	}

	// AWS components: only the attributes of AWS:AWSComponent.
	wantComponents := []map[string]string{{
		"Name": "amazon-ssm-agent", "ApplicationType": "admin", "Publisher": "Amazon.com, Inc. <ec2-ssm-feedback@amazon.com>",
		"Version": "3.3.40.0-1", "InstalledTime": fixtureTime.Add(5 * time.Hour).Format(time.RFC3339),
		"Architecture": "x86_64", "URL": "https://github.com/aws/amazon-ssm-agent",
	}}
	if diff := cmp.Diff(wantComponents, byType[TypeAWSComponent].Content); diff != "" {
		t.Errorf("AWS:AWSComponent mismatch (-want +got):\n%s", diff)
	}

	if got := len(byType[TypeService].Content); got != 8 {
		t.Errorf("AWS:Service has %d entries, want 8", got)
	}
	if got := len(byType[TypeFile].Content); got != 4 {
		t.Errorf("AWS:File has %d entries, want 4", got)
	}
	if got := byType[TypeInstanceInformation].Content[0]["InstanceId"]; got != "mi-0123456789abcdef0" {
		t.Errorf("InstanceId = %q, want mi-0123456789abcdef0", got)
	}
}

func TestCollectOnlyInstanceInformation(t *testing.T) {
	items, err := Collect(t.Context(), Config{Hostname: "h", InstanceID: "mi-1"}, Set{})
	if err != nil {
		t.Fatalf("Collect() error = %v", err)
	}
	if len(items) != 1 || items[0].TypeName != TypeInstanceInformation {
		t.Errorf("Collect() with no types = %+v, want only AWS:InstanceInformation", items)
	}
}

func TestCollectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	items, err := Collect(ctx, Config{Hostname: "h"}, allTypes())
	if !errors.Is(err, context.Canceled) || items != nil {
		t.Errorf("Collect(canceled) = %v, %v; want nil, context.Canceled", items, err)
	}
}

// TestCollectOnThisMachine runs every collector on the machine running the
// test: each type is collected without error, quickly.
func TestCollectOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		t.Skipf("the agent does not run on %s", runtime.GOOS)
	}
	start := time.Now()
	items, err := Collect(t.Context(), Config{InstanceID: "mi-0123456789abcdef0"}, Set{
		Applications: true, AWSComponents: true, NetworkConfig: true, Services: true,
		InstanceDetailedInformation: true,
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Errorf("Collect() error = %v", err)
	}
	if len(items) != 6 {
		t.Errorf("Collect() = %d items, want 6", len(items))
	}
	for _, it := range items {
		t.Logf("%s: %d entries", it.TypeName, len(it.Content))
	}
	t.Logf("collected in %v", elapsed)
}

func TestContentHash(t *testing.T) {
	a := map[string]string{"Name": "bash", "Version": "5.2"}
	b := map[string]string{"Name": "curl", "Version": "8.0"}
	base := ContentHash([]map[string]string{a, b})
	sum := md5.Sum([]byte(`[{"Name":"bash","Version":"5.2"},{"Name":"curl","Version":"8.0"}]`))
	if want := base64.StdEncoding.EncodeToString(sum[:]); base != want {
		t.Errorf("ContentHash() = %q, want the base64 MD5 of the canonical JSON, %q", base, want)
	}
	tests := []struct {
		name    string
		content []map[string]string
		same    bool
	}{
		{"same content", []map[string]string{{"Name": "bash", "Version": "5.2"}, {"Version": "8.0", "Name": "curl"}}, true},
		{"other order", []map[string]string{b, a}, true},
		{"a value changed", []map[string]string{a, {"Name": "curl", "Version": "8.1"}}, false},
		{"an attribute added", []map[string]string{a, {"Name": "curl", "Version": "8.0", "Release": "1"}}, false},
		{"an entry removed", []map[string]string{a}, false},
		{"an entry duplicated", []map[string]string{a, b, b}, false},
		{"values moved between attributes", []map[string]string{{"Name": "5.2", "Version": "bash"}, b}, false},
	}
	for _, tt := range tests {
		if got := ContentHash(tt.content) == base; got != tt.same {
			t.Errorf("%s: ContentHash() equal to the original = %v, want %v", tt.name, got, tt.same)
		}
	}
	if ContentHash(nil) != ContentHash([]map[string]string{}) {
		t.Errorf("ContentHash(nil) != ContentHash([])")
	}
}

// TestChanged collects the fixture three times: the second run, an hour
// later with nothing changed, has nothing to send; the third, after one
// file changed, sends only AWS:File.
func TestChanged(t *testing.T) {
	root := fixtureRoot(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	set := allTypes()
	set.NetworkConfig = false // the machine's interfaces are not the fixture's

	first, _ := Collect(t.Context(), fixtureConfig(root, now), set)
	if got := Changed(nil, first); len(got) != len(first) {
		t.Errorf("Changed(nil) = %d items, want all %d", len(got), len(first))
	}
	sent := Hashes(first)

	second, _ := Collect(t.Context(), fixtureConfig(root, now.Add(time.Hour)), set)
	if got := Changed(sent, second); len(got) != 0 {
		t.Errorf("Changed() after an identical run = %v, want nothing", typeNames(got))
	}
	if diff := cmp.Diff(sent, Hashes(second)); diff != "" {
		t.Errorf("hashes differ between identical runs (-first +second):\n%s", diff)
	}

	conf := filepath.Join(root, "etc/app/sub/c.conf")
	if err := os.WriteFile(conf, []byte("x=2\nmore\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	setTime(t, conf, fixtureTime)
	third, _ := Collect(t.Context(), fixtureConfig(root, now.Add(2*time.Hour)), set)
	if diff := cmp.Diff([]string{TypeFile}, typeNames(Changed(sent, third))); diff != "" {
		t.Errorf("Changed() after a file changed (-want +got):\n%s", diff)
	}
}

// typeNames returns the items' type names.
func typeNames(items []Item) []string {
	var names []string
	for _, it := range items {
		names = append(names, it.TypeName)
	}
	return names
}

func TestAddItemLimits(t *testing.T) {
	long := strings.Repeat("é", maxValueLength) // 2 bytes each
	c := newCollector(Config{})
	c.addItem(TypeApplication, "1.1", []map[string]string{{"Name": "x", "Summary": long}}, true)
	if len(c.items) != 1 {
		t.Fatalf("addItem() kept %d items, want 1", len(c.items))
	}
	if got := c.items[0].Content[0]["Summary"]; len(got) != maxValueLength || got != long[:maxValueLength] {
		t.Errorf("a long value was cut to %d bytes, want %d on a character boundary", len(got), maxValueLength)
	}

	many := make([]map[string]string, maxEntries+1)
	for i := range many {
		many[i] = map[string]string{"Name": "x"}
	}
	c = newCollector(Config{})
	c.addItem(TypeApplication, "1.1", many, true)
	if len(c.items) != 0 || len(c.errs) != 1 || !errors.Is(c.errs[0], awserr.LimitExceeded) {
		t.Errorf("addItem(%d entries) = %d items, errors %v; want none and LimitExceeded", len(many), len(c.items), c.errs)
	}

	big := make([]map[string]string, 1000)
	for i := range big {
		big[i] = map[string]string{"Summary": strings.Repeat("s", maxValueLength)}
	}
	c = newCollector(Config{})
	c.addItem(TypeApplication, "1.1", big, true)
	if len(c.items) != 0 || len(c.errs) != 1 || !errors.Is(c.errs[0], awserr.LimitExceeded) {
		t.Errorf("addItem(4 MB) = %d items, errors %v; want none and LimitExceeded", len(c.items), c.errs)
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{TypeName: TypeApplication, Err: errors.New("dpkg: broken")}, "collect AWS:Application: dpkg: broken"},
		{&Error{TypeName: "Custom", Path: "/x/a.json", Err: errors.New("no TypeName")}, "collect Custom /x/a.json: no TypeName"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestRealPath(t *testing.T) {
	root := fixtureRoot(t)
	c := newCollector(Config{Root: root})
	tests := []struct{ in, want string }{
		{"/etc/alternatives/java", "/usr/lib/jvm/java-8-oracle/jre/bin/java"},
		{"/usr/bin/java", "/usr/lib/jvm/java-8-oracle/jre/bin/java"},
		{"/usr/lib/jvm/default-java/bin/../release", "/usr/lib/jvm/java-8-oracle/release"},
		{"/opt/jdk-17-link", "/opt/jdk-17"},
		{"/etc/app", "/etc/app"},
	}
	for _, tt := range tests {
		if got, err := c.realPath(tt.in); err != nil || got != tt.want {
			t.Errorf("realPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if got, err := c.realPath("/nonexistent/x"); err == nil {
		t.Errorf("realPath(missing) = %q, want an error", got)
	}
	loop := filepath.Join(root, "loop")
	if err := os.Symlink("/loop", loop); err != nil {
		t.Fatal(err)
	}
	if got, err := c.realPath("/loop"); err == nil {
		t.Errorf("realPath(a loop) = %q, want an error", got)
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 2, "ab"},
		{"aé", 2, "a"},
		{"日本語", 4, "日"},
		{"日本語", 6, "日本"},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
