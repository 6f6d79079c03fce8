// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

func TestInstallScriptRender(t *testing.T) {
	for _, kind := range []string{ScriptSh, ScriptPs1} {
		b, err := InstallScript(kind, "https://kanri.example.com:8470/")
		if err != nil {
			t.Fatalf("InstallScript(%s) = %v", kind, err)
		}
		if !bytes.Contains(b, []byte("'https://kanri.example.com:8470'")) || bytes.Contains(b, []byte(endpointPlaceholder)) {
			t.Errorf("InstallScript(%s) does not hold the endpoint as a quoted string", kind)
		}
	}
	for _, bad := range []string{"", "kanri.example.com", "ftp://x", "https://x/'; rm -rf /", "https://x/$(id)", "https://x/a b", "https://x/?q=1"} {
		if _, err := InstallScript(ScriptSh, bad); err == nil {
			t.Errorf("InstallScript(sh, %q) = nil error, want refused", bad)
		}
	}
	if _, err := InstallScript("bat", "https://x"); err == nil {
		t.Error("InstallScript(bat) = nil error, want unknown kind")
	}
}

// TestInstallPs1Parses checks that install.ps1 is valid PowerShell, where
// PowerShell is installed.
func TestInstallPs1Parses(t *testing.T) {
	pwsh, err := exec.LookPath("pwsh")
	if err != nil {
		t.Skip("pwsh not installed")
	}
	b, err := InstallScript(ScriptPs1, "https://kanri.example.com")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "install.ps1")
	os.WriteFile(file, b, 0o600)
	out, err := exec.Command(pwsh, "-NoProfile", "-NonInteractive", "-Command",
		fmt.Sprintf("[ScriptBlock]::Create((Get-Content -Raw '%s')) | Out-Null", file)).CombinedOutput()
	if err != nil {
		t.Errorf("install.ps1 does not parse: %v\n%s", err, out)
	}
}

// buildKanri builds the kanri binary for this system, as released.
func buildKanri(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kanri")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kanri-dev/kanri/cmd/kanri")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// installServer serves what install.sh fetches, next to the agent
// endpoints, and counts the requests.
type installServer struct {
	*testServer
	bin  []byte
	name string // kanri-linux-<arch>

	mu        sync.Mutex
	wrongSum  bool
	noVending bool
	requests  map[string]int
}

func newInstallServer(t *testing.T, bin []byte) *installServer {
	s := &installServer{testServer: newTestServer(t, nil), bin: bin, name: "kanri-linux-" + runtime.GOARCH, requests: map[string]int{}}
	s.mux.HandleFunc("GET "+agentproto.PathVend, func(w http.ResponseWriter, r *http.Request) {
		s.count("vend")
		if s.noVending {
			writeError(w, 404, "VendingNotConfigured", "Activation vending is not configured on this server.")
			return
		}
		json.NewEncoder(w).Encode(agentproto.VendResponse{ActivationID: "act-1", ActivationCode: "code-1", Region: "eu-west-1"})
	})
	s.mux.HandleFunc("GET "+agentproto.PathDownload+"{file}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("file") {
		case s.name:
			s.count("binary")
			w.Write(s.bin)
		case s.name + ".sha256":
			s.count("sha256")
			sum := sha256.Sum256(s.bin)
			if s.wrongSum {
				sum[0] ^= 0xff
			}
			fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), s.name)
		default:
			http.Error(w, r.PathValue("file")+" is not available on this server", http.StatusNotFound)
		}
	})
	return s
}

func (s *installServer) count(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[what]++
}

func (s *installServer) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for k, v := range s.requests {
		m[k] = v
	}
	return m
}

// runScript runs install.sh with dash (or sh) and the given PATH ("" for
// this process's).
func runScript(t *testing.T, script []byte, path string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	shell, lerr := exec.LookPath("dash")
	if lerr != nil {
		shell = "/bin/sh"
	}
	file := filepath.Join(t.TempDir(), "install.sh")
	if err := os.WriteFile(file, script, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(shell, append([]string{file}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KANRI_") && !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if path == "" {
		path = os.Getenv("PATH")
	}
	cmd.Env = append(cmd.Env, "PATH="+path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	t.Logf("install.sh %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	return out.String(), errb.String(), err
}

// toolsPath returns a directory holding links to the named programs only,
// for a PATH without the others.
func toolsPath(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			t.Skipf("%s not installed", n)
		}
		if err := os.Symlink(p, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scriptTools are the programs install.sh uses besides curl or wget.
var scriptTools = []string{"uname", "id", "mktemp", "rm", "sed", "head", "awk", "sha256sum", "mkdir", "cp", "chmod", "mv", "cat"}

func TestInstallSh(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("install.sh installs on Linux")
	}
	bin := buildKanri(t)
	srv := newInstallServer(t, bin)
	script, err := InstallScript(ScriptSh, srv.url)
	if err != nil {
		t.Fatal(err)
	}
	binSum := sha256.Sum256(bin)

	prefix := t.TempDir()
	installed := filepath.Join(prefix, "usr/local/bin/kanri")
	stateDir := filepath.Join(prefix, "var/lib/kanri-agent")
	stdout, _, err := runScript(t, script, "", "--prefix", prefix, "--no-service", "--name", "web-1", "--tags", "env=test,role=web")
	if err != nil {
		t.Fatalf("install.sh = %v", err)
	}

	// The binary, verified.
	got, err := os.ReadFile(installed)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != binSum {
		t.Errorf("installed binary differs from the served one")
	}
	if fi, _ := os.Stat(installed); fi.Mode().Perm() != 0o755 {
		t.Errorf("installed binary mode = %o, want 755", fi.Mode().Perm())
	}
	// The registration, with the vended activation, name and tags.
	st, err := loadState(stateDir)
	if err != nil {
		t.Fatalf("state dir after install.sh: %v", err)
	}
	if !strings.HasPrefix(st.InstanceID, "mi-") || st.Endpoint != srv.url {
		t.Errorf("registration = %+v, want an instance registered with %s", st, srv.url)
	}
	if _, err := loadKey(stateDir, st); err != nil {
		t.Errorf("key: %v", err)
	}
	var req agentproto.RegisterRequest
	json.Unmarshal(srv.registerCalls[0], &req)
	if req.ActivationID != "act-1" || req.ActivationCode != "code-1" || req.Name != "web-1" || req.Tags["env"] != "test" || req.Tags["role"] != "web" {
		t.Errorf("register request = %+v, want the vended activation, name web-1, tags env=test,role=web", req)
	}
	if req.Facts.PlatformType != agentproto.PlatformLinux || req.Facts.ComputerName == "" {
		t.Errorf("register request facts = %+v, want this machine's", req.Facts)
	}
	if !strings.Contains(stdout, "agent run --state-dir "+stateDir) {
		t.Errorf("install.sh --no-service output does not say how to run the agent:\n%s", stdout)
	}
	want := map[string]int{"sha256": 1, "binary": 1, "vend": 1}
	if c := srv.counts(); fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("requests = %v, want %v", c, want)
	}

	// Again: nothing to do, no activation used, no download.
	regBefore, _ := os.ReadFile(filepath.Join(stateDir, registrationFile))
	fiBefore, _ := os.Stat(installed)
	stdout, _, err = runScript(t, script, "", "--endpoint", srv.url, "--prefix", prefix, "--no-service")
	if err != nil {
		t.Fatalf("install.sh again = %v", err)
	}
	regAfter, _ := os.ReadFile(filepath.Join(stateDir, registrationFile))
	fiAfter, _ := os.Stat(installed)
	if !bytes.Equal(regBefore, regAfter) || !fiAfter.ModTime().Equal(fiBefore.ModTime()) {
		t.Errorf("a second run changed the registration or the binary")
	}
	if !strings.Contains(stdout, "up to date") || !strings.Contains(stdout, "already registered as "+st.InstanceID) {
		t.Errorf("second run's output does not say it had nothing to do:\n%s", stdout)
	}
	want = map[string]int{"sha256": 2, "binary": 1, "vend": 1}
	if c := srv.counts(); fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("requests after a second run = %v, want %v", c, want)
	}
	if n := len(srv.registerCalls); n != 1 {
		t.Errorf("register calls = %d after a second run, want 1", n)
	}

	t.Run("wrong checksum", func(t *testing.T) {
		srv.mu.Lock()
		srv.wrongSum = true
		srv.mu.Unlock()
		defer func() { srv.mu.Lock(); srv.wrongSum = false; srv.mu.Unlock() }()
		prefix := t.TempDir()
		before := srv.counts()["vend"]
		_, stderr, err := runScript(t, script, "", "--prefix", prefix, "--no-service")
		if err == nil {
			t.Fatal("install.sh with a wrong checksum succeeded")
		}
		if !strings.Contains(stderr, "checksum mismatch for "+srv.name) || !strings.Contains(stderr, "nothing was installed") {
			t.Errorf("stderr = %q, want a checksum mismatch", stderr)
		}
		if _, err := os.Stat(filepath.Join(prefix, "usr/local/bin/kanri")); err == nil {
			t.Error("a binary with a wrong checksum was installed")
		}
		if srv.counts()["vend"] != before {
			t.Error("install.sh vended an activation after a checksum mismatch")
		}
	})

	t.Run("vending error", func(t *testing.T) {
		srv.mu.Lock()
		srv.noVending = true
		srv.mu.Unlock()
		defer func() { srv.mu.Lock(); srv.noVending = false; srv.mu.Unlock() }()
		_, stderr, err := runScript(t, script, "", "--prefix", t.TempDir(), "--no-service")
		if err == nil || !strings.Contains(stderr, "HTTP 404 VendingNotConfigured: Activation vending is not configured") {
			t.Errorf("install.sh without vending = %v, %q; want the server's error", err, stderr)
		}
	})

	t.Run("wget", func(t *testing.T) {
		path := toolsPath(t, append(scriptTools, "wget")...)
		prefix := t.TempDir()
		if _, _, err := runScript(t, script, path, "--prefix", prefix, "--no-service"); err != nil {
			t.Fatalf("install.sh with wget only = %v", err)
		}
		if _, err := loadState(filepath.Join(prefix, "var/lib/kanri-agent")); err != nil {
			t.Errorf("not registered with wget only: %v", err)
		}
	})

	t.Run("no curl or wget", func(t *testing.T) {
		_, stderr, err := runScript(t, script, toolsPath(t, scriptTools...), "--prefix", t.TempDir(), "--no-service")
		if err == nil || !strings.Contains(stderr, "neither curl nor wget") {
			t.Errorf("install.sh without curl or wget = %v, %q", err, stderr)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		before := srv.counts()
		prefix := t.TempDir()
		stdout, _, err := runScript(t, script, "", "--prefix", prefix, "--dry-run")
		if err != nil {
			t.Fatalf("install.sh --dry-run = %v", err)
		}
		if entries, _ := os.ReadDir(prefix); len(entries) != 0 {
			t.Errorf("--dry-run created %d entries under the prefix", len(entries))
		}
		if after := srv.counts(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("--dry-run made requests: %v, before %v", after, before)
		}
		for _, w := range []string{"would download " + srv.url + "/download/" + srv.name, "would vend", "would run: " + filepath.Join(prefix, "usr/local/bin/kanri") + " agent register"} {
			if !strings.Contains(stdout, w) {
				t.Errorf("--dry-run output lacks %q:\n%s", w, stdout)
			}
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{{"--bogus"}, {"--prefix"}, {"--prefix", "relative"}, {"--endpoint", "kanri.example.com"}} {
			if _, stderr, err := runScript(t, script, "", args...); err == nil || !strings.Contains(stderr, "kanri-install: error:") {
				t.Errorf("install.sh %q = %v, %q; want an error", args, err, stderr)
			}
		}
	})

	t.Run("service", func(t *testing.T) {
		// A systemctl that records its arguments: with a prefix, the unit
		// is written there and enabled with systemctl --root.
		tools := toolsPath(t, append(scriptTools, "curl")...)
		log := filepath.Join(t.TempDir(), "systemctl.log")
		fake := fmt.Sprintf("#!/bin/sh\necho \"$@\" >> %s\n", log)
		if err := os.WriteFile(filepath.Join(tools, "systemctl"), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
		if sh, err := exec.LookPath("sh"); err == nil {
			os.Symlink(sh, filepath.Join(tools, "sh"))
		}
		prefix := t.TempDir()
		if _, _, err := runScript(t, script, tools, "--prefix", prefix); err != nil {
			t.Fatalf("install.sh = %v", err)
		}
		unit, err := os.ReadFile(filepath.Join(prefix, "etc/systemd/system/kanri-agent.service"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(unit, []byte("\nExecStart=/usr/local/bin/kanri agent run --state-dir /var/lib/kanri-agent\n")) {
			t.Errorf("unit:\n%s\nwant ExecStart of /usr/local/bin/kanri on /var/lib/kanri-agent", unit)
		}
		calls, _ := os.ReadFile(log)
		if want := "--root=" + prefix + " enable kanri-agent\n"; string(calls) != want {
			t.Errorf("systemctl calls = %q, want %q", calls, want)
		}
	})
}
