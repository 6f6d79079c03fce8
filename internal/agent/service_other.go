// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !windows

package agent

import (
	"context"
	"errors"
)

// IsWindowsService reports whether the process was started by the Windows
// service control manager: never, on this system.
func IsWindowsService() (bool, error) { return false, nil }

// RunService runs run as a Windows service; on this system it fails.
func RunService(ctx context.Context, run func(context.Context) error) error {
	return errors.New("run service: only on Windows")
}

func installWindowsService(ctx context.Context, o ServiceOptions) error {
	return errors.New("install service: only on Windows")
}
