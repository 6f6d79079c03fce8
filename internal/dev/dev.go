// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package dev is `kanri dev`: the whole system on one machine with embedded
// defaults and no external service, for a first look and for tests. It
// runs a server on a data dir (a fresh temp dir unless given), makes the
// administrator, and writes AWS shared credentials and config files that
// the AWS CLI and SDKs use as they are.
package dev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kanri-dev/kanri/internal/agent"
	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/server"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Default addresses of `kanri dev`. They avoid ports that other common
// services use (4222, 5432, 8080).
const (
	DefaultHTTPAddr = "127.0.0.1:8470"
	DefaultBusAddr  = "127.0.0.1:8471"
)

// Config configures a Dev.
type Config struct {
	// DataDir keeps all state; empty means a new temp dir.
	DataDir string
	// DatabaseURL selects PostgreSQL instead of SQLite in DataDir.
	DatabaseURL string
	HTTPAddr    string // default DefaultHTTPAddr; "127.0.0.1:0" picks a free port
	BusAddr     string // default DefaultBusAddr
	Region      string // default us-east-1
	// Heartbeat is how often agents send heartbeats; zero means 10 s.
	Heartbeat time.Duration
	// NoAgent skips the local agent.
	NoAgent bool
	// AuditIngestCommand is the server's (see server.Config).
	AuditIngestCommand func(dataDir string) *exec.Cmd
	// NoInventory skips the inventory association that kanri dev makes
	// with its local agent (InventoryAssociationName).
	NoInventory bool
	// Associations sets the State Manager scheduler's clock and pace;
	// zero means its defaults.
	Associations association.Timing
	// Compliance sets the inventory rules' clock and pace; zero means
	// their defaults.
	Compliance compliance.Timing
	// VendAllow are the networks (CIDRs) that may ask the vending endpoint
	// for an activation; nil means loopback only.
	VendAllow []string
	Logger    *slog.Logger
	// Out receives the banner that tells the user how to use the system;
	// nil means no banner.
	Out io.Writer
}

// Dev is a running development system.
type Dev struct {
	cfg    Config
	Server *server.Server
	creds  sharedconfig.Profile
}

// New starts nothing yet: it prepares the data dir, the server and the
// administrator's credentials files. Run serves.
func New(ctx context.Context, cfg Config) (*Dev, error) {
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = DefaultHTTPAddr
	}
	if cfg.BusAddr == "" {
		cfg.BusAddr = DefaultBusAddr
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "kanri-dev-")
		if err != nil {
			return nil, fmt.Errorf("dev: %w", err)
		}
		cfg.DataDir = dir
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	srv, err := server.New(ctx, server.Config{
		DataDir:            cfg.DataDir,
		DatabaseURL:        cfg.DatabaseURL,
		HTTPAddr:           cfg.HTTPAddr,
		BusAddr:            cfg.BusAddr,
		Region:             cfg.Region,
		Logger:             cfg.Logger,
		AuditRequired:      true,
		AuditIngestCommand: cfg.AuditIngestCommand,
		Heartbeat:          cfg.Heartbeat,
		Associations:       cfg.Associations,
		Compliance:         cfg.Compliance,
		Vending: &fleet.VendingConfig{
			Name: "default", IAMRole: LocalRole, RegistrationLimit: 10, Expiry: 24 * time.Hour,
			Description: "kanri dev: activations for local agents", Tags: map[string]string{"env": "dev"},
			Policy: vendPolicy(cfg.VendAllow),
		},
	})
	if err != nil {
		return nil, err
	}
	d := &Dev{cfg: cfg, Server: srv}
	if err := d.ensureCredentials(ctx); err != nil {
		srv.Close()
		return nil, err
	}
	if err := d.ensureLocalRole(ctx); err != nil {
		srv.Close()
		return nil, err
	}
	if !cfg.NoAgent && !cfg.NoInventory {
		if err := d.ensureInventory(ctx); err != nil {
			srv.Close()
			return nil, err
		}
	}
	return d, nil
}

// ensureCredentials reuses the credentials file when its key still works,
// and otherwise makes a new administrator key and writes both files.
func (d *Dev) ensureCredentials(ctx context.Context) error {
	p, err := sharedconfig.ReadCredentials(d.CredentialsFile(), "default")
	if err == nil {
		if _, _, err := d.Server.IAM.Credentials(ctx, p.AccessKeyID, "", ""); err == nil {
			d.creds = p
			return d.writeConfig()
		}
	} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, sharedconfig.ErrNoProfile) {
		return fmt.Errorf("dev: %w", err)
	}
	creds, created, err := d.Server.IAM.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	if !created {
		if creds, err = d.Server.IAM.NewAccessKey(ctx, iam.AdminName); err != nil {
			return fmt.Errorf("dev: %w", err)
		}
	}
	d.creds = sharedconfig.Profile{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	if err := sharedconfig.WriteCredentials(d.CredentialsFile(), d.creds); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	return d.writeConfig()
}

func (d *Dev) writeConfig() error {
	err := sharedconfig.WriteConfig(d.ConfigFile(), sharedconfig.Profile{Region: d.Server.Region(), EndpointURL: d.Server.Endpoint()})
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	return nil
}

// DataDir returns the directory holding all state.
func (d *Dev) DataDir() string { return d.cfg.DataDir }

// CredentialsFile returns the path of the AWS shared credentials file.
func (d *Dev) CredentialsFile() string { return filepath.Join(d.cfg.DataDir, "credentials") }

// ConfigFile returns the path of the AWS shared config file.
func (d *Dev) ConfigFile() string { return filepath.Join(d.cfg.DataDir, "config") }

// AccessKeyID returns the administrator's access key ID.
func (d *Dev) AccessKeyID() string { return d.creds.AccessKeyID }

// SecretAccessKey returns the administrator's secret access key.
func (d *Dev) SecretAccessKey() string { return d.creds.SecretAccessKey }

// vendPolicy returns the vending endpoint's policy: anyone from the
// networks (loopback when none).
func vendPolicy(cidrs []string) string {
	if cidrs == nil {
		cidrs = []string{"127.0.0.0/8", "::1/128"}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{
		"Effect": "Allow", "Principal": "*", "Action": fleet.VendAction, "Resource": "*",
		"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": cidrs}},
	}}})
	return string(b)
}

// LocalRole is the IAM role of `kanri dev`'s local instance: it trusts
// Systems Manager and has AmazonSSMManagedInstanceCore.
const LocalRole = "kanri-dev-instance"

// Run serves until ctx ends, after printing the banner. Unless NoAgent, it
// also runs the local agent, registering it on the first start.
func (d *Dev) Run(ctx context.Context) error {
	if d.cfg.Out != nil {
		d.printBanner(d.cfg.Out)
	}
	if d.cfg.NoAgent {
		return d.Server.Run(ctx)
	}
	agentDone := make(chan struct{})
	go func() {
		defer close(agentDone)
		select {
		case <-d.Server.Ready():
		case <-ctx.Done():
			return
		}
		if err := d.runAgent(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("local agent stopped", "err", err)
		}
	}()
	err := d.Server.Run(ctx)
	<-agentDone
	return err
}

// AgentStateDir is where the local agent keeps its key and registration.
func (d *Dev) AgentStateDir() string { return filepath.Join(d.cfg.DataDir, "agent") }

// runAgent registers the local agent (once) and runs it until ctx ends.
func (d *Dev) runAgent(ctx context.Context) error {
	a := agent.New(agent.Config{StateDir: d.AgentStateDir(), Logger: d.cfg.Logger.With("component", "agent")})
	defer a.Close()
	if st, err := a.Status(); err != nil || !st.Registered {
		v, err := d.Server.Fleet().Vend(ctx, &iam.Caller{SourceIP: "127.0.0.1", Time: time.Now()}, d.Server.IAM)
		if err != nil {
			return fmt.Errorf("local agent: vend: %w", err)
		}
		host, _ := os.Hostname()
		if _, err := a.Register(ctx, agent.RegisterOptions{URL: d.Server.Endpoint(), ActivationID: v.ActivationID, ActivationCode: v.ActivationCode,
			Name: host, Tags: map[string]string{"env": "dev", "kanri:local": "true"}}); err != nil {
			return fmt.Errorf("local agent: %w", err)
		}
	}
	return a.Run(ctx)
}

// ensureLocalRole makes the role of the local instance (and of instances
// enrolled through the vending endpoint) unless it exists.
func (d *Dev) ensureLocalRole(ctx context.Context) error {
	if _, err := d.Server.IAM.Role(ctx, LocalRole); err == nil {
		return nil
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := d.Server.IAM.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: LocalRole, AssumeRolePolicyDocument: trust,
		Description: "kanri dev: the local managed instance's role"}); err != nil && !errors.Is(err, awserr.Exists) {
		return fmt.Errorf("local agent role: %w", err)
	}
	_, err := d.Server.IAM.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: LocalRole,
		PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"})
	return err
}

// InventoryAssociationName names the association kanri dev makes to
// gather the software inventory of every instance, as the inventory setup
// of the AWS console names its own.
const InventoryAssociationName = "Inventory-Association"

// ensureInventory makes, unless it exists, the association that gathers
// the inventory of every instance (InstanceIds *) every 30 minutes and
// right after an instance registers, so that the local instance's
// software shows as soon as its agent runs.
func (d *Dev) ensureInventory(ctx context.Context) error {
	as := d.Server.Associations()
	out, err := as.ListAssociations(ctx, &ssm.ListAssociationsInput{AssociationFilterList: []*ssm.AssociationFilter{
		{Key: "AssociationName", Value: InventoryAssociationName}}})
	if err != nil {
		return fmt.Errorf("dev: inventory association: %w", err)
	}
	if len(out.Associations) > 0 {
		return nil
	}
	if _, err := as.CreateAssociation(ctx, &ssm.CreateAssociationInput{
		Name: "AWS-GatherSoftwareInventory", AssociationName: InventoryAssociationName,
		Targets: []*ssm.Target{{Key: "InstanceIds", Values: []string{"*"}}}, ScheduleExpression: "rate(30 minutes)",
	}); err != nil {
		return fmt.Errorf("dev: inventory association: %w", err)
	}
	return nil
}

// Close releases what New opened.
func (d *Dev) Close() error { return d.Server.Close() }

func (d *Dev) printBanner(w io.Writer) {
	ep := d.Server.Endpoint()
	fmt.Fprintf(w, `kanri dev is running.

  endpoint     %s
  account      %s
  region       %s
  data dir     %s
  credentials  %s (administrator, profile "default")

Use it with the AWS CLI:

  export AWS_SHARED_CREDENTIALS_FILE=%s
  export AWS_CONFIG_FILE=%s
  aws --endpoint-url %s sts get-caller-identity

Restart on the same state with: kanri dev --data-dir %s
Press Ctrl-C to stop.
`, ep, d.Server.Account(), d.Server.Region(), d.cfg.DataDir, d.CredentialsFile(),
		d.CredentialsFile(), d.ConfigFile(), ep, d.cfg.DataDir)
}
