// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package bench

import "testing"

// scheduled needs Linux's epoll_pwait2; elsewhere the benchmarks that
// send on a schedule are skipped.
func scheduled(b *testing.B, _, _ int, _ float64, _ Call) Result {
	b.Skip("the scheduled load runs on Linux only (epoll_pwait2)")
	return Result{}
}
