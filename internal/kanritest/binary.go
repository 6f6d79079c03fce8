// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kanritest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/kanri once per test process (CGO off, as released) and
// returns the path of the binary.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kanri-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kanri")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/kanri-dev/kanri/cmd/kanri")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("kanritest: %v", buildErr)
	}
	return binPath
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Process is a kanri binary running as a child process.
type Process struct {
	Cmd      *exec.Cmd
	Endpoint string
	DataDir  string
	Account  string

	mu     sync.Mutex
	output bytes.Buffer // stdout and stderr, guarded by mu
	exited chan struct{}
	err    error // Wait's result, set before exited closes
}

type lockedWriter struct{ p *Process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.output.Write(b)
}

// Output returns what the process has written so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

var accountLine = regexp.MustCompile(`account\s+(\d{12})`)

// StartDev runs `kanri dev` on dataDir (a new temp dir when empty) on free
// ports, waits until it is ready, and kills it when t ends unless it was
// stopped.
func StartDev(t testing.TB, dataDir string, extraArgs ...string) *Process {
	t.Helper()
	return StartDevEnv(t, dataDir, nil, extraArgs...)
}

// StartDevEnv is StartDev with extra environment variables for the process
// (KEY=value), e.g. SSL_CERT_FILE to trust a test's TLS server.
func StartDevEnv(t testing.TB, dataDir string, env []string, extraArgs ...string) *Process {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	addr := FreeAddr(t)
	args := append([]string{"dev", "--data-dir", dataDir, "--http-addr", addr, "--bus-addr", FreeAddr(t)}, extraArgs...)
	p := startProcess(t, "http://"+addr, env, args...)
	p.DataDir = dataDir
	// The banner is written to stdout before the server listens, but its
	// pipe is copied apart from stderr's and may arrive after /readyz
	// answered: wait for it a little.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := accountLine.FindStringSubmatch(p.Output()); m != nil {
			p.Account = m[1]
			break
		}
		if time.Now().After(deadline) {
			break
		}
	}
	return p
}

// StartProcess runs the kanri binary with args, waits until endpoint
// answers /readyz, and kills the process when t ends unless it was
// stopped. For an https endpoint the certificate is not checked while
// waiting.
func StartProcess(t testing.TB, endpoint string, args ...string) *Process {
	t.Helper()
	return startProcess(t, endpoint, nil, args...)
}

func startProcess(t testing.TB, endpoint string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(Binary(t), args...), Endpoint: endpoint, exited: make(chan struct{})}
	if env != nil {
		p.Cmd.Env = append(os.Environ(), env...)
	}
	p.Cmd.Stdout = lockedWriter{p}
	p.Cmd.Stderr = lockedWriter{p}
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("kanritest: start: %v", err)
	}
	go func() {
		p.err = p.Cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("kanri %s output:\n%s", args[0], p.Output())
		}
	})
	p.waitReady(t)
	return p
}

// waitReady polls /readyz: the process is another program, so there is
// nothing to wait on but its answers.
func (p *Process) waitReady(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // readiness only
	}}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("kanritest: kanri exited before ready: %v\n%s", p.err, p.Output())
		default:
		}
		resp, err := client.Get(p.Endpoint + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("kanritest: %s not ready after 30s\n%s", p.Endpoint, p.Output())
}

// Stop sends sig and waits for the process to exit, returning its exit
// error (nil for a clean exit).
func (p *Process) Stop(t testing.TB, sig syscall.Signal) error {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("kanritest: signal: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("kanritest: kanri did not exit within 60s of %v", sig)
	}
	return p.err
}

// CredentialsFile returns the administrator's AWS credentials file.
func (p *Process) CredentialsFile() string { return filepath.Join(p.DataDir, "credentials") }

// ConfigFile returns the AWS config file.
func (p *Process) ConfigFile() string { return filepath.Join(p.DataDir, "config") }
