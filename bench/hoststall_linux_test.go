// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStallWatchWakesOnEveryCPU runs the host-stall watch for a fifth of a
// second: with real-time priority permitted, every CPU's watcher must
// have slept and woken about once a millisecond.
func TestStallWatchWakesOnEveryCPU(t *testing.T) {
	w := watchStalls()
	time.Sleep(200 * time.Millisecond)
	s := w.end()
	if !s.Watched {
		if !errors.Is(w.failed, unix.EPERM) {
			t.Fatalf("the watch did not run: %v", w.failed)
		}
		t.Skipf("real-time priority not permitted: %v", w.failed)
	}
	if len(w.wakeups) == 0 {
		t.Fatal("no CPU watched")
	}
	for cpu, n := range w.wakeups {
		if n < 100 || n > 200 {
			t.Errorf("watcher %d woke %d times in 200 ms, want about 190 (one per millisecond's sleep)", cpu, n)
		}
	}
	if s.Count > 0 && (s.Max < stallThreshold || s.Total < s.Max) {
		t.Errorf("stalls %+v: the longest must be at least the threshold and at most the total", s)
	}
}

// TestHostStallsCountOnlyOverrunsPastTheThreshold checks the accounting.
func TestHostStallsCountOnlyOverrunsPastTheThreshold(t *testing.T) {
	var s HostStalls
	for _, over := range []time.Duration{0, 50 * time.Microsecond, stallThreshold - 1, stallThreshold, 7 * time.Millisecond} {
		s.note(over)
	}
	want := HostStalls{Count: 2, Total: stallThreshold + 7*time.Millisecond, Max: 7 * time.Millisecond}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
}
