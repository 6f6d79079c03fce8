// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// madvPageout is Linux's MADV_PAGEOUT (5.4 and later).
const madvPageout = 21

// trimMemory gives back the memory that only start-up needed: the agent
// shares its binary with the server and the command line, whose package
// initialisation touches far more code and data than an idle agent uses.
// The binary's pages are paged out (they come back from the page cache if
// used again) and the heap's free memory is returned to the system.
func trimMemory() {
	debug.FreeOSMemory()
	exe, err := os.Executable()
	if err != nil {
		return
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	// Pages of a binary written moments ago are still dirty in the page
	// cache and cannot be paged out until written back: write them now.
	if bin, err := os.Open(exe); err == nil {
		bin.Sync()
		bin.Close()
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue // only the binary's read-only mappings: code and constants
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), madvPageout)
	}
}
