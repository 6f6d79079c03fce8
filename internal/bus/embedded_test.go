// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// startEmbedded starts an embedded server on free ports, with WebSocket,
// logging to the test log when -v.
func startEmbedded(t testing.TB, a *Authority, storeDir string) *Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{
		Addr:          "127.0.0.1:0",
		WebSocketAddr: "127.0.0.1:0",
		StoreDir:      storeDir,
		Authority:     a,
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("StartEmbedded() = %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// testWriter writes to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func TestEmbeddedPermissions(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	testPermissions(t, a, []string{e.ClientURL()})
}

func TestEmbeddedRefused(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	testRefused(t, a, []string{e.ClientURL()})
}

func TestEmbeddedRevocation(t *testing.T) {
	a := newAuthority(t)
	t.Run("UpdateAccount", func(t *testing.T) {
		e := startEmbedded(t, a, t.TempDir())
		testRevocation(t, a, []string{e.ClientURL()}, func(t *testing.T, accountJWT string) {
			if err := e.UpdateAccount(accountJWT); err != nil {
				t.Fatalf("UpdateAccount() = %v", err)
			}
		})
	})
	t.Run("PushAccount", func(t *testing.T) {
		e := startEmbedded(t, a, t.TempDir())
		sys := newSystemClient(t, a, []string{e.ClientURL()})
		testRevocation(t, a, []string{e.ClientURL()}, func(t *testing.T, accountJWT string) {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			servers, err := pushAccount(ctx, sys.nc, accountJWT, pushQuiet)
			if err != nil {
				t.Fatalf("PushAccount() = %v", err)
			}
			if len(servers) != 1 {
				t.Errorf("accepted by %v, want 1 server", servers)
			}
		})
	})
}

// TestEmbeddedKeepsUpdates restarts the server on the same StoreDir: the
// revocation applied before still holds, as the preload is older.
func TestEmbeddedKeepsUpdates(t *testing.T) {
	a := newAuthority(t)
	dir := t.TempDir()
	j, seed := agentCreds(t, a, idA)
	uc, err := jwt.DecodeUserClaims(j)
	if err != nil {
		t.Fatal(err)
	}
	accountJWT, err := a.AccountJWT(map[string]time.Time{uc.Subject: time.Now()})
	if err != nil {
		t.Fatal(err)
	}

	e := startEmbedded(t, a, dir)
	if err := e.UpdateAccount(accountJWT); err != nil {
		t.Fatal(err)
	}
	e.Close()

	e = startEmbedded(t, a, dir)
	nc, err := nats.Connect(e.ClientURL(), nats.UserJWTAndSeed(j, string(seed)), nats.NoReconnect())
	if err == nil {
		nc.Close()
		t.Fatal("revoked agent connected after restart")
	}
	// And an agent not revoked still connects.
	newAgent(t, a, []string{e.ClientURL()}, idB)
}

func TestEmbeddedUpdateAccountRefuses(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	other := newAuthority(t)
	foreign, err := other.AccountJWT(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.UpdateAccount(foreign); err == nil {
		t.Error("UpdateAccount(other operator's account) = nil error, want error")
	}
	if err := e.UpdateAccount("not a jwt"); err == nil {
		t.Error("UpdateAccount(garbage) = nil error, want error")
	}
	// A user JWT is no account JWT.
	j, _ := agentCreds(t, a, idA)
	if err := e.UpdateAccount(j); err == nil {
		t.Error("UpdateAccount(user jwt) = nil error, want error")
	}
	sys, err := a.SystemAccountJWT()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.UpdateAccount(sys); err != nil {
		t.Errorf("UpdateAccount(system account) = %v", err)
	}
}

func TestEmbeddedWebSocket(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	ws := e.WebSocketURL()
	if !strings.HasPrefix(ws, "ws://127.0.0.1:") {
		t.Fatalf("WebSocketURL() = %q, want ws://127.0.0.1:<port>", ws)
	}
	srv := newServerClient(t, a, []string{e.ClientURL()})
	agent := newAgent(t, a, []string{ws}, idA)
	got := chanSubscribe(t, agent, agentproto.SubjectPrefix+idA+".>")
	publish(t, srv, agentproto.Subject(idA, agentproto.SubjectCommand), "over websocket")
	receive(t, got, agentproto.Subject(idA, agentproto.SubjectCommand), "over websocket")
	// The agent's permissions hold over WebSocket too.
	if _, err := agent.nc.ChanSubscribe(">", got); err != nil {
		t.Fatal(err)
	}
	wantPermissionError(t, agent, "Subscription", ">")
}

func TestEmbeddedJetStream(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	srv := newServerClient(t, a, []string{e.ClientURL()})
	js, err := srv.nc.JetStream(nats.MaxWait(waitFor))
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.AddStream(&nats.StreamConfig{Name: "COMMANDS", Subjects: []string{"kanri.commands.>"}})
	if err != nil {
		t.Fatalf("AddStream() = %v", err)
	}
	if info.Config.Name != "COMMANDS" {
		t.Errorf("stream name = %q, want COMMANDS", info.Config.Name)
	}
	ack, err := js.Publish("kanri.commands."+idA, []byte("run"))
	if err != nil {
		t.Fatalf("Publish() = %v", err)
	}
	if ack.Stream != "COMMANDS" || ack.Sequence != 1 {
		t.Errorf("ack = %+v, want stream COMMANDS sequence 1", ack)
	}
}

func TestStartEmbeddedChecksConfig(t *testing.T) {
	a := newAuthority(t)
	ctx := context.Background()
	for _, cfg := range []EmbeddedConfig{
		{Addr: "127.0.0.1:0", StoreDir: t.TempDir()},                                    // no authority
		{Addr: "127.0.0.1:0", Authority: a},                                             // no store dir
		{Addr: "127.0.0.1", StoreDir: t.TempDir(), Authority: a},                        // no port
		{Addr: "127.0.0.1:0", WebSocketAddr: ":x", StoreDir: t.TempDir(), Authority: a}, // bad port
	} {
		if e, err := StartEmbedded(ctx, cfg); err == nil {
			e.Close()
			t.Errorf("StartEmbedded(%+v) = nil error, want error", cfg)
		}
	}

	// A taken port fails at once, not at the deadline.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	e, err := StartEmbedded(ctx, EmbeddedConfig{Addr: l.Addr().String(), StoreDir: t.TempDir(), Authority: a})
	if err == nil {
		e.Close()
		t.Fatalf("StartEmbedded(taken port %s) = nil error, want error", l.Addr())
	}
	if d := time.Since(start); d > readyTimeout/2 {
		t.Errorf("StartEmbedded(taken port) took %v, error %v", d, err)
	}
	t.Logf("StartEmbedded(taken port) = %v", err)
}

func TestConnect(t *testing.T) {
	a := newAuthority(t)
	e := startEmbedded(t, a, t.TempDir())
	urls := []string{e.ClientURL()}
	j, seed := agentCreds(t, a, idA)

	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	nc, err := Connect(ctx, urls, j, seed)
	if err != nil {
		t.Fatalf("Connect() = %v", err)
	}
	defer nc.Close()
	if nc.Opts.Name != idA || nc.Opts.MaxReconnect != -1 || nc.Opts.CustomReconnectDelayCB == nil {
		t.Errorf("name, max reconnects, custom delay = %q, %d, %v, want %q, -1, set",
			nc.Opts.Name, nc.Opts.MaxReconnect, nc.Opts.CustomReconnectDelayCB != nil, idA)
	}

	if _, err := Connect(ctx, urls, "not a jwt", seed); err == nil {
		t.Error("Connect(bad jwt) = nil error, want error")
	}
	if _, err := Connect(ctx, nil, j, seed); err == nil {
		t.Error("Connect(no urls) = nil error, want error")
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if nc, err := Connect(done, urls, j, seed); !errors.Is(err, context.Canceled) {
		if nc != nil {
			nc.Close()
		}
		t.Errorf("Connect(canceled) = %v, want %v", err, context.Canceled)
	}
}
