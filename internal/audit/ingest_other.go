// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package audit

import "os/exec"

// startNiced starts cmd; lowering its priority is done on Linux only.
func startNiced(cmd *exec.Cmd, _ int) error { return cmd.Start() }

// processCPUSeconds is not measured here: 0.
func processCPUSeconds() float64 { return 0 }
