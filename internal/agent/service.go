// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"text/template"
)

// ServiceName names the agent's system service: the systemd unit
// kanri-agent.service and the Windows service kanri-agent.
const ServiceName = "kanri-agent"

// unitPath is where the systemd unit is installed, under the root.
const unitPath = "/etc/systemd/system/" + ServiceName + ".service"

//go:embed kanri-agent.service
var unitTemplate string

// ServiceOptions configures InstallService.
type ServiceOptions struct {
	// Binary is the kanri binary the service runs, as an absolute path on
	// the system being set up; "" means the running executable.
	Binary string
	// StateDir is the agent's state dir as the service sees it; "" means
	// DefaultStateDir().
	StateDir string
	// Root is the root of the file system the systemd unit is written
	// into ("" or "/" for this system). Under another root the unit is
	// enabled with systemctl --root and not started. Linux only.
	Root string
	// NoStart writes (and on Windows, registers) the service without
	// enabling or starting it.
	NoStart bool
	// Restart restarts the service if it runs, so that a new binary takes
	// effect. A changed unit or configuration restarts it anyway.
	Restart bool
	// Logger reports what is done; nil discards it.
	Logger *slog.Logger
}

// InstallService installs or updates the agent's service and, unless
// NoStart, enables and starts it: on Linux the systemd unit (then systemctl
// daemon-reload and enable --now), on Windows a service of the service
// control manager that restarts on failure. It is idempotent: run again
// with the same options it changes nothing and leaves a running agent
// alone.
func InstallService(ctx context.Context, o ServiceOptions) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir()
	}
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		if exe, err = filepath.EvalSymlinks(exe); err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		o.Binary = exe
	}
	switch runtime.GOOS {
	case "linux":
		return installSystemd(ctx, o)
	case "windows":
		if o.Root != "" {
			return errors.New("install service: a root is only for systemd units")
		}
		return installWindowsService(ctx, o)
	}
	return fmt.Errorf("install service: not supported on %s", runtime.GOOS)
}

// unitData fills the unit template.
type unitData struct {
	Binary, StateDir string
	// StateDirectory is StateDir under /var/lib for systemd's
	// StateDirectory=, or "" if it is elsewhere.
	StateDirectory string
}

// SystemdUnit returns the agent's systemd unit running binary on stateDir,
// both absolute paths free of whitespace, quotes, backslashes and %.
func SystemdUnit(binary, stateDir string) ([]byte, error) {
	for _, p := range []string{binary, stateDir} {
		if !path.IsAbs(p) || strings.ContainsAny(p, " \t\r\n\"'\\%$;`") {
			return nil, fmt.Errorf("systemd unit: path %q: want an absolute path without spaces, quotes, backslashes, %% or $", p)
		}
	}
	d := unitData{Binary: path.Clean(binary), StateDir: path.Clean(stateDir)}
	if rel, ok := strings.CutPrefix(d.StateDir, "/var/lib/"); ok && rel != "" {
		d.StateDirectory = rel
	}
	t, err := template.New("unit").Parse(unitTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// installSystemd writes the unit under o.Root and enables it.
func installSystemd(ctx context.Context, o ServiceOptions) error {
	unit, err := SystemdUnit(o.Binary, o.StateDir)
	if err != nil {
		return fmt.Errorf("install service: %w", err)
	}
	root := o.Root
	if root == "" {
		root = "/"
	}
	file := filepath.Join(root, unitPath)
	old, err := os.ReadFile(file)
	changed := err != nil || !bytes.Equal(old, unit)
	if changed {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		if err := writeFileAtomic(file, unit); err != nil {
			return fmt.Errorf("install service: write %s: %w", file, err)
		}
		if err := os.Chmod(file, 0o644); err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		o.Logger.Info("wrote systemd unit", "file", file)
	} else {
		o.Logger.Info("systemd unit unchanged", "file", file)
	}
	if o.NoStart {
		return nil
	}
	if filepath.Clean(root) != "/" {
		// Another system's root: enable the unit there; it starts with
		// that system.
		return systemctl(ctx, o.Logger, "--root="+root, "enable", ServiceName)
	}
	// enable --now leaves a running agent on its old unit or binary.
	wasActive := systemctl(ctx, o.Logger, "is-active", "--quiet", ServiceName) == nil
	if changed {
		if err := systemctl(ctx, o.Logger, "daemon-reload"); err != nil {
			return err
		}
	}
	if err := systemctl(ctx, o.Logger, "enable", "--now", ServiceName); err != nil {
		return err
	}
	if wasActive && (changed || o.Restart) {
		return systemctl(ctx, o.Logger, "restart", ServiceName)
	}
	return nil
}

// systemctl runs systemctl with args.
func systemctl(ctx context.Context, log *slog.Logger, args ...string) error {
	cmd := exec.CommandContext(ctx, "systemctl", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	log.Info("ran systemctl", "args", args)
	return nil
}
