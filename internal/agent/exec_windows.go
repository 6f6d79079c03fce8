// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package agent

import (
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// stoppedExitCode is the exit code of a step killed for its timeout or a
// cancel, as SSM's agent reports it on Windows.
const stoppedExitCode = -1

// processGroup is the job object a step's script runs in, so that what it
// starts is killed with it; the script also leads a process group of its
// own.
type processGroup struct {
	cmd *exec.Cmd

	mu  sync.Mutex
	job windows.Handle // 0 until the script is in it
}

// newProcessGroup makes cmd start a process group of its own.
func newProcessGroup(cmd *exec.Cmd) *processGroup {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	return &processGroup{cmd: cmd}
}

// started puts the started script in a job object of its own. What the
// script starts from then on is in the job too.
func (g *processGroup) started() {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(g.cmd.Process.Pid))
	if err != nil {
		windows.CloseHandle(job)
		return
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return
	}
	g.mu.Lock()
	g.job = job
	g.mu.Unlock()
}

// kill kills every process of the job; without a job, the script's
// process tree.
func (g *processGroup) kill() error {
	g.mu.Lock()
	job := g.job
	g.mu.Unlock()
	if job != 0 && windows.TerminateJobObject(job, 1) == nil {
		return nil
	}
	kill := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(g.cmd.Process.Pid))
	if kill.Run() == nil {
		return nil
	}
	return g.cmd.Process.Kill()
}

// close releases the job once the script ended. Closing it does not kill
// what the script left running.
func (g *processGroup) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.job != 0 {
		windows.CloseHandle(g.job)
		g.job = 0
	}
}
