// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// Executor runs the steps of the commands an agent receives (Run Command).
//
// Execute runs step's Commands with env as their environment (env must
// not be modified), writes their output to stdout and stderr as it comes,
// and returns their exit code. ctx carries the step's timeout and the
// invocation's cancellation: when it ends, Execute must stop the step and
// everything the step started, and return soon, with an error. Any other
// error means the step could not run; the agent reports the step Failed
// with the error in its stderr. Execute is called concurrently for
// different invocations.
type Executor interface {
	Execute(ctx context.Context, step agentproto.Step, env []string, stdout, stderr io.Writer) (exitCode int, err error)
}

// scriptWaitDelay bounds how long a step's output is still read after its
// script exited or was killed: processes it left in the background may
// hold the output open.
const scriptWaitDelay = 5 * time.Second

// processExecutor is the agent's default Executor: it writes a step's
// commands to a script file, in a directory of its own (mode 0700) under
// dir that is removed afterwards, and runs it as SSM's agent does, in a
// process group (a job object on Windows) of its own, which is killed
// whole when ctx ends. The working directory is the step's, which must
// exist, or else the script's directory.
type processExecutor struct {
	dir string
}

// Execute runs step as a script.
func (e processExecutor) Execute(ctx context.Context, step agentproto.Step, env []string, stdout, stderr io.Writer) (int, error) {
	wd := step.WorkingDirectory
	if wd != "" {
		if fi, err := os.Stat(wd); err != nil || !fi.IsDir() {
			return 1, fmt.Errorf("working directory %s does not exist", wd)
		}
	}
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		return 1, fmt.Errorf("create script directory: %w", err)
	}
	dir, err := os.MkdirTemp(e.dir, "step-")
	if err != nil {
		return 1, fmt.Errorf("create script directory: %w", err)
	}
	defer os.RemoveAll(dir)
	script, argv, err := scriptCommand(runtime.GOOS, step.Action, dir)
	if err != nil {
		return 1, err
	}
	if err := os.WriteFile(script, scriptContent(script, step.Commands), 0o700); err != nil {
		return 1, fmt.Errorf("write script: %w", err)
	}
	if wd == "" {
		wd = dir
	}

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = wd
	cmd.Env = env
	if abs, err := filepath.Abs(wd); err == nil && runtime.GOOS != "windows" {
		// As exec.Cmd does when it makes the environment: a shell
		// trusts PWD if it names the working directory.
		cmd.Env = append(slices.Clip(env), "PWD="+abs)
	}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = scriptWaitDelay
	g := newProcessGroup(cmd)
	var stopped atomic.Bool
	cmd.Cancel = func() error {
		stopped.Store(true)
		return g.kill()
	}
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("start %s: %w", argv[0], err)
	}
	g.started()
	err = cmd.Wait()
	g.close()
	var exitErr *exec.ExitError
	switch {
	case stopped.Load():
		return stoppedExitCode, fmt.Errorf("stopped: %w", context.Cause(ctx))
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), nil
	case errors.Is(err, exec.ErrWaitDelay):
		// The script succeeded; something it left running kept its
		// output open.
		return cmd.ProcessState.ExitCode(), nil
	default:
		return 1, err
	}
}

// scriptCommand returns where, in dir, the script of a step of action is
// written on goos, and the command line that runs it: for
// aws:runShellScript `/bin/sh -c <script>` as SSM's agent does (so a "#!"
// line picks the interpreter); for aws:runPowerShellScript PowerShell
// with -File <script> (powershell.exe on Windows, pwsh elsewhere).
func scriptCommand(goos, action, dir string) (script string, argv []string, err error) {
	switch action {
	case agentproto.ActionRunShellScript:
		if goos == "windows" {
			return "", nil, fmt.Errorf("%s is not supported on Windows", action)
		}
		script = filepath.Join(dir, "_script.sh")
		return script, []string{"/bin/sh", "-c", shellQuote(script)}, nil
	case agentproto.ActionRunPowerShellScript:
		script = filepath.Join(dir, "_script.ps1")
		ps := "pwsh"
		if goos == "windows" {
			ps = "powershell.exe"
		}
		return script, []string{ps, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", script}, nil
	default:
		return "", nil, fmt.Errorf("action %q is not supported by the kanri agent: it runs %s and %s", action, agentproto.ActionRunShellScript, agentproto.ActionRunPowerShellScript)
	}
}

// scriptContent is the script file of commands: one a line, as SSM's agent
// writes it. PowerShell scripts start with a UTF-8 byte order mark, without
// which Windows PowerShell reads them in the ANSI code page.
func scriptContent(script string, commands []string) []byte {
	s := strings.Join(commands, "\n") + "\n"
	if strings.HasSuffix(script, ".ps1") {
		s = "\uFEFF" + s
	}
	return []byte(s)
}

// shellQuote quotes s as one word for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// platformType returns the SSM platform type of goos.
func platformType(goos string) string {
	switch goos {
	case "windows":
		return agentproto.PlatformWindows
	case "darwin":
		return agentproto.PlatformMacOS
	default:
		return agentproto.PlatformLinux
	}
}
