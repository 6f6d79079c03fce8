// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/dev"
	"github.com/kanri-dev/kanri/internal/server"
)

func newDevCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run kanri on this machine with embedded defaults",
		Long: `Run the whole of kanri on this machine, in the foreground, with embedded
defaults and no external service. State goes to --data-dir, or to a new
temporary directory that is printed.

The administrator's keys are written to DATA-DIR/credentials and the region
and endpoint to DATA-DIR/config, in the AWS shared-file formats (mode 0600),
so the AWS CLI and SDKs work with AWS_SHARED_CREDENTIALS_FILE and
AWS_CONFIG_FILE pointed at them.`,
		Example: `  kanri dev
  kanri dev --data-dir ~/.kanri-dev --http-addr 127.0.0.1:9470`,
	}
	f := cmd.Flags()
	f.String("data-dir", "", "directory for state (default: a new temporary directory)")
	f.String("http-addr", dev.DefaultHTTPAddr, "address of the API listener")
	f.String("bus-addr", dev.DefaultBusAddr, "address of the embedded agent bus")
	f.String("region", server.DefaultRegion, "region of every resource")
	f.Duration("heartbeat", 10*time.Second, "how often agents send heartbeats")
	f.Bool("no-agent", false, "do not run the local agent")
	addAuditIngestFlag(f)
	addConfigFlag(cmd)
	addLogFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		log, err := newLogger(cmd, env.Stderr)
		if err != nil {
			return err
		}
		var cfg dev.Config
		cfg.DataDir, _ = f.GetString("data-dir")
		cfg.HTTPAddr, _ = f.GetString("http-addr")
		cfg.BusAddr, _ = f.GetString("bus-addr")
		cfg.Region, _ = f.GetString("region")
		cfg.Heartbeat, _ = f.GetDuration("heartbeat")
		cfg.NoAgent, _ = f.GetBool("no-agent")
		cfg.Logger = log
		cfg.Out = env.Stdout
		if cfg.AuditIngestCommand, err = auditIngestCommand(cmd); err != nil {
			return err
		}
		d, err := dev.New(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Run(cmd.Context())
	}
	return cmd
}
