// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package agent

import "runtime/debug"

// trimMemory returns the heap's free memory to the system.
func trimMemory() { debug.FreeOSMemory() }
