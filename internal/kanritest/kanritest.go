// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package kanritest runs all of `kanri dev` in-process for tests, on free
// ports and a temp data dir, and hands out AWS SDK configurations pointed
// at it.
package kanritest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/dev"
	"github.com/kanri-dev/kanri/internal/sdkhttp"
)

// Kanri is a running development system.
type Kanri struct {
	*dev.Dev
	// Endpoint is the API's URL.
	Endpoint string
}

// Options adjust Start.
type Options struct {
	// DataDir reuses state; empty means a new temp dir.
	DataDir string
	// Log receives the server's logs; nil discards them unless
	// KANRI_TEST_LOG=1.
	Log io.Writer
	// Agent runs kanri dev's local agent (off by default, so that tests
	// start from an empty account).
	Agent bool
	// Heartbeat is the agents' heartbeat interval; zero means kanri dev's.
	Heartbeat time.Duration
	// Inventory makes kanri dev's inventory association, with the local
	// agent (off by default, so that tests see only their own commands).
	Inventory bool
	// Associations sets the State Manager scheduler's clock and pace;
	// zero means kanri dev's.
	Associations association.Timing
	// Compliance sets the inventory rules' clock and pace; zero means
	// their defaults.
	Compliance compliance.Timing
	// DatabaseURL runs on PostgreSQL instead of SQLite.
	DatabaseURL string
	// VendAllow are the networks allowed to vend activations (kanri dev's
	// default: loopback).
	VendAllow []string
}

// Start runs kanri dev until t ends.
func Start(t testing.TB, opts Options) *Kanri {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	w := opts.Log
	if w == nil {
		w = io.Discard
		if os.Getenv("KANRI_TEST_LOG") == "1" {
			w = os.Stderr
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := dev.New(ctx, dev.Config{
		DataDir:     opts.DataDir,
		HTTPAddr:    "127.0.0.1:0",
		BusAddr:     "127.0.0.1:0",
		NoAgent:     !opts.Agent,
		DatabaseURL: opts.DatabaseURL,
		VendAllow:   opts.VendAllow,
		Heartbeat:   opts.Heartbeat,
		Logger:      slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),

		NoInventory:  !opts.Inventory,
		Associations: opts.Associations,
		Compliance:   opts.Compliance,
	})
	if err != nil {
		cancel()
		t.Fatalf("kanritest: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	k := &Kanri{Dev: d, Endpoint: d.Server.Endpoint()}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("kanritest: run: %v", err)
		}
		d.Close()
	})
	select {
	case <-d.Server.Ready():
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("kanritest: run ended early: %v", err)
	}
	return k
}

// Config returns an AWS SDK configuration with the administrator's keys.
func (k *Kanri) Config() aws.Config {
	return k.ConfigFor(k.AccessKeyID(), k.SecretAccessKey(), "")
}

// ConfigFor returns an AWS SDK configuration with the given keys.
func (k *Kanri) ConfigFor(accessKeyID, secret, sessionToken string) aws.Config {
	return aws.Config{
		Region:       k.Server.Region(),
		BaseEndpoint: aws.String(k.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secret, sessionToken),
		// No retries: tests see the first answer.
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(),
	}
}
