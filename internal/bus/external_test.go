// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// natsServer is a nats-server process started by a test.
type natsServer struct {
	ClientURL string
	RouteURL  string // "" without a cluster

	mu      sync.Mutex
	log     []string      // stderr lines so far
	changed chan struct{} // closed, and replaced, on each new line or at EOF
	eof     bool
}

var (
	clientListenRE = regexp.MustCompile(`Listening for client connections on (\S+)`)
	routeListenRE  = regexp.MustCompile(`Listening for route connections on (\S+)`)
	readyRE        = regexp.MustCompile(`Server is ready`)
	routeCreatedRE = regexp.MustCompile(`Route connection created`)
	versionRE      = regexp.MustCompile(`Version:\s+(\S+)`)
)

// natsServerPath returns the installed nats-server, or skips the test.
func natsServerPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"nats-server", "/usr/sbin/nats-server"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("nats-server is not installed (Debian: apt-get install nats-server); skipping tests against an external server")
	return ""
}

// startNATSServer runs nats-server with conf (plus listening on a free
// local port) until the test ends, and waits until it accepts clients and,
// with cluster, routes.
func startNATSServer(t testing.TB, bin, conf string, cluster bool) *natsServer {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "nats.conf")
	conf = "listen: \"127.0.0.1:-1\"\n" + conf
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-c", path)
	cmd.Dir = dir
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", bin, err)
	}
	w.Close()

	s := &natsServer{changed: make(chan struct{})}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.eof = true
		close(s.changed)
		s.mu.Unlock()
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		<-readDone
		r.Close()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("nats-server log:\n%s", strings.Join(s.log, "\n"))
			s.mu.Unlock()
		}
	})

	s.ClientURL = "nats://" + s.wait(t, clientListenRE, 1)[1]
	if cluster {
		s.RouteURL = "nats://" + s.wait(t, routeListenRE, 1)[1]
	}
	s.wait(t, readyRE, 1)
	if v := s.wait(t, versionRE, 1); v != nil {
		t.Logf("nats-server %s at %s", v[1], s.ClientURL)
	}
	return s
}

// wait waits until the log has n lines matching re and returns the
// submatches of the n-th.
func (s *natsServer) wait(t testing.TB, re *regexp.Regexp, n int) []string {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		s.mu.Lock()
		seen := 0
		for _, line := range s.log {
			if m := re.FindStringSubmatch(line); m != nil {
				if seen++; seen == n {
					s.mu.Unlock()
					return m
				}
			}
		}
		changed, eof := s.changed, s.eof
		s.mu.Unlock()
		if eof {
			t.Fatalf("nats-server exited before logging %q", re)
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("nats-server did not log %q within %v", re, waitFor)
		}
	}
}

// serverConfig returns a's ServerConfig with a resolver dir for one server.
func serverConfig(t testing.TB, a *Authority) string {
	t.Helper()
	conf, err := a.ServerConfig(filepath.Join(t.TempDir(), "jwt"))
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestExternal(t *testing.T) {
	bin := natsServerPath(t)
	a := newAuthority(t)
	s := startNATSServer(t, bin, serverConfig(t, a), false)
	urls := []string{s.ClientURL}

	t.Run("permissions", func(t *testing.T) { testPermissions(t, a, urls) })
	t.Run("refused", func(t *testing.T) { testRefused(t, a, urls) })
	t.Run("revocation", func(t *testing.T) {
		sys := newSystemClient(t, a, urls)
		testRevocation(t, a, urls, func(t *testing.T, accountJWT string) {
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
	t.Run("push refused", func(t *testing.T) {
		sys := newSystemClient(t, a, urls)
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		// (nats-server stores an account JWT of another operator, which is
		// harmless: it is for another account, which it never trusts.)
		userJWT, _ := agentCreds(t, a, idA)
		if err := PushAccount(ctx, sys.nc, userJWT); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("PushAccount(user jwt) = %v, want a refusal", err)
		}
		// Only the system account may push.
		srv := newServerClient(t, a, urls)
		good, err := a.AccountJWT(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := PushAccount(ctx, srv.nc, good); err == nil {
			t.Error("PushAccount() as a server user = nil error, want error")
		}
	})
}

// TestExternalCluster runs two routed nats-servers: an agent on the first
// and a kanri server on the second talk, and a revocation pushed to the
// second reaches the first.
func TestExternalCluster(t *testing.T) {
	bin := natsServerPath(t)
	a := newAuthority(t)
	n1 := startNATSServer(t, bin, "server_name: n1\ncluster { name: kanri, listen: \"127.0.0.1:-1\" }\n"+serverConfig(t, a), true)
	n2 := startNATSServer(t, bin, fmt.Sprintf("server_name: n2\ncluster { name: kanri, listen: \"127.0.0.1:-1\", routes: [%q] }\n", n1.RouteURL)+serverConfig(t, a), true)
	n1.wait(t, routeCreatedRE, 1)
	n2.wait(t, routeCreatedRE, 1)

	agentA := newAgent(t, a, []string{n1.ClientURL}, idA)
	agentB := newAgent(t, a, []string{n1.ClientURL}, idB)
	srv := newServerClient(t, a, []string{n2.ClientURL})
	heartbeats := chanSubscribe(t, srv, agentproto.SubjectPrefix+"*."+agentproto.SubjectHeartbeat)
	_, err := agentA.nc.Subscribe(agentproto.Subject(idA, agentproto.SubjectSession), func(m *nats.Msg) {
		m.Respond([]byte("pong " + string(m.Data)))
	})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, agentA)

	// The agent's interest crosses the route asynchronously: ask until it
	// has (no responders) or the deadline passes.
	deadline := time.Now().Add(waitFor)
	for {
		reply, err := srv.nc.Request(agentproto.Subject(idA, agentproto.SubjectSession), []byte("ping"), time.Second)
		if err == nil {
			if got, want := string(reply.Data), "pong ping"; got != want {
				t.Fatalf("reply = %q, want %q", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Request() across the route = %v", err)
		}
	}
	// The server's interest in heartbeats was older than the agent's, so
	// it has crossed the route too.
	publish(t, agentA, agentproto.Subject(idA, agentproto.SubjectHeartbeat), "A alive")
	receive(t, heartbeats, agentproto.Subject(idA, agentproto.SubjectHeartbeat), "A alive")

	// Revoke A, pushing to n2 only.
	sys := newSystemClient(t, a, []string{n2.ClientURL})
	accountJWT, err := a.AccountJWT(map[string]time.Time{agentA.pub: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	servers, err := pushAccount(ctx, sys.nc, accountJWT, pushQuiet)
	if err != nil {
		t.Fatalf("PushAccount() = %v", err)
	}
	slices.Sort(servers)
	if want := []string{"n1", "n2"}; !slices.Equal(servers, want) {
		t.Errorf("accepted by %v, want %v", servers, want)
	}
	wantClosed(t, agentA)
	for _, url := range []string{n1.ClientURL, n2.ClientURL} {
		nc, err := nats.Connect(url, nats.UserJWTAndSeed(agentA.jwt, string(agentA.seed)), nats.NoReconnect())
		if err == nil {
			nc.Close()
			t.Errorf("revoked agent connected to %s", url)
		}
	}
	if s := agentB.nc.Status(); s != nats.CONNECTED {
		t.Errorf("agent B status = %v, want CONNECTED", s)
	}
}
