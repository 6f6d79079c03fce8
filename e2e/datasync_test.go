// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// readExports returns the files under dir, by path relative to dir, each
// as its JSON lines decoded; a line that is not a JSON object of strings
// fails t.
func readExports(t *testing.T, dir string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		lines := []map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var m map[string]string
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("%s: line %q is not a JSON object of strings: %v", rel, sc.Text(), err)
			}
			lines = append(lines, m)
		}
		out[filepath.ToSlash(rel)] = lines
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestResourceDataSyncWithAWSCLI is seed 003's "Resource Data Sync → S3 →
// Athena" on kanri dev's object store (its data dir's blobs directory):
// a sync made with `aws ssm create-resource-data-sync` exports the
// inventory an instance reports as partitioned JSON lines, at once and as
// it changes.
func TestResourceDataSyncWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--no-agent")
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))
	id, creds := enrol(t, p, client)
	put := func(items string) {
		t.Helper()
		if out, stderr, code := awsAs(t, p, creds, "ssm", "put-inventory", "--instance-id", id, "--items", writeFile(t, "items.json", items)); code != 0 {
			t.Fatalf("put-inventory: exit %d: %s %s", code, out, stderr)
		}
	}
	apps := func(java string) string {
		return `[{"TypeName":"AWS:Application","SchemaVersion":"1.1","CaptureTime":"2026-03-01T10:00:00Z","ContentHash":"h-` + java + `",
			"Content":[{"Name":"openjdk-17-jre-headless","Version":"` + java + `","Publisher":"Debian Java Maintainers"},
			           {"Name":"bash","Version":"5.2.15-2"}]}]`
	}
	// Inventory from before the sync: its initial export copies it.
	put(`[{"TypeName":"Custom:RackInfo","SchemaVersion":"1.0","CaptureTime":"2026-03-01T09:00:00Z","Content":[{"Rack":"R12","Row":"3"}]}]`)

	cli(t, p, "ssm", "create-resource-data-sync", "--sync-name", "inv",
		"--s3-destination", "BucketName=inventory,Prefix=fleet,SyncFormat=JsonSerDe,Region=us-east-1")
	waitFor(t, "the initial export", 20*time.Second, func() bool {
		out := cli(t, p, "ssm", "list-resource-data-sync", "--query",
			"ResourceDataSyncItems[].[SyncName,SyncType,S3Destination.BucketName,S3Destination.Prefix,LastStatus]", "--output", "text")
		return strings.Join(strings.Fields(out), " ") == "inv SyncToDestination inventory fleet Successful"
	})

	put(apps("17.0.10+7-1"))
	dir := filepath.Join(p.DataDir, "blobs", "inventory", "fleet")
	part := "/accountid=" + p.Account + "/region=us-east-1/resourcetype=ManagedInstanceInventory/" + id + ".json"
	exports := readExports(t, dir)
	if got, want := slices.Sorted(maps.Keys(exports)), []string{"AWS:Application" + part, "Custom:RackInfo" + part}; !slices.Equal(got, want) {
		t.Fatalf("exported files = %q, want %q", got, want)
	}
	check := func(file string, want []map[string]string) {
		t.Helper()
		got := exports[file]
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %d lines", file, got, len(want))
			return
		}
		for i := range want {
			for k, v := range want[i] {
				if got[i][k] != v {
					t.Errorf("%s line %d: %s = %q, want %q (line %v)", file, i+1, k, got[i][k], v, got[i])
				}
			}
			if len(got[i]) != len(want[i]) {
				t.Errorf("%s line %d = %v, want exactly %v", file, i+1, got[i], want[i])
			}
		}
	}
	row := func(capture, version string, kv ...string) map[string]string {
		m := map[string]string{"resourceId": id, "captureTime": capture, "schemaVersion": version}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	check("Custom:RackInfo"+part, []map[string]string{row("2026-03-01T09:00:00Z", "1.0", "Rack", "R12", "Row", "3")})
	check("AWS:Application"+part, []map[string]string{
		row("2026-03-01T10:00:00Z", "1.1", "Name", "openjdk-17-jre-headless", "Version", "17.0.10+7-1", "Publisher", "Debian Java Maintainers"),
		row("2026-03-01T10:00:00Z", "1.1", "Name", "bash", "Version", "5.2.15-2"),
	})

	// A new Java version: the file is rewritten.
	put(apps("17.0.11+9-1"))
	exports = readExports(t, dir)
	check("AWS:Application"+part, []map[string]string{
		row("2026-03-01T10:00:00Z", "1.1", "Name", "openjdk-17-jre-headless", "Version", "17.0.11+9-1", "Publisher", "Debian Java Maintainers"),
		row("2026-03-01T10:00:00Z", "1.1", "Name", "bash", "Version", "5.2.15-2"),
	})

	// The custom type's deletion deletes its file.
	cli(t, p, "ssm", "delete-inventory", "--type-name", "Custom:RackInfo")
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash("Custom:RackInfo"+part))); !os.IsNotExist(err) {
		t.Errorf("Custom:RackInfo file after delete-inventory: %v, want it gone", err)
	}

	cli(t, p, "ssm", "delete-resource-data-sync", "--sync-name", "inv")
	if out := cli(t, p, "ssm", "list-resource-data-sync", "--query", "length(ResourceDataSyncItems)"); strings.TrimSpace(out) != "0" {
		t.Errorf("list-resource-data-sync after the delete = %s, want no sync", out)
	}
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "delete-resource-data-sync", "--sync-name", "inv")
	if code == 0 || !strings.Contains(stderr, "ResourceDataSyncNotFoundException") {
		t.Errorf("delete-resource-data-sync of a deleted sync: exit %d: %s", code, stderr)
	}
}
