// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// How the agent stays connected.
const (
	// Reconnect waits start at reconnectBase and double up to reconnectMax,
	// each scaled by a random factor in [1-jitter, 1+jitter].
	reconnectBase = time.Second
	reconnectMax  = 30 * time.Second
	jitter        = 0.2
	// pingInterval is how often the bus connection is checked: a dead one
	// is noticed after two unanswered pings.
	pingInterval = 30 * time.Second
	// drainTimeout bounds draining the bus connection on exit.
	drainTimeout = 5 * time.Second
	// Failed credentials fetches are retried from credentialsRetryBase up
	// to every credentialsRetryMax; a refresh never comes sooner than
	// minRefreshWait.
	credentialsRetryBase = 5 * time.Second
	credentialsRetryMax  = 5 * time.Minute
	minRefreshWait       = 5 * time.Second
)

// backoff returns the wait before the attempt-th retry (from 1): base
// doubling up to max, scaled by 1+jitter*(2r-1) for r in [0, 1).
func backoff(attempt int, base, max time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return time.Duration(float64(d) * (1 + jitter*(2*r-1)))
}

// reconnectDelay is the bus's reconnect wait, for nats.CustomReconnectDelay.
func reconnectDelay(attempt int) time.Duration {
	return backoff(attempt, reconnectBase, reconnectMax, rand.Float64())
}

// errClosed reports that the bus connection closed without Run asking.
var errClosed = errors.New("bus connection closed")

// eventKind says what happened to the bus connection.
type eventKind int

const (
	evDisconnected eventKind = iota
	evReconnected
	evClosed
	evAsyncError // an error the server sent, or a slow consumer
	evJWTChanged // a forced credentials refresh brought a new bus JWT
)

type event struct {
	kind eventKind
	err  error
}

// runner is one Run: the bus connection's callbacks and the credentials
// loop report to the loop in serve through its channels.
type runner struct {
	a   *Agent
	id  string
	st  *State // as loaded when Run started; the bus JWT is read afresh
	log *slog.Logger

	cmd *commander // runs the commands the servers send

	events  chan event
	fatal   chan error    // the first error that ends Run
	refresh chan struct{} // asks the credentials loop to refresh now
	stop    chan struct{} // closed when Run returns

	// Owned by the serve loop.
	sendFacts bool
	lastFacts *agentproto.Facts
}

// Run connects to the agent bus and keeps the instance present there until
// ctx ends: it publishes a heartbeat (agentproto.Heartbeat) on the
// instance's heartbeat subject right after connecting and every
// HeartbeatSeconds, with the facts after every (re)connect and whenever
// they change; it reconnects forever, waiting 1 s doubling to 30 s with
// ±20 % jitter; it listens on the instance's control subject; and it keeps
// the role credentials fresh (which also renews the bus JWT), refreshing
// them at once on a control message {"Type":"refresh"}.
//
// Run also runs the commands the servers send (Run Command, see
// agentproto.Command): at most Config.MaxConcurrentCommands at once, each
// at most once even across restarts (the state dir keeps a ledger of the
// invocations received in the last 14 days), with their output and
// results published as they come. A result that cannot be published waits
// for the bus, in the ledger if Run ends first.
//
// Run returns nil when ctx ends, after killing the running commands (they
// end Failed; the queued ones run at the next Run), publishing their
// results and draining the bus connection. It
// returns an error wrapping ErrDeregistered when the bus revokes the
// agent's key, or when the bus refuses it ("Authorization Violation") and
// the credentials endpoint confirms that the instance is not registered;
// ErrNotRegistered when the state dir holds no registration. Every
// goroutine Run starts has ended when it returns.
func (a *Agent) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("agent: already running")
	}
	defer a.running.Store(false)
	st, _, err := a.identity()
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	r := &runner{
		a:       a,
		id:      st.InstanceID,
		st:      st,
		log:     a.log.With("instance_id", st.InstanceID),
		events:  make(chan event, 64),
		fatal:   make(chan error, 1),
		refresh: make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	a.setStatus(func(s *Status) { *s = Status{InstanceID: st.InstanceID, Registered: true} })
	r.log.Info("agent starting", "bus_urls", st.BusURLs, "heartbeat", heartbeatInterval(st))
	if r.cmd, err = newCommander(a, st, r.log); err != nil {
		return fmt.Errorf("agent %s: %w", st.InstanceID, err)
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { r.keepCredentials(ctx) })
	err = r.run(ctx)
	r.cmd.shutdown()
	cancel()
	wg.Wait()
	close(r.stop)
	a.setStatus(func(s *Status) { s.Connected = false })
	if err != nil {
		return fmt.Errorf("agent %s: %w", st.InstanceID, err)
	}
	r.log.Info("agent stopped")
	return nil
}

// run connects and serves until ctx ends or an error ends Run, connecting
// anew if the connection closes by itself.
func (r *runner) run(ctx context.Context) error {
	for {
		nc, err := r.connect(ctx)
		if err != nil || nc == nil {
			return err
		}
		err = r.serve(ctx, nc)
		if !errors.Is(err, errClosed) {
			return err
		}
		r.log.Warn("bus connection closed; connecting again")
	}
}

// send reports an event to the serve loop.
func (r *runner) send(ctx context.Context, ev event) {
	select {
	case r.events <- ev:
	case <-ctx.Done():
	case <-r.stop:
	}
}

// fail ends Run with err, unless another error ended it first.
func (r *runner) fail(err error) {
	select {
	case r.fatal <- err:
	default:
	}
}

// requestRefresh asks the credentials loop to refresh now.
func (r *runner) requestRefresh() {
	select {
	case r.refresh <- struct{}{}:
	default:
	}
}

// options returns the bus connection's options. Its callbacks run on the
// connection's callback goroutine and only report to the serve loop.
func (r *runner) options(ctx context.Context) []nats.Option {
	return []nats.Option{
		nats.Name(r.id),
		// The JWT is read at every (re)connect: a refresh may have
		// renewed it. The seed never leaves this process.
		nats.UserJWT(func() (string, error) { return r.a.busJWT() }, func(nonce []byte) ([]byte, error) {
			_, kp, err := r.a.identity()
			if err != nil {
				return nil, err
			}
			return kp.Sign(nonce)
		}),
		nats.CustomInboxPrefix(agentproto.InboxPrefix(r.id)),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(reconnectDelay),
		// Run decides what an authorization error means, not the client.
		nats.IgnoreAuthErrorAbort(),
		nats.PingInterval(pingInterval),
		nats.DrainTimeout(drainTimeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { r.send(ctx, event{kind: evDisconnected, err: err}) }),
		nats.ReconnectHandler(func(*nats.Conn) { r.send(ctx, event{kind: evReconnected}) }),
		nats.ClosedHandler(func(*nats.Conn) { r.send(context.Background(), event{kind: evClosed}) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			r.send(ctx, event{kind: evAsyncError, err: err})
		}),
	}
}

// connect connects to the bus, retrying with backoff. It returns nil, nil
// when ctx ends first.
func (r *runner) connect(ctx context.Context) (*nats.Conn, error) {
	urls := strings.Join(r.st.BusURLs, ",")
	opts := r.options(ctx)
	for attempt := 1; ; attempt++ {
		nc, err := nats.Connect(urls, opts...)
		if err == nil {
			r.dropStaleEvents()
			return nc, nil
		}
		if fatal := r.authError(err); fatal != nil {
			return nil, fatal
		}
		wait := reconnectDelay(attempt)
		r.log.Warn("connect to the bus", "urls", urls, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case err := <-r.fatal:
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// dropStaleEvents drops the events reported before the current connection
// was made: those of an earlier connection, and renewed JWTs, which the new
// connection used already.
func (r *runner) dropStaleEvents() {
	for {
		select {
		case <-r.events:
		default:
			return
		}
	}
}

// authError decides what an error of the bus means: a revoked key ends
// Run with ErrDeregistered; a refused or expired JWT makes the agent ask
// the server for fresh credentials, which either renews the JWT or
// confirms the deregistration (see keepCredentials).
func (r *runner) authError(err error) error {
	switch {
	case errors.Is(err, nats.ErrAuthRevoked):
		return fmt.Errorf("bus: %w: %w", ErrDeregistered, err)
	case errors.Is(err, nats.ErrAuthorization):
		r.log.Warn("the bus refused the agent's credentials; asking the server", "err", err)
		r.requestRefresh()
	case errors.Is(err, nats.ErrAuthExpired):
		r.log.Info("the bus JWT expired; renewing it", "err", err)
		r.requestRefresh()
	}
	return nil
}

// serve runs the connected agent until ctx ends (nil), Run must end (the
// error) or the connection closes by itself (errClosed).
func (r *runner) serve(ctx context.Context, nc *nats.Conn) error {
	defer r.cmd.connected(nil)
	ctl := make(chan *nats.Msg, 16)
	cmds := make(chan *nats.Msg, 64)
	cancels := make(chan *nats.Msg, 64)
	for _, sub := range []struct {
		kind string
		ch   chan *nats.Msg
	}{
		{agentproto.SubjectControl, ctl},
		{agentproto.SubjectCommand, cmds},
		{agentproto.SubjectCancel, cancels},
	} {
		if _, err := nc.ChanSubscribe(agentproto.Subject(r.id, sub.kind), sub.ch); err != nil {
			nc.Close()
			r.awaitClosed()
			return fmt.Errorf("subscribe to %s: %w", agentproto.Subject(r.id, sub.kind), err)
		}
	}
	r.log.Info("connected to the bus", "url", nc.ConnectedUrlRedacted())
	r.connected(ctx, nc)
	if r.a.trim {
		r.a.trimOnce.Do(trimMemory)
	}
	tick := time.NewTicker(heartbeatInterval(r.st))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// The running commands end first, so that their results go
			// out on this connection.
			r.cmd.shutdown()
			if err := nc.Drain(); err != nil {
				nc.Close()
			}
			r.awaitClosed()
			return nil
		case err := <-r.fatal:
			nc.Close()
			r.awaitClosed()
			return err
		case ev := <-r.events:
			switch ev.kind {
			case evDisconnected:
				r.log.Warn("disconnected from the bus", "err", ev.err)
				r.a.setStatus(func(s *Status) { s.Connected = false })
			case evReconnected:
				r.log.Info("reconnected to the bus", "url", nc.ConnectedUrlRedacted())
				r.connected(ctx, nc)
			case evAsyncError:
				if err := r.authError(ev.err); err != nil {
					nc.Close()
					r.awaitClosed()
					return err
				}
				r.log.Warn("bus error", "err", ev.err)
			case evJWTChanged:
				// Apply the renewed JWT (and the permissions it
				// carries) now.
				if nc.IsConnected() {
					if err := nc.ForceReconnect(); err != nil {
						r.log.Warn("reconnect with the renewed bus JWT", "err", err)
					}
				}
			case evClosed:
				r.a.setStatus(func(s *Status) { s.Connected = false })
				return errClosed
			}
		case m := <-ctl:
			r.control(m)
		case m := <-cmds:
			r.cmd.receive(m)
		case m := <-cancels:
			r.cmd.cancel(m)
		case <-tick.C:
			if nc.IsConnected() {
				r.heartbeat(ctx, nc)
				r.cmd.retry()
			}
		}
	}
}

// awaitClosed waits until the connection's closed callback has run, the
// last callback of a connection, so that none runs after Run returns.
func (r *runner) awaitClosed() {
	t := time.NewTimer(drainTimeout + 5*time.Second)
	defer t.Stop()
	for {
		select {
		case ev := <-r.events:
			if ev.kind == evClosed {
				return
			}
		case <-t.C:
			r.log.Warn("bus connection did not report closing")
			return
		}
	}
}

// connected marks the agent connected, sends a heartbeat with facts and
// the command results that wait for the bus.
func (r *runner) connected(ctx context.Context, nc *nats.Conn) {
	r.a.setStatus(func(s *Status) { s.Connected = true })
	r.sendFacts = true
	r.heartbeat(ctx, nc)
	r.cmd.connected(nc)
}

// heartbeat publishes a heartbeat, with the facts if they are due or
// changed.
func (r *runner) heartbeat(ctx context.Context, nc *nats.Conn) {
	hb := agentproto.Heartbeat{InstanceID: r.id, Time: r.a.now().UTC()}
	f, err := r.a.facts(ctx)
	switch {
	case err != nil:
		r.log.Warn("collect facts", "err", err)
	case r.sendFacts || r.lastFacts == nil || *r.lastFacts != f:
		hb.Facts = &f
	}
	b, err := json.Marshal(&hb)
	if err != nil {
		r.log.Error("encode heartbeat", "err", err)
		return
	}
	if err := nc.Publish(agentproto.Subject(r.id, agentproto.SubjectHeartbeat), b); err != nil {
		r.log.Warn("publish heartbeat", "err", err)
		return
	}
	if hb.Facts != nil {
		r.lastFacts, r.sendFacts = hb.Facts, false
	}
	r.log.Debug("heartbeat", "facts", hb.Facts != nil)
	r.a.setStatus(func(s *Status) { s.LastHeartbeat = hb.Time })
}

// control handles a message on the control subject.
func (r *runner) control(m *nats.Msg) {
	var c agentproto.Control
	if err := json.Unmarshal(m.Data, &c); err != nil {
		r.log.Warn("invalid control message", "err", err)
		return
	}
	r.log.Info("control message", "type", c.Type)
	switch c.Type {
	case agentproto.ControlRefresh:
		r.requestRefresh()
	default:
		r.log.Warn("unknown control message", "type", c.Type)
	}
}

// keepCredentials keeps the role credentials fresh until ctx ends:
// refreshed at refreshFraction of their lifetime, at once when asked, and
// retried with backoff when the server cannot be reached. It ends Run with
// ErrDeregistered when the server says the instance is not registered.
func (r *runner) keepCredentials(ctx context.Context) {
	force := false
	failures := 0
	for {
		_, jwtChanged, err := r.a.credentials(ctx, force)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrDeregistered):
			r.fail(err)
			return
		case err != nil:
			failures++
			wait = backoff(failures, credentialsRetryBase, credentialsRetryMax, rand.Float64())
			r.log.Warn("fetch credentials", "retry_in", wait, "err", err)
		default:
			failures = 0
			if jwtChanged && force {
				r.send(ctx, event{kind: evJWTChanged})
			}
			r.a.mu.Lock()
			wait = max(r.a.credRefreshAt.Sub(r.a.now()), minRefreshWait)
			r.a.mu.Unlock()
		}
		force = false
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-r.refresh:
			t.Stop()
			force = true
		}
	}
}
