// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

func (s *Service) profileShape(p *InstanceProfile) *iamapi.InstanceProfile {
	out := &iamapi.InstanceProfile{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID, Arn: p.ARN(),
		CreateDate: ts(p.CreateDate), Roles: []*iamapi.Role{}, Tags: toWireTags(p.Tags)}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, s.roleShape(r, false))
	}
	return out
}

// CreateInstanceProfile creates an instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, in *iamapi.CreateInstanceProfileInput) (*iamapi.CreateInstanceProfileOutput, error) {
	p, err := path(in.Path)
	if err != nil {
		return nil, err
	}
	tags := fromWireTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	ip := &InstanceProfile{Account: s.account, Name: in.InstanceProfileName, ID: NewID("AIPA"), Path: p, Tags: tags, CreateDate: s.ctxNow(ctx)}
	if err := s.store.CreateInstanceProfile(ctx, ip); err != nil {
		return nil, storeErr(err, "instance profile", ip.Name)
	}
	return &iamapi.CreateInstanceProfileOutput{InstanceProfile: s.profileShape(ip)}, nil
}

// GetInstanceProfile returns an instance profile with its role.
func (s *Service) GetInstanceProfile(ctx context.Context, in *iamapi.GetInstanceProfileInput) (*iamapi.GetInstanceProfileOutput, error) {
	ip, err := s.store.GetInstanceProfile(ctx, s.account, in.InstanceProfileName)
	if err != nil {
		return nil, storeErr(err, "instance profile", in.InstanceProfileName)
	}
	return &iamapi.GetInstanceProfileOutput{InstanceProfile: s.profileShape(ip)}, nil
}

// ListInstanceProfiles lists instance profiles by name.
func (s *Service) ListInstanceProfiles(ctx context.Context, in *iamapi.ListInstanceProfilesInput) (*iamapi.ListInstanceProfilesOutput, error) {
	opt, limit, err := page(in.Marker, in.MaxItems, in.PathPrefix)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.ListInstanceProfiles(ctx, s.account, opt)
	if err != nil {
		return nil, err
	}
	ps, more, m := truncate(ps, limit, func(p *InstanceProfile) string { return strings.ToLower(p.Name) })
	out := &iamapi.ListInstanceProfilesOutput{InstanceProfiles: []*iamapi.InstanceProfile{}, IsTruncated: more, Marker: m}
	for _, p := range ps {
		out.InstanceProfiles = append(out.InstanceProfiles, s.profileShape(p))
	}
	return out, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleInput) (*iamapi.ListInstanceProfilesForRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.ListInstanceProfilesForRole(ctx, s.account, r.Name)
	if err != nil {
		return nil, err
	}
	f := false
	out := &iamapi.ListInstanceProfilesForRoleOutput{InstanceProfiles: []*iamapi.InstanceProfile{}, IsTruncated: &f}
	for _, p := range ps {
		out.InstanceProfiles = append(out.InstanceProfiles, s.profileShape(p))
	}
	return out, nil
}

// AddRoleToInstanceProfile puts a role in an instance profile (one at most).
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, in *iamapi.AddRoleToInstanceProfileInput) (*iamapi.AddRoleToInstanceProfileOutput, error) {
	if _, err := s.store.GetInstanceProfile(ctx, s.account, in.InstanceProfileName); err != nil {
		return nil, storeErr(err, "instance profile", in.InstanceProfileName)
	}
	if _, err := s.Role(ctx, in.RoleName); err != nil {
		return nil, err
	}
	err := s.store.AddRoleToInstanceProfile(ctx, s.account, in.InstanceProfileName, in.RoleName)
	switch {
	case errors.Is(err, awserr.LimitExceeded):
		return nil, iamapi.NewLimitExceededException("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	case errors.Is(err, awserr.Exists):
		return nil, iamapi.NewLimitExceededException("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	case err != nil:
		return nil, storeErr(err, "instance profile", in.InstanceProfileName)
	}
	return &iamapi.AddRoleToInstanceProfileOutput{}, nil
}

// RemoveRoleFromInstanceProfile takes a role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, in *iamapi.RemoveRoleFromInstanceProfileInput) (*iamapi.RemoveRoleFromInstanceProfileOutput, error) {
	if err := s.store.RemoveRoleFromInstanceProfile(ctx, s.account, in.InstanceProfileName, in.RoleName); err != nil {
		return nil, storeErr(err, "role", in.RoleName)
	}
	return &iamapi.RemoveRoleFromInstanceProfileOutput{}, nil
}

// DeleteInstanceProfile deletes an instance profile without a role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, in *iamapi.DeleteInstanceProfileInput) (*iamapi.DeleteInstanceProfileOutput, error) {
	ip, err := s.store.GetInstanceProfile(ctx, s.account, in.InstanceProfileName)
	if err != nil {
		return nil, storeErr(err, "instance profile", in.InstanceProfileName)
	}
	if len(ip.Roles) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must remove roles from instance profile first.")
	}
	if err := s.store.DeleteInstanceProfile(ctx, s.account, ip.Name); err != nil {
		return nil, storeErr(err, "instance profile", ip.Name)
	}
	return &iamapi.DeleteInstanceProfileOutput{}, nil
}
