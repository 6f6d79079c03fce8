// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/server"
)

func newServerCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the kanri control plane",
		Long: `Run the kanri control plane: the AWS-compatible API, health and metrics.

State lives in --data-dir (SQLite and the master key), or in PostgreSQL with
--database-url, where several servers may share one database; they must then
share the master key file too (--master-key-file).

On first start, --bootstrap-credentials FILE creates the administrator and
writes its access key to FILE (an AWS shared credentials file, mode 0600).
Later starts never write it again.

Every flag may also be set with its KANRI_* environment variable (--http-addr
is KANRI_HTTP_ADDR) or in the YAML file given by --config; flags win over the
environment, and the environment over the file.`,
		Example: `  kanri server --data-dir /var/lib/kanri --bootstrap-credentials /root/kanri-admin.credentials
  kanri server --data-dir /var/lib/kanri --database-url postgres://kanri@db/kanri \
      --master-key-file /etc/kanri/master.key --http-addr 0.0.0.0:8470 \
      --tls-cert /etc/kanri/tls.crt --tls-key /etc/kanri/tls.key`,
	}
	f := cmd.Flags()
	f.String("data-dir", "", "directory for state (required)")
	f.String("database-url", "", "PostgreSQL URL (postgres://…); default SQLite in the data dir")
	f.String("master-key-file", "", "master key file (default DATA-DIR/master.key)")
	f.String("http-addr", "127.0.0.1:8470", "address of the API listener")
	f.String("region", server.DefaultRegion, "region of every resource")
	f.String("tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	f.String("tls-key", "", "TLS private key file (PEM)")
	f.String("bootstrap-credentials", "", "on first start, create the administrator and write its credentials here")
	f.Bool("audit-required", true, "refuse requests whose audit record cannot be stored")
	f.Int64("max-body-bytes", 8<<20, "largest request body accepted")
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
		var cfg server.Config
		cfg.DataDir, _ = f.GetString("data-dir")
		cfg.DatabaseURL, _ = f.GetString("database-url")
		cfg.MasterKeyFile, _ = f.GetString("master-key-file")
		cfg.HTTPAddr, _ = f.GetString("http-addr")
		cfg.Region, _ = f.GetString("region")
		cfg.TLSCertFile, _ = f.GetString("tls-cert")
		cfg.TLSKeyFile, _ = f.GetString("tls-key")
		cfg.BootstrapCredentialsFile, _ = f.GetString("bootstrap-credentials")
		cfg.AuditRequired, _ = f.GetBool("audit-required")
		cfg.MaxBodyBytes, _ = f.GetInt64("max-body-bytes")
		cfg.Logger = log
		if cfg.DataDir == "" {
			return usageError{errors.New("server: --data-dir is required")}
		}
		srv, err := server.New(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer srv.Close()
		return srv.Run(cmd.Context())
	}
	return cmd
}
