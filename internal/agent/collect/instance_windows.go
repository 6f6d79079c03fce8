// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// platformInfo names Windows as its WMI caption does ("Microsoft Windows
// Server 2022 Datacenter") and versions it major.minor.build.
func (c *collector) platformInfo() platformInfo {
	v := windows.RtlGetVersion()
	pi := platformInfo{Type: "Windows", Version: fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return pi
	}
	defer k.Close()
	name, _, err := k.GetStringValue("ProductName")
	if err != nil {
		return pi
	}
	// Windows 11 kept Windows 10's ProductName in the registry.
	if v.BuildNumber >= 22000 && strings.HasPrefix(name, "Windows 10") {
		name = "Windows 11" + strings.TrimPrefix(name, "Windows 10")
	}
	if !strings.HasPrefix(name, "Microsoft ") {
		name = "Microsoft " + name
	}
	pi.Name = name
	return pi
}
