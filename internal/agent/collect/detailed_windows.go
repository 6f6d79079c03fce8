// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// instanceDetailedInformation returns AWS:InstanceDetailedInformation's
// content: the processor's name and rated speed from the registry, its
// cores and sockets from GetLogicalProcessorInformationEx, and the service
// pack's major version.
func (c *collector) instanceDetailedInformation(ctx context.Context) ([]map[string]string, error) {
	ci := cpuInfo{CPUs: runtime.NumCPU()}
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DESCRIPTION\System\CentralProcessor\0`, registry.QUERY_VALUE); err == nil {
		if s, _, err := k.GetStringValue("ProcessorNameString"); err == nil {
			ci.Model = strings.TrimSpace(s)
		}
		if n, _, err := k.GetIntegerValue("~MHz"); err == nil {
			ci.SpeedMHz = int(n)
		}
		k.Close()
	}
	if mhz := ratedMHz(ci.Model); mhz > 0 {
		ci.SpeedMHz = mhz
	}
	if buf, err := logicalProcessorInformation(); err == nil {
		ci.Cores, ci.Sockets = countProcessorRelations(buf)
		ci.HaveTopology = ci.Cores > 0 && ci.Sockets > 0
	}
	ci.OSServicePack = strconv.Itoa(int(windows.RtlGetVersion().ServicePackMajor))
	return []map[string]string{ci.entry()}, nil
}

// logicalProcessorInformation calls GetLogicalProcessorInformationEx for
// every relationship and returns the buffer it fills.
func logicalProcessorInformation() ([]byte, error) {
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("GetLogicalProcessorInformationEx")
	if err := proc.Find(); err != nil {
		return nil, err
	}
	const relationAll = 0xffff
	size := uint32(0)
	proc.Call(relationAll, 0, uintptr(unsafe.Pointer(&size)))
	for range 3 {
		if size == 0 {
			size = 4096
		}
		buf := make([]byte, size)
		r, _, err := proc.Call(relationAll, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)))
		if r != 0 {
			return buf[:size], nil
		}
		if err != windows.ERROR_INSUFFICIENT_BUFFER {
			return nil, err
		}
	}
	return nil, windows.ERROR_INSUFFICIENT_BUFFER
}
