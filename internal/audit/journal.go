// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Journal is a Store that makes events durable by appending them to a
// file and moves them into the database in large batches in the
// background. An append is one write to the end of a file, where a
// database commit updates several B-trees; the database then takes
// hundreds of events per transaction instead of the few that arrive
// within one request's wait.
//
// An event is as durable once appended as a commit of SQLite in WAL mode
// with synchronous=NORMAL: it survives the process being killed, and is
// written to the database at the next start if the process dies first.
// The journal therefore belongs beside a SQLite store, on the same disk;
// replicas sharing a PostgreSQL database write to it directly, so that the
// trail does not depend on a replica's disk.
//
// The journal is a directory of numbered segment files of JSON lines. A
// segment is removed once all its events are in the store. LookupEvents
// first waits until every event appended so far is in the store, so a
// lookup sees every request answered before it.
type Journal struct {
	dir        string
	store      Store
	log        *slog.Logger
	interval   time.Duration
	maxBatch   int
	maxPending int

	mu       sync.Mutex
	file     *os.File        // the segment appends go to
	seg      uint64          // its number
	segs     []uint64        // segments on disk, ascending; the last is seg
	spare    *os.File        // the next segment, made ahead of its rotation; or nil
	spareSeg uint64          // its number
	pending  []journaled     // without remote: the events not yet stored
	batch    []Event         // the batch ingestAll stores; only it uses this
	remote   SegmentIngester // stores closed segments, in place of store; or nil
	counts   map[uint64]int  // with remote: each segment's events not yet stored
	appended uint64          // events appended since Open
	ingested uint64          // of those, events stored
	progress chan struct{}   // closed and replaced when ingested grows
	closed   bool

	wake    chan struct{} // an event was appended
	flush   chan struct{} // someone waits: ingest now
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when Run returns
	running bool          // Run was called; guarded by mu

	// storingInServer is set while the remote ingester is behind and the
	// journal stores segments itself (see remoteBehind); only ingestAll
	// (through shipAll) uses it.
	storingInServer bool

	backlog        prometheus.Gauge
	failures       prometheus.Counter
	storedInServer prometheus.Counter
}

// journaled is an event not yet in the store, and its segment.
type journaled struct {
	ev  Event
	seg uint64
}

// JournalConfig configures a Journal.
type JournalConfig struct {
	// Dir holds the segment files; it is created (mode 0700) if missing.
	Dir string
	// Store receives the events.
	Store  Store
	Logger *slog.Logger
	// Registerer receives the journal's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Interval is how long events gather before they are moved into the
	// store, unless a lookup waits for them. Zero means 50ms.
	Interval time.Duration
	// MaxBatch bounds the events stored in one transaction. Zero means
	// 1000.
	MaxBatch int
	// MaxPending bounds the events appended but not yet stored; past it,
	// appends fail until the store catches up. Zero means 200,000.
	MaxPending int
	// Ingester, when set, stores each segment once it is closed, reading
	// it back from its file (see IngestProcess), instead of the journal
	// storing the events it holds in memory through Store; Store still
	// answers lookups and takes what a previous run left at Open. Close
	// closes it.
	Ingester SegmentIngester
}

// ErrJournalFull is returned by a Journal's AppendEvents while the store
// is not taking events and the backlog has reached its bound.
var ErrJournalFull = errors.New("audit journal: too many events are waiting for the store")

const segmentPrefix, segmentSuffix = "audit-", ".jsonl"

// OpenJournal opens the journal in cfg.Dir. Events left there by a
// process that stopped before storing them are stored first; OpenJournal
// fails if the store does not take them. Call Run to move new events into
// the store, and Close when done.
func OpenJournal(ctx context.Context, cfg JournalConfig) (*Journal, error) {
	j := &Journal{
		dir: cfg.Dir, store: cfg.Store, log: cfg.Logger, interval: cfg.Interval,
		maxBatch: cfg.MaxBatch, maxPending: cfg.MaxPending,
		remote: cfg.Ingester, counts: map[uint64]int{},
		progress: make(chan struct{}),
		wake:     make(chan struct{}, 1), flush: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kanri_audit_journal_backlog", Help: "Audit events in the journal waiting to be moved into the database."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kanri_audit_journal_ingest_failures_total", Help: "Failed attempts to move audit events from the journal into the database."}),
		storedInServer: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kanri_audit_journal_segments_stored_by_server_total", Help: "Audit journal segments the server stored itself because its ingest process had fallen behind."}),
	}
	if j.log == nil {
		j.log = slog.Default()
	}
	if j.interval <= 0 {
		j.interval = 50 * time.Millisecond
	}
	if j.maxBatch <= 0 {
		j.maxBatch = 1000
	}
	if j.maxPending <= 0 {
		j.maxPending = 200_000
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	last, err := j.recover(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := j.openSegment(last + 1); err != nil {
		return nil, err
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(j.backlog, j.failures, j.storedInServer)
	}
	return j, nil
}

// recover stores the events of the segments left in the directory and
// removes them. It returns the highest segment number seen.
func (j *Journal) recover(ctx context.Context) (uint64, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return 0, fmt.Errorf("audit journal: %w", err)
	}
	var segs []uint64
	var last uint64
	for _, e := range entries {
		name := e.Name()
		num, ok := strings.CutPrefix(name, segmentPrefix)
		if !ok {
			continue
		}
		num, _, _ = strings.Cut(num, ".")
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		last = max(last, n)
		if strings.HasSuffix(name, segmentSuffix) && name == segmentName(n) {
			segs = append(segs, n)
		}
	}
	slices.Sort(segs)
	for _, n := range segs {
		path := filepath.Join(j.dir, segmentName(n))
		stored, unreadable, err := storeSegment(ctx, path, j.store, j.log, j.maxBatch)
		if err != nil {
			return 0, fmt.Errorf("audit journal: events left by the last run: %w", err)
		}
		if stored > 0 {
			j.log.Info("audit journal: stored events left by the last run", "segment", path, "events", stored)
		}
		if unreadable > 0 {
			err = j.keepUnreadable(path, unreadable)
		} else {
			err = os.Remove(path)
		}
		if err != nil {
			return 0, fmt.Errorf("audit journal: %w", err)
		}
	}
	return last, nil
}

// keepUnreadable keeps a stored segment with unreadable records for
// inspection, renamed .unreadable, and says so.
func (j *Journal) keepUnreadable(path string, unreadable int) error {
	kept := path + ".unreadable"
	j.log.Error("audit journal: unreadable records; the segment is kept for inspection", "segment", kept, "unreadable", unreadable)
	return os.Rename(path, kept)
}

// readSegment reads a segment's events and counts its unreadable lines.
// A last line cut short (the process died during its write, so it was
// never acknowledged) is skipped and not counted.
func readSegment(path string, log *slog.Logger) (events []Event, unreadable int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("audit journal: %w", err)
	}
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		var ev Event
		if !parseEvent(line, &ev) || ev.ID == "" {
			if !complete {
				log.Warn("audit journal: skipped a record cut short by a stop during its write (it was never acknowledged)", "segment", path)
				break
			}
			unreadable++
			continue
		}
		events = append(events, ev)
	}
	return events, unreadable, nil
}

func segmentName(n uint64) string {
	return fmt.Sprintf("%s%016d%s", segmentPrefix, n, segmentSuffix)
}

// openSegment makes segment n (or, should n exist, the next free number)
// the one appends go to, using the spare segment when it is n, and
// returns the file it replaces, for the caller to close. Called with mu
// held (or before the journal is shared).
func (j *Journal) openSegment(n uint64) (old *os.File, err error) {
	f := j.spare
	if f != nil && j.spareSeg == n {
		j.spare = nil
	} else {
		for tries := 0; ; tries++ {
			f, err = createSegment(j.dir, n)
			if err == nil || !errors.Is(err, fs.ErrExist) || tries == 2 {
				break
			}
			n++
		}
		if err != nil {
			return nil, err
		}
	}
	old = j.file
	j.file, j.seg = f, n
	j.segs = append(j.segs, n)
	return old, nil
}

// createSegment creates the empty segment n in dir.
func createSegment(dir string, n uint64) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, segmentName(n)), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	return f, nil
}

// prepareSpare creates the segment the next rotation will use, outside
// mu: appends wait for mu, and should not also wait for the file system
// to create a file (on a busy disk, creating or removing a file can take
// milliseconds).
func (j *Journal) prepareSpare() {
	j.mu.Lock()
	if j.spare != nil || j.closed {
		j.mu.Unlock()
		return
	}
	n := j.seg + 1
	j.mu.Unlock()
	f, err := createSegment(j.dir, n)
	if err != nil {
		if !errors.Is(err, fs.ErrExist) {
			j.log.Error("audit journal: cannot prepare the next segment", "err", err)
		}
		return
	}
	j.mu.Lock()
	if j.spare == nil && j.seg+1 == n && !j.closed {
		j.spare, j.spareSeg = f, n
		j.mu.Unlock()
		return
	}
	j.mu.Unlock()
	// A rotation came first (after a failed write): this one is not needed.
	f.Close()
	os.Remove(f.Name())
}

// AppendEvents appends events to the journal in one write and returns
// once the write is done. It fails when the journal is closed or holds
// MaxPending events the store has not taken.
func (j *Journal) AppendEvents(ctx context.Context, events []Event) error {
	bufp := lineBuffers.Get().(*[]byte)
	buf := (*bufp)[:0]
	for i := range events {
		buf = append(events[i].AppendJSON(buf), '\n')
	}
	defer func() {
		if cap(buf) <= 64<<10 {
			*bufp = buf
			lineBuffers.Put(bufp)
		}
	}()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.remote != nil {
		j.holdBack(ctx)
	}
	if j.closed {
		return errors.New("audit journal: closed")
	}
	if int(j.appended-j.ingested)+len(events) > j.maxPending {
		return ErrJournalFull
	}
	if _, err := j.file.Write(buf); err != nil {
		// Part of the batch may be in the file: later appends go to a new
		// segment, so that the cut-short record stays that segment's last.
		if old, rerr := j.openSegment(j.seg + 1); rerr != nil {
			j.log.Error("audit journal: cannot start a new segment", "err", rerr)
		} else {
			old.Close()
		}
		return fmt.Errorf("audit journal: %w", err)
	}
	if j.remote != nil {
		j.counts[j.seg] += len(events)
	} else {
		for _, ev := range events {
			j.pending = append(j.pending, journaled{ev: ev, seg: j.seg})
		}
	}
	j.appended += uint64(len(events))
	j.backlog.Add(float64(len(events)))
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return nil
}

// holdBack makes an append wait, up to a second, while the backlog is
// past a quarter of MaxPending: past a twentieth the journal stores
// segments itself (see remoteBehind), so a backlog this large means the
// remote ingester is holding a segment it gets too little CPU to finish,
// or the database is slower than the requests. Waiting appends free
// that CPU, where failing them at MaxPending would refuse requests.
// Called with mu held; returns with it held.
func (j *Journal) holdBack(ctx context.Context) {
	deadline := time.Now().Add(time.Second)
	for int(j.appended-j.ingested) > j.maxPending/4 && !j.closed {
		progress := j.progress
		j.mu.Unlock()
		select {
		case j.wake <- struct{}{}:
		default:
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			j.mu.Lock()
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-progress:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
		j.mu.Lock()
		if ctx.Err() != nil {
			return
		}
	}
}

// lineBuffers holds the buffers AppendEvents encodes its lines into.
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// LookupEvents waits until every event appended so far is in the store,
// then looks up there.
func (j *Journal) LookupEvents(ctx context.Context, q Query) ([]Event, error) {
	if err := j.Flush(ctx); err != nil {
		return nil, err
	}
	return j.store.LookupEvents(ctx, q)
}

// Flush waits until every event appended before it was called is in the
// store, or ctx ends.
func (j *Journal) Flush(ctx context.Context) error {
	j.mu.Lock()
	target := j.appended
	for j.ingested < target {
		progress := j.progress
		j.mu.Unlock()
		for _, ch := range []chan struct{}{j.flush, j.wake} {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		select {
		case <-progress:
		case <-j.done:
			return errors.New("audit journal: closed before the events were stored")
		case <-ctx.Done():
			return fmt.Errorf("audit journal: waiting for events to be stored: %w", ctx.Err())
		}
		j.mu.Lock()
	}
	j.mu.Unlock()
	return nil
}

// Run moves appended events into the store until Close is called. When
// the store fails, it retries with backoff; the events stay in the
// journal meanwhile.
func (j *Journal) Run(ctx context.Context) {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return
	}
	j.running = true
	j.mu.Unlock()
	defer close(j.done)
	ctx = context.WithoutCancel(ctx)
	for {
		select {
		case <-j.wake:
		case <-j.stop:
			j.ingestAll(ctx, false)
			return
		}
		// Let a batch gather, unless someone waits for it.
		timer := time.NewTimer(j.interval)
		select {
		case <-timer.C:
		case <-j.flush:
		case <-j.stop:
		}
		timer.Stop()
		j.ingestAll(ctx, true)
	}
}

// ingestAll stores the events pending when it is called, MaxBatch at a
// time. Events appended meanwhile wait for the next call: chasing them
// would store them a few per transaction, and a commit costs nearly as
// much for a few events as for hundreds. With retry, a failing store is retried until it succeeds or
// Close is called; otherwise the events are left in the journal for the
// next start.
func (j *Journal) ingestAll(ctx context.Context, retry bool) {
	if j.remote != nil {
		j.shipAll(ctx, retry)
		return
	}
	backoff := 10 * time.Millisecond
	j.mu.Lock()
	left := len(j.pending)
	j.mu.Unlock()
	for left > 0 {
		j.prepareSpare()
		var old *os.File
		j.mu.Lock()
		n := min(left, j.maxBatch)
		if cap(j.batch) < n {
			j.batch = make([]Event, n)
		}
		batch := j.batch[:n]
		for i, p := range j.pending[:n] {
			batch[i] = p.ev
		}
		if n == len(j.pending) && !j.closed {
			// Appends from now on go to a new segment, so that this one
			// can be removed once the batch is stored.
			var err error
			if old, err = j.openSegment(j.seg + 1); err != nil {
				j.log.Error("audit journal: cannot start a new segment", "err", err)
			}
		}
		j.mu.Unlock()
		if old != nil {
			old.Close()
		}

		if err := j.store.AppendEvents(ctx, batch); err != nil {
			if !j.storeFailed(retry, &backoff, err, "events", n) {
				return
			}
			continue
		}
		backoff = 10 * time.Millisecond
		clear(batch) // let the events' strings go
		for _, seg := range j.stored(n) {
			if err := os.Remove(filepath.Join(j.dir, segmentName(seg))); err != nil && !errors.Is(err, os.ErrNotExist) {
				// Its events are stored; at the next start they are
				// found stored already.
				j.log.Error("audit journal: cannot remove a stored segment", "err", err)
			}
		}
		left -= n
		// Requests go first: the next batch waits its turn behind them.
		runtime.Gosched()
	}
}

// stored records that the first n pending events are in the store and
// returns the segments nothing pending needs any more, dropped from segs,
// for the caller to remove outside mu.
func (j *Journal) stored(n int) (done []uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	// Move the rest to the front, so that the array is reused rather
	// than a new one grown every round.
	m := copy(j.pending, j.pending[n:])
	clear(j.pending[m:])
	j.pending = j.pending[:m]
	j.ingested += uint64(n)
	j.backlog.Sub(float64(n))
	close(j.progress)
	j.progress = make(chan struct{})
	needed := j.seg
	if len(j.pending) > 0 {
		needed = j.pending[0].seg
	}
	i := 0
	for i < len(j.segs) && j.segs[i] < needed {
		i++
	}
	done = slices.Clone(j.segs[:i])
	j.segs = j.segs[i:]
	return done
}

// shipAll has the remote ingester store every segment holding events
// appended before it was called, first closing the one appends go to
// (they go on in the next). With retry, a failing ingester is retried
// until it succeeds or Close is called; otherwise the events are left in
// the journal for the next start.
func (j *Journal) shipAll(ctx context.Context, retry bool) {
	j.mu.Lock()
	rotate := j.counts[j.seg] > 0 && !j.closed
	j.mu.Unlock()
	if rotate {
		j.prepareSpare()
	}
	var old *os.File
	j.mu.Lock()
	if j.counts[j.seg] > 0 && !j.closed {
		var err error
		if old, err = j.openSegment(j.seg + 1); err != nil {
			j.log.Error("audit journal: cannot start a new segment", "err", err)
		}
	}
	var ship []uint64
	for _, n := range j.segs {
		if j.counts[n] > 0 && (n != j.seg || j.closed) {
			ship = append(ship, n)
		}
	}
	j.mu.Unlock()
	if old != nil {
		old.Close()
	}
	backoff := 10 * time.Millisecond
	for len(ship) > 0 {
		path := filepath.Join(j.dir, segmentName(ship[0]))
		var unreadable int
		var err error
		if j.remoteBehind() {
			_, unreadable, err = storeSegment(ctx, path, j.store, j.log, j.maxBatch)
			if err == nil {
				j.storedInServer.Inc()
			}
		} else {
			_, unreadable, err = j.remote.IngestSegment(ctx, path)
		}
		if err != nil {
			if !j.storeFailed(retry, &backoff, err, "segment", path) {
				return
			}
			continue
		}
		backoff = 10 * time.Millisecond
		if unreadable > 0 {
			if err := j.keepUnreadable(path, unreadable); err != nil {
				j.log.Error("audit journal: cannot keep a segment with unreadable records", "err", err)
			}
		}
		for _, seg := range j.segmentStored(ship[0]) {
			if err := os.Remove(filepath.Join(j.dir, segmentName(seg))); err != nil && !errors.Is(err, os.ErrNotExist) {
				j.log.Error("audit journal: cannot remove a stored segment", "err", err)
			}
		}
		ship = ship[1:]
	}
}

// remoteBehind reports whether the remote ingester has fallen behind:
// more than a twentieth of MaxPending waits. At its lower priority it
// gets little CPU while requests take every core, and a backlog that
// grows there would end in appends held back (see holdBack). The journal
// then stores segments itself, at the server's priority, until the
// backlog is back under that mark; it logs when it starts and stops.
// Called by shipAll only.
func (j *Journal) remoteBehind() bool {
	j.mu.Lock()
	backlog := int(j.appended - j.ingested)
	j.mu.Unlock()
	behind := backlog > j.maxPending/20
	if behind != j.storingInServer {
		j.storingInServer = behind
		if behind {
			j.log.Warn("audit journal: the ingest process falls behind; the server stores segments itself until it catches up", "backlog", backlog)
		} else {
			j.log.Info("audit journal: the ingest process has caught up and stores segments again")
		}
	}
	return behind
}

// storeFailed deals with a failed move into the store, described by
// what (log attributes): it counts it and, when the journal retries
// (retry, and Close was not called), logs, sleeps for the backoff,
// doubles it (up to 2 s) and reports true; otherwise it logs that the
// events stay in the journal for the next start and reports false.
func (j *Journal) storeFailed(retry bool, backoff *time.Duration, err error, what ...any) bool {
	j.failures.Inc()
	select {
	case <-j.stop:
		retry = false
	default:
	}
	if !retry {
		j.log.Error("audit journal: cannot store events; they stay in the journal and are stored at the next start",
			append(what, "dir", j.dir, "err", err)...)
		return false
	}
	j.log.Error("audit journal: storing events failed; retrying", append(what, "err", err)...)
	time.Sleep(*backoff)
	*backoff = min(*backoff*2, 2*time.Second)
	return true
}

// segmentStored records that segment n's events are in the store and
// returns the segments nothing needs any more (n, and empty ones before
// it), dropped from segs, for the caller to remove outside mu.
func (j *Journal) segmentStored(n uint64) (done []uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.counts[n]
	delete(j.counts, n)
	j.ingested += uint64(c)
	j.backlog.Sub(float64(c))
	close(j.progress)
	j.progress = make(chan struct{})
	j.segs = slices.DeleteFunc(j.segs, func(s uint64) bool {
		if s <= n && (s != j.seg || j.closed) && j.counts[s] == 0 {
			done = append(done, s)
			return true
		}
		return false
	})
	return done
}

// Close stops taking events, stores what is pending, and closes the
// journal. Events the store does not take stay in the journal for the
// next start.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		<-j.done
		return nil
	}
	j.closed = true
	running := j.running
	j.mu.Unlock()
	close(j.stop)
	if running {
		<-j.done
	} else {
		j.ingestAll(context.Background(), false)
		close(j.done)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.file.Close()
	if j.spare != nil {
		j.spare.Close()
		if rerr := os.Remove(j.spare.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		j.spare = nil
	}
	if j.remote != nil {
		err = errors.Join(err, j.remote.Close())
	}
	if j.appended == j.ingested {
		for _, n := range j.segs {
			if rerr := os.Remove(filepath.Join(j.dir, segmentName(n))); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
		j.segs = nil
	}
	return err
}

// compile-time check: a Journal is a Store.
var _ Store = (*Journal)(nil)
