// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/server"
)

// busSettings reads the agent bus and vending flags.
func busSettings(f *pflag.FlagSet, cfg *server.Config) error {
	cfg.BusAddr, _ = f.GetString("bus-addr")
	cfg.BusWebSocketAddr, _ = f.GetString("bus-websocket-addr")
	cfg.NATSURLs, _ = f.GetStringSlice("nats-url")
	cfg.BusAdvertise, _ = f.GetStringSlice("bus-advertise")
	cfg.Heartbeat, _ = f.GetDuration("heartbeat")
	cfg.DownloadsDir, _ = f.GetString("downloads-dir")
	role, _ := f.GetString("vend-role")
	if role == "" {
		return nil
	}
	v := &fleet.VendingConfig{Name: "default", IAMRole: role}
	v.RegistrationLimit, _ = f.GetInt("vend-limit")
	v.Expiry, _ = f.GetDuration("vend-expiry")
	v.DefaultInstanceName, _ = f.GetString("vend-name")
	v.Tags, _ = f.GetStringToString("vend-tags")
	if v.RegistrationLimit < 1 || v.RegistrationLimit > 1000 {
		return usageError{fmt.Errorf("--vend-limit %d: want 1 to 1000", v.RegistrationLimit)}
	}
	if v.Expiry <= 0 || v.Expiry > 30*24*time.Hour {
		return usageError{fmt.Errorf("--vend-expiry %v: want more than 0 and at most 720h", v.Expiry)}
	}
	if file, _ := f.GetString("vend-policy-file"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("--vend-policy-file: %w", err)
		}
		v.Policy = string(b)
	} else {
		allow, _ := f.GetStringSlice("vend-allow")
		v.Policy = vendPolicy(allow)
	}
	cfg.Vending = v
	return nil
}

// addBlobFlags adds the object store's flags.
func addBlobFlags(f *pflag.FlagSet) {
	f.String("blob-dir", "", "directory of the object store (command output) (default DATA-DIR/blobs)")
	f.Bool("s3", false, "keep objects in an S3-compatible store instead of --blob-dir")
	f.String("s3-endpoint", "", "URL of the S3-compatible store, e.g. http://minio:9000 (default Amazon S3); implies --s3")
	f.String("s3-region", "", "region of the S3-compatible store (default the AWS SDK's, or us-east-1)")
	f.Bool("s3-path-style", false, "address objects as ENDPOINT/BUCKET/KEY (most self-hosted stores need it)")
	f.String("s3-access-key-id", "", "access key of the S3-compatible store (default the AWS SDK's credential chain)")
	f.String("s3-secret-access-key", "", "secret key of the S3-compatible store; prefer KANRI_S3_SECRET_ACCESS_KEY")
	f.String("command-output-bucket", "", "bucket of the output of commands sent without an output bucket (default kanri-command-output)")
}

// blobSettings reads the object store's flags.
func blobSettings(f *pflag.FlagSet, cfg *server.Config) error {
	cfg.Blobs.Dir, _ = f.GetString("blob-dir")
	cfg.CommandOutputBucket, _ = f.GetString("command-output-bucket")
	useS3, _ := f.GetBool("s3")
	endpoint, _ := f.GetString("s3-endpoint")
	if !useS3 && endpoint == "" {
		return nil
	}
	s3 := &blob.S3Config{Endpoint: endpoint}
	s3.Region, _ = f.GetString("s3-region")
	s3.PathStyle, _ = f.GetBool("s3-path-style")
	s3.AccessKeyID, _ = f.GetString("s3-access-key-id")
	s3.SecretAccessKey, _ = f.GetString("s3-secret-access-key")
	if (s3.AccessKeyID == "") != (s3.SecretAccessKey == "") {
		return usageError{errors.New("--s3-access-key-id and --s3-secret-access-key go together")}
	}
	cfg.Blobs.S3 = s3
	return nil
}

// vendPolicy returns the vending endpoint's resource policy that allows
// anyone from the given networks.
func vendPolicy(cidrs []string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid": "AllowNetworks", "Effect": "Allow", "Principal": "*", "Action": fleet.VendAction, "Resource": "*",
			"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": cidrs}},
		}},
	})
	return strings.TrimSpace(string(b))
}

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
	addAuditIngestFlag(f)
	f.Int64("max-body-bytes", 8<<20, "largest request body accepted")
	f.String("bus-addr", "127.0.0.1:8471", "address of the embedded agent bus (NATS) for agents")
	f.String("bus-websocket-addr", "", "also serve the embedded agent bus over WebSocket on this address")
	f.StringSlice("nats-url", nil, "use this external NATS cluster as the agent bus instead of the embedded one (see kanri server nats-config)")
	f.StringSlice("bus-advertise", nil, "bus URLs handed to agents (default: the embedded bus's or --nats-url)")
	f.Duration("heartbeat", 30*time.Second, "how often agents send heartbeats; an instance is ConnectionLost after two missed")
	f.String("downloads-dir", "", "directory of agent binaries for other platforms (kanri-<os>-<arch>[.exe])")
	f.String("vend-role", "", "enable activation vending (GET /vend/activation) with activations for this IAM role")
	f.Int("vend-limit", 10, "registration limit of vended activations")
	f.Duration("vend-expiry", 24*time.Hour, "lifetime of vended activations (at most 720h)")
	f.String("vend-name", "", "default instance name of vended activations")
	f.StringToString("vend-tags", nil, "tags of vended activations (and the instances that register with them), key=value,…")
	f.StringSlice("vend-allow", []string{"127.0.0.0/8", "::1/128"}, "networks (CIDRs) allowed to ask for an activation")
	f.String("vend-policy-file", "", "resource policy of the vending endpoint (overrides --vend-allow)")
	addBlobFlags(f)
	addConfigFlag(cmd)
	addLogFlags(cmd)
	cmd.AddCommand(newNATSConfigCmd(env))
	cmd.AddCommand(newRotateMasterKeyCmd(env))
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
		if cfg.AuditIngestCommand, err = auditIngestCommand(cmd); err != nil {
			return err
		}
		if err := busSettings(f, &cfg); err != nil {
			return err
		}
		if err := blobSettings(f, &cfg); err != nil {
			return err
		}
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

func newNATSConfigCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nats-config",
		Short: "Print the configuration an external NATS cluster needs to carry the agent bus",
		Long: `Print the nats-server configuration (operator, accounts, resolver) that lets an
external NATS cluster carry kanri's agent bus: include it in every node's
configuration, start the cluster, then run the servers with --nats-url.
Run it against the same data dir or database and master key as the servers.`,
		Example: `  kanri server nats-config --data-dir /var/lib/kanri --resolver-dir /var/lib/nats/kanri > kanri.conf
  nats-server -c nats.conf   # with "include kanri.conf"`,
	}
	f := cmd.Flags()
	f.String("data-dir", "", "directory for state (required)")
	f.String("database-url", "", "PostgreSQL URL (postgres://…); default SQLite in the data dir")
	f.String("master-key-file", "", "master key file (default DATA-DIR/master.key)")
	f.String("resolver-dir", "", "directory where each NATS node keeps account updates (required)")
	addConfigFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		var cfg server.Config
		cfg.DataDir, _ = f.GetString("data-dir")
		cfg.DatabaseURL, _ = f.GetString("database-url")
		cfg.MasterKeyFile, _ = f.GetString("master-key-file")
		dir, _ := f.GetString("resolver-dir")
		if cfg.DataDir == "" || dir == "" {
			return usageError{errors.New("server nats-config: --data-dir and --resolver-dir are required")}
		}
		conf, err := server.NATSConfig(cmd.Context(), cfg, dir)
		if err != nil {
			return err
		}
		fmt.Fprint(env.Stdout, conf)
		return nil
	}
	return cmd
}

// newRotateMasterKeyCmd returns "kanri server rotate-master-key".
func newRotateMasterKeyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate-master-key",
		Short: "Add a new primary master key; what the old ones sealed stays readable",
		Long: `Add a new random primary key to the master key file. Secrets and KMS key
material sealed from then on use it; everything sealed before is still opened
with the older keys, which stay in the file. Servers read the file when they
start: restart them (every replica, with the same file) to use the new key.`,
		Example: `  kanri server rotate-master-key --data-dir /var/lib/kanri
  kanri server rotate-master-key --master-key-file /etc/kanri/master.key`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("data-dir", "", "directory for state, whose master.key to rotate")
	f.String("master-key-file", "", "master key file (default DATA-DIR/master.key)")
	addConfigFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applySettings(cmd, env); err != nil {
			return err
		}
		path, _ := f.GetString("master-key-file")
		if path == "" {
			dir, _ := f.GetString("data-dir")
			if dir == "" {
				return usageError{errors.New("server rotate-master-key: --data-dir or --master-key-file is required")}
			}
			path = filepath.Join(dir, "master.key")
		}
		id, err := kms.RotateKeyring(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "new primary master key %s in %s; restart the servers to use it\n", id, path)
		return nil
	}
	return cmd
}
