// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// ingestChildEnv, set to a data directory, makes the test binary an
// ingest process (audit.ServeIngest) over the SQLite store there.
const ingestChildEnv = "KANRI_TEST_INGEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(ingestChildEnv); dir != "" {
		log := slog.New(slog.NewTextHandler(os.Stderr, nil))
		db, err := store.Open(context.Background(), store.Config{DataDir: dir, Logger: log})
		if err == nil {
			err = audit.ServeIngest(context.Background(), os.Stdin, os.Stdout, db, log, 7)
			db.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ingestProcess returns an IngestProcess whose child is this test binary
// serving the SQLite store in dataDir.
func ingestProcess(dataDir string) *audit.IngestProcess {
	return audit.NewIngestProcess(func() *exec.Cmd {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), ingestChildEnv+"="+dataDir)
		c.Stderr = os.Stderr
		return c
	}, nil)
}

// niceOf returns the lowest nice value of a process's threads, from
// /proc. (A thread that started a child at a lower priority keeps it, but
// runs nothing else.)
func niceOf(t *testing.T, pid int) int {
	t.Helper()
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		t.Fatalf("threads of %d: %v", pid, err)
	}
	lowest := 20
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread ended
		}
		// The fields after the command name, which ends with the last
		// ")": the nice value is the 19th field, the 17th of these.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		n, err := strconv.Atoi(f[16])
		if err != nil {
			t.Fatal(err)
		}
		lowest = min(lowest, n)
	}
	return lowest
}

// TestJournalWithIngestProcess has a child process store the journal's
// segments: lookups wait for it, it runs at a lower priority, a child
// killed mid-way is replaced without losing or doubling an event, and
// Close ends it.
func TestJournalWithIngestProcess(t *testing.T) {
	if !audit.IngestProcessSupported() {
		t.Skip("the ingest process runs on Linux")
	}
	cfg := storetest.SQLite(t)
	db := storetest.Open(t, cfg)
	dir := filepath.Join(t.TempDir(), "journal")
	p := ingestProcess(cfg.DataDir)
	j := openJournal(t, dir, db, true, audit.JournalConfig{Interval: 5 * time.Millisecond, Ingester: p})
	ctx := context.Background()
	appendEvents := func(from, to int) {
		t.Helper()
		for i := from; i < to; i += 10 {
			batch := make([]audit.Event, 0, 10)
			for k := i; k < min(i+10, to); k++ {
				batch = append(batch, event(k))
			}
			if err := j.AppendEvents(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
	}

	appendEvents(0, 200)
	got, err := j.LookupEvents(ctx, audit.Query{Limit: 1000})
	if err != nil || len(got) != 200 {
		t.Fatalf("LookupEvents = %d events, %v; want the 200 appended", len(got), err)
	}
	pid := p.PID()
	if pid == 0 {
		t.Fatal("no ingest process runs after the journal stored events")
	}
	if want := niceOf(t, os.Getpid()) + 10; niceOf(t, pid) != min(want, 19) {
		t.Errorf("ingest process nice = %d, want %d", niceOf(t, pid), min(want, 19))
	}
	if p.CPUSeconds() <= 0 {
		t.Errorf("CPUSeconds = %v after storing 200 events, want more than 0", p.CPUSeconds())
	}

	// A child that dies is replaced; the segment it held is stored again,
	// each event once.
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	appendEvents(200, 300)
	got, err = j.LookupEvents(ctx, audit.Query{Limit: 1000})
	if err != nil || len(got) != 300 {
		t.Fatalf("LookupEvents after the child was killed = %d events, %v; want 300", len(got), err)
	}
	if ids := stored(t, db); len(ids) != 300 {
		t.Errorf("database holds %d events, want 300", len(ids))
	}
	if next := p.PID(); next == 0 || next == pid {
		t.Errorf("ingest process after the kill = %d, want a new one (the killed one was %d)", next, pid)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(segments(t, dir)) > 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if names := segments(t, dir); len(names) != 1 {
		t.Errorf("journal holds %v after everything was stored, want one segment", names)
	}

	// Close stores the rest and ends the child.
	pid = p.PID()
	appendEvents(300, 310)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if ids := stored(t, db); len(ids) != 310 {
		t.Errorf("database holds %d events after Close, want 310", len(ids))
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("ingest process %d still runs after Close", pid)
	}
	if names := segments(t, dir); len(names) != 0 {
		t.Errorf("journal holds %v after Close stored everything, want nothing", names)
	}
}
