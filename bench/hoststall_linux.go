// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// stallWatch watches for the host taking the machine's CPUs away, as a
// hypervisor does when it runs something else on the cores behind a VM's
// virtual CPUs. One thread per CPU, pinned to it at the highest real-time
// priority, sleeps a millisecond at a time and notes how much longer each
// sleep took. Such a thread preempts every ordinary thread of the machine
// as soon as its timer fires, so a sleep that overruns by milliseconds
// means the CPU ran none of the machine's programs meanwhile, the server
// measured included: the hypervisor held it (or, for overruns just past
// stallThreshold, the kernel's own interrupt work did).
type stallWatch struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	stalls  HostStalls
	wakeups []int // per CPU watched
	failed  error // the first watcher that could not be set up
}

// watchStalls starts a watcher on every CPU the process may run on. Where
// real-time priority is not permitted (not root, no CAP_SYS_NICE) the
// watchers stop at once and the result says it was not watched: at an
// ordinary priority a watcher would measure the load's own queueing.
func watchStalls() *stallWatch {
	w := &stallWatch{stop: make(chan struct{})}
	var cpus unix.CPUSet
	if err := unix.SchedGetaffinity(0, &cpus); err != nil {
		w.failed = err
		return w
	}
	for cpu := 0; cpu < len(cpus)*64; cpu++ {
		if !cpus.IsSet(cpu) {
			continue
		}
		w.wakeups = append(w.wakeups, 0)
		w.wg.Add(1)
		go w.watch(cpu, len(w.wakeups)-1)
	}
	return w
}

// watch is one CPU's watcher; slot is its index in w.wakeups.
func (w *stallWatch) watch(cpu, slot int) {
	defer w.wg.Done()
	runtime.LockOSThread() // the thread ends with the goroutine: its priority is never reused
	var set unix.CPUSet
	set.Set(cpu)
	err := unix.SchedSetaffinity(0, &set)
	if err == nil {
		err = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: 99}, 0)
	}
	if err != nil {
		w.mu.Lock()
		if w.failed == nil {
			w.failed = err
		}
		w.mu.Unlock()
		return
	}
	const nap = time.Millisecond
	ts := unix.NsecToTimespec(int64(nap))
	prev := time.Now()
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		unix.ClockNanosleep(unix.CLOCK_MONOTONIC, 0, &ts, nil)
		now := time.Now()
		over := now.Sub(prev) - nap
		prev = now
		w.mu.Lock()
		w.wakeups[slot]++
		w.stalls.note(over)
		w.mu.Unlock()
	}
}

// end stops the watchers and returns what they saw.
func (w *stallWatch) end() HostStalls {
	close(w.stop)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stalls
	s.Watched = w.failed == nil && len(w.wakeups) > 0
	return s
}
