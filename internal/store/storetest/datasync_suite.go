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

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/datasync"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// testDataSync runs the resource data sync store tests, each on a fresh
// database.
func testDataSync(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Syncs", testDataSyncSyncs},
		{"Limit", testDataSyncLimit},
		{"Claims", testDataSyncClaims},
		{"Outcomes", testDataSyncOutcomes},
		{"Pending", testDataSyncPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// newDataSync returns a sync of acct made at created, its full export due
// then.
func newDataSync(name string, created time.Time) *datasync.Sync {
	return &datasync.Sync{Account: acct, Name: name, Type: datasync.TypeToDestination, CreatedAt: created,
		Destination: ssm.ResourceDataSyncS3Destination{BucketName: "inventory", Prefix: "fleet", SyncFormat: "JsonSerDe", Region: "us-east-1",
			AWSKMSKeyARN: "arn:aws:kms:us-east-1:123456789012:key/k", DestinationDataSharing: &ssm.ResourceDataSyncDestinationDataSharing{
				DestinationDataSharingType: "Organization"}},
		LastStatus: ssm.LastResourceDataSyncStatusInProgress, FullDue: created}
}

func syncNames(syncs []*datasync.Sync) []string {
	var out []string
	for _, sy := range syncs {
		out = append(out, sy.Name)
	}
	return out
}

func getDataSync(t testing.TB, db *store.DB, name string) *datasync.Sync {
	t.Helper()
	sy, err := db.ResourceDataSync(context.Background(), acct, name)
	must(t, err)
	return sy
}

func testDataSyncSyncs(t *testing.T, db *store.DB) {
	ctx := context.Background()
	inv := newDataSync("inv", at(1, 0, 0, 0))
	must(t, db.CreateResourceDataSync(ctx, inv, 5))
	if diff := cmp.Diff(inv, getDataSync(t, db, "inv")); diff != "" {
		t.Errorf("ResourceDataSync mismatch (-want +got):\n%s", diff)
	}
	_, err := db.ResourceDataSync(ctx, other, "inv")
	wantKind(t, "ResourceDataSync(other account)", err, awserr.NotFound)
	wantKind(t, "CreateResourceDataSync(same name)", db.CreateResourceDataSync(ctx, newDataSync("inv", at(2, 0, 0, 0)), 5), awserr.Exists)
	theirs := newDataSync("inv", at(2, 0, 0, 0))
	theirs.Account = other
	must(t, db.CreateResourceDataSync(ctx, theirs, 5))
	for _, name := range []string{"c", "a", "b"} {
		must(t, db.CreateResourceDataSync(ctx, newDataSync(name, at(3, 0, 0, 0)), 5))
	}

	tests := []struct {
		syncType, after string
		limit           int
		want            []string
	}{
		{"", "", 0, []string{"a", "b", "c", "inv"}},
		{datasync.TypeToDestination, "", 2, []string{"a", "b"}},
		{"", "b", 0, []string{"c", "inv"}},
		{datasync.TypeFromSource, "", 0, nil},
	}
	for _, tt := range tests {
		got, err := db.ResourceDataSyncs(ctx, acct, tt.syncType, tt.after, tt.limit)
		must(t, err)
		if diff := cmp.Diff(tt.want, syncNames(got)); diff != "" {
			t.Errorf("ResourceDataSyncs(%q, after %q, %d) mismatch (-want +got):\n%s", tt.syncType, tt.after, tt.limit, diff)
		}
	}

	wantKind(t, "DeleteResourceDataSync(other type)", db.DeleteResourceDataSync(ctx, acct, "inv", datasync.TypeFromSource), awserr.NotFound)
	must(t, db.DeleteResourceDataSync(ctx, acct, "inv", datasync.TypeToDestination))
	wantKind(t, "DeleteResourceDataSync(again)", db.DeleteResourceDataSync(ctx, acct, "inv", ""), awserr.NotFound)
	_, err = db.ResourceDataSync(ctx, acct, "inv")
	wantKind(t, "ResourceDataSync(deleted)", err, awserr.NotFound)
	if got := getDataSyncOf(t, db, other, "inv"); got.CreatedAt != at(2, 0, 0, 0) {
		t.Errorf("the other account's sync = %+v, want it kept", got)
	}
}

func getDataSyncOf(t testing.TB, db *store.DB, account, name string) *datasync.Sync {
	t.Helper()
	sy, err := db.ResourceDataSync(context.Background(), account, name)
	must(t, err)
	return sy
}

// testDataSyncLimit checks the limit on an account's syncs, also when
// several servers create syncs at once.
func testDataSyncLimit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateResourceDataSync(ctx, newDataSync("a", at(1, 0, 0, 0)), 2))
	must(t, db.CreateResourceDataSync(ctx, newDataSync("b", at(1, 0, 0, 0)), 2))
	wantKind(t, "CreateResourceDataSync(past the limit)", db.CreateResourceDataSync(ctx, newDataSync("c", at(1, 0, 0, 0)), 2), awserr.LimitExceeded)
	// A name in use is Exists, even at the limit; a refused sync takes no
	// place.
	wantKind(t, "CreateResourceDataSync(a, at the limit)", db.CreateResourceDataSync(ctx, newDataSync("a", at(1, 0, 0, 0)), 2), awserr.Exists)
	must(t, db.DeleteResourceDataSync(ctx, acct, "a", ""))
	must(t, db.CreateResourceDataSync(ctx, newDataSync("c", at(1, 0, 0, 0)), 2))

	// Eight creations at once, with room for three more: three succeed.
	const max = 5
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.CreateResourceDataSync(ctx, newDataSync(fmt.Sprintf("n%d", i), at(2, 0, 0, 0)), max)
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("concurrent CreateResourceDataSync error = %v, want LimitExceeded", err)
		}
	}
	all, err := db.ResourceDataSyncs(ctx, acct, "", "", 0)
	must(t, err)
	if created != 3 || len(all) != max {
		t.Errorf("concurrent CreateResourceDataSync: %d created, %d syncs; want 3 and %d", created, len(all), max)
	}
}

// testDataSyncClaims checks that one of several servers claims a due full
// export, that its lease can be renewed only by its holder, and that an
// expired lease makes the export due again.
func testDataSyncClaims(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateResourceDataSync(ctx, newDataSync("later", at(1, 0, 5, 0)), 5))
	must(t, db.CreateResourceDataSync(ctx, newDataSync("inv", at(1, 0, 0, 0)), 5))
	theirs := newDataSync("theirs", at(1, 0, 0, 0))
	theirs.Account = other
	must(t, db.CreateResourceDataSync(ctx, theirs, 5))

	due, err := db.DueResourceDataSyncs(ctx, acct, at(1, 0, 1, 0), 10)
	must(t, err)
	if diff := cmp.Diff([]string{"inv"}, syncNames(due)); diff != "" {
		t.Fatalf("DueResourceDataSyncs at 1:00:01 mismatch (-want +got):\n%s", diff)
	}
	due, err = db.DueResourceDataSyncs(ctx, acct, at(1, 0, 5, 0), 10)
	must(t, err)
	if diff := cmp.Diff([]string{"inv", "later"}, syncNames(due)); diff != "" {
		t.Errorf("DueResourceDataSyncs at 1:00:05 mismatch (-want +got):\n%s", diff)
	}

	// Four servers claim the due export at once: one wins.
	now, lease := at(1, 0, 1, 0), at(1, 2, 1, 0)
	var wg sync.WaitGroup
	won := make([]bool, 4)
	for i := range won {
		wg.Go(func() {
			ok, err := db.ClaimResourceDataSync(ctx, acct, "inv", at(1, 0, 0, 0), lease.Add(time.Duration(i)*time.Millisecond), now)
			if err != nil {
				t.Errorf("ClaimResourceDataSync: %v", err)
			}
			won[i] = ok
		})
	}
	wg.Wait()
	winner := -1
	for i, ok := range won {
		if ok {
			if winner >= 0 {
				t.Fatalf("ClaimResourceDataSync won by %d and %d", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("ClaimResourceDataSync won by none")
	}
	lease = lease.Add(time.Duration(winner) * time.Millisecond)
	got := getDataSync(t, db, "inv")
	if got.FullDue != lease || got.LastStatus != ssm.LastResourceDataSyncStatusInProgress || got.LastSyncAt != now {
		t.Errorf("claimed sync = due %v, %s since %v; want due %v, InProgress since %v", got.FullDue, got.LastStatus, got.LastSyncAt, lease, now)
	}
	// While leased, it is not due.
	due, err = db.DueResourceDataSyncs(ctx, acct, at(1, 1, 0, 0), 10)
	must(t, err)
	if diff := cmp.Diff([]string{"later"}, syncNames(due)); diff != "" {
		t.Errorf("DueResourceDataSyncs while leased mismatch (-want +got):\n%s", diff)
	}

	// Only the lease's holder renews it.
	if ok, err := db.RenewResourceDataSync(ctx, acct, "inv", at(1, 0, 0, 0), at(1, 5, 0, 0)); err != nil || ok {
		t.Errorf("RenewResourceDataSync(another lease) = %v, %v; want false", ok, err)
	}
	next := at(1, 4, 0, 0)
	if ok, err := db.RenewResourceDataSync(ctx, acct, "inv", lease, next); err != nil || !ok {
		t.Errorf("RenewResourceDataSync = %v, %v; want true", ok, err)
	}

	// Once the lease ends, the export is due again (after "later", due
	// earlier), and another server takes it over; the first can no longer
	// finish it.
	due, err = db.DueResourceDataSyncs(ctx, acct, next, 10)
	must(t, err)
	if len(due) != 2 || due[1].Name != "inv" || due[1].FullDue != next {
		t.Fatalf("DueResourceDataSyncs after the lease = %v", syncNames(due))
	}
	taken := at(1, 6, 0, 0)
	if ok, err := db.ClaimResourceDataSync(ctx, acct, "inv", next, taken, next); err != nil || !ok {
		t.Fatalf("ClaimResourceDataSync(expired lease) = %v, %v; want true", ok, err)
	}
	if ok, err := db.FinishResourceDataSync(ctx, acct, "inv", next, datasync.Outcome{At: at(1, 5, 0, 0)}); err != nil || ok {
		t.Errorf("FinishResourceDataSync(lost lease) = %v, %v; want false", ok, err)
	}
	if ok, err := db.FinishResourceDataSync(ctx, acct, "inv", taken, datasync.Outcome{At: at(1, 5, 0, 0)}); err != nil || !ok {
		t.Errorf("FinishResourceDataSync = %v, %v; want true", ok, err)
	}
	got = getDataSync(t, db, "inv")
	if !got.FullDue.IsZero() || got.LastStatus != ssm.LastResourceDataSyncStatusSuccessful || got.LastSuccessAt != at(1, 5, 0, 0) {
		t.Errorf("finished sync = due %v, %s, succeeded %v; want no due, Successful at 1:05", got.FullDue, got.LastStatus, got.LastSuccessAt)
	}
	// A deleted sync's export cannot be renewed.
	must(t, db.DeleteResourceDataSync(ctx, acct, "later", ""))
	if ok, err := db.ClaimResourceDataSync(ctx, acct, "later", at(1, 0, 5, 0), at(1, 9, 0, 0), now); err != nil || ok {
		t.Errorf("ClaimResourceDataSync(deleted) = %v, %v; want false", ok, err)
	}
}

// testDataSyncOutcomes checks how the outcomes of exports make a sync's
// status and when a full export is due again.
func testDataSyncOutcomes(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateResourceDataSync(ctx, newDataSync("inv", at(1, 0, 0, 0)), 5))
	lease := at(1, 2, 0, 0)
	claimed, err := db.ClaimResourceDataSync(ctx, acct, "inv", at(1, 0, 0, 0), lease, at(1, 0, 0, 0))
	if err != nil || !claimed {
		t.Fatalf("ClaimResourceDataSync = %v, %v", claimed, err)
	}
	type state struct {
		Status, Message    string
		Last, Success, Due time.Time
	}
	stateOf := func() state {
		sy := getDataSync(t, db, "inv")
		return state{sy.LastStatus, sy.LastMessage, sy.LastSyncAt, sy.LastSuccessAt, sy.FullDue}
	}
	steps := []struct {
		name string
		do   func() error
		want state
	}{
		{"an export of items succeeds during the full one: still InProgress",
			func() error {
				return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 0, 10, 0)})
			},
			state{Status: "InProgress", Last: at(1, 0, 10, 0), Success: at(1, 0, 10, 0), Due: lease}},
		{"an export of items fails during the full one: Failed, the lease kept",
			func() error {
				return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 0, 20, 0), Err: "NoSuchBucket: gone", RetryAt: at(1, 1, 20, 0)})
			},
			state{Status: "Failed", Message: "NoSuchBucket: gone", Last: at(1, 0, 20, 0), Success: at(1, 0, 10, 0), Due: lease}},
		{"the full one then succeeds: still Failed, another due",
			func() error {
				ok, err := db.FinishResourceDataSync(ctx, acct, "inv", lease, datasync.Outcome{At: at(1, 0, 30, 0), RetryAt: at(1, 1, 30, 0)})
				if err == nil && !ok {
					err = fmt.Errorf("lease lost")
				}
				return err
			},
			state{Status: "Failed", Message: "NoSuchBucket: gone", Last: at(1, 0, 20, 0), Success: at(1, 0, 30, 0), Due: at(1, 1, 30, 0)}},
		{"an export of items succeeds: still Failed until a full one succeeds",
			func() error {
				return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 0, 40, 0)})
			},
			state{Status: "Failed", Message: "NoSuchBucket: gone", Last: at(1, 0, 40, 0), Success: at(1, 0, 40, 0), Due: at(1, 1, 30, 0)}},
		{"the next full one fails: due again later",
			func() error {
				if ok, err := db.ClaimResourceDataSync(ctx, acct, "inv", at(1, 1, 30, 0), at(1, 3, 30, 0), at(1, 1, 30, 0)); err != nil || !ok {
					return fmt.Errorf("claim = %v, %v", ok, err)
				}
				_, err := db.FinishResourceDataSync(ctx, acct, "inv", at(1, 3, 30, 0), datasync.Outcome{At: at(1, 1, 31, 0), Err: "AccessDenied: no",
					RetryAt: at(1, 2, 31, 0)})
				return err
			},
			state{Status: "Failed", Message: "AccessDenied: no", Last: at(1, 1, 30, 0), Success: at(1, 0, 40, 0), Due: at(1, 2, 31, 0)}},
		{"then one succeeds: Successful, nothing due",
			func() error {
				if ok, err := db.ClaimResourceDataSync(ctx, acct, "inv", at(1, 2, 31, 0), at(1, 4, 31, 0), at(1, 2, 31, 0)); err != nil || !ok {
					return fmt.Errorf("claim = %v, %v", ok, err)
				}
				_, err := db.FinishResourceDataSync(ctx, acct, "inv", at(1, 4, 31, 0), datasync.Outcome{At: at(1, 2, 32, 0), RetryAt: at(1, 3, 32, 0)})
				return err
			},
			state{Status: "Successful", Last: at(1, 2, 31, 0), Success: at(1, 2, 32, 0)}},
		{"an export of items succeeds: Successful",
			func() error { return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 3, 0, 0)}) },
			state{Status: "Successful", Last: at(1, 3, 0, 0), Success: at(1, 3, 0, 0)}},
		{"an export of items fails: Failed, a full one due",
			func() error {
				return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 4, 0, 0), Err: "InternalError: x", RetryAt: at(1, 5, 0, 0)})
			},
			state{Status: "Failed", Message: "InternalError: x", Last: at(1, 4, 0, 0), Success: at(1, 3, 0, 0), Due: at(1, 5, 0, 0)}},
		{"another fails: the full one stays due as it was",
			func() error {
				return db.RecordResourceDataSync(ctx, acct, "inv", datasync.Outcome{At: at(1, 4, 30, 0), Err: "InternalError: y", RetryAt: at(1, 5, 30, 0)})
			},
			state{Status: "Failed", Message: "InternalError: y", Last: at(1, 4, 30, 0), Success: at(1, 3, 0, 0), Due: at(1, 5, 0, 0)}},
		{"a sync that no longer exists is no error",
			func() error {
				if err := db.RecordResourceDataSync(ctx, acct, "gone", datasync.Outcome{At: at(1, 6, 0, 0)}); err != nil {
					return err
				}
				return db.RecordResourceDataSync(ctx, acct, "gone", datasync.Outcome{At: at(1, 6, 0, 0), Err: "x", RetryAt: at(1, 7, 0, 0)})
			},
			state{Status: "Failed", Message: "InternalError: y", Last: at(1, 4, 30, 0), Success: at(1, 3, 0, 0), Due: at(1, 5, 0, 0)}},
	}
	for _, st := range steps {
		must(t, st.do())
		if diff := cmp.Diff(st.want, stateOf()); diff != "" {
			t.Errorf("%s: state mismatch (-want +got):\n%s", st.name, diff)
		}
	}
}

// testDataSyncPending: PutInventory marks the items it changed while the
// account has a sync, with a new token each time; clearing with an old
// token leaves the mark, with the current one removes it.
func testDataSyncPending(t *testing.T, db *store.DB) {
	ctx := context.Background()
	later := at(9, 0, 0, 0)
	pending := func() []datasync.PendingExport {
		t.Helper()
		p, err := db.PendingExports(ctx, acct, nil, later, 100)
		must(t, err)
		return p
	}
	app := func(hash string) *inventory.Item {
		return &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-01T00:00:00Z", ContentHash: hash,
			Content: apps("bash", hash)}
	}
	putItems(t, db, "mi-1", app("1"))
	if p := pending(); len(p) != 0 {
		t.Fatalf("pending without a sync = %+v, want none", p)
	}
	must(t, db.CreateResourceDataSync(ctx, newDataSync("inv", at(1, 0, 0, 0)), 5))
	putItems(t, db, "mi-1", app("2"))
	first := pending()
	if len(first) != 1 || first[0].InstanceID != "mi-1" || first[0].TypeName != "AWS:Application" || first[0].Token == "" {
		t.Fatalf("pending after a change = %+v", first)
	}
	putItems(t, db, "mi-1", app("2")) // no change: no new mark
	if p := pending(); len(p) != 1 || p[0].Token != first[0].Token {
		t.Errorf("pending after an unchanged put = %+v, want the same mark", p)
	}
	putItems(t, db, "mi-1", app("3"))
	second := pending()
	if len(second) != 1 || second[0].Token == first[0].Token {
		t.Fatalf("pending after another change = %+v, want a new token", second)
	}
	must(t, db.ClearPendingExports(ctx, acct, first))
	if p := pending(); len(p) != 1 {
		t.Errorf("pending after clearing an older change = %+v, want the newer one kept", p)
	}
	byKey, err := db.PendingExports(ctx, acct, []datasync.PendingExport{{InstanceID: "mi-1", TypeName: "AWS:Application"}, {InstanceID: "mi-2", TypeName: "AWS:Application"}}, time.Time{}, 10)
	must(t, err)
	if len(byKey) != 1 || byKey[0].Token != second[0].Token {
		t.Errorf("PendingExports(by key) = %+v, want the current mark", byKey)
	}
	if p, err := db.PendingExports(ctx, acct, nil, at(1, 0, 0, 0), 10); err != nil || len(p) != 0 {
		t.Errorf("PendingExports(changed before the change) = %+v, %v; want none", p, err)
	}
	must(t, db.ClearPendingExports(ctx, acct, second))
	if p := pending(); len(p) != 0 {
		t.Errorf("pending after clearing the current change = %+v, want none", p)
	}
}
