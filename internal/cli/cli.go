// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package cli is the kanri command line: the server, agent and dev roles,
// and the operator commands, which are clients of the AWS-compatible API
// (aws-sdk-go-v2 at the endpoint) and never touch the store.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// usageError marks an error in how a command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Env is what commands read from and write to, injected for tests.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

// Run runs the kanri command line with args (without the program name) and
// returns the exit code.
func Run(ctx context.Context, args []string, env *Env) int {
	root := newRoot(env)
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "kanri:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitError
}

// newRoot builds the command tree. Every command is attached here.
func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "kanri",
		Short: "kanri manages hybrid server fleets through AWS-compatible APIs",
		Long: `kanri is a self-hosted control plane for servers anywhere: enrol them with
an activation, run commands on tag groups, see fleet-wide inventory, keep
encrypted parameters, and open approved, recorded sessions. Its API is the
AWS API, so the AWS CLI and SDKs work against it with --endpoint-url.

Start here:  kanri dev`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newVersionCmd(env),
		newServerCmd(env),
		newDevCmd(env),
		newAuditCmd(env),
		newWhoamiCmd(env),
		newIAMCmd(env),
		newAgentCmd(env),
		newInstancesCmd(env),
		newRunCmd(env),
		newCommandsCmd(env),
		newParamsCmd(env),
		newAssociationsCmd(env),
		newInventoryCmd(env),
		newComplianceCmd(env),
		newAuditIngestCmd(env),
	)
	var setArgs func(c *cobra.Command)
	setArgs = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Args == nil {
				sub.Args = noArgs
			}
			setArgs(sub)
		}
	}
	setArgs(root)
	return root
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}
