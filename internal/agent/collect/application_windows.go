// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build windows

package collect

import (
	"context"
	"errors"
	"runtime"

	"golang.org/x/sys/windows/registry"
)

// platformApplications returns the programs of the Uninstall registry keys.
func (c *collector) platformApplications(ctx context.Context) ([]map[string]string, error) {
	return windowsApplications(winRegistry{}, windowsOSArch(c.getenv))
}

// windowsOSArch returns the operating system's architecture, which a
// 32-bit agent on 64-bit Windows finds in PROCESSOR_ARCHITEW6432.
func windowsOSArch(getenv func(string) string) string {
	if a := getenv("PROCESSOR_ARCHITEW6432"); a != "" {
		return formatArchitecture(a)
	}
	if a := getenv("PROCESSOR_ARCHITECTURE"); a != "" {
		return formatArchitecture(a)
	}
	return formatArchitecture(runtime.GOARCH)
}

// winRegistry reads the registry's 64-bit view, whatever the agent's
// bitness, so that WOW6432Node is only read where it is named.
type winRegistry struct{}

func (winRegistry) root(h registryHive) registry.Key {
	if h == hiveUsers {
		return registry.USERS
	}
	return registry.LOCAL_MACHINE
}

// SubKeyNames implements registryReader.
func (r winRegistry) SubKeyNames(h registryHive, path string) ([]string, error) {
	k, err := registry.OpenKey(r.root(h), path, registry.ENUMERATE_SUB_KEYS|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer k.Close()
	return k.ReadSubKeyNames(-1)
}

// Values implements registryReader.
func (r winRegistry) Values(h registryHive, path string) (map[string]any, error) {
	k, err := registry.OpenKey(r.root(h), path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadValueNames(-1)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]any, len(names))
	for _, n := range names {
		_, typ, err := k.GetValue(n, nil)
		if err != nil {
			continue
		}
		switch typ {
		case registry.SZ, registry.EXPAND_SZ:
			if v, _, err := k.GetStringValue(n); err == nil {
				vals[n] = v
			}
		case registry.MULTI_SZ:
			if v, _, err := k.GetStringsValue(n); err == nil {
				vals[n] = v
			}
		case registry.DWORD, registry.QWORD:
			if v, _, err := k.GetIntegerValue(n); err == nil {
				vals[n] = v
			}
		}
	}
	return vals, nil
}
