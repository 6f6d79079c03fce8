// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

// VendingConfig is the template of the activations the vending endpoint
// hands out, and who may ask for them.
type VendingConfig struct {
	Name                string // the configuration's name; "default"
	IAMRole             string
	RegistrationLimit   int
	Expiry              time.Duration
	DefaultInstanceName string
	Description         string
	Tags                map[string]string
	// Policy is a resource-based policy on the endpoint, evaluated for
	// action "ssm:VendActivation" on the endpoint's ARN, e.g. allowing
	// "*" with an IpAddress condition on aws:SourceIp.
	Policy string
	// Endpoint is the URL handed to agents to register with.
	Endpoint string
}

// Policies evaluates standalone resource-based policies.
type Policies interface {
	AllowedByResourcePolicy(doc, action, resource string, caller *iam.Caller, reqCtx map[string][]string) (bool, string, error)
}

// VendAction is the IAM action of the vending endpoint.
const VendAction = "ssm:VendActivation"

// VendingARN returns the ARN of the vending endpoint, the resource its
// policy is about.
func (s *Service) VendingARN() string {
	name := "default"
	if s.vending != nil && s.vending.Name != "" {
		name = s.vending.Name
	}
	return "arn:aws:ssm:" + s.region + ":" + s.account + ":activation-vending/" + name
}

// renewBefore is how long before its expiration a vended activation is
// replaced, so that a server gets time to register with it.
const renewBefore = time.Minute

// ErrVendingDisabled is returned when no vending template is configured.
var ErrVendingDisabled = awserr.New(awserr.NotFound, "VendingNotConfigured", "Activation vending is not configured on this server.")

// Vend returns a usable activation from the vending template: the current
// one while it is unexpired and under its limit, else a new one. Exactly
// one new activation is made when the current one runs out, however many
// servers ask at once on however many replicas. policies decides whether
// the caller may ask.
func (s *Service) Vend(ctx context.Context, caller *iam.Caller, policies Policies) (*agentproto.VendResponse, error) {
	cfg := s.vending
	if cfg == nil {
		return nil, ErrVendingDisabled
	}
	ok, msg, err := policies.AllowedByResourcePolicy(cfg.Policy, VendAction, s.VendingARN(), caller, nil)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, awserr.New(awserr.Denied, "AccessDenied", msg).WithStatus(403)
	}
	name := cfg.Name
	if name == "" {
		name = "default"
	}
	aad := []byte("fleet:vending:" + name)
	for attempt := 0; attempt < 20; attempt++ {
		now := s.now()
		prev, sealed, err := s.store.Vending(ctx, name)
		switch {
		case errors.Is(err, awserr.NotFound):
			prev = ""
		case err != nil:
			return nil, err
		default:
			a, err := s.store.GetActivation(ctx, prev)
			if err != nil && !errors.Is(err, awserr.NotFound) {
				return nil, err
			}
			if err == nil && now.Add(renewBefore).Before(a.Expiration) && a.RegistrationsCount < a.RegistrationLimit {
				code, err := s.sealer.Open(sealed, aad)
				if err != nil {
					return nil, err
				}
				return &agentproto.VendResponse{ActivationID: a.ID, ActivationCode: string(code), Region: s.region, Endpoint: cfg.Endpoint}, nil
			}
		}
		// The current activation is missing, expired or exhausted: make
		// the next one, unless another server does it first.
		if _, err := s.instanceRole(ctx, cfg.IAMRole); err != nil {
			return nil, err
		}
		code := newActivationCode()
		a := &Activation{
			ID: uuid.NewString(), Account: s.account, Description: cfg.Description, DefaultInstanceName: cfg.DefaultInstanceName,
			IAMRole: cfg.IAMRole, RegistrationLimit: cfg.RegistrationLimit, Expiration: now.Add(cfg.Expiry).UTC().Truncate(time.Millisecond),
			CreateDate: now.UTC().Truncate(time.Millisecond), CodeHash: hashCode(code), Tags: maps.Clone(cfg.Tags),
		}
		if a.Tags == nil {
			a.Tags = map[string]string{}
		}
		sealedCode, err := s.sealer.Seal([]byte(code), aad)
		if err != nil {
			return nil, err
		}
		won, err := s.store.SwapVending(ctx, name, prev, a, sealedCode, now.UTC())
		if err != nil {
			return nil, err
		}
		if won {
			s.log.Info("vending: new activation", "activation_id", a.ID, "replaces", prev)
			return &agentproto.VendResponse{ActivationID: a.ID, ActivationCode: code, Region: s.region, Endpoint: cfg.Endpoint}, nil
		}
		// Another server replaced it: read theirs.
	}
	return nil, awserr.New(awserr.Unavailable, "ServiceUnavailable", "Could not vend an activation; try again.")
}
