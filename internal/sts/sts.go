// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package sts owns temporary credentials and the Security Token Service
// operations: who am I (GetCallerIdentity), and, built on IAM, assuming
// roles.
package sts

import (
	"context"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// Service performs STS operations.
type Service struct{}

// New returns a Service.
func New() *Service { return &Service{} }

// GetCallerIdentity returns the principal that signed the request.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c := iam.CallerFrom(ctx)
	if c == nil || c.Principal.ARN == "" {
		return nil, awserr.InternalFailure()
	}
	p := c.Principal
	return &stsapi.GetCallerIdentityOutput{Account: p.Account, Arn: p.ARN, UserId: p.ID}, nil
}
