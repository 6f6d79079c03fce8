// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package datasync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/datasync"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
	bucket = "inventory"
)

func id(n int) string { return fmt.Sprintf("mi-%017x", n) }

// instances are the managed instances of the account: mi-…01 to mi-…09.
type instances struct{}

func (instances) CheckInstance(ctx context.Context, id string) error { return nil }

// objects is a blob store as the syncs use it, whose Puts can be made to
// fail or to run a function first.
type objects struct {
	blob.Store

	mu        sync.Mutex
	fail      error                  // returned by Put, when set
	beforePut func(key string) error // run (once) before a Put, when set
}

func (o *objects) Keys(ctx context.Context, bucket, prefix string) ([]string, error) {
	objs, err := o.List(ctx, bucket, prefix)
	var keys []string
	for _, obj := range objs {
		keys = append(keys, obj.Key)
	}
	return keys, err
}

func (o *objects) Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error {
	o.mu.Lock()
	fail, before := o.fail, o.beforePut
	o.beforePut = nil
	o.mu.Unlock()
	if fail != nil {
		return fail
	}
	if before != nil {
		if err := before(key); err != nil {
			return err
		}
	}
	return o.Store.Put(ctx, bucket, key, body, size, contentType)
}

func (o *objects) set(fail error, before func(string) error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail, o.beforePut = fail, before
}

// clock is the tests' clock, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a system of inventory and resource data syncs over SQLite and an
// object store, with the syncs' Run running.
type env struct {
	ctx   context.Context
	db    *store.DB
	inv   *inventory.Service
	syncs *datasync.Service
	objs  *objects
	clock *clock
}

// backends are the object stores the tests run on: a local directory,
// and S3 (gofakes3, in this process).
var backends = []struct {
	name string
	open func(t *testing.T) blob.Store
}{
	{"Local", func(t *testing.T) blob.Store {
		s, err := blob.Open(t.Context(), blob.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
	{"S3", func(t *testing.T) blob.Store {
		srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
		t.Cleanup(srv.Close)
		client := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		s, err := blob.Open(t.Context(), blob.Config{S3: &blob.S3Config{Endpoint: srv.URL, Region: region, AccessKeyID: "test",
			SecretAccessKey: "test", PathStyle: true}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

// start returns a system on objs with the syncs' Run running.
func start(t *testing.T, objs blob.Store) *env {
	t.Helper()
	e := startIdle(t, objs)
	e.run(t)
	return e
}

// startIdle returns a system on objs whose syncs' Run does not run yet.
func startIdle(t *testing.T, objs blob.Store) *env {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{ctx: ctx, db: db, objs: &objects{Store: objs}, clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	e.syncs = datasync.New(datasync.Config{Store: db, Inventory: db, Objects: e.objs, Account: acct, Region: region, Logger: quiet,
		Now: e.clock.Now, Timing: datasync.Timing{Poll: 5 * time.Millisecond, Retry: time.Minute, Lease: time.Minute}})
	e.inv = inventory.New(inventory.Config{Store: db, Instances: instances{}, Account: acct, Logger: quiet, Observer: e.syncs,
		Now: e.clock.Now})
	return e
}

// run runs the syncs' Run until t ends.
func (e *env) run(t *testing.T) {
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.syncs.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func apps(hash string, kv ...string) *ssm.InventoryItem {
	it := &ssm.InventoryItem{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-01T10:00:00Z", ContentHash: hash,
		Content: []map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		it.Content = append(it.Content, map[string]string{"Name": kv[i], "Version": kv[i+1]})
	}
	return it
}

func rack(name string) *ssm.InventoryItem {
	return &ssm.InventoryItem{TypeName: "Custom:Rack", SchemaVersion: "1.0", CaptureTime: "2026-03-01T11:00:00Z",
		Content: []map[string]string{{"Rack": name, "Note": "<a & b>"}}}
}

func (e *env) put(t *testing.T, n int, items ...*ssm.InventoryItem) {
	t.Helper()
	if _, err := e.inv.PutInventory(e.ctx, &ssm.PutInventoryInput{InstanceId: id(n), Items: items}); err != nil {
		t.Fatalf("PutInventory(%s): %v", id(n), err)
	}
}

func (e *env) create(t *testing.T, name, prefix string) {
	t.Helper()
	_, err := e.syncs.CreateResourceDataSync(e.ctx, &ssm.CreateResourceDataSyncInput{SyncName: name, S3Destination: &ssm.ResourceDataSyncS3Destination{
		BucketName: bucket, Prefix: prefix, SyncFormat: "JsonSerDe", Region: region}})
	if err != nil {
		t.Fatalf("CreateResourceDataSync(%s): %v", name, err)
	}
}

// status returns a sync as ListResourceDataSync lists it.
func (e *env) status(t *testing.T, name string) *ssm.ResourceDataSyncItem {
	t.Helper()
	out, err := e.syncs.ListResourceDataSync(e.ctx, &ssm.ListResourceDataSyncInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.ResourceDataSyncItems {
		if it.SyncName == name {
			return it
		}
	}
	t.Fatalf("sync %s not listed", name)
	return nil
}

// wait polls the sync until it has status (its full export runs in Run).
func (e *env) wait(t *testing.T, name, status string) *ssm.ResourceDataSyncItem {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		it := e.status(t, name)
		if it.LastStatus == status {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync %s status = %s %q, want %s", name, it.LastStatus, it.LastSyncStatusMessage, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// key returns the key of an instance's object of a type under prefix.
func key(prefix, typeName string, n int) string {
	return prefix + typeName + "/accountid=" + acct + "/region=" + region + "/resourcetype=ManagedInstanceInventory/" + id(n) + ".json"
}

// keys returns the keys in the bucket.
func (e *env) keys(t *testing.T) []string {
	t.Helper()
	keys, err := e.objs.Keys(e.ctx, bucket, "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// lines returns an object's JSON lines, decoded.
func (e *env) lines(t *testing.T, key string) []map[string]string {
	t.Helper()
	r, err := e.objs.Get(e.ctx, bucket, key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out := []map[string]string{}
	for line := range strings.Lines(string(b)) {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: line %q is not a JSON object of strings: %v", key, line, err)
		}
		out = append(out, m)
	}
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n")) {
		t.Errorf("%s does not end with a newline", key)
	}
	return out
}

// row returns the line AWS exports for an entry of an instance's item.
func row(n int, capture, version string, kv ...string) map[string]string {
	m := map[string]string{"resourceId": id(n), "captureTime": capture, "schemaVersion": version}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestExport follows a sync's exports on each object store: the whole
// inventory when it is made, each change after, the deletion of a custom
// type, and the objects it must leave alone.
func TestExport(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testExport(t, b.open(t)) })
	}
}

func testExport(t *testing.T, objs blob.Store) {
	e := start(t, objs)
	e.put(t, 1, apps("a1", "openjdk-17", "17.0.2", "bash", "5.1"), rack("R1"))
	e.put(t, 2, apps("a2", "nginx", "1.24"))
	// Objects the sync must keep: another account's, another region's,
	// and not in the layout at all; and one it must delete: of an instance
	// that has no inventory (anymore).
	foreign := []string{
		"fleet/AWS:Application/accountid=999999999999/region=us-east-1/resourcetype=ManagedInstanceInventory/" + id(1) + ".json",
		"fleet/AWS:Application/accountid=" + acct + "/region=eu-west-1/resourcetype=ManagedInstanceInventory/" + id(1) + ".json",
		"fleet/notes.txt",
	}
	for _, k := range append(slices.Clone(foreign), key("fleet/", "AWS:Application", 7)) {
		if err := objs.Put(e.ctx, bucket, k, strings.NewReader("{}\n"), 3, ""); err != nil {
			t.Fatal(err)
		}
	}

	e.create(t, "inv", "fleet/")
	it := e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	if it.LastSyncTime == nil || it.LastSuccessfulSyncTime == nil || it.SyncCreatedTime == nil || it.LastSyncStatusMessage != "" {
		t.Errorf("synced sync = %+v, want its times and no message", it)
	}
	want := append(slices.Clone(foreign), key("fleet/", "AWS:Application", 1), key("fleet/", "AWS:Application", 2), key("fleet/", "Custom:Rack", 1))
	slices.Sort(want)
	if diff := cmp.Diff(want, e.keys(t)); diff != "" {
		t.Errorf("objects after the initial export mismatch (-want +got):\n%s", diff)
	}
	wantApps := []map[string]string{
		row(1, "2026-03-01T10:00:00Z", "1.1", "Name", "openjdk-17", "Version", "17.0.2"),
		row(1, "2026-03-01T10:00:00Z", "1.1", "Name", "bash", "Version", "5.1"),
	}
	if diff := cmp.Diff(wantApps, e.lines(t, key("fleet/", "AWS:Application", 1))); diff != "" {
		t.Errorf("AWS:Application of %s mismatch (-want +got):\n%s", id(1), diff)
	}
	if diff := cmp.Diff([]map[string]string{row(1, "2026-03-01T11:00:00Z", "1.0", "Rack", "R1", "Note", "<a & b>")},
		e.lines(t, key("fleet/", "Custom:Rack", 1))); diff != "" {
		t.Errorf("Custom:Rack of %s mismatch (-want +got):\n%s", id(1), diff)
	}

	// A new version of a package: the instance's object is rewritten as
	// PutInventory answers.
	e.put(t, 2, apps("a2b", "nginx", "1.26"))
	if diff := cmp.Diff([]map[string]string{row(2, "2026-03-01T10:00:00Z", "1.1", "Name", "nginx", "Version", "1.26")},
		e.lines(t, key("fleet/", "AWS:Application", 2))); diff != "" {
		t.Errorf("AWS:Application of %s after a change mismatch (-want +got):\n%s", id(2), diff)
	}
	// A new instance and type.
	e.put(t, 3, rack("R3"))
	if got := e.lines(t, key("fleet/", "Custom:Rack", 3)); len(got) != 1 || got[0]["Rack"] != "R3" {
		t.Errorf("Custom:Rack of %s = %v", id(3), got)
	}

	// Deleting the custom type deletes its objects.
	if _, err := e.inv.DeleteInventory(e.ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack"}); err != nil {
		t.Fatal(err)
	}
	want = append(slices.Clone(foreign), key("fleet/", "AWS:Application", 1), key("fleet/", "AWS:Application", 2))
	slices.Sort(want)
	if diff := cmp.Diff(want, e.keys(t)); diff != "" {
		t.Errorf("objects after DeleteInventory mismatch (-want +got):\n%s", diff)
	}

	// A second sync, without prefix, gets its own copy; both follow.
	e.create(t, "all", "")
	e.wait(t, "all", ssm.LastResourceDataSyncStatusSuccessful)
	e.put(t, 1, apps("a1b", "bash", "5.2"))
	for _, prefix := range []string{"fleet/", ""} {
		if diff := cmp.Diff([]map[string]string{row(1, "2026-03-01T10:00:00Z", "1.1", "Name", "bash", "Version", "5.2")},
			e.lines(t, key(prefix, "AWS:Application", 1))); diff != "" {
			t.Errorf("AWS:Application of %s under %q mismatch (-want +got):\n%s", id(1), prefix, diff)
		}
	}
	// Deleting a sync keeps its objects.
	if _, err := e.syncs.DeleteResourceDataSync(e.ctx, &ssm.DeleteResourceDataSyncInput{SyncName: "all"}); err != nil {
		t.Fatal(err)
	}
	e.put(t, 1, apps("a1c", "bash", "5.3"))
	if got := e.lines(t, key("", "AWS:Application", 1)); len(got) != 1 || got[0]["Version"] != "5.2" {
		t.Errorf("object of a deleted sync = %v, want it kept as it was (5.2)", got)
	}
	if got := e.lines(t, key("fleet/", "AWS:Application", 1)); len(got) != 1 || got[0]["Version"] != "5.3" {
		t.Errorf("object of the remaining sync = %v, want 5.3", got)
	}
}

// TestStaleExportIsRewritten races two exports of one item: the first
// reads the item, then the item changes and the second export writes the
// new content, and only then does the first write what it read. The
// object ends with the new content.
func TestStaleExportIsRewritten(t *testing.T) {
	e := start(t, backends[0].open(t))
	e.create(t, "inv", "fleet")
	e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	changed := false
	e.objs.set(nil, func(string) error {
		// The first export has read 1.0; another PutInventory writes
		// 2.0, and its export completes, before the first export's Put.
		changed = true
		_, err := e.inv.PutInventory(e.ctx, &ssm.PutInventoryInput{InstanceId: id(1), Items: []*ssm.InventoryItem{apps("v2", "app", "2.0")}})
		return err
	})
	e.put(t, 1, apps("v1", "app", "1.0"))
	if !changed {
		t.Fatal("the racing PutInventory did not run")
	}
	if got := e.lines(t, key("fleet/", "AWS:Application", 1)); len(got) != 1 || got[0]["Version"] != "2.0" {
		t.Errorf("object after racing exports = %v, want version 2.0", got)
	}
	if it := e.status(t, "inv"); it.LastStatus != ssm.LastResourceDataSyncStatusSuccessful {
		t.Errorf("status = %s %q, want Successful", it.LastStatus, it.LastSyncStatusMessage)
	}
}

// TestFailedExportIsRetried fails the object store: the sync says why,
// and once the store is back a full export, due a while later, writes
// what was missed.
func TestFailedExportIsRetried(t *testing.T) {
	e := start(t, backends[0].open(t))
	e.create(t, "inv", "fleet")
	e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	e.objs.set(awserr.New(awserr.Unavailable, "ServiceUnavailable", "The store is down."), nil)
	e.put(t, 1, apps("a1", "bash", "5.1"))
	it := e.status(t, "inv")
	if it.LastStatus != ssm.LastResourceDataSyncStatusFailed || it.LastSyncStatusMessage != "ServiceUnavailable: The store is down." {
		t.Errorf("status after a failed export = %s %q, want Failed with the store's error", it.LastStatus, it.LastSyncStatusMessage)
	}
	if keys := e.keys(t); len(keys) != 0 {
		t.Errorf("objects after a failed export = %v, want none", keys)
	}
	e.objs.set(nil, nil)
	// A later export of another item succeeds; the sync stays Failed until
	// a full export repairs what was missed.
	e.put(t, 2, apps("a2", "nginx", "1.24"))
	if it := e.status(t, "inv"); it.LastStatus != ssm.LastResourceDataSyncStatusFailed {
		t.Errorf("status after a later export = %s, want Failed until the repair", it.LastStatus)
	}
	e.clock.add(time.Minute)
	e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	want := []string{key("fleet/", "AWS:Application", 1), key("fleet/", "AWS:Application", 2)}
	if diff := cmp.Diff(want, e.keys(t)); diff != "" {
		t.Errorf("objects after the repair mismatch (-want +got):\n%s", diff)
	}
}

// TestInitialExportToMissingBucket fails the initial export (the S3
// bucket does not exist) and checks the sync's status.
func TestInitialExportToMissingBucket(t *testing.T) {
	e := start(t, backends[1].open(t))
	e.put(t, 1, apps("a1", "bash", "5.1"))
	_, err := e.syncs.CreateResourceDataSync(e.ctx, &ssm.CreateResourceDataSyncInput{SyncName: "inv", S3Destination: &ssm.ResourceDataSyncS3Destination{
		BucketName: "no-such-bucket", SyncFormat: "JsonSerDe", Region: region}})
	if err != nil {
		t.Fatal(err)
	}
	it := e.wait(t, "inv", ssm.LastResourceDataSyncStatusFailed)
	if !strings.HasPrefix(it.LastSyncStatusMessage, "NoSuchBucket: ") || it.LastSuccessfulSyncTime != nil {
		t.Errorf("status = %q, last success %v; want NoSuchBucket and none", it.LastSyncStatusMessage, it.LastSuccessfulSyncTime)
	}
}

// TestSyncs checks the operations on syncs and their errors.
func TestSyncs(t *testing.T) {
	e := start(t, backends[0].open(t))
	dest := func(bucket, prefix string) *ssm.ResourceDataSyncS3Destination {
		return &ssm.ResourceDataSyncS3Destination{BucketName: bucket, Prefix: prefix, SyncFormat: "JsonSerDe", Region: region}
	}
	full := dest("inventory", "fleet")
	full.AWSKMSKeyARN = "arn:aws:kms:us-east-1:123456789012:key/1234"
	full.DestinationDataSharing = &ssm.ResourceDataSyncDestinationDataSharing{DestinationDataSharingType: "Organization"}
	if _, err := e.syncs.CreateResourceDataSync(e.ctx, &ssm.CreateResourceDataSyncInput{SyncName: "b", SyncType: datasync.TypeToDestination,
		S3Destination: full}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   *ssm.CreateResourceDataSyncInput
		code string
	}{
		{"SyncFromSource", &ssm.CreateResourceDataSyncInput{SyncName: "x", SyncType: "SyncFromSource",
			SyncSource: &ssm.ResourceDataSyncSource{SourceType: "SingleAccountMultiRegions", SourceRegions: []string{region}}},
			ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"other type", &ssm.CreateResourceDataSyncInput{SyncName: "x", SyncType: "SyncSideways", S3Destination: dest("inventory", "")},
			ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"no destination", &ssm.CreateResourceDataSyncInput{SyncName: "x"}, ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"a source", &ssm.CreateResourceDataSyncInput{SyncName: "x", S3Destination: dest("inventory", ""),
			SyncSource: &ssm.ResourceDataSyncSource{SourceType: "SingleAccountMultiRegions"}}, ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"bucket name", &ssm.CreateResourceDataSyncInput{SyncName: "x", S3Destination: dest("Inventory_1", "")},
			ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"prefix", &ssm.CreateResourceDataSyncInput{SyncName: "x", S3Destination: dest("inventory", "a//b")},
			ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"prefix ..", &ssm.CreateResourceDataSyncInput{SyncName: "x", S3Destination: dest("inventory", "a/../b")},
			ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"name in use", &ssm.CreateResourceDataSyncInput{SyncName: "b", S3Destination: dest("inventory", "")},
			ssm.ErrCodeResourceDataSyncAlreadyExistsException},
	}
	for _, tt := range tests {
		_, err := e.syncs.CreateResourceDataSync(e.ctx, tt.in)
		if ae, ok := err.(*awserr.Error); !ok || ae.Code != tt.code {
			t.Errorf("CreateResourceDataSync(%s) error = %v, want %s", tt.name, err, tt.code)
		}
	}
	for _, name := range []string{"d", "a", "c", "e"} {
		e.create(t, name, "")
	}
	_, err := e.syncs.CreateResourceDataSync(e.ctx, &ssm.CreateResourceDataSyncInput{SyncName: "f", S3Destination: dest("inventory", "")})
	if ae, ok := err.(*awserr.Error); !ok || ae.Code != ssm.ErrCodeResourceDataSyncCountExceededException {
		t.Errorf("CreateResourceDataSync(a sixth) error = %v, want ResourceDataSyncCountExceededException", err)
	}

	// Listed in pages, in name order, with the destination as given.
	var names []string
	token := ""
	for pages := 0; ; pages++ {
		out, err := e.syncs.ListResourceDataSync(e.ctx, &ssm.ListResourceDataSyncInput{MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.ResourceDataSyncItems {
			names = append(names, it.SyncName)
			if it.SyncName == "b" {
				if diff := cmp.Diff(full, it.S3Destination); diff != "" || it.SyncType != datasync.TypeToDestination {
					t.Errorf("listed sync b (%s) mismatch (-want +got):\n%s", it.SyncType, diff)
				}
			}
		}
		if token = out.NextToken; token == "" || pages > 5 {
			break
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, names); diff != "" {
		t.Errorf("listed syncs mismatch (-want +got):\n%s", diff)
	}
	from, err := e.syncs.ListResourceDataSync(e.ctx, &ssm.ListResourceDataSyncInput{SyncType: datasync.TypeFromSource})
	if err != nil || len(from.ResourceDataSyncItems) != 0 {
		t.Errorf("ListResourceDataSync(SyncFromSource) = %v, %v; want none", from, err)
	}
	errs := []struct {
		name string
		call func() error
		code string
	}{
		{"List bad token", func() error {
			_, err := e.syncs.ListResourceDataSync(e.ctx, &ssm.ListResourceDataSyncInput{NextToken: "junk"})
			return err
		}, ssm.ErrCodeInvalidNextToken},
		{"List bad type", func() error {
			_, err := e.syncs.ListResourceDataSync(e.ctx, &ssm.ListResourceDataSyncInput{SyncType: "Sideways"})
			return err
		}, ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
		{"Delete missing", func() error {
			_, err := e.syncs.DeleteResourceDataSync(e.ctx, &ssm.DeleteResourceDataSyncInput{SyncName: "zz"})
			return err
		}, ssm.ErrCodeResourceDataSyncNotFoundException},
		{"Delete of another type", func() error {
			_, err := e.syncs.DeleteResourceDataSync(e.ctx, &ssm.DeleteResourceDataSyncInput{SyncName: "a", SyncType: datasync.TypeFromSource})
			return err
		}, ssm.ErrCodeResourceDataSyncNotFoundException},
		{"Update missing", func() error {
			_, err := e.syncs.UpdateResourceDataSync(e.ctx, &ssm.UpdateResourceDataSyncInput{SyncName: "zz", SyncType: datasync.TypeFromSource})
			return err
		}, ssm.ErrCodeResourceDataSyncNotFoundException},
		{"Update SyncToDestination", func() error {
			_, err := e.syncs.UpdateResourceDataSync(e.ctx, &ssm.UpdateResourceDataSyncInput{SyncName: "a", SyncType: datasync.TypeFromSource})
			return err
		}, ssm.ErrCodeResourceDataSyncInvalidConfigurationException},
	}
	for _, tt := range errs {
		if ae, ok := tt.call().(*awserr.Error); !ok || ae.Code != tt.code {
			t.Errorf("%s error = %v, want %s", tt.name, ae, tt.code)
		}
	}
	if _, err := e.syncs.DeleteResourceDataSync(e.ctx, &ssm.DeleteResourceDataSyncInput{SyncName: "a", SyncType: datasync.TypeToDestination}); err != nil {
		t.Errorf("DeleteResourceDataSync(a) = %v", err)
	}
	e.create(t, "f", "") // room again
}

// TestStoppedServersExportIsTakenOver leaves a whole export claimed by a
// server that stopped: once its lease ends, Run takes it over.
func TestStoppedServersExportIsTakenOver(t *testing.T) {
	e := startIdle(t, backends[0].open(t))
	e.put(t, 1, apps("a1", "bash", "5.1"))
	now := e.clock.Now()
	sy := &datasync.Sync{Account: acct, Name: "inv", Type: datasync.TypeToDestination, CreatedAt: now, LastStatus: "InProgress", FullDue: now,
		Destination: ssm.ResourceDataSyncS3Destination{BucketName: bucket, Prefix: "fleet", SyncFormat: "JsonSerDe", Region: region}}
	if err := e.db.CreateResourceDataSync(e.ctx, sy, datasync.MaxSyncs); err != nil {
		t.Fatal(err)
	}
	// Another server claims the export, for a minute, and stops.
	if ok, err := e.db.ClaimResourceDataSync(e.ctx, acct, "inv", now, now.Add(time.Minute), now); err != nil || !ok {
		t.Fatalf("ClaimResourceDataSync = %v, %v", ok, err)
	}
	e.run(t)
	e.clock.add(time.Minute)
	it := e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	if got := it.LastSyncTime.Time(); !got.Equal(now.Add(time.Minute)) {
		t.Errorf("LastSyncTime = %v, want the lease's end %v (taken over then)", got, now.Add(time.Minute))
	}
	if got := e.lines(t, key("fleet/", "AWS:Application", 1)); len(got) != 1 || got[0]["Name"] != "bash" {
		t.Errorf("exported AWS:Application = %v", got)
	}
}

// TestChangeLeftByAStoppedServerIsExported writes inventory as a server
// does that stops between its commit and its export: a minute later
// another pass exports the change. An export made right after a change
// leaves nothing pending.
func TestChangeLeftByAStoppedServerIsExported(t *testing.T) {
	e := start(t, backends[0].open(t))
	e.create(t, "inv", "fleet/")
	e.wait(t, "inv", ssm.LastResourceDataSyncStatusSuccessful)
	pending := func() []datasync.PendingExport {
		t.Helper()
		p, err := e.db.PendingExports(e.ctx, acct, nil, e.clock.Now().Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Through PutInventory: exported at once, nothing left pending.
	e.put(t, 1, apps("a1", "bash", "5.1"))
	if got := e.lines(t, key("fleet/", "AWS:Application", 1)); len(got) != 1 || got[0]["Name"] != "bash" {
		t.Fatalf("exported after PutInventory = %v", got)
	}
	if p := pending(); len(p) != 0 {
		t.Errorf("pending after an export = %+v, want none", p)
	}

	// The store's write alone, as a server that stopped before exporting.
	it := &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-01T10:00:00Z", ContentHash: "a2",
		Content: []map[string]string{{"Name": "nginx", "Version": "1.24"}}}
	if _, err := e.db.PutInventoryItems(e.ctx, acct, id(2), []*inventory.Item{it}, inventory.Limits{CustomTypes: 20, Attributes: 50},
		e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if p := pending(); len(p) != 1 || p[0].InstanceID != id(2) || p[0].TypeName != "AWS:Application" {
		t.Fatalf("pending after a write without export = %+v, want %s's AWS:Application", p, id(2))
	}
	time.Sleep(50 * time.Millisecond) // several polls: not yet due
	if keys := e.keys(t); slices.Contains(keys, key("fleet/", "AWS:Application", 2)) {
		t.Fatalf("exported before a minute passed: %v", keys)
	}
	e.clock.add(time.Minute + time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for len(pending()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("still pending a minute later: %+v", p)
	}
	if got := e.lines(t, key("fleet/", "AWS:Application", 2)); len(got) != 1 || got[0]["Name"] != "nginx" {
		t.Errorf("exported a minute later = %v, want nginx", got)
	}
}
