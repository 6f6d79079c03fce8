// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Activation limits, as SSM's.
const (
	defaultActivationTTL = 24 * time.Hour
	maxActivationTTL     = 30 * 24 * time.Hour
	ssmService           = "ssm.amazonaws.com"
)

func validation(format string, args ...any) error {
	return awserr.Errorf(awserr.Invalid, "ValidationException", format, args...)
}

// instanceRole returns the role an activation names (by name, path/name or
// ARN), checking that it trusts Systems Manager.
func (s *Service) instanceRole(ctx context.Context, name string) (*iam.Role, error) {
	var role *iam.Role
	var err error
	if strings.HasPrefix(name, "arn:") {
		role, err = s.roles.RoleByARN(ctx, name)
	} else {
		role, err = s.roles.Role(ctx, name[strings.LastIndexByte(name, '/')+1:])
	}
	if err != nil || !s.roles.TrustsService(role, ssmService) {
		return nil, validation("Nonexistent role or missing %s service principal in trust policy: %s", ssmService, name)
	}
	return role, nil
}

// newActivation creates an activation and returns it with its code, which
// is stored only as a hash.
func (s *Service) newActivation(ctx context.Context, a *Activation) (*Activation, string, error) {
	if _, err := s.instanceRole(ctx, a.IAMRole); err != nil {
		return nil, "", err
	}
	code := newActivationCode()
	a.ID, a.Account, a.CodeHash, a.CreateDate = uuid.NewString(), s.account, hashCode(code), s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.CreateActivation(ctx, a); err != nil {
		return nil, "", err
	}
	return a, code, nil
}

// CreateActivation creates an activation: servers register with its ID and
// code until its expiration and up to its registration limit. The code is
// shown once.
func (s *Service) CreateActivation(ctx context.Context, in *ssm.CreateActivationInput) (*ssm.CreateActivationOutput, error) {
	now := s.now()
	a := &Activation{Description: in.Description, DefaultInstanceName: in.DefaultInstanceName, IAMRole: in.IamRole, RegistrationLimit: 1,
		Expiration: now.Add(defaultActivationTTL).UTC().Truncate(time.Millisecond), Tags: map[string]string{}}
	if in.RegistrationLimit != nil {
		a.RegistrationLimit = int(*in.RegistrationLimit)
	}
	if in.ExpirationDate != nil {
		exp := in.ExpirationDate.Time()
		if !exp.After(now) {
			return nil, validation("ExpirationDate %s must be in the future", exp.UTC().Format(time.RFC3339))
		}
		if exp.Sub(now) > maxActivationTTL {
			return nil, validation("ExpirationDate %s must be no more than 30 days in the future", exp.UTC().Format(time.RFC3339))
		}
		a.Expiration = exp.UTC().Truncate(time.Millisecond)
	}
	for _, t := range in.Tags {
		a.Tags[t.Key] = t.Value
	}
	a, code, err := s.newActivation(ctx, a)
	if err != nil {
		return nil, err
	}
	return &ssm.CreateActivationOutput{ActivationId: a.ID, ActivationCode: code}, nil
}

func (s *Service) activationShape(a *Activation) *ssm.Activation {
	limit, count, expired := int32(a.RegistrationLimit), int32(a.RegistrationsCount), a.Expired(s.now())
	out := &ssm.Activation{
		ActivationId: a.ID, Description: a.Description, DefaultInstanceName: a.DefaultInstanceName, IamRole: a.IAMRole,
		RegistrationLimit: &limit, RegistrationsCount: &count, ExpirationDate: timestamp.Ptr(a.Expiration), Expired: &expired,
		CreatedDate: timestamp.Ptr(a.CreateDate), Tags: ssm.TagList(a.Tags),
	}
	return out
}

// DescribeActivations lists the account's activations, newest first, with
// their registration counts.
func (s *Service) DescribeActivations(ctx context.Context, in *ssm.DescribeActivationsInput) (*ssm.DescribeActivationsOutput, error) {
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	match := func(a *Activation) bool { return true }
	for _, f := range in.Filters {
		f := f
		prev := match
		var field func(a *Activation) string
		switch f.FilterKey {
		case ssm.DescribeActivationsFilterKeysActivationIds:
			field = func(a *Activation) string { return a.ID }
		case ssm.DescribeActivationsFilterKeysDefaultInstanceName:
			field = func(a *Activation) string { return a.DefaultInstanceName }
		case ssm.DescribeActivationsFilterKeysIamRole:
			field = func(a *Activation) string { return a.IAMRole }
		default:
			return nil, ssm.NewInvalidFilter("The filter key %s is not valid.", f.FilterKey)
		}
		match = func(a *Activation) bool { return prev(a) && slices.Contains(f.FilterValues, field(a)) }
	}
	out := &ssm.DescribeActivationsOutput{ActivationList: []*ssm.Activation{}}
	for {
		page, err := s.store.ListActivations(ctx, s.account, after, 200)
		if errors.Is(err, awserr.Invalid) {
			return nil, ssm.NewInvalidNextToken("The specified token is not valid.")
		}
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			after = a.ID
			if !match(a) {
				continue
			}
			if len(out.ActivationList) == limit {
				out.NextToken = encodeToken(out.ActivationList[len(out.ActivationList)-1].ActivationId)
				return out, nil
			}
			out.ActivationList = append(out.ActivationList, s.activationShape(a))
		}
		if len(page) < 200 {
			return out, nil
		}
	}
}

// DeleteActivation deletes an activation; instances registered with it
// stay.
func (s *Service) DeleteActivation(ctx context.Context, in *ssm.DeleteActivationInput) (*ssm.DeleteActivationOutput, error) {
	a, err := s.store.GetActivation(ctx, in.ActivationId)
	if errors.Is(err, awserr.NotFound) || (err == nil && a.Account != s.account) {
		return nil, ssm.NewInvalidActivationId("The activation ID %s is not valid.", in.ActivationId)
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteActivation(ctx, a.ID); err != nil {
		return nil, err
	}
	return &ssm.DeleteActivationOutput{}, nil
}

func encodeToken(s string) string {
	if s == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeToken(t string) (string, error) {
	if t == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) == 0 {
		return "", ssm.NewInvalidNextToken("The specified token is not valid.")
	}
	return string(b), nil
}
