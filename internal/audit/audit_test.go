// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// failing wraps a real store and fails its first n appends, to show what
// the trail does while its database is failing.
type failing struct {
	*store.DB
	left atomic.Int32
}

func (f *failing) AppendEvents(ctx context.Context, evs []audit.Event) error {
	if f.left.Add(-1) >= 0 {
		return errors.New("disk on fire")
	}
	return f.DB.AppendEvents(ctx, evs)
}

func event(i int) audit.Event {
	return audit.Event{ID: fmt.Sprintf("ev-%05d", i), Time: time.Now(), RequestID: fmt.Sprintf("r-%d", i), Name: "GetCallerIdentity", Source: "sts.amazonaws.com", Outcome: audit.Success}
}

func run(t *testing.T, tr *audit.Trail) {
	done := make(chan struct{})
	go func() { tr.Run(context.Background()); close(done) }()
	t.Cleanup(func() { tr.Close(); <-done })
}

// modes runs f with the trail's writer taking every event (batched) and
// with events stored by Record itself (Direct).
func modes(t *testing.T, f func(t *testing.T, direct bool)) {
	t.Run("writer", func(t *testing.T) { f(t, false) })
	t.Run("direct", func(t *testing.T) { f(t, true) })
}

func TestRecordIsDurableWhenItReturns(t *testing.T) { modes(t, testRecordIsDurableWhenItReturns) }

func testRecordIsDurableWhenItReturns(t *testing.T, direct bool) {
	db := storetest.Open(t, storetest.SQLite(t))
	tr := audit.New(audit.Config{Store: db, Required: true, Direct: direct})
	run(t, tr)
	var wg sync.WaitGroup
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tr.Record(context.Background(), event(i)); err != nil {
				t.Errorf("Record: %v", err)
				return
			}
			// Once Record returns, the store has the event.
			got, err := db.LookupEvents(context.Background(), audit.Query{Attribute: "EventId", Value: event(i).ID, Limit: 1})
			if err != nil || len(got) != 1 {
				t.Errorf("event %d not stored when Record returned: %v, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
}

func TestRequiredTrailRefusesWhileFailing(t *testing.T) {
	modes(t, testRequiredTrailRefusesWhileFailing)
}

func testRequiredTrailRefusesWhileFailing(t *testing.T, direct bool) {
	db := &failing{DB: storetest.Open(t, storetest.SQLite(t))}
	db.left.Store(1 << 30)
	tr := audit.New(audit.Config{Store: db, Required: true, WaitTimeout: 100 * time.Millisecond, Direct: direct})
	run(t, tr)
	if !tr.Healthy() {
		t.Fatal("Healthy before any failure = false")
	}
	err := tr.Record(context.Background(), event(1))
	if !errors.Is(err, audit.ErrUnavailable) {
		t.Fatalf("Record while the store fails = %v, want ErrUnavailable", err)
	}
	// The writer marks the trail unhealthy once its write fails.
	deadline := time.Now().Add(10 * time.Second)
	for tr.Healthy() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if tr.Healthy() {
		t.Error("Healthy while the store fails = true")
	}
	// The store recovers: the queued event is written, nothing is lost.
	db.left.Store(0)
	deadline = time.Now().Add(10 * time.Second)
	for !tr.Healthy() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := tr.Record(context.Background(), event(2)); err != nil {
		t.Fatalf("Record after recovery = %v", err)
	}
	got, err := db.LookupEvents(context.Background(), audit.Query{Limit: 10})
	if err != nil || len(got) != 2 {
		t.Errorf("events after recovery = %d, %v; want both", len(got), err)
	}
}

func TestOptionalTrailKeepsServing(t *testing.T) { modes(t, testOptionalTrailKeepsServing) }

func testOptionalTrailKeepsServing(t *testing.T, direct bool) {
	db := &failing{DB: storetest.Open(t, storetest.SQLite(t))}
	db.left.Store(3)
	tr := audit.New(audit.Config{Store: db, WaitTimeout: 50 * time.Millisecond, Direct: direct})
	run(t, tr)
	if err := tr.Record(context.Background(), event(1)); err != nil {
		t.Errorf("Record on an optional trail while failing = %v, want nil", err)
	}
	if !tr.Healthy() {
		t.Error("an optional trail reports unhealthy")
	}
	tr.Close() // flushes: the retried batch lands
	got, _ := db.LookupEvents(context.Background(), audit.Query{Limit: 10})
	if len(got) != 1 {
		t.Errorf("events after Close = %d, want 1", len(got))
	}
}

func TestCloseFlushes(t *testing.T) { modes(t, testCloseFlushes) }

func testCloseFlushes(t *testing.T, direct bool) {
	db := storetest.Open(t, storetest.SQLite(t))
	tr := audit.New(audit.Config{Store: db, Direct: direct})
	done := make(chan struct{})
	go func() { tr.Run(context.Background()); close(done) }()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); tr.Record(context.Background(), event(i)) }()
	}
	wg.Wait()
	tr.Close()
	<-done
	got, _ := db.LookupEvents(context.Background(), audit.Query{Limit: 1000})
	if len(got) != 200 {
		t.Errorf("events after Close = %d, want 200", len(got))
	}
	if err := tr.Record(context.Background(), event(999)); err == nil {
		t.Error("Record after Close succeeded")
	}
}

// counting wraps a real store and counts the events of each append.
type counting struct {
	*store.DB
	mu    sync.Mutex
	sizes []int
}

func (c *counting) AppendEvents(ctx context.Context, evs []audit.Event) error {
	c.mu.Lock()
	c.sizes = append(c.sizes, len(evs))
	c.mu.Unlock()
	return c.DB.AppendEvents(ctx, evs)
}

// TestDirectRecordStoresInTheCaller: a direct trail stores each event in
// Record, one append per event, without its writer running; a trail
// without Direct leaves events to the writer, so that without one Record
// waits until its timeout and the store gets nothing.
func TestDirectRecordStoresInTheCaller(t *testing.T) {
	db := &counting{DB: storetest.Open(t, storetest.SQLite(t))}
	direct := audit.New(audit.Config{Store: db, Required: true, Direct: true, WaitTimeout: 50 * time.Millisecond})
	for i := range 3 {
		if err := direct.Record(context.Background(), event(i)); err != nil {
			t.Fatalf("direct Record %d = %v", i, err)
		}
	}
	if want := []int{1, 1, 1}; fmt.Sprint(db.sizes) != fmt.Sprint(want) {
		t.Errorf("appends = %v, want %v", db.sizes, want)
	}
	got, err := db.LookupEvents(context.Background(), audit.Query{Limit: 10})
	if err != nil || len(got) != 3 {
		t.Fatalf("stored events = %d, %v; want 3", len(got), err)
	}

	queued := audit.New(audit.Config{Store: db, Required: true, WaitTimeout: 50 * time.Millisecond})
	if err := queued.Record(context.Background(), event(3)); !errors.Is(err, audit.ErrUnavailable) {
		t.Errorf("Record without Direct and without a writer = %v, want ErrUnavailable after the wait", err)
	}
	if len(db.sizes) != 3 {
		t.Errorf("appends after a queued Record = %v, want the three direct ones only", db.sizes)
	}
}

// TestNewIDOrder: IDs made one after the other in one millisecond sort in
// that order; an ID carries its event's millisecond, also for a time
// before the last ID's.
func TestNewIDOrder(t *testing.T) {
	// An hour ahead: after any ID made so far in this process, the checks
	// of the IDs a minute either side (below) of a run before included.
	at := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	for _, ts := range []time.Time{at.Add(-time.Minute), at.Add(time.Minute)} {
		id := audit.NewID(ts)
		if lo, hi := audit.IDBounds(ts, ts); id < lo || id > hi {
			t.Errorf("ID for %v = %s, not within [%s, %s]", ts, id, lo, hi)
		}
	}
	at = at.Add(2 * time.Minute)
	prev := ""
	for i := range 4000 {
		id := audit.NewID(at)
		if id <= prev {
			t.Fatalf("ID %d %s does not sort after %s", i, id, prev)
		}
		if len(id) != 36 || id[14] != '7' {
			t.Fatalf("ID %s is not a version 7 UUID", id)
		}
		prev = id
	}
	// After them, an earlier millisecond keeps its own.
	ts := at.Add(-time.Minute)
	if id := audit.NewID(ts); id[:13] != prefixOf(ts) {
		t.Errorf("ID for %v = %s, not of its millisecond", ts, id)
	}
}

// prefixOf returns the first 13 characters of an ID made for t: its
// millisecond, in hex.
func prefixOf(t time.Time) string {
	lo, _ := audit.IDBounds(t, t)
	return lo[:13]
}

func TestEventAppendJSONAsEncodingJSON(t *testing.T) {
	full := audit.Event{
		ID: audit.NewID(time.Now()), Time: time.Date(2026, 12, 7, 13, 4, 5, 123000000, time.UTC), RequestID: "r-1",
		Account: "123456789012", Region: "us-east-1", Source: "ssm.amazonaws.com", Name: "SendCommand",
		PrincipalARN: "arn:aws:iam::123456789012:user/a\"dmin", PrincipalID: "AIDA", PrincipalType: "IAMUser",
		UserName: "a\"dmin", AccessKeyID: "AKIA", SourceIP: "127.0.0.1", UserAgent: "aws-cli/2 <x> & \u2028 \xff",
		Resources: []audit.Resource{{ARN: "arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript", Type: "AWS::SSM::Document"}, {}},
		Outcome:   audit.Failed, ErrorCode: "ValidationException", ErrorMessage: "bad\n\ttab",
	}
	for _, ev := range []audit.Event{full, {}, {ReadOnly: true, Resources: []audit.Resource{}}} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&ev); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := ev.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
		}
	}
}
