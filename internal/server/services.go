// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
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
