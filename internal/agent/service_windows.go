// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// IsWindowsService reports whether the process was started by the Windows
// service control manager.
func IsWindowsService() (bool, error) { return svc.IsWindowsService() }

// RunService runs run as the Windows service ServiceName until the service
// control manager stops it (or the system shuts down), which cancels run's
// context, or until run returns. A non-nil error of run is returned and
// reported to the service control manager as a service-specific exit code
// 1, which makes it restart the service.
func RunService(ctx context.Context, run func(context.Context) error) error {
	h := &serviceHandler{ctx: ctx, run: run}
	if err := svc.Run(ServiceName, h); err != nil {
		return fmt.Errorf("run service: %w", err)
	}
	return h.err
}

// serviceHandler adapts run to the service control manager.
type serviceHandler struct {
	ctx context.Context
	run func(context.Context) error
	err error // run's result, set before Execute returns
}

// Execute runs the service: it starts run and answers the service control
// manager's requests until run ends.
func (h *serviceHandler) Execute(args []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.run(ctx) }()
	const accepts = svc.AcceptStop | svc.AcceptShutdown
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for {
		select {
		case h.err = <-done:
			if h.err != nil {
				return true, 1
			}
			return false, 0
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32((drainTimeout + 10*time.Second) / time.Millisecond)}
				cancel()
			}
		}
	}
}

// installWindowsService creates or updates the service, makes the service
// control manager restart it after any failure, and starts it.
func installWindowsService(ctx context.Context, o ServiceOptions) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("install service: connect to the service manager: %w", err)
	}
	defer m.Disconnect()
	args := []string{"agent", "run", "--state-dir", o.StateDir}
	cfg := mgr.Config{
		DisplayName:  "kanri agent",
		Description:  "Keeps this server registered with kanri and connected to its agent bus.",
		StartType:    mgr.StartAutomatic,
		ErrorControl: mgr.ErrorNormal,
	}
	changed := false
	s, err := m.OpenService(ServiceName)
	if err == nil {
		cur, err := s.Config()
		if err != nil {
			s.Close()
			return fmt.Errorf("install service: %w", err)
		}
		cfg.BinaryPathName = commandLine(o.Binary, args)
		if cur.BinaryPathName != cfg.BinaryPathName || cur.StartType != cfg.StartType || cur.DisplayName != cfg.DisplayName || cur.Description != cfg.Description {
			cur.BinaryPathName, cur.StartType, cur.DisplayName, cur.Description = cfg.BinaryPathName, cfg.StartType, cfg.DisplayName, cfg.Description
			if err := s.UpdateConfig(cur); err != nil {
				s.Close()
				return fmt.Errorf("install service: update: %w", err)
			}
			changed = true
			o.Logger.Info("updated Windows service", "name", ServiceName)
		}
	} else {
		if s, err = m.CreateService(ServiceName, o.Binary, cfg, args...); err != nil {
			return fmt.Errorf("install service: create: %w", err)
		}
		changed = true
		o.Logger.Info("created Windows service", "name", ServiceName)
	}
	defer s.Close()
	restart := mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: 5 * time.Second}
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{restart, restart, restart}, uint32((24 * time.Hour).Seconds())); err != nil {
		return fmt.Errorf("install service: recovery actions: %w", err)
	}
	// Also restart after the agent exits with an error, not only after a
	// crash.
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("install service: recovery actions: %w", err)
	}
	if o.NoStart {
		return nil
	}
	st, err := s.Query()
	if err != nil {
		return fmt.Errorf("install service: %w", err)
	}
	if st.State != svc.Stopped && (changed || o.Restart) {
		if err := stopService(ctx, s); err != nil {
			return err
		}
		st.State = svc.Stopped
	}
	if st.State == svc.Stopped {
		if err := s.Start(); err != nil {
			return fmt.Errorf("install service: start: %w", err)
		}
		o.Logger.Info("started Windows service", "name", ServiceName)
	}
	return nil
}

// stopService stops s and waits until it has stopped.
func stopService(ctx context.Context, s *mgr.Service) error {
	st, err := s.Control(svc.Stop)
	if err != nil && !errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
		return fmt.Errorf("install service: stop: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for st.State != svc.Stopped {
		if time.Now().After(deadline) {
			return errors.New("install service: the service did not stop within a minute")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if st, err = s.Query(); err != nil {
			return fmt.Errorf("install service: %w", err)
		}
	}
	return nil
}

// commandLine quotes a command line as mgr.CreateService does.
func commandLine(exe string, args []string) string {
	q := []string{windows.EscapeArg(exe)}
	for _, a := range args {
		q = append(q, windows.EscapeArg(a))
	}
	return strings.Join(q, " ")
}
