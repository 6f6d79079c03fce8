// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Command kanri is the kanri control plane, agent, development system and
// operator command line, in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kanri-dev/kanri/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], &cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
