// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/store"
)

// newAuditIngestCmd returns "kanri audit-ingest", the process a server on
// SQLite starts to move its audit journal into the database (see
// audit.IngestProcess). It is not for people to run.
func newAuditIngestCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit-ingest",
		Short: "Move a server's audit journal into its SQLite database (started by the server)",
		Long: `Reads the paths of closed audit journal segments on standard input and stores
their records in the SQLite database of the data directory, answering each on
standard output. kanri server and kanri dev start it themselves (see
--audit-ingest-process); it ends when its input does.`,
		Example: `  kanri audit-ingest --data-dir /var/lib/kanri   # as kanri server starts it`,
		Hidden:  true,
	}
	f := cmd.Flags()
	f.String("data-dir", "", "the server's data directory (required)")
	// Not addLogFlags: its --debug-addr would be filled from the
	// KANRI_DEBUG_ADDR this process inherits from the server, and the
	// child would try to listen on the server's profiling address.
	f.String("log-level", "info", "log level: debug, info, warn or error")
	f.String("log-format", "text", "log format: text or json")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		log, err := buildLogger(cmd, env.Stderr)
		if err != nil {
			return err
		}
		log = log.With("component", "audit-ingest")
		dir, _ := f.GetString("data-dir")
		if dir == "" {
			return usageError{errors.New("audit-ingest: --data-dir is required")}
		}
		// The server ends this process by closing its input, after its
		// last round: signals that stop the server (Ctrl-C reaches the
		// whole process group) must not cut that round short.
		ctx := context.WithoutCancel(cmd.Context())
		db, err := store.Open(ctx, store.Config{DataDir: dir, Logger: log})
		if err != nil {
			return err
		}
		defer db.Close()
		return audit.ServeIngest(ctx, cmd.InOrStdin(), env.Stdout, db, log, 0)
	}
	return cmd
}

// addAuditIngestFlag adds --audit-ingest-process.
func addAuditIngestFlag(f *pflag.FlagSet) {
	f.Bool("audit-ingest-process", true,
		"on SQLite, move the audit journal into the database in a child process at a lower CPU priority (Linux), so that it does not queue requests")
}

// auditIngestCommand returns how the server starts its audit ingest
// process, or nil when it should not start one: the flag is off, or this
// system cannot lower the child's priority.
func auditIngestCommand(cmd *cobra.Command) (func(dataDir string) *exec.Cmd, error) {
	if on, _ := cmd.Flags().GetBool("audit-ingest-process"); !on || !audit.IngestProcessSupported() {
		return nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	level, _ := cmd.Flags().GetString("log-level")
	format, _ := cmd.Flags().GetString("log-format")
	return func(dataDir string) *exec.Cmd {
		c := exec.Command(exe, "audit-ingest", "--data-dir", dataDir, "--log-level", level, "--log-format", format)
		c.Stderr = os.Stderr
		return c
	}, nil
}
