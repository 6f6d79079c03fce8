// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// openJournal opens a journal in dir over st and, when start is set,
// runs it until the test ends.
func openJournal(t *testing.T, dir string, st audit.Store, start bool, cfg audit.JournalConfig) *audit.Journal {
	t.Helper()
	cfg.Dir, cfg.Store = dir, st
	j, err := audit.OpenJournal(context.Background(), cfg)
	if err != nil {
		t.Fatalf("OpenJournal: %v", err)
	}
	if start {
		go j.Run(context.Background())
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// stored returns the IDs of the events in db, sorted.
func stored(t *testing.T, db *store.DB) []string {
	t.Helper()
	evs, err := db.LookupEvents(context.Background(), audit.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	slices.Sort(ids)
	return ids
}

// segments lists the journal directory.
func segments(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestJournalRecordThenLookup(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	dir := filepath.Join(t.TempDir(), "journal")
	// A long interval: only a lookup makes the journal store early.
	j := openJournal(t, dir, db, true, audit.JournalConfig{Interval: time.Hour})
	tr := audit.New(audit.Config{Store: j, Required: true, Linger: -1})
	run(t, tr)
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tr.Record(context.Background(), event(i)); err != nil {
				t.Errorf("Record: %v", err)
			}
		}()
	}
	wg.Wait()
	// Recorded, so in the journal file: not yet in the database.
	if got := stored(t, db); len(got) != 0 {
		t.Fatalf("database holds %d events before any lookup, want 0 (interval is an hour)", len(got))
	}
	// A lookup through the trail sees every recorded event.
	got, err := tr.Lookup(context.Background(), audit.Query{Limit: 1000})
	if err != nil || len(got) != 300 {
		t.Fatalf("Lookup = %d events, %v; want 300", len(got), err)
	}
	if got := stored(t, db); len(got) != 300 {
		t.Errorf("database holds %d events after the lookup, want 300", len(got))
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("journal dir mode = %v, %v; want 0700", info.Mode().Perm(), err)
	}
	for _, name := range segments(t, dir) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, %v; want 0600", name, info.Mode().Perm(), err)
		}
	}
}

func TestJournalStoresWithoutALookup(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	dir := t.TempDir()
	j := openJournal(t, dir, db, true, audit.JournalConfig{Interval: 5 * time.Millisecond, MaxBatch: 7})
	for i := 0; i < 50; i++ {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(stored(t, db)) < 50 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := stored(t, db); len(got) != 50 {
		t.Fatalf("database holds %d events, want 50", len(got))
	}
	// Stored segments are removed; only the one appends go to is left.
	deadline = time.Now().Add(5 * time.Second)
	for len(segments(t, dir)) > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if names := segments(t, dir); len(names) != 1 {
		t.Errorf("journal holds %v after everything was stored, want one segment", names)
	}
}

// TestJournalRecoversAfterAStop appends events, leaves the journal as a
// killed process would (nothing stored, a record cut short at the end),
// and opens it again: every whole record is stored, exactly once.
func TestJournalRecoversAfterAStop(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	dir := t.TempDir()
	j, err := audit.OpenJournal(context.Background(), audit.JournalConfig{Dir: dir, Store: db})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < 40; i++ {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatal(err)
		}
		want = append(want, event(i).ID)
	}
	// Some were stored before the stop, their segment not yet removed.
	if err := db.AppendEvents(context.Background(), []audit.Event{event(0), event(1)}); err != nil {
		t.Fatal(err)
	}
	names := segments(t, dir)
	if len(names) != 1 {
		t.Fatalf("segments = %v, want 1", names)
	}
	f, err := os.OpenFile(filepath.Join(dir, names[0]), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"ID":"ev-cut-short","Time":"2026-`)
	f.Close()

	openJournal(t, dir, db, true, audit.JournalConfig{})
	if got := stored(t, db); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stored after reopening = %v, want %v", got, want)
	}
	for _, name := range segments(t, dir) {
		if name == names[0] {
			t.Errorf("recovered segment %s still there", name)
		}
	}
}

func TestJournalKeepsUnreadableSegment(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	dir := t.TempDir()
	var buf bytes.Buffer
	buf.WriteString(`{"ID":"ev-00001","Name":"GetCallerIdentity","Outcome":"Success"}` + "\n")
	buf.WriteString("not a record\n")
	buf.WriteString(`{"ID":"ev-00002","Name":"GetCallerIdentity","Outcome":"Success"}` + "\n")
	seg := filepath.Join(dir, "audit-0000000000000007.jsonl")
	if err := os.WriteFile(seg, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	j := openJournal(t, dir, db, true, audit.JournalConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if got := stored(t, db); strings.Join(got, ",") != "ev-00001,ev-00002" {
		t.Errorf("stored = %v, want the two readable records", got)
	}
	if _, err := os.Stat(seg + ".unreadable"); err != nil {
		t.Errorf("unreadable segment not kept: %v", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "unreadable=1") {
		t.Errorf("log does not report the unreadable record: %s", logs.String())
	}
	// New segments are numbered after it.
	if err := j.AppendEvents(context.Background(), []audit.Event{event(3)}); err != nil {
		t.Fatal(err)
	}
	if names := segments(t, dir); !slices.Contains(names, "audit-0000000000000008.jsonl") {
		t.Errorf("segments = %v, want audit-0000000000000008.jsonl", names)
	}
}

// TestJournalBacklogIsBounded shows what happens while the database does
// not take events: appends go on up to the bound, then fail (so a
// required trail refuses requests), and once the database recovers
// everything appended is stored.
func TestJournalBacklogIsBounded(t *testing.T) {
	db := &failing{DB: storetest.Open(t, storetest.SQLite(t))}
	db.left.Store(1 << 30)
	dir := t.TempDir()
	j := openJournal(t, dir, db, true, audit.JournalConfig{Interval: time.Millisecond, MaxPending: 10})
	for i := 0; i < 10; i++ {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := j.AppendEvents(context.Background(), []audit.Event{event(10)}); !errors.Is(err, audit.ErrJournalFull) {
		t.Fatalf("append past the bound = %v, want ErrJournalFull", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := j.LookupEvents(ctx, audit.Query{Limit: 10}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lookup while the database fails = %v, want the caller's deadline", err)
	}
	db.left.Store(0)
	got, err := j.LookupEvents(context.Background(), audit.Query{Limit: 100})
	if err != nil || len(got) != 10 {
		t.Fatalf("lookup after recovery = %d, %v; want 10", len(got), err)
	}
	if err := j.AppendEvents(context.Background(), []audit.Event{event(10)}); err != nil {
		t.Errorf("append after recovery = %v", err)
	}
}

// TestJournalCloseLeavesWhatItCannotStore closes a journal while its
// database fails: the events stay on disk and the next open stores them.
func TestJournalCloseLeavesWhatItCannotStore(t *testing.T) {
	db := &failing{DB: storetest.Open(t, storetest.SQLite(t))}
	db.left.Store(1 << 30)
	dir := t.TempDir()
	j, err := audit.OpenJournal(context.Background(), audit.JournalConfig{Dir: dir, Store: db, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go j.Run(context.Background())
	for i := 0; i < 5; i++ {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- j.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs while the database fails")
	}
	if err := j.AppendEvents(context.Background(), []audit.Event{event(9)}); err == nil {
		t.Error("append after Close succeeded")
	}
	if len(segments(t, dir)) == 0 {
		t.Fatal("Close removed events the database did not take")
	}
	db.left.Store(0)
	openJournal(t, dir, db, false, audit.JournalConfig{})
	if got := stored(t, db.DB); len(got) != 5 {
		t.Errorf("stored after reopening = %v, want 5 events", got)
	}
}

// arriving is a store into which, while it stores a batch, one more event
// is appended to the journal: events keep arriving during every ingest,
// as they do under load. It records when each batch was stored.
type arriving struct {
	*store.DB
	journal atomic.Pointer[audit.Journal]

	mu    sync.Mutex
	calls []storeCall
}

// storeCall is one AppendEvents of the journal into the store.
type storeCall struct {
	start, end time.Time
	events     int
}

func (a *arriving) AppendEvents(ctx context.Context, evs []audit.Event) error {
	start := time.Now()
	a.mu.Lock()
	n := len(a.calls)
	a.mu.Unlock()
	if j := a.journal.Load(); j != nil {
		if err := j.AppendEvents(ctx, []audit.Event{event(1000 + n)}); err != nil {
			return err
		}
	}
	err := a.DB.AppendEvents(ctx, evs)
	a.mu.Lock()
	a.calls = append(a.calls, storeCall{start: start, end: time.Now(), events: len(evs)})
	a.mu.Unlock()
	return err
}

// TestJournalIngestDoesNotChaseNewEvents checks that an ingest stores the
// events pending when it began and leaves those appended meanwhile for the
// next one, an interval later: chasing them would store them one
// transaction at a time, just as they arrive.
func TestJournalIngestDoesNotChaseNewEvents(t *testing.T) {
	st := &arriving{DB: storetest.Open(t, storetest.SQLite(t))}
	const interval = 100 * time.Millisecond
	j := openJournal(t, t.TempDir(), st, false, audit.JournalConfig{Interval: interval})
	st.journal.Store(j)
	for i := range 20 {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatal(err)
		}
	}
	go j.Run(context.Background())
	var calls []storeCall
	for deadline := time.Now().Add(10 * time.Second); len(calls) < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st.mu.Lock()
		calls = slices.Clone(st.calls)
		st.mu.Unlock()
	}
	if len(calls) < 3 {
		t.Fatalf("the journal stored %d batches in 10 s, want 3 or more", len(calls))
	}
	if calls[0].events != 20 {
		t.Errorf("first batch = %d events, want the 20 appended before it", calls[0].events)
	}
	for i := 1; i < 3; i++ {
		if calls[i].events != 1 {
			t.Errorf("batch %d = %d events, want 1 (the one appended during the batch before)", i, calls[i].events)
		}
		// A timer never fires early; the margin is for the clock reads
		// around it.
		if gap := calls[i].start.Sub(calls[i-1].end); gap < interval-10*time.Millisecond {
			t.Errorf("batch %d began %v after the one before ended, want about the interval (%v)", i, gap, interval)
		}
	}
}

// TestJournalRotatesThroughSpareSegments appends over many rounds, each
// of which prepares the next segment ahead of its rotation and removes
// the segments it stored: every event is stored once, the directory
// never holds more than the segments still needed, and Close leaves it
// empty.
func TestJournalRotatesThroughSpareSegments(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	dir := t.TempDir()
	j := openJournal(t, dir, db, true, audit.JournalConfig{Interval: 2 * time.Millisecond, MaxBatch: 5})
	most := 0
	for i := 0; i < 200; i++ {
		if err := j.AppendEvents(context.Background(), []audit.Event{event(i)}); err != nil {
			t.Fatal(err)
		}
		if i%20 == 19 {
			time.Sleep(10 * time.Millisecond) // a round or more
			most = max(most, len(segments(t, dir)))
		}
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := stored(t, db) // sorted
	if distinct := len(slices.Compact(slices.Clone(got))); len(got) != 200 || distinct != 200 {
		t.Fatalf("database holds %d events (%d distinct), want 200", len(got), distinct)
	}
	if most > 3 {
		t.Errorf("the journal held %d segments at once between rounds, want at most 3 (pending, current, spare)", most)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if names := segments(t, dir); len(names) != 0 {
		t.Errorf("journal holds %v after Close with everything stored, want nothing", names)
	}
}

// gatedIngester is a SegmentIngester that takes segments only once its
// gate is open, and counts them.
type gatedIngester struct {
	gate     chan struct{}
	segments atomic.Int32
	entered  chan struct{} // if set, told (without blocking) of each segment offered
}

func (g *gatedIngester) IngestSegment(ctx context.Context, path string) (stored, unreadable int, err error) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.gate
	g.segments.Add(1)
	return 0, 0, nil
}

func (g *gatedIngester) Close() error { return nil }

// TestJournalHoldsBackAppendsForASlowIngester checks that, with an
// ingester that holds a segment and does not answer, appends past a
// quarter of MaxPending wait for it instead of failing.
func TestJournalHoldsBackAppendsForASlowIngester(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	g := &gatedIngester{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	j := openJournal(t, t.TempDir(), db, true, audit.JournalConfig{Interval: 5 * time.Millisecond, MaxPending: 40, Ingester: g})
	ctx := context.Background()
	if err := j.AppendEvents(ctx, []audit.Event{event(0)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.entered: // the ingester holds the first segment
	case <-time.After(5 * time.Second):
		t.Fatal("the journal offered the ingester no segment")
	}
	for i := 1; i < 10; i++ {
		if err := j.AppendEvents(ctx, []audit.Event{event(i)}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	done := make(chan error, 1)
	go func() {
		for i := 10; i < 30; i++ {
			if err := j.AppendEvents(ctx, []audit.Event{event(i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		t.Fatalf("appends past a quarter of MaxPending returned (%v) while the ingester took nothing", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(g.gate)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("appends after the ingester caught up: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("appends still wait after the ingester caught up")
	}
	if g.segments.Load() == 0 {
		t.Error("the ingester took no segment")
	}
}

// TestJournalStoresSegmentsItselfWhileTheIngesterIsBehind checks that,
// once more than a twentieth of MaxPending waits for an ingester that
// has fallen behind, the journal stores the next segments itself (so
// that appends are not held back), counts them, and hands segments to
// the ingester again once it has caught up.
func TestJournalStoresSegmentsItselfWhileTheIngesterIsBehind(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	g := &gatedIngester{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	reg := prometheus.NewRegistry()
	j := openJournal(t, t.TempDir(), db, true, audit.JournalConfig{Interval: 5 * time.Millisecond, MaxPending: 400, Ingester: g, Registerer: reg})
	ctx := context.Background()
	appendRange := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := j.AppendEvents(ctx, []audit.Event{event(i)}); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
	}
	appendRange(0, 10)
	select {
	case <-g.entered: // the ingester holds the first segment
	case <-time.After(5 * time.Second):
		t.Fatal("the journal offered the ingester no segment")
	}
	// 60 wait (more than 400/20, fewer than the 100 that hold appends
	// back): the segment after the ingester's is the server's to store.
	appendRange(10, 60)
	close(g.gate)
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 10; i < 60; i++ {
		want = append(want, event(i).ID)
	}
	// The fake ingester stores nothing: what is in the database, the
	// server stored.
	if got := stored(t, db); !slices.Equal(got, want) {
		t.Fatalf("stored by the server = %d events %v…, want events 10–59", len(got), got[:min(3, len(got))])
	}
	if n := g.segments.Load(); n != 1 {
		t.Errorf("the ingester took %d segments, want only the first", n)
	}
	if n := counterValue(t, reg, "kanri_audit_journal_segments_stored_by_server_total"); n < 1 {
		t.Errorf("segments stored by the server = %v, want at least 1", n)
	}

	// Caught up: the next segment goes to the ingester again.
	appendRange(60, 65)
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := g.segments.Load(); n != 2 {
		t.Errorf("after catching up the ingester took %d segments in all, want 2", n)
	}
	if got := stored(t, db); len(got) != 50 {
		t.Errorf("after catching up the database holds %d events, want the server's 50 only", len(got))
	}
}

// counterValue returns the value of the counter name gathered from reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
