// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"context"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// services returns AWS:Service's content: the Win32 services the service
// control manager knows, as Get-Service lists them.
func (c *collector) services(ctx context.Context) ([]map[string]string, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, err
	}
	defer m.Disconnect()
	names, err := m.ListServices()
	if err != nil {
		return nil, err
	}
	content := make([]map[string]string, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, ok := readWindowsService(m, name)
		if ok {
			content = append(content, s.entry())
		}
	}
	sortEntries(content, "Name")
	return content, nil
}

// readWindowsService reads one service, and reports false if it went away
// or cannot be read.
func readWindowsService(m *mgr.Mgr, name string) (windowsService, bool) {
	s, err := m.OpenService(name)
	if err != nil {
		return windowsService{}, false
	}
	defer s.Close()
	cfg, err := s.Config()
	if err != nil {
		return windowsService{}, false
	}
	st, err := s.Query()
	if err != nil {
		return windowsService{}, false
	}
	dependents, _ := s.ListDependentServices(svc.AnyActivity)
	return windowsService{
		Name:             name,
		DisplayName:      cfg.DisplayName,
		ServiceType:      cfg.ServiceType,
		StartType:        cfg.StartType,
		DelayedAutoStart: cfg.DelayedAutoStart,
		State:            uint32(st.State),
		Dependencies:     cfg.Dependencies,
		Dependents:       dependents,
	}, true
}
