// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/store"
)

// Run runs the compliance suite. fresh returns the Config of a new, empty
// database each time it is called; the suite may open it several times.
func Run(t *testing.T, fresh func(t testing.TB) store.Config) {
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, fresh) })
	t.Run("Meta", func(t *testing.T) { testMeta(t, Open(t, fresh(t))) })
	t.Run("Users", func(t *testing.T) { testUsers(t, Open(t, fresh(t))) })
	t.Run("AccessKeys", func(t *testing.T) { testAccessKeys(t, Open(t, fresh(t))) })
	t.Run("AuditEvents", func(t *testing.T) { testAuditEvents(t, Open(t, fresh(t))) })
	t.Run("IAM", func(t *testing.T) { testIAM(t, fresh) })
	t.Run("Fleet", func(t *testing.T) { testFleet(t, fresh) })
	t.Run("Commands", func(t *testing.T) { testCommands(t, fresh) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, fresh) })
	t.Run("Inventory", func(t *testing.T) { testInventory(t, fresh) })
	t.Run("Params", func(t *testing.T) { testParams(t, fresh) })
	t.Run("KMS", func(t *testing.T) { testKMS(t, fresh) })
	t.Run("Associations", func(t *testing.T) { testAssociations(t, fresh) })
	t.Run("DataSync", func(t *testing.T) { testDataSync(t, fresh) })
	t.Run("Compliance", func(t *testing.T) { testCompliance(t, fresh) })
}

func testMigrations(t *testing.T, fresh func(t testing.TB) store.Config) {
	ctx := context.Background()
	cfg := fresh(t)
	// Several processes starting at once on an empty database: every one
	// succeeds and the schema is applied once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	dbs := make([]*store.DB, 4)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = store.Open(ctx, cfg)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open %d: %v", i, err)
		}
		dbs[i].Close()
	}
	db := Open(t, cfg)
	v1, err := db.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want >= 1", v1, err)
	}
	// Reopening applies nothing new and keeps data.
	if _, err := db.SetMetaIfAbsent(ctx, "probe", "kept"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = Open(t, cfg)
	v2, _ := db.SchemaVersion(ctx)
	if v2 != v1 {
		t.Errorf("SchemaVersion after reopen = %d, want %d", v2, v1)
	}
	if got, err := db.GetMeta(ctx, "probe"); got != "kept" || err != nil {
		t.Errorf("GetMeta(probe) after reopen = %q, %v; want kept", got, err)
	}
}

func testMeta(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.GetMeta(ctx, "account_id"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetMeta(missing) error = %v, want NotFound", err)
	}
	// Concurrent first writers: all see the same winner.
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := db.SetMetaIfAbsent(ctx, "account_id", fmt.Sprintf("%012d", i))
			if err != nil {
				t.Errorf("SetMetaIfAbsent: %v", err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] || got[i] == "" {
			t.Fatalf("SetMetaIfAbsent winners differ: %q", got)
		}
	}
	if v, _ := db.SetMetaIfAbsent(ctx, "account_id", "other"); v != got[0] {
		t.Errorf("SetMetaIfAbsent(existing) = %q, want %q", v, got[0])
	}
}

func testUsers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	created := time.Date(2026, 11, 23, 10, 0, 0, 123e6, time.UTC)
	u := &iam.User{Account: "123456789012", Name: "Alice", ID: "AIDAAAAAAAAAAAAAAAAAA", Path: "/ops/", CreateDate: created}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := *u
	dup.Name, dup.ID = "alice", "AIDABBBBBBBBBBBBBBBBB"
	if err := db.CreateUser(ctx, &dup); !errors.Is(err, awserr.Exists) {
		t.Errorf("CreateUser(alice after Alice) error = %v, want Exists", err)
	}
	got, err := db.GetUser(ctx, "123456789012", "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("GetUser mismatch (-want +got):\n%s", diff)
	}
	if _, err := db.GetUser(ctx, "999999999999", "Alice"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetUser(other account) error = %v, want NotFound", err)
	}
}

func testAccessKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	keys := []*iam.AccessKey{
		{ID: "AKIAAAAAAAAAAAAAAAA1", Account: "123456789012", UserName: "bob", SealedSecret: []byte{0, 1, 2, 255}, Status: iam.KeyActive, CreateDate: t0},
		{ID: "AKIAAAAAAAAAAAAAAAA2", Account: "123456789012", UserName: "bob", SealedSecret: []byte{9}, Status: iam.KeyInactive, CreateDate: t0.Add(time.Hour)},
		{ID: "AKIAAAAAAAAAAAAAAAA3", Account: "123456789012", UserName: "carol", SealedSecret: []byte{7}, Status: iam.KeyActive, CreateDate: t0},
	}
	for _, k := range keys {
		if err := db.CreateAccessKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateAccessKey(ctx, keys[0]); !errors.Is(err, awserr.Exists) {
		t.Errorf("CreateAccessKey(duplicate) error = %v, want Exists", err)
	}
	got, err := db.GetAccessKey(ctx, keys[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keys[0], got); diff != "" {
		t.Errorf("GetAccessKey mismatch (-want +got):\n%s", diff)
	}
	list, err := db.ListAccessKeys(ctx, "123456789012", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keys[:2], list); diff != "" {
		t.Errorf("ListAccessKeys(bob) mismatch (-want +got):\n%s", diff)
	}
	if _, err := db.GetAccessKey(ctx, "AKIANOPE"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetAccessKey(missing) error = %v, want NotFound", err)
	}
}

func testAuditEvents(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var evs []audit.Event
	for i := 0; i < 1200; i++ { // more than one INSERT's worth of rows
		e := audit.Event{
			ID: audit.NewID(t0.Add(time.Duration(i/2) * time.Second)), Time: t0.Add(time.Duration(i/2) * time.Second), RequestID: fmt.Sprintf("req-%d", i),
			Account: "123456789012", Region: "us-east-1", Source: "sts.amazonaws.com", Name: "GetCallerIdentity",
			ReadOnly: true, PrincipalARN: "arn:aws:iam::123456789012:user/admin", PrincipalID: "AIDAX",
			PrincipalType: iam.TypeUser, UserName: "admin", AccessKeyID: "AKIA1", SourceIP: "127.0.0.1",
			UserAgent: "test", Outcome: audit.Success,
		}
		if i%3 == 0 {
			e.Source, e.Name, e.ReadOnly, e.UserName = "iam.amazonaws.com", "CreateUser", false, "bob"
			e.Resources = []audit.Resource{{ARN: fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", i), Type: "AWS::IAM::User"}}
		}
		if i == 7 {
			e.Outcome, e.ErrorCode, e.ErrorMessage = audit.Failed, "SignatureDoesNotMatch", "The request signature we calculated does not match"
		}
		evs = append(evs, e)
	}
	if err := db.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	// Storing an event again (a journal replayed after a crash) keeps
	// the first record and adds none.
	again := evs[0]
	again.Name, again.Resources = "Replayed", []audit.Resource{{ARN: "arn:aws:iam::123456789012:user/replayed", Type: "AWS::IAM::User"}}
	if err := db.AppendEvents(ctx, []audit.Event{again}); err != nil {
		t.Fatalf("AppendEvents(stored ID) = %v, want it ignored", err)
	}
	if got, err := db.LookupEvents(ctx, audit.Query{Attribute: "EventId", Value: again.ID, Limit: 5}); err != nil || len(got) != 1 || got[0].Name != evs[0].Name {
		t.Errorf("after storing %s again: %+v, %v; want the first record only", again.ID, got, err)
	}
	if got, err := db.LookupEvents(ctx, audit.Query{Attribute: "ResourceName", Value: "arn:aws:iam::123456789012:user/replayed", Limit: 5}); err != nil || len(got) != 0 {
		t.Errorf("lookup by the replayed copy's resource = %+v, %v; want nothing", got, err)
	}

	// Newest first, ties broken by ID descending; paging continues exactly.
	var all []audit.Event
	q := audit.Query{Limit: 50}
	for {
		page, err := db.LookupEvents(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterID = page[len(page)-1].ID
	}
	if len(all) != len(evs) {
		t.Fatalf("paged lookup returned %d events, want %d", len(all), len(evs))
	}
	// Newest first: by time, and within a millisecond by ID.
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) || all[i].ID >= all[i-1].ID {
			t.Fatalf("events %d and %d out of order: %v %s, %v %s", i-1, i, all[i-1].Time, all[i-1].ID, all[i].Time, all[i].ID)
		}
	}
	byID := map[string]audit.Event{}
	for _, e := range all {
		byID[e.ID] = e
	}
	if diff := cmp.Diff(evs[7], byID[evs[7].ID]); diff != "" {
		t.Errorf("stored event mismatch (-want +got):\n%s", diff)
	}

	count := func(q audit.Query) int {
		t.Helper()
		q.Limit = 10000
		got, err := db.LookupEvents(ctx, q)
		if err != nil {
			t.Fatalf("LookupEvents(%+v): %v", q, err)
		}
		return len(got)
	}
	tests := []struct {
		q    audit.Query
		want int
	}{
		{audit.Query{Attribute: "EventName", Value: "CreateUser"}, 400},
		{audit.Query{Attribute: "EventSource", Value: "sts.amazonaws.com"}, 800},
		{audit.Query{Attribute: "Username", Value: "bob"}, 400},
		{audit.Query{Attribute: "ReadOnly", Value: "false"}, 400},
		{audit.Query{Attribute: "ReadOnly", Value: "true"}, 800},
		{audit.Query{Attribute: "EventId", Value: evs[7].ID}, 1},
		{audit.Query{Attribute: "AccessKeyId", Value: "AKIA1"}, 1200},
		{audit.Query{Attribute: "ResourceName", Value: "arn:aws:iam::123456789012:user/u3"}, 1},
		{audit.Query{Attribute: "ResourceType", Value: "AWS::IAM::User"}, 400},
		{audit.Query{Start: t0.Add(100 * time.Second), End: t0.Add(109 * time.Second)}, 20},
		{audit.Query{Attribute: "EventName", Value: "CreateUser", Start: t0.Add(100 * time.Second), End: t0.Add(109 * time.Second)}, 7},
	}
	for _, tt := range tests {
		if got := count(tt.q); got != tt.want {
			t.Errorf("LookupEvents(%s=%q, %v..%v) = %d events, want %d", tt.q.Attribute, tt.q.Value, tt.q.Start, tt.q.End, got, tt.want)
		}
	}
	if _, err := db.LookupEvents(ctx, audit.Query{Attribute: "Nope", Value: "x", Limit: 1}); err == nil {
		t.Error("LookupEvents(unknown attribute) succeeded; want an error")
	}
}
