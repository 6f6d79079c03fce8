// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package sts owns temporary credentials and the Security Token Service
// operations: who am I (GetCallerIdentity), assuming roles with long-term
// or temporary credentials (AssumeRole) or with a web identity token from
// an OpenID Connect provider (AssumeRoleWithWebIdentity), and session
// tokens for IAM users (GetSessionToken).
//
// Temporary credentials are stateless: the session token is the session
// itself (identity, expiry, session policies and the secret), sealed with
// AES-256-GCM under the server's master key, so it cannot be forged or
// altered and any replica can check it without a database read.
package sts

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// Sealer encrypts session tokens.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(blob, aad []byte) ([]byte, error)
}

// Config configures a Service.
type Config struct {
	IAM     *iam.Service
	Sealer  Sealer
	Account string
	Logger  *slog.Logger
	Now     func() time.Time
	// HTTPClient fetches OpenID Connect discovery documents and keys; nil
	// means a client with a 10-second timeout.
	HTTPClient *http.Client
}

// Service performs STS operations. It is safe for concurrent use.
type Service struct {
	iam     *iam.Service
	sealer  Sealer
	account string
	log     *slog.Logger
	now     func() time.Time
	http    *http.Client

	mu        sync.Mutex
	providers map[string]cachedProvider // issuer URL → discovered provider; guarded by mu
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{iam: cfg.IAM, sealer: cfg.Sealer, account: cfg.Account, log: cfg.Logger, now: cfg.Now, http: cfg.HTTPClient,
		providers: map[string]cachedProvider{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 10 * time.Second}
	}
	return s
}

// GetCallerIdentity returns the principal that signed the request.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c := iam.CallerFrom(ctx)
	if c == nil || c.Principal.ARN == "" {
		return nil, awserr.InternalFailure()
	}
	p := c.Principal
	return &stsapi.GetCallerIdentityOutput{Account: p.Account, Arn: p.ARN, UserId: p.ID}, nil
}
