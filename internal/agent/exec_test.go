// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

func TestScriptCommand(t *testing.T) {
	dir := filepath.FromSlash("/state/scripts/step-1")
	for _, tc := range []struct {
		goos, action string
		script       string
		argv         []string
	}{
		{"linux", agentproto.ActionRunShellScript, filepath.Join(dir, "_script.sh"),
			[]string{"/bin/sh", "-c", "'" + filepath.Join(dir, "_script.sh") + "'"}},
		{"darwin", agentproto.ActionRunShellScript, filepath.Join(dir, "_script.sh"),
			[]string{"/bin/sh", "-c", "'" + filepath.Join(dir, "_script.sh") + "'"}},
		{"windows", agentproto.ActionRunPowerShellScript, filepath.Join(dir, "_script.ps1"),
			[]string{"powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", filepath.Join(dir, "_script.ps1")}},
		{"linux", agentproto.ActionRunPowerShellScript, filepath.Join(dir, "_script.ps1"),
			[]string{"pwsh", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", filepath.Join(dir, "_script.ps1")}},
	} {
		script, argv, err := scriptCommand(tc.goos, tc.action, dir)
		if err != nil || script != tc.script || !cmp.Equal(argv, tc.argv) {
			t.Errorf("scriptCommand(%s, %s) = %q, %q, %v; want %q, %q", tc.goos, tc.action, script, argv, err, tc.script, tc.argv)
		}
	}
	for _, tc := range []struct{ goos, action string }{
		{"windows", agentproto.ActionRunShellScript},
		{"linux", "aws:runDocument"},
		{"windows", ""},
	} {
		if _, _, err := scriptCommand(tc.goos, tc.action, dir); err == nil {
			t.Errorf("scriptCommand(%s, %q): no error", tc.goos, tc.action)
		}
	}
	if got := shellQuote("/a b/it's"); got != `'/a b/it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
	if got := string(scriptContent("x.ps1", []string{"a", "b"})); got != "\uFEFFa\nb\n" {
		t.Errorf("PowerShell script = %q, want a BOM and a line per command", got)
	}
	if got := string(scriptContent("x.sh", []string{"a", "b"})); got != "a\nb\n" {
		t.Errorf("shell script = %q, want a line per command", got)
	}
	for goos, want := range map[string]string{"linux": "Linux", "windows": "Windows", "darwin": "MacOS", "freebsd": "Linux"} {
		if got := platformType(goos); got != want {
			t.Errorf("platformType(%s) = %s, want %s", goos, got, want)
		}
	}
}

func TestInvocationStatus(t *testing.T) {
	steps := func(statuses ...string) []agentproto.StepResult {
		var s []agentproto.StepResult
		for _, st := range statuses {
			s = append(s, agentproto.StepResult{Status: st})
		}
		return s
	}
	for _, tc := range []struct {
		steps           []agentproto.StepResult
		status, details string
	}{
		{nil, "Success", "Success"},
		{steps("Success", "Skipped"), "Success", "Success"},
		{steps("Skipped"), "Success", "Success"},
		{steps("Cancelled", "Success"), "Cancelled", "Cancelled"},
		{steps("TimedOut", "Cancelled"), "TimedOut", "ExecutionTimedOut"},
		{steps("Success", "TimedOut", "Failed"), "Failed", "Failed"},
	} {
		status, details := invocationStatus(tc.steps)
		if status != tc.status || details != tc.details {
			t.Errorf("invocationStatus(%v) = %s, %s; want %s, %s", tc.steps, status, details, tc.status, tc.details)
		}
	}
}

// cmdClient plays the kanri servers' part of Run Command on the test bus:
// it sends commands and cancels to an instance and keeps the results and
// output chunks the agent publishes.
type cmdClient struct {
	t  testing.TB
	nc *nats.Conn
	id string

	mu      sync.Mutex
	results map[string][]agentproto.InvocationResult // by invocation ID, as received
	chunks  map[chunkKey][]agentproto.OutputChunk
}

type chunkKey struct{ invocation, step, stream string }

func newCmdClient(t testing.TB, bus *testBus, id string) *cmdClient {
	t.Helper()
	c := &cmdClient{t: t, nc: bus.connect("kanri-server"), id: id,
		results: map[string][]agentproto.InvocationResult{}, chunks: map[chunkKey][]agentproto.OutputChunk{}}
	_, err := c.nc.Subscribe(agentproto.Subject(id, agentproto.SubjectResult), func(m *nats.Msg) {
		var r agentproto.InvocationResult
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Errorf("result %q: %v", m.Data, err)
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.results[r.InvocationID] = append(c.results[r.InvocationID], r)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.nc.Subscribe(agentproto.Subject(id, agentproto.SubjectOutput), func(m *nats.Msg) {
		var ch agentproto.OutputChunk
		if err := json.Unmarshal(m.Data, &ch); err != nil {
			t.Errorf("output chunk: %v", err)
			return
		}
		if len(ch.Data) > agentproto.MaxChunk {
			t.Errorf("output chunk of %d bytes, more than MaxChunk", len(ch.Data))
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		k := chunkKey{ch.InvocationID, ch.Step, ch.Stream}
		c.chunks[k] = append(c.chunks[k], ch)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return c
}

// send sends cmd as the servers do, a request, and returns the answer. It
// retries while the agent has not subscribed yet.
func (c *cmdClient) send(cmd agentproto.Command) agentproto.CommandAck {
	c.t.Helper()
	b, err := json.Marshal(&cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, err := c.nc.Request(agentproto.Subject(c.id, agentproto.SubjectCommand), b, 10*time.Second)
		if errors.Is(err, nats.ErrNoResponders) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			c.t.Fatalf("send command %s: %v", cmd.InvocationID, err)
		}
		var ack agentproto.CommandAck
		if err := json.Unmarshal(m.Data, &ack); err != nil {
			c.t.Fatalf("ack %q: %v", m.Data, err)
		}
		if ack.InvocationID != cmd.InvocationID {
			c.t.Errorf("ack of %s for %s", ack.InvocationID, cmd.InvocationID)
		}
		return ack
	}
}

// sendAccepted sends cmd and fails unless the agent accepts it.
func (c *cmdClient) sendAccepted(cmd agentproto.Command) {
	c.t.Helper()
	if ack := c.send(cmd); ack.Status != agentproto.AckAccepted {
		c.t.Fatalf("ack of %s = %+v, want Accepted", cmd.InvocationID, ack)
	}
}

func (c *cmdClient) cancel(invocationID string) {
	c.t.Helper()
	b, _ := json.Marshal(agentproto.Cancel{InvocationID: invocationID})
	if err := c.nc.Publish(agentproto.Subject(c.id, agentproto.SubjectCancel), b); err != nil {
		c.t.Fatal(err)
	}
	if err := c.nc.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

// all returns the results received for an invocation.
func (c *cmdClient) all(invocationID string) []agentproto.InvocationResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.results[invocationID])
}

// finals returns the final results received for an invocation.
func (c *cmdClient) finals(invocationID string) []agentproto.InvocationResult {
	var f []agentproto.InvocationResult
	for _, r := range c.all(invocationID) {
		if r.Status != agentproto.StatusInProgress {
			f = append(f, r)
		}
	}
	return f
}

// final waits for the final result of an invocation and for the final
// chunks of its steps' output.
func (c *cmdClient) final(invocationID string) agentproto.InvocationResult {
	c.t.Helper()
	eventually(c.t, "the final result of "+invocationID, func() bool { return len(c.finals(invocationID)) > 0 })
	r := c.finals(invocationID)[0]
	for _, s := range r.Steps {
		c.output(invocationID, s.Name, agentproto.StreamStdout)
		c.output(invocationID, s.Name, agentproto.StreamStderr)
	}
	return r
}

// inProgress waits for the InProgress result of an invocation.
func (c *cmdClient) inProgress(invocationID string) agentproto.InvocationResult {
	c.t.Helper()
	var r agentproto.InvocationResult
	eventually(c.t, "invocation "+invocationID+" in progress", func() bool {
		for _, x := range c.all(invocationID) {
			if x.Status == agentproto.StatusInProgress {
				r = x
				return true
			}
		}
		return false
	})
	return r
}

// output waits for the final chunk of a step's stream and returns the
// whole stream, checking the chunks are numbered from 0 without a gap.
func (c *cmdClient) output(invocationID, step, stream string) []byte {
	c.t.Helper()
	k := chunkKey{invocationID, step, stream}
	var chunks []agentproto.OutputChunk
	eventually(c.t, fmt.Sprintf("the final %s chunk of %s/%s", stream, invocationID, step), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		chunks = slices.Clone(c.chunks[k])
		return slices.ContainsFunc(chunks, func(ch agentproto.OutputChunk) bool { return ch.Final })
	})
	slices.SortFunc(chunks, func(a, b agentproto.OutputChunk) int { return a.Seq - b.Seq })
	var out []byte
	for i, ch := range chunks {
		if ch.Seq != i || ch.Final != (i == len(chunks)-1) {
			c.t.Fatalf("%s chunks of %s/%s: chunk %d has Seq %d, Final %v (of %d)", stream, invocationID, step, i, ch.Seq, ch.Final, len(chunks))
		}
		out = append(out, ch.Data...)
	}
	return out
}

// cmdEnv is an agent registered with a test server and running against a
// test bus, with a cmdClient for its instance.
type cmdEnv struct {
	t   *testing.T
	bus *testBus
	cfg Config
	st  *State
	c   *cmdClient

	a      *Agent
	cancel context.CancelFunc
	wait   func() error
}

func newCmdEnv(t *testing.T, cfg Config) *cmdEnv {
	t.Helper()
	bus := startBus(t)
	ts := newTestServer(t, bus)
	if cfg.StateDir == "" {
		cfg.StateDir = t.TempDir()
	}
	cfg.Logger = testLogger(t)
	cfg.Facts = (&factsSource{f: testFacts}).get
	e := &cmdEnv{t: t, bus: bus, cfg: cfg}
	e.st = register(t, New(cfg), ts)
	e.c = newCmdClient(t, bus, e.st.InstanceID)
	e.start()
	return e
}

// start runs the agent until stop or the end of the test.
func (e *cmdEnv) start() {
	e.t.Helper()
	e.a = New(e.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wait = runAgent(e.t, ctx, e.a)
	e.t.Cleanup(cancel) // before runAgent's cleanup waits for Run
	eventually(e.t, "the agent to connect", func() bool { s, _ := e.a.Status(); return s.Connected })
}

// stop stops the agent and checks Run returned nil.
func (e *cmdEnv) stop() {
	e.t.Helper()
	e.cancel()
	if err := e.wait(); err != nil {
		e.t.Fatalf("Run() = %v, want nil", err)
	}
}

// shellCommand is a command of one aws:runShellScript step.
func shellCommand(id string, timeoutSeconds int, lines ...string) agentproto.Command {
	return agentproto.Command{
		CommandID: "cmd-" + id, InvocationID: id, DocumentName: "AWS-RunShellScript",
		Steps:    []agentproto.Step{{Name: "aws:runShellScript", Action: agentproto.ActionRunShellScript, Commands: lines, TimeoutSeconds: timeoutSeconds}},
		Deadline: time.Now().Add(time.Hour),
	}
}

func skipUnlessUnix(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("runs shell scripts")
	}
}

func TestCommandRuns(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	wd := t.TempDir()
	cmd := shellCommand("inv-1", 60,
		"echo hello",
		`echo "$AWS_SSM_INSTANCE_ID $AWS_SSM_REGION_NAME"`,
		"pwd",
		`echo "$SSM_greeting"`,
		"echo oops >&2",
	)
	cmd.Steps[0].WorkingDirectory = wd
	cmd.Steps[0].Env = map[string]string{"SSM_greeting": "hi; $(not run)"}
	before := time.Now()
	e.c.sendAccepted(cmd)
	res := e.c.final(cmd.InvocationID)

	start := e.c.inProgress(cmd.InvocationID)
	if start.StartedAt.Before(before.Add(-time.Second)) || start.CommandID != cmd.CommandID || start.StatusDetails != agentproto.StatusInProgress {
		t.Errorf("InProgress result = %+v, want command %s started after %v", start, cmd.CommandID, before)
	}
	wantOut := fmt.Sprintf("hello\n%s %s\n%s\nhi; $(not run)\n", e.st.InstanceID, e.st.Region, wd)
	want := agentproto.InvocationResult{
		CommandID: cmd.CommandID, InvocationID: cmd.InvocationID,
		Status: agentproto.StatusSuccess, StatusDetails: agentproto.StatusSuccess, ResponseCode: 0,
		Steps: []agentproto.StepResult{{
			Name: "aws:runShellScript", Action: agentproto.ActionRunShellScript,
			Status: agentproto.StatusSuccess, StatusDetails: agentproto.StatusSuccess,
			Stdout: wantOut, Stderr: "oops\n", StdoutBytes: int64(len(wantOut)), StderrBytes: 5,
		}},
	}
	ignoreTimes := cmp.FilterPath(func(p cmp.Path) bool {
		return strings.HasSuffix(p.String(), "StartedAt") || strings.HasSuffix(p.String(), "EndedAt")
	}, cmp.Ignore())
	if diff := cmp.Diff(want, res, ignoreTimes); diff != "" {
		t.Errorf("final result (-want +got):\n%s", diff)
	}
	s := res.Steps[0]
	if !res.StartedAt.Equal(start.StartedAt) || s.StartedAt.Before(res.StartedAt) || s.EndedAt.Before(s.StartedAt) || res.EndedAt.Before(s.EndedAt) {
		t.Errorf("times: invocation %v–%v, step %v–%v; want the step within the invocation", res.StartedAt, res.EndedAt, s.StartedAt, s.EndedAt)
	}
	if got := string(e.c.output(cmd.InvocationID, s.Name, agentproto.StreamStdout)); got != wantOut {
		t.Errorf("stdout chunks = %q, want %q", got, wantOut)
	}
	if got := string(e.c.output(cmd.InvocationID, s.Name, agentproto.StreamStderr)); got != "oops\n" {
		t.Errorf("stderr chunks = %q, want %q", got, "oops\n")
	}
	// The script is gone; the ledger knows the invocation was reported.
	if entries, _ := os.ReadDir(filepath.Join(e.cfg.StateDir, scriptDir)); len(entries) != 0 {
		t.Errorf("%d script directories left", len(entries))
	}
	eventually(t, "the ledger to record the report", func() bool {
		_, err := os.Stat(filepath.Join(e.cfg.StateDir, ledgerDir, ledgerKey(cmd.InvocationID)+"."+stateReported))
		return err == nil
	})
}

// stepSummary is what TestCommandSteps compares of a step.
type stepSummary struct {
	Status, Details string
	Code            int
}

func TestCommandSteps(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	sh := func(name string, lines ...string) agentproto.Step {
		return agentproto.Step{Name: name, Action: agentproto.ActionRunShellScript, Commands: lines, TimeoutSeconds: 60}
	}
	with := func(s agentproto.Step, f func(*agentproto.Step)) agentproto.Step { f(&s); return s }
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name       string
		steps      []agentproto.Step
		status     string
		details    string
		code       int
		want       []stepSummary
		wantStderr string // in the last step's stderr
	}{
		{
			name:   "exit code",
			steps:  []agentproto.Step{sh("s1", "echo before", "exit 3")},
			status: "Failed", details: "Failed", code: 3,
			want: []stepSummary{{"Failed", "Failed", 3}},
		},
		{
			name:   "a failed step does not stop the next",
			steps:  []agentproto.Step{sh("s1", "exit 3"), sh("s2", "echo after")},
			status: "Failed", details: "Failed", code: 0,
			want: []stepSummary{{"Failed", "Failed", 3}, {"Success", "Success", 0}},
		},
		{
			name:   "onFailure exit",
			steps:  []agentproto.Step{with(sh("s1", "exit 3"), func(s *agentproto.Step) { s.OnFailure = agentproto.StepExit }), sh("s2", "echo after")},
			status: "Failed", details: "Failed", code: 3,
			want: []stepSummary{{"Failed", "Failed", 3}, {"Skipped", "Skipped", 0}},
		},
		{
			name:   "onFailure successAndExit",
			steps:  []agentproto.Step{with(sh("s1", "exit 3"), func(s *agentproto.Step) { s.OnFailure = agentproto.StepSuccessAndExit }), sh("s2", "echo after")},
			status: "Success", details: "Success", code: 168,
			want: []stepSummary{{"Success", "Success", 168}, {"Skipped", "Skipped", 0}},
		},
		{
			name:   "onSuccess exit",
			steps:  []agentproto.Step{with(sh("s1", "true"), func(s *agentproto.Step) { s.OnSuccess = agentproto.StepExit }), sh("s2", "exit 1")},
			status: "Success", details: "Success", code: 0,
			want: []stepSummary{{"Success", "Success", 0}, {"Skipped", "Skipped", 0}},
		},
		{
			name: "exit code 169 and a finally step",
			steps: []agentproto.Step{sh("s1", "exit 169"), sh("s2", "echo skipped"),
				with(sh("s3", "echo finally"), func(s *agentproto.Step) { s.FinallyStep = true })},
			status: "Failed", details: "Failed", code: 0,
			want: []stepSummary{{"Failed", "Failed", 169}, {"Skipped", "Skipped", 0}, {"Success", "Success", 0}},
		},
		{
			name:   "exit code 168",
			steps:  []agentproto.Step{sh("s1", "exit 168"), sh("s2", "exit 1")},
			status: "Success", details: "Success", code: 168,
			want: []stepSummary{{"Success", "Success", 168}, {"Skipped", "Skipped", 0}},
		},
		{
			name: "a step for Windows is skipped",
			steps: []agentproto.Step{with(sh("win", "exit 1"), func(s *agentproto.Step) { s.Platform = agentproto.PlatformWindows }),
				with(sh("here", "true"), func(s *agentproto.Step) { s.Platform = platformType(runtime.GOOS) })},
			status: "Success", details: "Success", code: 0,
			want: []stepSummary{{"Skipped", "Skipped", 0}, {"Success", "Success", 0}},
		},
		{
			name:   "unknown action",
			steps:  []agentproto.Step{with(sh("s1", "true"), func(s *agentproto.Step) { s.Action = "aws:runDocument" })},
			status: "Failed", details: "Failed", code: 1,
			want:       []stepSummary{{"Failed", "Failed", 1}},
			wantStderr: `action "aws:runDocument" is not supported`,
		},
		{
			name:   "missing working directory",
			steps:  []agentproto.Step{with(sh("s1", "true"), func(s *agentproto.Step) { s.WorkingDirectory = missing })},
			status: "Failed", details: "Failed", code: 1,
			want:       []stepSummary{{"Failed", "Failed", 1}},
			wantStderr: "working directory " + missing + " does not exist",
		},
		{
			name:   "a #! line picks the interpreter",
			steps:  []agentproto.Step{sh("s1", "#!/bin/sh -e", "false", "echo not reached")},
			status: "Failed", details: "Failed", code: 1,
			want: []stepSummary{{"Failed", "Failed", 1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.ReplaceAll(tc.name, " ", "-")
			e.c.sendAccepted(agentproto.Command{CommandID: "c", InvocationID: id, Steps: tc.steps})
			res := e.c.final(id)
			var got []stepSummary
			for _, s := range res.Steps {
				got = append(got, stepSummary{s.Status, s.StatusDetails, s.ResponseCode})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if res.Status != tc.status || res.StatusDetails != tc.details || res.ResponseCode != tc.code {
				t.Errorf("invocation = %s, %s, %d; want %s, %s, %d", res.Status, res.StatusDetails, res.ResponseCode, tc.status, tc.details, tc.code)
			}
			if last := res.Steps[len(res.Steps)-1]; !strings.Contains(last.Stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to say %q", last.Stderr, tc.wantStderr)
			}
			for i, s := range res.Steps {
				if s.Status == agentproto.StatusSkipped && !strings.HasPrefix(s.Stdout, "Step execution skipped") {
					t.Errorf("step %d skipped with stdout %q, want the reason", i, s.Stdout)
				}
				if s.Name != tc.steps[i].Name || s.Action != tc.steps[i].Action {
					t.Errorf("step %d = %s %s, want %s %s", i, s.Name, s.Action, tc.steps[i].Name, tc.steps[i].Action)
				}
			}
		})
	}
}

// groupScript starts two background children, writes its PID to pidFile
// and sleeps.
func groupScript(pidFile string) []string {
	return []string{"sleep 30 &", "sleep 30 &", "echo $$ > " + shellQuote(pidFile), "sleep 30"}
}

// processGroupOf waits for the PID in pidFile and returns its process
// group, which must have the script and its children (Linux only: 0
// elsewhere).
func processGroupOf(t *testing.T, pidFile string) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return 0
	}
	var pid int
	eventually(t, "the script's PID", func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	pgid, _, ok := procStat(pid)
	if !ok {
		t.Fatalf("no process %d", pid)
	}
	if n := len(groupMembers(t, pgid)); n < 3 {
		t.Fatalf("process group %d has %d processes, want the script and its 2 children at least", pgid, n)
	}
	return pgid
}

// procStat returns the process group and state of a process, from /proc.
func procStat(pid int) (pgid int, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// pid (comm) state ppid pgrp …; comm may hold anything but ")".
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 3 {
		return 0, "", false
	}
	pgid, err = strconv.Atoi(f[2])
	return pgid, f[0], err == nil
}

// groupMembers returns the live (not zombie) processes of a group.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	des, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, de := range des {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		if g, state, ok := procStat(pid); ok && g == pgid && state != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// checkGroupGone checks that no process of the group is left.
func checkGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if pgid == 0 {
		return
	}
	if pids := groupMembers(t, pgid); len(pids) != 0 {
		t.Errorf("processes %v of the step's group are still running", pids)
	}
}

func TestCommandTimeout(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd := shellCommand("inv-timeout", 2, groupScript(pidFile)...)
	e.c.sendAccepted(cmd)
	pgid := processGroupOf(t, pidFile)
	res := e.c.final(cmd.InvocationID)

	s := res.Steps[0]
	if res.Status != agentproto.StatusTimedOut || res.StatusDetails != agentproto.DetailsExecutionTimedOut || res.ResponseCode != 137 ||
		s.Status != agentproto.StatusTimedOut || s.StatusDetails != agentproto.DetailsExecutionTimedOut || s.ResponseCode != 137 {
		t.Errorf("result = %s/%s %d, step %s/%s %d; want TimedOut/ExecutionTimedOut 137 for both",
			res.Status, res.StatusDetails, res.ResponseCode, s.Status, s.StatusDetails, s.ResponseCode)
	}
	if d := s.EndedAt.Sub(s.StartedAt); d < 2*time.Second || d > 4*time.Second {
		t.Errorf("the step ran %v, want about 2s", d)
	}
	checkGroupGone(t, pgid)
}

func TestCommandCancel(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd := shellCommand("inv-cancel", 60, groupScript(pidFile)...)
	e.c.sendAccepted(cmd)
	e.c.inProgress(cmd.InvocationID)
	pgid := processGroupOf(t, pidFile)
	e.c.cancel("inv-unknown") // ignored
	e.c.cancel(cmd.InvocationID)
	res := e.c.final(cmd.InvocationID)
	s := res.Steps[0]
	if res.Status != agentproto.StatusCancelled || res.StatusDetails != agentproto.StatusCancelled || res.ResponseCode != 137 ||
		s.Status != agentproto.StatusCancelled || s.StatusDetails != agentproto.StatusCancelled {
		t.Errorf("result = %s/%s %d, step %s/%s; want Cancelled/Cancelled 137", res.Status, res.StatusDetails, res.ResponseCode, s.Status, s.StatusDetails)
	}
	if d := s.EndedAt.Sub(s.StartedAt); d > 10*time.Second {
		t.Errorf("the cancelled step ran %v", d)
	}
	checkGroupGone(t, pgid)
	if r := e.c.all("inv-unknown"); len(r) != 0 {
		t.Errorf("results for the cancel of an unknown invocation: %+v", r)
	}
}

func TestCommandLargeOutput(t *testing.T) {
	skipUnlessUnix(t)
	want, err := exec.Command("seq", "1", "100000").Output()
	if err != nil {
		t.Skipf("seq: %v", err)
	}
	e := newCmdEnv(t, Config{})
	cmd := shellCommand("inv-seq", 60, "seq 1 100000")
	e.c.sendAccepted(cmd)
	res := e.c.final(cmd.InvocationID)
	s := res.Steps[0]
	if res.Status != agentproto.StatusSuccess {
		t.Fatalf("status = %s, want Success", res.Status)
	}
	if s.Stdout != string(want[:agentproto.MaxInlineStdout]) {
		t.Errorf("inline stdout = %d bytes, want exactly the first %d bytes of the output", len(s.Stdout), agentproto.MaxInlineStdout)
	}
	if s.StdoutBytes != int64(len(want)) || s.StderrBytes != 0 {
		t.Errorf("sizes = %d, %d; want %d, 0", s.StdoutBytes, s.StderrBytes, len(want))
	}
	got := e.c.output(cmd.InvocationID, s.Name, agentproto.StreamStdout)
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("reassembled output: %d bytes, SHA-256 differs from seq's %d bytes", len(got), len(want))
	}
	e.c.mu.Lock()
	n := len(e.c.chunks[chunkKey{cmd.InvocationID, s.Name, agentproto.StreamStdout}])
	e.c.mu.Unlock()
	if min := (len(want) + agentproto.MaxChunk - 1) / agentproto.MaxChunk; n < min {
		t.Errorf("%d chunks, want at least %d", n, min)
	}
}

func TestCommandDuplicate(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	ran := filepath.Join(t.TempDir(), "ran")
	cmd := shellCommand("inv-dup", 60, "echo run >> "+shellQuote(ran), "sleep 0.5")
	e.c.sendAccepted(cmd)
	// Again while it runs: a duplicate.
	if ack := e.c.send(cmd); ack.Status != agentproto.AckDuplicate {
		t.Errorf("ack of a redelivery = %+v, want Duplicate", ack)
	}
	res := e.c.final(cmd.InvocationID)
	if res.Status != agentproto.StatusSuccess {
		t.Fatalf("status = %s, want Success", res.Status)
	}
	// Again once it ended: a duplicate, and the result again.
	if ack := e.c.send(cmd); ack.Status != agentproto.AckDuplicate {
		t.Errorf("ack of a redelivery after the end = %+v, want Duplicate", ack)
	}
	eventually(t, "the result published again", func() bool { return len(e.c.finals(cmd.InvocationID)) == 2 })
	if diff := cmp.Diff(res, e.c.finals(cmd.InvocationID)[1]); diff != "" {
		t.Errorf("result published again (-first +again):\n%s", diff)
	}

	// After a restart too.
	e.stop()
	e.start()
	if ack := e.c.send(cmd); ack.Status != agentproto.AckDuplicate {
		t.Errorf("ack of a redelivery after a restart = %+v, want Duplicate", ack)
	}
	eventually(t, "the result published after the restart", func() bool { return len(e.c.finals(cmd.InvocationID)) == 3 })
	// A later command runs, so the duplicate had its chance to run.
	later := shellCommand("inv-later", 60, "true")
	e.c.sendAccepted(later)
	e.c.final(later.InvocationID)
	if b, err := os.ReadFile(ran); err != nil || string(b) != "run\n" {
		t.Errorf("side effect file = %q, %v; want the command run once", b, err)
	}
	if n := len(e.c.all(cmd.InvocationID)) - len(e.c.finals(cmd.InvocationID)); n != 1 {
		t.Errorf("%d InProgress results, want 1", n)
	}
}

func TestCommandDeadline(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	ran := filepath.Join(t.TempDir(), "ran")
	cmd := shellCommand("inv-late", 60, "echo run >> "+shellQuote(ran))
	cmd.Deadline = time.Now().Add(-time.Minute)
	ack := e.c.send(cmd)
	if ack.Status != agentproto.AckRejected || ack.Reason == "" {
		t.Errorf("ack = %+v, want Rejected with a reason", ack)
	}
	res := e.c.final(cmd.InvocationID)
	want := agentproto.InvocationResult{
		CommandID: cmd.CommandID, InvocationID: cmd.InvocationID,
		Status: agentproto.StatusTimedOut, StatusDetails: agentproto.DetailsDeliveryTimedOut, ResponseCode: -1,
	}
	if diff := cmp.Diff(want, res, ignoreEndedAt); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if len(e.c.all(cmd.InvocationID)) != 1 {
		t.Errorf("results = %+v, want the final one only", e.c.all(cmd.InvocationID))
	}
	// Delivered again: a duplicate.
	if ack := e.c.send(cmd); ack.Status != agentproto.AckDuplicate {
		t.Errorf("ack of a redelivery = %+v, want Duplicate", ack)
	}
	later := shellCommand("inv-later", 60, "true")
	e.c.sendAccepted(later)
	e.c.final(later.InvocationID)
	if _, err := os.Stat(ran); err == nil {
		t.Error("the late command ran")
	}
}

// ignoreEndedAt ignores an InvocationResult's EndedAt.
var ignoreEndedAt = cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "EndedAt" }, cmp.Ignore())

func TestCommandConcurrency(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{MaxConcurrentCommands: 1})
	gate := filepath.Join(t.TempDir(), "go")
	wait := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done", shellQuote(gate))
	first := shellCommand("inv-1", 60, wait, "echo first")
	second := shellCommand("inv-2", 60, "sleep 0.2", "echo second")
	third := shellCommand("inv-3", 60, "echo third")
	e.c.sendAccepted(first)
	e.c.inProgress(first.InvocationID)
	e.c.sendAccepted(second)
	e.c.sendAccepted(third)
	// Queued: accepted, not started; a queued one can be cancelled.
	e.c.cancel(third.InvocationID)
	res3 := e.c.final(third.InvocationID)
	if res3.Status != agentproto.StatusCancelled || res3.StatusDetails != agentproto.StatusCancelled || res3.ResponseCode != -1 || len(res3.Steps) != 0 {
		t.Errorf("cancelled queued invocation = %+v, want Cancelled, -1, no steps", res3)
	}
	if r := e.c.all(second.InvocationID); len(r) != 0 {
		t.Errorf("the queued invocation reported %+v before the first ended", r)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r1, r2 := e.c.final(first.InvocationID), e.c.final(second.InvocationID)
	if r1.Status != agentproto.StatusSuccess || r2.Status != agentproto.StatusSuccess {
		t.Fatalf("statuses = %s, %s; want Success", r1.Status, r2.Status)
	}
	if r2.StartedAt.Before(r1.EndedAt) {
		t.Errorf("with MaxConcurrentCommands 1, inv-2 ran %v–%v while inv-1 ran %v–%v", r2.StartedAt, r2.EndedAt, r1.StartedAt, r1.EndedAt)
	}
	if len(e.c.all(third.InvocationID)) != 1 {
		t.Errorf("the cancelled queued invocation ran: %+v", e.c.all(third.InvocationID))
	}
}

// echoExecutor runs a step in-process: it writes the step's commands to
// stdout, as the fleet benchmark does.
type echoExecutor struct{}

func (echoExecutor) Execute(_ context.Context, step agentproto.Step, _ []string, stdout, _ io.Writer) (int, error) {
	_, err := io.WriteString(stdout, strings.Join(step.Commands, "\n")+"\n")
	return 0, err
}

func TestCommandExecutor(t *testing.T) {
	e := newCmdEnv(t, Config{Executor: echoExecutor{}})
	var ids []string
	for i := range 20 {
		cmd := shellCommand(fmt.Sprintf("inv-%d", i), 60, "a", fmt.Sprint(i))
		e.c.sendAccepted(cmd)
		ids = append(ids, cmd.InvocationID)
	}
	for i, id := range ids {
		res := e.c.final(id)
		if want := fmt.Sprintf("a\n%d\n", i); res.Status != agentproto.StatusSuccess || len(res.Steps) != 1 || res.Steps[0].Stdout != want {
			t.Errorf("result of %s = %+v, want Success with stdout %q", id, res, want)
		}
	}
	if _, err := os.Stat(filepath.Join(e.cfg.StateDir, scriptDir)); err == nil {
		t.Error("the echo executor's agent wrote scripts")
	}
}

// TestCommandResultAfterReconnect checks that a result that ends while the
// bus is down is published once it is back.
func TestCommandResultAfterReconnect(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{})
	gate := filepath.Join(t.TempDir(), "go")
	cmd := shellCommand("inv-1", 60, fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done", shellQuote(gate)), "echo finished")
	e.c.sendAccepted(cmd)
	e.c.inProgress(cmd.InvocationID)

	e.bus.stop()
	eventually(t, "the agent to notice", func() bool { s, _ := e.a.Status(); return !s.Connected })
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ended := filepath.Join(e.cfg.StateDir, ledgerDir, ledgerKey(cmd.InvocationID)+"."+stateEnded)
	eventually(t, "the result in the ledger", func() bool { _, err := os.Stat(ended); return err == nil })
	e.bus.start()
	res := e.c.final(cmd.InvocationID)
	if res.Status != agentproto.StatusSuccess || res.Steps[0].Stdout != "finished\n" {
		t.Errorf("result = %+v, want Success with stdout finished", res)
	}
}

// TestCommandAgentRestart checks what happens to commands when the agent
// stops: the running one is killed and ends Failed, the queued one runs
// at the next start, and one the agent was running when it died ends
// Failed at the next start.
func TestCommandAgentRestart(t *testing.T) {
	skipUnlessUnix(t)
	e := newCmdEnv(t, Config{MaxConcurrentCommands: 1})
	pidFile := filepath.Join(t.TempDir(), "pid")
	running := shellCommand("inv-running", 60, groupScript(pidFile)...)
	queued := shellCommand("inv-queued", 60, "echo queued")
	e.c.sendAccepted(running)
	e.c.inProgress(running.InvocationID)
	pgid := processGroupOf(t, pidFile)
	e.c.sendAccepted(queued)

	stopped := time.Now()
	e.stop()
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("Run took %v to stop", d)
	}
	checkGroupGone(t, pgid)
	res := e.c.final(running.InvocationID)
	if res.Status != agentproto.StatusFailed || res.ResponseCode != 137 || !strings.Contains(res.Steps[0].Stderr, "agent stopped") {
		t.Errorf("result of the running invocation = %s %d, stderr %q; want Failed 137, saying the agent stopped", res.Status, res.ResponseCode, res.Steps[0].Stderr)
	}
	if r := e.c.all(queued.InvocationID); len(r) != 0 {
		t.Errorf("the queued invocation reported %+v", r)
	}

	// The agent dies while running a command (here: the ledger says so).
	l, _, err := openLedger(filepath.Join(e.cfg.StateDir, ledgerDir), time.Now, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	died := shellCommand("inv-died", 60, "true")
	startedAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	if err := l.receive(&died, startedAt); err != nil {
		t.Fatal(err)
	}
	if err := l.start(&ledgerEntry{InvocationID: died.InvocationID, CommandID: died.CommandID, ReceivedAt: startedAt, StartedAt: startedAt, Command: &died}); err != nil {
		t.Fatal(err)
	}

	e.start()
	if res := e.c.final(queued.InvocationID); res.Status != agentproto.StatusSuccess || res.Steps[0].Stdout != "queued\n" {
		t.Errorf("result of the queued invocation after the restart = %+v, want Success", res)
	}
	res = e.c.final(died.InvocationID)
	if res.Status != agentproto.StatusFailed || res.ResponseCode != 137 || !res.StartedAt.Equal(startedAt) || len(e.c.all(died.InvocationID)) != 1 {
		t.Errorf("result of the invocation running when the agent died = %+v, want Failed 137 started at %v, and not run again", res, startedAt)
	}
	if len(e.c.finals(running.InvocationID)) != 1 {
		t.Errorf("the stopped invocation ran again: %+v", e.c.all(running.InvocationID))
	}
}
