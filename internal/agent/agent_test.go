// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
)

var testFacts = agentproto.Facts{
	ComputerName: "web-1", IPAddress: "192.0.2.10", PlatformType: agentproto.PlatformLinux,
	PlatformName: "Debian GNU/Linux", PlatformVersion: "12", Architecture: "x86_64", AgentVersion: "v0.0.0-test",
}

// factsSource is a Facts function whose answer the test changes.
type factsSource struct {
	mu sync.Mutex
	f  agentproto.Facts
}

func (s *factsSource) get(context.Context) (agentproto.Facts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f, nil
}

func (s *factsSource) set(f agentproto.Facts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f = f
}

// testLogger logs to t.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func newTestAgent(t testing.TB, dir string, facts *factsSource) *Agent {
	if facts == nil {
		facts = &factsSource{f: testFacts}
	}
	return New(Config{StateDir: dir, Logger: testLogger(t), Facts: facts.get})
}

func register(t testing.TB, a *Agent, ts *testServer) *State {
	t.Helper()
	st, err := a.Register(context.Background(), RegisterOptions{URL: ts.url + "/", ActivationID: "act-1", ActivationCode: "code-1", Name: "web-1", Tags: map[string]string{"env": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRegister(t *testing.T) {
	ts := newTestServer(t, nil)
	dir := filepath.Join(t.TempDir(), "state")
	a := newTestAgent(t, dir, nil)
	st := register(t, a, ts)

	if st.InstanceID != "mi-00000000000000001" || st.Account != "123456789012" || st.Region != "eu-west-1" || st.Endpoint != ts.url || st.HeartbeatSeconds != 1 {
		t.Errorf("Register() = %+v, want instance mi-00000000000000001 of 123456789012 in eu-west-1 at %s", st, ts.url)
	}
	seed, err := os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	pub, _ := kp.PublicKey()
	if st.PublicKey != pub {
		t.Errorf("State.PublicKey = %s, want the key file's %s", st.PublicKey, pub)
	}

	// What was sent: the public key, the activation and the facts; never
	// the seed.
	if len(ts.registerCalls) != 1 {
		t.Fatalf("register calls = %d, want 1", len(ts.registerCalls))
	}
	body := ts.registerCalls[0]
	if bytes.Contains(body, seed) || bytes.Contains(body, []byte(`"SU`)) {
		t.Errorf("register request holds the seed: %s", body)
	}
	var req agentproto.RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	want := agentproto.RegisterRequest{ActivationID: "act-1", ActivationCode: "code-1", PublicKey: pub, Name: "web-1", Tags: map[string]string{"env": "test"}, Facts: testFacts}
	if diff := cmp.Diff(want, req); diff != "" {
		t.Errorf("register request (-want +got):\n%s", diff)
	}

	// Modes: the dir 0700, the files 0600.
	if runtime.GOOS != "windows" {
		for name, mode := range map[string]os.FileMode{"": 0o700, keyFile: 0o600, registrationFile: 0o600} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != mode {
				t.Errorf("mode of %q = %o, want %o", name, got, mode)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("state dir holds %d entries, want the key and the registration only", len(entries))
	}

	// The stored registration is what Register returned.
	loaded, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, loaded); diff != "" {
		t.Errorf("stored registration (-returned +stored):\n%s", diff)
	}
	if s, err := New(Config{StateDir: dir}).Status(); err != nil || !s.Registered || s.InstanceID != st.InstanceID || s.Connected {
		t.Errorf("Status() = %+v, %v; want registered as %s, not connected", s, err, st.InstanceID)
	}

	// Again: refused, and nothing changes.
	_, err = a.Register(context.Background(), RegisterOptions{URL: ts.url, ActivationID: "act-1", ActivationCode: "code-1"})
	if !errors.Is(err, ErrAlreadyRegistered) {
		t.Errorf("Register again = %v, want ErrAlreadyRegistered", err)
	}
	if len(ts.registerCalls) != 1 {
		t.Errorf("register calls = %d after a refused registration, want 1", len(ts.registerCalls))
	}

	// With Force: a new key and instance.
	st2, err := a.Register(context.Background(), RegisterOptions{URL: ts.url, ActivationID: "act-1", ActivationCode: "code-1", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if st2.PublicKey == st.PublicKey || st2.InstanceID == st.InstanceID {
		t.Errorf("forced Register kept key %s / instance %s", st2.PublicKey, st2.InstanceID)
	}
	if _, kp2, err := a.identity(); err != nil {
		t.Fatal(err)
	} else if pub2, _ := kp2.PublicKey(); pub2 != st2.PublicKey {
		t.Errorf("agent signs with %s after forced Register, want %s", pub2, st2.PublicKey)
	}
}

func TestRegisterErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.activations["expired"] = &activation{code: "c", expired: true, limit: 1}
	ts.activations["full"] = &activation{code: "c", limit: 1, used: 1}
	for _, tc := range []struct {
		name, id, code string
		wantCode       string
		wantStatus     int
	}{
		{"unknown activation", "nope", "c", "InvalidActivationId", 400},
		{"wrong code", "act-1", "wrong", "InvalidActivation", 400},
		{"expired", "expired", "c", "ActivationExpired", 400},
		{"limit", "full", "c", "RegistrationLimitExceeded", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a := newTestAgent(t, dir, nil)
			_, err := a.Register(context.Background(), RegisterOptions{URL: ts.url, ActivationID: tc.id, ActivationCode: tc.code})
			e := awserr.As(err)
			if e == nil || e.Code != tc.wantCode || e.HTTPStatus() != tc.wantStatus || e.Message == "" {
				t.Fatalf("Register() = %v, want %s (HTTP %d) with a message", err, tc.wantCode, tc.wantStatus)
			}
			if !strings.Contains(err.Error(), tc.wantCode+": "+e.Message) {
				t.Errorf("error %q does not show the code and message", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a failed registration left %d files in the state dir", len(entries))
			}
		})
	}
	a := newTestAgent(t, t.TempDir(), nil)
	for _, o := range []RegisterOptions{
		{URL: "ftp://x", ActivationID: "a", ActivationCode: "c"},
		{URL: ts.url, ActivationID: "", ActivationCode: "c"},
		{URL: ts.url, ActivationID: "a", ActivationCode: ""},
	} {
		if _, err := a.Register(context.Background(), o); err == nil || awserr.As(err) != nil {
			t.Errorf("Register(%+v) = %v, want a local error", o, err)
		}
	}
}

// runAgent runs a in the background; the returned function waits for Run's
// result.
func runAgent(t testing.TB, ctx context.Context, a *Agent) (wait func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return")
		}
	})
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return within 20s")
			}
			done <- err // for the cleanup
		})
		return err
	}
}

// nextHeartbeat waits for a heartbeat of id that matches cond.
func nextHeartbeat(t testing.TB, ch <-chan agentproto.Heartbeat, id, what string, cond func(agentproto.Heartbeat) bool) agentproto.Heartbeat {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case hb := <-ch:
			if hb.InstanceID == id && cond(hb) {
				return hb
			}
		case <-timeout:
			t.Fatalf("no heartbeat %s within 20s", what)
		}
	}
}

func anyHeartbeat(agentproto.Heartbeat) bool { return true }

func TestRunHeartbeats(t *testing.T) {
	bus := startBus(t)
	ts := newTestServer(t, bus)
	dir := t.TempDir()
	facts := &factsSource{f: testFacts}
	a := newTestAgent(t, dir, facts)
	st := register(t, a, ts)
	_, hbs := bus.observer()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	wait := runAgent(t, ctx, a)

	// The first heartbeat carries the facts, the next ones do not.
	hb := nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat)
	if hb.Facts == nil || *hb.Facts != testFacts {
		t.Errorf("first heartbeat's facts = %+v, want %+v", hb.Facts, testFacts)
	}
	if hb.Time.Before(start.Add(-time.Second)) || hb.Time.After(time.Now()) {
		t.Errorf("heartbeat time %v, want about now", hb.Time)
	}
	hb = nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat)
	if hb.Facts != nil {
		t.Errorf("second heartbeat has facts %+v, want none (unchanged)", hb.Facts)
	}

	// Changed facts are sent once.
	changed := testFacts
	changed.IPAddress = "192.0.2.99"
	facts.set(changed)
	nextHeartbeat(t, hbs, st.InstanceID, "with the changed facts", func(hb agentproto.Heartbeat) bool { return hb.Facts != nil && *hb.Facts == changed })
	if hb := nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat); hb.Facts != nil {
		t.Errorf("heartbeat after the change has facts %+v, want none", hb.Facts)
	}

	// Status, in this process and from another one.
	s, err := a.Status()
	if err != nil || !s.Connected || !s.Registered || s.InstanceID != st.InstanceID || s.LastHeartbeat.IsZero() {
		t.Errorf("Status() = %+v, %v; want registered and connected with a heartbeat", s, err)
	}
	other := New(Config{StateDir: dir})
	if s, err := other.Status(); err != nil || !s.Connected || s.InstanceID != st.InstanceID || s.LastHeartbeat.IsZero() {
		t.Errorf("another agent's Status() = %+v, %v; want connected", s, err)
	}
	if n := runnerGoroutines(); n == 0 {
		t.Error("no goroutines of Run found while it runs: runnerGoroutines is broken")
	}
	if err := a.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Run = %v, want already running", err)
	}

	// The agent fetched credentials on start, with a valid signature.
	eventually(t, "credentials fetched", func() bool { _, v := ts.counts(); return v >= 1 })

	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run() = %v after ctx ended, want nil", err)
	}
	if n := runnerGoroutines(); n != 0 {
		t.Errorf("%d goroutines of Run left after it returned", n)
	}
	if s, _ := other.Status(); s.Connected {
		t.Errorf("Status() after Run = %+v, want not connected", s)
	}
	eventually(t, "only the observer left on the bus", func() bool {
		cz, err := bus.server().Connz(&server.ConnzOptions{})
		return err == nil && cz.NumConns == 1
	})
}

// runnerGoroutines counts the goroutines running code of a runner: Run's
// own, or a bus connection's callbacks.
func runnerGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/agent.(*runner)") {
			n++
		}
	}
	return n
}

func TestRunReconnects(t *testing.T) {
	bus := startBus(t)
	ts := newTestServer(t, bus)
	a := newTestAgent(t, t.TempDir(), nil)
	st := register(t, a, ts)
	_, hbs := bus.observer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := runAgent(t, ctx, a)
	nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat)

	// The server goes away and comes back on the same port.
	bus.stop()
	eventually(t, "the agent to notice", func() bool { s, _ := a.Status(); return !s.Connected })
	restarted := time.Now()
	bus.start()
	eventually(t, "the agent to reconnect", func() bool { s, _ := a.Status(); return s.Connected })
	nextHeartbeat(t, hbs, st.InstanceID, "after the restart", func(hb agentproto.Heartbeat) bool { return hb.Time.After(restarted) })

	// After a reconnect the facts come again: the server kicks the agent
	// while the observer stays.
	for nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat).Facts != nil {
	}
	kicked := time.Now()
	if n := bus.kick(st.InstanceID); n != 1 {
		t.Fatalf("kicked %d connections, want 1", n)
	}
	// Facts are unchanged: only the reconnect sends them again.
	hb := nextHeartbeat(t, hbs, st.InstanceID, "with facts after the kick", func(hb agentproto.Heartbeat) bool {
		return hb.Time.After(kicked) && hb.Facts != nil
	})
	if *hb.Facts != testFacts {
		t.Errorf("facts after reconnecting = %+v, want %+v", hb.Facts, testFacts)
	}

	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
}

func TestRunRevoked(t *testing.T) {
	bus := startBus(t)
	ts := newTestServer(t, bus)
	a := newTestAgent(t, t.TempDir(), nil)
	st := register(t, a, ts)
	_, hbs := bus.observer()
	wait := runAgent(t, context.Background(), a)
	nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat)

	bus.revoke(st.PublicKey)
	err := wait()
	if !errors.Is(err, ErrDeregistered) {
		t.Fatalf("Run() = %v after revocation, want ErrDeregistered", err)
	}
	if !strings.Contains(err.Error(), "revoked") {
		t.Errorf("Run() = %q, want it to say revoked", err)
	}

	// Started again, the bus refuses it at once; the server confirms.
	ts.deregister(st.InstanceID)
	if err := runAgent(t, context.Background(), a)(); !errors.Is(err, ErrDeregistered) {
		t.Errorf("Run() of a revoked agent = %v, want ErrDeregistered", err)
	}
}

func TestRunDeregisteredByServer(t *testing.T) {
	bus := startBus(t)
	ts := newTestServer(t, bus)
	a := newTestAgent(t, t.TempDir(), nil)
	st := register(t, a, ts)
	obs, hbs := bus.observer()
	wait := runAgent(t, context.Background(), a)
	nextHeartbeat(t, hbs, st.InstanceID, "", anyHeartbeat)
	eventually(t, "credentials fetched", func() bool { _, v := ts.counts(); return v >= 1 })

	// A refresh message makes the agent fetch credentials (and reconnect
	// with the new bus JWT they bring).
	_, before := ts.counts()
	refreshed := time.Now()
	refresh, _ := json.Marshal(agentproto.Control{Type: agentproto.ControlRefresh})
	if err := obs.Publish(agentproto.Subject(st.InstanceID, agentproto.SubjectControl), refresh); err != nil {
		t.Fatal(err)
	}
	eventually(t, "credentials refreshed", func() bool { _, v := ts.counts(); return v > before })
	// Facts are unchanged: only a reconnect sends them again.
	nextHeartbeat(t, hbs, st.InstanceID, "with facts after reconnecting with the new JWT", func(hb agentproto.Heartbeat) bool {
		return hb.Time.After(refreshed) && hb.Facts != nil
	})

	// Deregistered on the server: the next refresh ends Run.
	ts.deregister(st.InstanceID)
	if err := obs.Publish(agentproto.Subject(st.InstanceID, agentproto.SubjectControl), refresh); err != nil {
		t.Fatal(err)
	}
	if err := wait(); !errors.Is(err, ErrDeregistered) || !strings.Contains(err.Error(), agentproto.CodeInstanceNotRegistered) {
		t.Errorf("Run() = %v, want ErrDeregistered with %s", err, agentproto.CodeInstanceNotRegistered)
	}
}

// TestRunRenewsRefusedJWT starts an agent whose stored bus JWT expired
// while it was off: the bus refuses it, the server still knows the
// instance, so the agent renews the JWT and connects, without ending Run.
func TestRunRenewsRefusedJWT(t *testing.T) {
	bus := startBus(t)
	ts := newTestServer(t, bus)
	dir := t.TempDir()
	st := register(t, newTestAgent(t, dir, nil), ts)
	uc := jwt.NewUserClaims(st.PublicKey)
	uc.Pub.Allow.Add(agentproto.SubjectPrefix + st.InstanceID + ".>")
	uc.Sub.Allow.Add(agentproto.SubjectPrefix + st.InstanceID + ".>")
	uc.Expires = time.Now().Add(-time.Hour).Unix()
	expired := *st
	expired.BusJWT = must(uc.Encode(bus.account))(t)
	if err := saveState(dir, &expired); err != nil {
		t.Fatal(err)
	}

	// The server cannot hand out credentials until the bus has refused
	// the agent.
	ts.mu.Lock()
	ts.unavailable = true
	ts.mu.Unlock()
	_, hbs := bus.observer()
	logs := &logRecorder{t: t}
	a := New(Config{StateDir: dir, Logger: slog.New(logs), Facts: (&factsSource{f: testFacts}).get})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := runAgent(t, ctx, a)
	eventually(t, "the bus to refuse the expired JWT", func() bool { return logs.has("the bus refused the agent's credentials; asking the server") })
	if s, _ := a.Status(); s.Connected {
		t.Fatal("connected with an expired JWT")
	}
	ts.mu.Lock()
	ts.unavailable = false
	ts.mu.Unlock()

	nextHeartbeat(t, hbs, st.InstanceID, "with a renewed JWT", anyHeartbeat)
	if stored, err := loadState(dir); err != nil || stored.BusJWT == expired.BusJWT {
		t.Errorf("stored bus JWT not renewed (err %v)", err)
	}
	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
}

// logRecorder is a slog.Handler that logs to t and keeps the messages.
type logRecorder struct {
	t    testing.TB
	mu   sync.Mutex
	msgs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.t.Log(r.Level, r.Message)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}

func (h *logRecorder) has(msg string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.msgs {
		if m == msg {
			return true
		}
	}
	return false
}

func TestRunNotRegistered(t *testing.T) {
	a := newTestAgent(t, t.TempDir(), nil)
	if err := a.Run(context.Background()); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("Run() = %v, want ErrNotRegistered", err)
	}
}

// TestRunCancelWhileConnecting checks that Run returns when ctx ends while
// the bus cannot be reached.
func TestRunCancelWhileConnecting(t *testing.T) {
	ts := newTestServer(t, nil) // bus URL nats://127.0.0.1:1: nothing listens
	a := newTestAgent(t, t.TempDir(), nil)
	register(t, a, ts)
	ctx, cancel := context.WithCancel(context.Background())
	wait := runAgent(t, ctx, a)
	eventually(t, "credentials fetched", func() bool { _, v := ts.counts(); return v >= 1 })
	cancel()
	if err := wait(); err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestCredentials(t *testing.T) {
	bus := startBus(t) // for real bus JWTs
	ts := newTestServer(t, bus)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)}
	ts.now = clk.now
	dir := t.TempDir()
	a := New(Config{StateDir: dir, Logger: testLogger(t), Now: clk.now, Facts: (&factsSource{f: testFacts}).get})
	st := register(t, a, ts)
	p := a.Credentials()
	ctx := context.Background()

	c1, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := testCreds(1, clk.now().Add(time.Hour), st.Account)
	if diff := cmp.Diff(want, c1); diff != "" {
		t.Errorf("Retrieve() (-want +got):\n%s", diff)
	}
	if calls, verified := ts.counts(); calls != 1 || verified != 1 {
		t.Errorf("credentials calls = %d (%d verified), want 1 (1)", calls, verified)
	}
	if got, want := ts.credTimes[0], clk.now().Truncate(time.Second); !got.Equal(want) {
		t.Errorf("signed time = %v, want %v", got, want)
	}
	// The fresh bus JWT is stored.
	if stored, err := loadState(dir); err != nil || stored.BusJWT == st.BusJWT {
		t.Errorf("stored bus JWT unchanged after a credentials answer with a new one (err %v)", err)
	}

	// Until 80 % of the hour has passed, the cached ones.
	clk.add(47 * time.Minute)
	if c, err := p.Retrieve(ctx); err != nil || c != c1 {
		t.Errorf("Retrieve() at 47 min = %v, %v; want the cached credentials", c.AccessKeyID, err)
	}
	if calls, _ := ts.counts(); calls != 1 {
		t.Errorf("credentials calls at 47 min = %d, want 1", calls)
	}

	// After it, before they expire, new ones: once for many callers.
	clk.add(2 * time.Minute)
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 10 {
		wg.Go(func() {
			c, err := p.Retrieve(ctx)
			if err != nil || c.AccessKeyID != "ASIATEST00000002" {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d of 10 concurrent Retrieve calls did not get the refreshed credentials", bad.Load())
	}
	if calls, verified := ts.counts(); calls != 2 || verified != 2 {
		t.Errorf("credentials calls at 49 min = %d (%d verified), want 2 (2)", calls, verified)
	}

	// Deregistered: an error wrapping ErrDeregistered once a refresh is due.
	ts.deregister(st.InstanceID)
	clk.add(50 * time.Minute)
	if _, err := p.Retrieve(ctx); !errors.Is(err, ErrDeregistered) {
		t.Errorf("Retrieve() of a deregistered instance = %v, want ErrDeregistered", err)
	}
}

func TestCredentialsServerDown(t *testing.T) {
	ts := newTestServer(t, nil)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	ts.now = clk.now
	a := New(Config{StateDir: t.TempDir(), Logger: testLogger(t), Now: clk.now, Facts: (&factsSource{f: testFacts}).get})
	register(t, a, ts)
	p := a.Credentials()
	c1, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A refresh that fails while the cached credentials are valid returns
	// them; once they expired, the error.
	ts.srv.Close()
	clk.add(55 * time.Minute)
	if c, err := p.Retrieve(context.Background()); err != nil || c != c1 {
		t.Errorf("Retrieve() with the server down = %v, %v; want the cached credentials", c.AccessKeyID, err)
	}
	clk.add(10 * time.Minute)
	if _, err := p.Retrieve(context.Background()); err == nil || errors.Is(err, ErrDeregistered) {
		t.Errorf("Retrieve() with the server down after expiry = %v, want an error", err)
	}
}

func testCreds(n int, exp time.Time, account string) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIATEST%08d", n),
		SecretAccessKey: fmt.Sprintf("secret-%d", n),
		SessionToken:    fmt.Sprintf("token-%d", n),
		Source:          credentialsSource,
		CanExpire:       true,
		Expires:         exp,
		AccountID:       account,
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{3, 0.5, 4 * time.Second},
		{5, 0.5, 16 * time.Second},
		{6, 0.5, 30 * time.Second},
		{100, 0.5, 30 * time.Second},
		{1, 0, 800 * time.Millisecond},
		{1, 1, 1200 * time.Millisecond},
		{6, 0, 24 * time.Second},
		{6, 0.999999999, 36 * time.Second},
	} {
		got := backoff(tc.attempt, reconnectBase, reconnectMax, tc.r).Round(time.Millisecond)
		if got != tc.want {
			t.Errorf("backoff(%d, 1s, 30s, %v) = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
	for range 1000 {
		if d := reconnectDelay(3); d < 3200*time.Millisecond || d > 4800*time.Millisecond {
			t.Fatalf("reconnectDelay(3) = %v, want 4s ± 20%%", d)
		}
	}
}

func TestDefaultFacts(t *testing.T) {
	f, err := DefaultFacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if f.ComputerName != host || f.Architecture != Architecture(runtime.GOARCH) || f.AgentVersion == "" {
		t.Errorf("DefaultFacts() = %+v, want host %s, architecture %s and a version", f, host, Architecture(runtime.GOARCH))
	}
	if runtime.GOOS == "linux" && f.PlatformType != agentproto.PlatformLinux {
		t.Errorf("PlatformType = %q, want Linux", f.PlatformType)
	}
	for goarch, want := range map[string]string{"amd64": "x86_64", "arm64": "arm64", "386": "i386"} {
		if got := Architecture(goarch); got != want {
			t.Errorf("Architecture(%s) = %s, want %s", goarch, got, want)
		}
	}
}

func TestStateLogValueHidesJWT(t *testing.T) {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "state", State{InstanceID: "mi-1", BusJWT: "secret-jwt"})
	if strings.Contains(b.String(), "secret-jwt") || !strings.Contains(b.String(), "mi-1") {
		t.Errorf("logged state = %q, want the instance without the JWT", b.String())
	}
}
