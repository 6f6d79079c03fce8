// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/sts"
	"github.com/kanri-dev/kanri/internal/wire/cloudtrail"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// stsService binds the STS operations.
func stsService(s *sts.Service) *api.Service {
	return &api.Service{
		Name:         "sts",
		Protocol:     api.Query,
		Version:      stsapi.APIVersion,
		XMLNamespace: stsapi.XMLNamespace,
		Operations: []*api.Operation{
			api.Op("GetCallerIdentity", s.GetCallerIdentity).Read().AnyPrincipal(),
			// AssumeRole weighs the trust policy with the caller's identity
			// policies itself; GetSessionToken needs no permission, as on AWS.
			api.Resources(api.Op("AssumeRole", s.AssumeRole).AnyPrincipal(), func(ctx context.Context, in *stsapi.AssumeRoleInput) []string {
				return []string{in.RoleArn}
			}),
			api.Resources(api.Op("AssumeRoleWithWebIdentity", s.AssumeRoleWithWebIdentity).Unsigned(), func(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput) []string {
				return []string{in.RoleArn}
			}),
			api.Op("GetSessionToken", s.GetSessionToken).AnyPrincipal(),
		},
	}
}

// cloudTrailService binds CloudTrail's LookupEvents to the audit trail.
func cloudTrailService(t *audit.Trail) *api.Service {
	return &api.Service{
		Name:         "cloudtrail",
		Protocol:     api.JSON,
		TargetPrefix: cloudtrail.TargetPrefix,
		Operations: []*api.Operation{
			api.Op("LookupEvents", t.LookupEvents).Read(),
		},
	}
}
