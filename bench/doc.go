// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package bench holds kanri's load benchmarks: the built binary under
// realistic concurrent load, measured from outside. Run them with
//
//	go test -run x -bench . -benchtime 100000x ./bench/
//
// and record the figures in docs/benchmarks.md.
package bench
