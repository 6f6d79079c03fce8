// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package audit owns the trail of every API call and session: who did
// what, to which resources, from where, and how it ended. A request is
// answered only after its record is stored, so an acknowledged request is
// never missing from the trail. Records go to a database in batches (group
// commit), or are appended one by one to a journal (see Config.Direct).
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/jsonenc"
)

// Outcomes of a recorded request.
const (
	Success = "Success" // the operation was performed
	Denied  = "Denied"  // authorization refused it
	Failed  = "Failed"  // authentication failed, or the operation returned an error
)

// Event is one audit record. It never holds a secret or a parameter value.
type Event struct {
	ID            string // from NewID: unique and ordered by time
	Time          time.Time
	RequestID     string
	Account       string
	Region        string
	Source        string // the service's host name, e.g. "sts.amazonaws.com"
	Name          string // the operation, e.g. "GetCallerIdentity"
	ReadOnly      bool
	PrincipalARN  string
	PrincipalID   string
	PrincipalType string
	UserName      string
	AccessKeyID   string
	Resources     []Resource
	SourceIP      string
	UserAgent     string
	Outcome       string // Success, Denied or Failed
	ErrorCode     string
	ErrorMessage  string
}

// AppendJSON appends e as a JSON object, the same bytes encoding/json
// writes for it (HTML escaping off), without reflection: an event is
// encoded once per request.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	dst = jsonenc.Field(dst, "ID", e.ID)
	dst = jsonenc.Key(dst, "Time")
	dst = jsonenc.Time(dst, e.Time)
	dst = jsonenc.Field(dst, "RequestID", e.RequestID)
	dst = jsonenc.Field(dst, "Account", e.Account)
	dst = jsonenc.Field(dst, "Region", e.Region)
	dst = jsonenc.Field(dst, "Source", e.Source)
	dst = jsonenc.Field(dst, "Name", e.Name)
	dst = jsonenc.Key(dst, "ReadOnly")
	dst = jsonenc.Bool(dst, e.ReadOnly)
	dst = jsonenc.Field(dst, "PrincipalARN", e.PrincipalARN)
	dst = jsonenc.Field(dst, "PrincipalID", e.PrincipalID)
	dst = jsonenc.Field(dst, "PrincipalType", e.PrincipalType)
	dst = jsonenc.Field(dst, "UserName", e.UserName)
	dst = jsonenc.Field(dst, "AccessKeyID", e.AccessKeyID)
	dst = jsonenc.Key(dst, "Resources")
	dst = AppendResourcesJSON(dst, e.Resources)
	dst = jsonenc.Field(dst, "SourceIP", e.SourceIP)
	dst = jsonenc.Field(dst, "UserAgent", e.UserAgent)
	dst = jsonenc.Field(dst, "Outcome", e.Outcome)
	dst = jsonenc.Field(dst, "ErrorCode", e.ErrorCode)
	dst = jsonenc.Field(dst, "ErrorMessage", e.ErrorMessage)
	return append(dst, '}')
}

// AppendResourcesJSON appends rs as encoding/json writes a []Resource:
// null when nil.
func AppendResourcesJSON(dst []byte, rs []Resource) []byte {
	if rs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		dst = jsonenc.Field(dst, "ARN", rs[i].ARN)
		dst = jsonenc.Field(dst, "Type", rs[i].Type)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// Resource is a resource an event names.
type Resource struct {
	ARN  string
	Type string // e.g. "AWS::IAM::User"
}

// Query selects events for Lookup. Zero fields do not filter.
type Query struct {
	Start, End time.Time
	// Attribute and Value filter on one attribute, as CloudTrail's
	// LookupAttributes: EventId, EventName, ReadOnly, Username,
	// ResourceType, ResourceName, EventSource, AccessKeyId.
	Attribute, Value string
	Limit            int
	// AfterID continues a listing (newest first) after the event with
	// this ID.
	AfterID string
}

// NewID returns a new event ID for an event at t: a version 7 UUID, whose
// text sorts in time order, so the trail is appended at its end and read
// newest first by ID. Within one millisecond the IDs this process makes
// count up (RFC 9562's monotonic counter in rand_a, up to 4,096 a
// millisecond), so that of two events one after the other the later
// sorts after.
func NewID(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	var seq uint16
	idClock.Lock()
	switch {
	case ms == idClock.ms:
		idClock.seq = min(idClock.seq+1, 0xfff)
		seq = idClock.seq
	case ms > idClock.ms:
		idClock.ms, idClock.seq = ms, 0
	}
	// An earlier time (an event of the past, or the clock stepped back)
	// keeps its own millisecond, uncounted.
	idClock.Unlock()
	var u [16]byte
	rand.Read(u[8:])
	for i := 5; i >= 0; i-- {
		u[i] = byte(ms)
		ms >>= 8
	}
	u[6] = 0x70 | byte(seq>>8)&0x0f // version 7, counter's high bits
	u[7] = byte(seq)
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 variant
	var text [36]byte       // 8-4-4-4-12 hex digits
	hex.Encode(text[0:8], u[0:4])
	hex.Encode(text[9:13], u[4:6])
	hex.Encode(text[14:18], u[6:8])
	hex.Encode(text[19:23], u[8:10])
	hex.Encode(text[24:36], u[10:16])
	text[8], text[13], text[18], text[23] = '-', '-', '-', '-'
	return string(text[:])
}

// idClock is the last millisecond NewID used and its counter.
var idClock struct {
	sync.Mutex
	ms  uint64
	seq uint16
}

// IDBounds returns the smallest and the largest event ID of events at
// times from start to end, for range scans by ID. A zero start or end
// leaves that side open ("" and "~").
func IDBounds(start, end time.Time) (lo, hi string) {
	lo, hi = "", "~"
	if !start.IsZero() {
		lo = msPrefix(start) + "-0000-0000-0000-000000000000"
	}
	if !end.IsZero() {
		hi = msPrefix(end) + "-ffff-ffff-ffff-ffffffffffff"
	}
	return lo, hi
}

// msPrefix formats t's unix milliseconds as a v7 UUID's first 13
// characters ("xxxxxxxx-xxxx").
func msPrefix(t time.Time) string {
	ms := max(t.UnixMilli(), 0)
	h := fmt.Sprintf("%012x", ms)
	return h[:8] + "-" + h[8:12]
}

// Store is the storage the trail needs.
type Store interface {
	AppendEvents(ctx context.Context, events []Event) error
	LookupEvents(ctx context.Context, q Query) ([]Event, error)
}

// Config configures a Trail.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Registerer receives the trail's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// MaxBatch bounds the events written in one transaction. Zero means 512.
	MaxBatch int
	// Linger is how long the writer waits for more events after the first
	// of a batch, trading that much latency for fewer, larger commits.
	// Zero means 1ms; negative means no wait.
	Linger time.Duration
	// WaitTimeout bounds how long Record waits for its event to be stored
	// when the store is failing. Zero means 5 seconds.
	WaitTimeout time.Duration
	// Required makes Record fail (and so the request with it) when the
	// event could not be stored within WaitTimeout. Otherwise the request
	// goes on and the event stays queued until the store accepts it.
	Required bool
	// Direct makes Record store its event itself, in the caller, for a
	// store whose append of one event is as cheap as one of many (the
	// journal: one write to a file). Handing each event to the writer
	// and waiting to be woken would cost more than the write. An event
	// the store refuses is queued for the writer, which retries it; while
	// the store is failing, every event takes that path.
	Direct bool
}

// Trail records events. Start it with Run; Close flushes what is queued.
// Record is safe for concurrent use.
type Trail struct {
	store    Store
	log      *slog.Logger
	maxBatch int
	linger   time.Duration
	wait     time.Duration
	required bool
	direct   bool

	queue chan *pending // pointers: a queue of Event values would be megabytes the GC scans every cycle
	done  chan struct{} // closed when the writer has stopped

	failing   atomic.Bool // the last write failed
	closeOnce sync.Once
	mu        sync.Mutex
	closed    bool        // guarded by mu; no Record after Close
	stopped   atomic.Bool // Close was called; read without mu

	backlog  prometheus.Gauge
	written  prometheus.Counter
	failures prometheus.Counter
	batches  prometheus.Histogram
}

type pending struct {
	ev   Event
	done chan error // receives the write's outcome; buffered
}

// New returns a Trail. Its writer runs once Run is called.
func New(cfg Config) *Trail {
	t := &Trail{
		store:    cfg.Store,
		log:      cfg.Logger,
		maxBatch: cfg.MaxBatch,
		linger:   cfg.Linger,
		wait:     cfg.WaitTimeout,
		required: cfg.Required,
		direct:   cfg.Direct,
		queue:    make(chan *pending, 65536),
		done:     make(chan struct{}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kanri_audit_backlog", Help: "Audit events waiting to be written."}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kanri_audit_events_written_total", Help: "Audit events written to the store."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kanri_audit_write_failures_total", Help: "Failed attempts to write a batch of audit events."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kanri_audit_batch_size", Help: "Audit events per write.", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.maxBatch <= 0 {
		t.maxBatch = 512
	}
	if t.wait <= 0 {
		t.wait = 5 * time.Second
	}
	if t.linger == 0 {
		t.linger = time.Millisecond
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(t.backlog, t.written, t.failures, t.batches)
	}
	return t
}

// ErrUnavailable is returned by Record when the trail cannot store events
// and is configured to refuse requests then.
var ErrUnavailable = awserr.New(awserr.Unavailable, "ServiceUnavailable",
	"The audit trail cannot record this request; it was refused.")

// Record queues ev and waits until it is stored. It returns nil once the
// event is durable in the store. If the store keeps failing, it returns
// ErrUnavailable after the wait timeout when the trail is required, and nil
// otherwise (the event stays queued and is written when the store recovers).
func (t *Trail) Record(ctx context.Context, ev Event) error {
	if t.direct && !t.failing.Load() && !t.stopped.Load() {
		if err := t.store.AppendEvents(ctx, []Event{ev}); err == nil {
			t.written.Inc()
			t.batches.Observe(1)
			return nil
		} else if !t.stopped.Load() {
			t.failing.Store(true)
			t.failures.Inc()
			t.log.Error("audit write failed; the event is queued and retried", "request_id", ev.RequestID, "err", err)
		}
	}
	p := &pending{ev: ev, done: make(chan error, 1)}
	deadline := time.Now().Add(t.wait)
	for {
		queued, closed := t.enqueue(p)
		if queued {
			break
		}
		if closed {
			return ErrUnavailable
		}
		// The queue is full: wait for room, but not forever.
		if time.Now().After(deadline) {
			t.log.Error("audit queue full; request refused", "request_id", ev.RequestID, "event", ev.Name)
			return ErrUnavailable
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case err := <-p.done:
		return err
	case <-timer.C:
		if t.required {
			return ErrUnavailable
		}
		return nil
	case <-ctx.Done():
		// The event is queued and will be written; the caller is gone.
		return nil
	}
}

// enqueue queues p unless the queue is full or the trail is closed.
func (t *Trail) enqueue(p *pending) (queued, closed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false, true
	}
	select {
	case t.queue <- p:
		t.backlog.Inc()
		return true, false
	default:
		return false, false
	}
}

// Healthy reports whether a required trail can take events now: its store
// accepted the last write and its queue has room. Callers refuse changes
// before making them when it is not. A trail that is not required is
// always healthy.
func (t *Trail) Healthy() bool {
	return !t.required || (!t.failing.Load() && len(t.queue) < cap(t.queue))
}

// Run writes queued events until Close is called, then writes what
// remains and returns. ctx bounds only the store calls' lifetime; Run keeps
// draining after ctx ends so nothing queued is lost.
func (t *Trail) Run(ctx context.Context) {
	defer close(t.done)
	ctx = context.WithoutCancel(ctx)
	batch := make([]*pending, 0, t.maxBatch)
	for {
		p, ok := <-t.queue
		if !ok {
			return
		}
		batch = t.fill(append(batch[:0], p))
		t.write(ctx, batch)
	}
}

// fill adds queued events to batch until it is full, the queue is closed,
// or the linger time has passed.
func (t *Trail) fill(batch []*pending) []*pending {
	var linger <-chan time.Time
	if t.linger > 0 {
		timer := time.NewTimer(t.linger)
		defer timer.Stop()
		linger = timer.C
	}
	for len(batch) < t.maxBatch {
		select {
		case p, ok := <-t.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
			continue
		default:
		}
		if linger == nil {
			return batch
		}
		select {
		case p, ok := <-t.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		case <-linger:
			return batch
		}
	}
	return batch
}

// write stores batch, retrying with backoff until it succeeds, and tells
// each waiter.
func (t *Trail) write(ctx context.Context, batch []*pending) {
	events := make([]Event, len(batch))
	for i, p := range batch {
		events[i] = p.ev
	}
	backoff := 10 * time.Millisecond
	for {
		err := t.store.AppendEvents(ctx, events)
		if err == nil {
			t.failing.Store(false)
			break
		}
		t.failing.Store(true)
		// Waiters give up at their own deadline; the batch is kept and
		// retried until the store takes it.
		t.failures.Inc()
		t.log.Error("audit write failed; retrying", "events", len(events), "err", err)
		time.Sleep(backoff)
		backoff = min(backoff*2, 2*time.Second)
	}
	t.written.Add(float64(len(batch)))
	t.batches.Observe(float64(len(batch)))
	t.backlog.Sub(float64(len(batch)))
	for _, p := range batch {
		p.done <- nil
	}
}

// Close stops accepting events, waits until every queued event is written,
// and returns.
func (t *Trail) Close() error {
	t.closeOnce.Do(func() {
		t.stopped.Store(true)
		t.mu.Lock()
		t.closed = true
		close(t.queue)
		t.mu.Unlock()
	})
	<-t.done
	return nil
}

// Lookup returns events matching q, newest first, and whether more follow.
func (t *Trail) Lookup(ctx context.Context, q Query) ([]Event, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	evs, err := t.store.LookupEvents(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("lookup events: %w", err)
	}
	return evs, nil
}
