// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package agent

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// stoppedExitCode is the exit code of a step killed for its timeout or a
// cancel, as SSM's agent reports it on Linux and macOS: 128 + SIGKILL.
const stoppedExitCode = 137

// processGroup is the process group a step's script runs in: the script
// leads it, and what it starts joins it.
type processGroup struct {
	cmd *exec.Cmd
}

// newProcessGroup makes cmd start a process group of its own.
func newProcessGroup(cmd *exec.Cmd) *processGroup {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &processGroup{cmd: cmd}
}

// started is called once the script started.
func (g *processGroup) started() {}

// kill kills every process of the group.
func (g *processGroup) kill() error {
	err := syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// close releases the group once the script ended.
func (g *processGroup) close() {}
