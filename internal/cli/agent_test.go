// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// registerServer answers agent registrations as a kanri server does and
// keeps the requests.
type registerServer struct {
	url  string
	mu   sync.Mutex
	reqs []agentproto.RegisterRequest
}

func newRegisterServer(t *testing.T) *registerServer {
	rs := &registerServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+agentproto.PathRegister, func(w http.ResponseWriter, r *http.Request) {
		var req agentproto.RegisterRequest
		json.NewDecoder(r.Body).Decode(&req)
		rs.mu.Lock()
		rs.reqs = append(rs.reqs, req)
		rs.mu.Unlock()
		if req.ActivationCode != "code-1" {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(agentproto.Error{Code: "InvalidActivation", Message: "The activation code is not valid."})
			return
		}
		json.NewEncoder(w).Encode(agentproto.RegisterResponse{
			InstanceID: "mi-0123456789abcdef0", Account: "123456789012", Region: "eu-west-1",
			BusURLs: []string{"nats://127.0.0.1:1"}, BusJWT: "jwt", HeartbeatSeconds: 30,
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	rs.url = srv.URL
	return rs
}

func (rs *registerServer) requests() []agentproto.RegisterRequest {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]agentproto.RegisterRequest(nil), rs.reqs...)
}

func TestAgentRegisterAndStatus(t *testing.T) {
	rs := newRegisterServer(t)
	dir := filepath.Join(t.TempDir(), "state")

	_, stderr, code := run(t, map[string]string{"KANRI_CODE": "wrong"}, "agent", "register", "--url", rs.url, "--id", "act-1", "--state-dir", dir)
	if code != ExitError || !strings.Contains(stderr, "InvalidActivation: The activation code is not valid.") {
		t.Errorf("register with a wrong code: exit %d, %q; want 1 with the server's error", code, stderr)
	}

	// The code from the environment, the rest from flags.
	stdout, stderr, code := run(t, map[string]string{"KANRI_CODE": "code-1"}, "agent", "register", "--url", rs.url, "--id", "act-1",
		"--state-dir", dir, "--name", "web-1", "--tags", "env=prod,role=web")
	if code != ExitOK || !strings.Contains(stdout, "registered as mi-0123456789abcdef0 (account 123456789012, region eu-west-1)") {
		t.Fatalf("register: exit %d, %q, %q", code, stdout, stderr)
	}
	req := rs.requests()[1]
	if req.ActivationID != "act-1" || req.Name != "web-1" || req.Tags["env"] != "prod" || req.Tags["role"] != "web" {
		t.Errorf("register request = %+v", req)
	}

	stdout, _, code = run(t, nil, "agent", "status", "--state-dir", dir)
	for _, want := range []string{"instance:        mi-0123456789abcdef0\n", "registered:      yes\n", "connected:       no\n", "last heartbeat:  never\n"} {
		if code != ExitOK || !strings.Contains(stdout, want) {
			t.Errorf("status: exit %d, %q; want %q", code, stdout, want)
		}
	}
	stdout, _, code = run(t, map[string]string{"KANRI_STATE_DIR": dir}, "agent", "status", "--output", "json")
	var st struct {
		InstanceID string `json:"InstanceId"`
		Registered bool
		Connected  bool
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != ExitOK || st.InstanceID != "mi-0123456789abcdef0" || !st.Registered || st.Connected {
		t.Errorf("status --output json (state dir from KANRI_STATE_DIR): exit %d, %q", code, stdout)
	}

	_, stderr, code = run(t, map[string]string{"KANRI_CODE": "code-1"}, "agent", "register", "--url", rs.url, "--id", "act-1", "--state-dir", dir)
	if code != ExitError || !strings.Contains(stderr, "already registered as mi-0123456789abcdef0") {
		t.Errorf("register again: exit %d, %q; want 1, already registered", code, stderr)
	}
	if n := len(rs.requests()); n != 2 {
		t.Errorf("register requests = %d, want 2", n)
	}

	stdout, _, code = run(t, nil, "agent", "status", "--state-dir", t.TempDir())
	if code != ExitOK || stdout != "registered:      no\n" {
		t.Errorf("status of an empty state dir: exit %d, %q", code, stdout)
	}
}

// TestAgentRegistersAndRuns runs `kanri agent`: it registers, then runs
// (here without a reachable bus) until its context ends.
func TestAgentRegistersAndRuns(t *testing.T) {
	rs := newRegisterServer(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: envMap{"KANRI_ID": "act-1", "KANRI_CODE": "code-1"}.get}
	go func() {
		done <- Run(ctx, []string{"agent", "--url", rs.url, "--state-dir", dir, "--log-level", "error"}, env)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "registration.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("kanri agent did not register within 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("kanri agent: exit %d after its context ended, want 0\n%s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kanri agent did not stop")
	}
	if len(rs.requests()) != 1 {
		t.Errorf("register requests = %d, want 1", len(rs.requests()))
	}
}

func TestAgentUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"agent", "register", "--state-dir", dir}, ExitUsage, "--url, --id and --code are required"},
		{[]string{"agent", "--state-dir", dir}, ExitUsage, "not registered yet"},
		{[]string{"agent", "run", "--state-dir", dir}, ExitError, "not registered"},
		{[]string{"agent", "status", "--state-dir", dir, "--output", "xml"}, ExitUsage, "--output"},
		{[]string{"agent", "install-service", "--binary", "kanri"}, ExitUsage, "not an absolute path"},
		{[]string{"agent", "register", "--state-dir", dir, "--tags", "novalue"}, ExitUsage, "--tags"},
	} {
		_, stderr, code := run(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("kanri %s: exit %d, %q; want %d with %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
}

func TestAgentInstallService(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("systemd units are for Linux")
	}
	root := t.TempDir()
	args := []string{"agent", "install-service", "--root", root, "--no-start", "--binary", "/usr/local/bin/kanri", "--state-dir", "/var/lib/kanri-agent"}
	stdout, stderr, code := run(t, nil, args...)
	if code != ExitOK || !strings.Contains(stdout, "installed the kanri-agent service") {
		t.Fatalf("install-service: exit %d, %q, %q", code, stdout, stderr)
	}
	unit, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/kanri-agent.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nExecStart=/usr/local/bin/kanri agent run --state-dir /var/lib/kanri-agent\n", "\nRestart=always\n", "\nRestartSec=5\n", "\nStateDirectory=kanri-agent\n"} {
		if !bytes.Contains(unit, []byte(want)) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	// Again: unchanged.
	_, stderr, code = run(t, nil, append(args, "--log-level", "info")...)
	if code != ExitOK || !strings.Contains(stderr, "systemd unit unchanged") {
		t.Errorf("install-service again: exit %d, %q; want unchanged", code, stderr)
	}
}

// envMap is an environment for Env.Getenv.
type envMap map[string]string

func (m envMap) get(k string) string { return m[k] }
