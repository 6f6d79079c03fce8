// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startNiced starts cmd with a nice value nice above this process's. On
// Linux a nice value belongs to a thread and a child inherits its forking
// thread's: cmd is started from a thread of its own, niced first, which
// ends with the goroutine that locked it, so that nothing else of this
// process runs at that priority.
func startNiced(cmd *exec.Cmd, nice int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		tid := syscall.Gettid()
		// The raw system call answers 20 minus the nice value.
		if prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err == nil {
			syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(19, 20-prio+nice))
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// processCPUSeconds returns the CPU time (user and system) this process
// has used.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
