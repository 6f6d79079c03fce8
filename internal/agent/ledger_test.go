// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

func openTestLedger(t *testing.T, dir string, now func() time.Time) (*ledger, []*ledgerEntry) {
	t.Helper()
	l, open, err := openLedger(dir, now, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].InvocationID < open[j].InvocationID })
	return l, open
}

func TestLedger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ledgerDir)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	l, open := openTestLedger(t, dir, clk.now)
	if len(open) != 0 {
		t.Fatalf("new ledger has %d open entries", len(open))
	}
	cmd := func(id string) *agentproto.Command {
		return &agentproto.Command{CommandID: "c", InvocationID: id, Steps: []agentproto.Step{{Name: "s", Commands: []string{"true"}}}}
	}
	for _, id := range []string{"queued", "running", "ended", "reported"} {
		if err := l.receive(cmd(id), clk.now()); err != nil {
			t.Fatal(err)
		}
		if got := l.state(id); got != stateQueued {
			t.Errorf("state(%s) after receive = %q, want queued", id, got)
		}
	}
	if err := l.receive(cmd("queued"), clk.now()); !errors.Is(err, fs.ErrExist) {
		t.Errorf("receive of a known invocation = %v, want ErrExist", err)
	}
	if got := l.state("never"); got != "" {
		t.Errorf("state of an unknown invocation = %q, want \"\"", got)
	}
	started := clk.now().Add(time.Second)
	for _, id := range []string{"running", "ended", "reported"} {
		if err := l.start(&ledgerEntry{InvocationID: id, CommandID: "c", ReceivedAt: clk.now(), StartedAt: started, Command: cmd(id)}); err != nil {
			t.Fatal(err)
		}
	}
	result := func(id string) *agentproto.InvocationResult {
		return &agentproto.InvocationResult{CommandID: "c", InvocationID: id, Status: agentproto.StatusSuccess, StatusDetails: agentproto.StatusSuccess}
	}
	for _, id := range []string{"ended", "reported"} {
		if err := l.end(&ledgerEntry{InvocationID: id, CommandID: "c", ReceivedAt: clk.now(), StartedAt: started, Command: cmd(id), Result: result(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.reported("reported"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"queued": stateQueued, "running": stateRunning, "ended": stateEnded, "reported": stateReported} {
		if got := l.state(id); got != want {
			t.Errorf("state(%s) = %q, want %q", id, got, want)
		}
	}
	if res, err := l.result("reported"); err != nil || res.InvocationID != "reported" {
		t.Errorf("result(reported) = %+v, %v", res, err)
	}
	if _, err := l.result("running"); err == nil {
		t.Error("result of a running invocation: no error")
	}

	// One file per invocation, 0600 in a 0700 dir; an ended one no longer
	// holds the command.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 4 {
		t.Errorf("ledger holds %d files, want 4: %v", len(files), files)
	}
	if runtime.GOOS != "windows" {
		for _, f := range append(files, dir) {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			want := os.FileMode(0o600)
			if fi.IsDir() {
				want = 0o700
			}
			if fi.Mode().Perm() != want {
				t.Errorf("mode of %s = %o, want %o", f, fi.Mode().Perm(), want)
			}
		}
	}

	// Reopened (a restart), with a crash's leftover: an invocation that
	// ended while its running file was not removed yet.
	leftover := filepath.Join(dir, ledgerKey("ended")+"."+stateRunning)
	if err := os.WriteFile(leftover, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, open = openTestLedger(t, dir, clk.now)
	type got struct {
		ID, State string
		Command   bool
		Result    bool
		StartedAt time.Time
	}
	var gots []got
	for _, e := range open {
		gots = append(gots, got{e.InvocationID, e.State, e.Command != nil, e.Result != nil, e.StartedAt})
	}
	want := []got{
		{"ended", stateEnded, false, true, started},
		{"queued", stateQueued, true, false, time.Time{}},
		{"running", stateRunning, true, false, started},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("open entries after reopening (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("leftover running file of an ended invocation not removed: %v", err)
	}
	if got := l.state("reported"); got != stateReported {
		t.Errorf("state(reported) after reopening = %q", got)
	}

	// Pruning: ended invocations go 14 days after they were last
	// written; queued and running ones stay.
	old := time.Now().Add(-ledgerRetention - time.Hour)
	for _, f := range files {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	l, open = openTestLedger(t, dir, time.Now)
	if len(open) != 2 {
		t.Errorf("open entries after pruning = %d, want the queued and running ones", len(open))
	}
	for id, want := range map[string]string{"queued": stateQueued, "running": stateRunning, "ended": "", "reported": ""} {
		if got := l.state(id); got != want {
			t.Errorf("state(%s) after pruning = %q, want %q", id, got, want)
		}
	}
	if err := l.receive(cmd("reported"), time.Now()); err != nil {
		t.Errorf("receive of a pruned invocation = %v, want it new", err)
	}
}
