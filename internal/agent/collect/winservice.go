// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"sort"
	"strings"
)

// This file maps Windows services to AWS:Service. It builds on every
// platform so that the mapping is tested on captured services anywhere;
// service_windows.go asks the service control manager.

// windowsService is what the service control manager says of one service,
// in its own numbers.
type windowsService struct {
	Name             string   `json:"Name"`
	DisplayName      string   `json:"DisplayName"`
	ServiceType      uint32   `json:"ServiceType"`      // SERVICE_WIN32_OWN_PROCESS, ...
	StartType        uint32   `json:"StartType"`        // SERVICE_AUTO_START, ...
	DelayedAutoStart bool     `json:"DelayedAutoStart"` // reported as Automatic, as Get-Service does
	State            uint32   `json:"State"`            // SERVICE_RUNNING, ...
	Dependencies     []string `json:"Dependencies"`     // services and "+group"s it depends on
	Dependents       []string `json:"Dependents"`       // services that depend on it
}

// entry returns s as an AWS:Service entry, with the values PowerShell's
// Get-Service shows, which the SSM agent sends: Status "Running", StartType
// "Automatic", ServiceType "Win32OwnProcess". Dependencies are
// comma-separated and sorted; load order groups are left out.
func (s windowsService) entry() map[string]string {
	var deps []string
	for _, d := range s.Dependencies {
		if d != "" && !strings.HasPrefix(d, "+") {
			deps = append(deps, d)
		}
	}
	return entry(
		"Name", s.Name,
		"DisplayName", s.DisplayName,
		"ServiceType", windowsServiceType(s.ServiceType),
		"Status", windowsServiceState(s.State),
		"StartType", windowsStartType(s.StartType),
		"ServicesDependedOn", joinSorted(deps),
		"DependentServices", joinSorted(s.Dependents),
	)
}

// windowsServiceType names a SERVICE_* type bit set as .NET's ServiceType
// flags do: "Win32OwnProcess", "Win32ShareProcess, InteractiveProcess".
func windowsServiceType(t uint32) string {
	bits := []struct {
		bit  uint32
		name string
	}{
		{0x1, "KernelDriver"},
		{0x2, "FileSystemDriver"},
		{0x4, "Adapter"},
		{0x8, "RecognizerDriver"},
		{0x10, "Win32OwnProcess"},
		{0x20, "Win32ShareProcess"},
		{0x40, "UserService"},
		{0x80, "UserServiceInstance"},
		{0x100, "InteractiveProcess"},
	}
	var names []string
	for _, b := range bits {
		if t&b.bit != 0 {
			names = append(names, b.name)
		}
	}
	return strings.Join(names, ", ")
}

// windowsServiceState names a SERVICE_* state as .NET's
// ServiceControllerStatus does.
func windowsServiceState(s uint32) string {
	switch s {
	case 1:
		return "Stopped"
	case 2:
		return "StartPending"
	case 3:
		return "StopPending"
	case 4:
		return "Running"
	case 5:
		return "ContinuePending"
	case 6:
		return "PausePending"
	case 7:
		return "Paused"
	}
	return "Unknown"
}

// windowsStartType names a SERVICE_*_START value as .NET's ServiceStartMode
// does.
func windowsStartType(t uint32) string {
	switch t {
	case 0:
		return "Boot"
	case 1:
		return "System"
	case 2:
		return "Automatic"
	case 3:
		return "Manual"
	case 4:
		return "Disabled"
	}
	return ""
}

// joinSorted returns the unique names in names, sorted and comma-separated.
func joinSorted(names []string) string {
	set := map[string]bool{}
	for _, n := range names {
		if n != "" {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
