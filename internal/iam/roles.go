// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"strings"

	"github.com/kanri-dev/kanri/internal/iam/policy"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// Session duration limits of roles, in seconds, as IAM's.
const (
	DefaultMaxSessionDuration = 3600
	minMaxSessionDuration     = 3600
	maxMaxSessionDuration     = 43200
)

func (s *Service) roleShape(r *Role, full bool) *iamapi.Role {
	msd := int32(r.MaxSessionDuration)
	out := &iamapi.Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN(), CreateDate: ts(r.CreateDate),
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: r.Description, MaxSessionDuration: &msd,
	}
	if full {
		out.Tags = toWireTags(r.Tags)
		out.RoleLastUsed = &iamapi.RoleLastUsed{}
		if !r.LastUsed.IsZero() {
			out.RoleLastUsed.LastUsedDate = ts(r.LastUsed)
			out.RoleLastUsed.Region = r.LastUsedRegion
		}
	}
	if r.PermissionsBoundary != "" {
		out.PermissionsBoundary = &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryType: iamapi.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy, PermissionsBoundaryArn: r.PermissionsBoundary}
	}
	return out
}

// checkTrust parses a trust policy.
func checkTrust(doc string) error {
	_, err := parseDocument(doc, policy.Trust, policy.MaxTrustPolicySize, "ACLSizePerRole")
	return err
}

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	p, err := path(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTrust(in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	msd := DefaultMaxSessionDuration
	if in.MaxSessionDuration != nil {
		msd = int(*in.MaxSessionDuration)
	}
	tags := fromWireTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		if err := s.checkBoundary(ctx, in.PermissionsBoundary); err != nil {
			return nil, err
		}
	}
	r := &Role{
		Account: s.account, Name: in.RoleName, ID: NewID("AROA"), Path: p, TrustPolicy: in.AssumeRolePolicyDocument,
		Description: in.Description, MaxSessionDuration: msd, PermissionsBoundary: in.PermissionsBoundary, Tags: tags, CreateDate: s.ctxNow(ctx),
	}
	if err := s.store.CreateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.CreateRoleOutput{Role: s.roleShape(r, true)}, nil
}

// Role returns the named role of the account.
func (s *Service) Role(ctx context.Context, name string) (*Role, error) {
	r, err := s.store.GetRole(ctx, s.account, name)
	if err != nil {
		return nil, storeErr(err, "role", name)
	}
	return r, nil
}

// RoleByARN returns the role an ARN names (arn:aws:iam::ACCOUNT:role/path/name).
func (s *Service) RoleByARN(ctx context.Context, roleARN string) (*Role, error) {
	rest, ok := strings.CutPrefix(roleARN, s.arnPrefix()+"role/")
	if !ok || rest == "" {
		return nil, iamapi.NewNoSuchEntityException("The role with ARN %s cannot be found.", roleARN)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	r, err := s.Role(ctx, name)
	if err != nil {
		return nil, err
	}
	if r.ARN() != roleARN {
		return nil, iamapi.NewNoSuchEntityException("The role with ARN %s cannot be found.", roleARN)
	}
	return r, nil
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRoleOutput{Role: s.roleShape(r, true)}, nil
}

// ListRoles lists roles by name.
func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesInput) (*iamapi.ListRolesOutput, error) {
	opt, limit, err := page(in.Marker, in.MaxItems, in.PathPrefix)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.ListRoles(ctx, s.account, opt)
	if err != nil {
		return nil, err
	}
	rs, more, m := truncate(rs, limit, func(r *Role) string { return strings.ToLower(r.Name) })
	out := &iamapi.ListRolesOutput{Roles: []*iamapi.Role{}, IsTruncated: more, Marker: m}
	for _, r := range rs {
		out.Roles = append(out.Roles, s.roleShape(r, false))
	}
	return out, nil
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	if in.Description != "" {
		r.Description = in.Description
	}
	if in.MaxSessionDuration != nil {
		r.MaxSessionDuration = int(*in.MaxSessionDuration)
	}
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.UpdateRoleOutput{}, nil
}

// UpdateRoleDescription changes a role's description.
func (s *Service) UpdateRoleDescription(ctx context.Context, in *iamapi.UpdateRoleDescriptionInput) (*iamapi.UpdateRoleDescriptionOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.Description = in.Description
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	return &iamapi.UpdateRoleDescriptionOutput{Role: s.roleShape(r, true)}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) (*iamapi.UpdateAssumeRolePolicyOutput, error) {
	if err := checkTrust(in.PolicyDocument); err != nil {
		return nil, err
	}
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.TrustPolicy = in.PolicyDocument
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.UpdateAssumeRolePolicyOutput{}, nil
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) (*iamapi.PutRolePermissionsBoundaryOutput, error) {
	if err := s.checkBoundary(ctx, in.PermissionsBoundary); err != nil {
		return nil, err
	}
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.PermissionsBoundary = in.PermissionsBoundary
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.PutRolePermissionsBoundaryOutput{}, nil
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *iamapi.DeleteRolePermissionsBoundaryInput) (*iamapi.DeleteRolePermissionsBoundaryOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.PermissionsBoundary = ""
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.DeleteRolePermissionsBoundaryOutput{}, nil
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleInput) (*iamapi.TagRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.Tags = mergeTags(r.Tags, fromWireTags(in.Tags))
	if err := checkTags(r.Tags); err != nil {
		return nil, err
	}
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.TagRoleOutput{}, nil
}

// UntagRole removes tags of a role.
func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleInput) (*iamapi.UntagRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	r.Tags = removeTags(r.Tags, in.TagKeys)
	if err := s.store.UpdateRole(ctx, r); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.UntagRoleOutput{}, nil
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsInput) (*iamapi.ListRoleTagsOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	f := false
	tags := toWireTags(r.Tags)
	if tags == nil {
		tags = []*iamapi.Tag{}
	}
	return &iamapi.ListRoleTagsOutput{Tags: tags, IsTruncated: &f}, nil
}

// DeleteRole deletes a role without policies or instance profiles. Its
// sessions stop working at once.
func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleInput) (*iamapi.DeleteRoleOutput, error) {
	r, err := s.Role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	if ps, err := s.store.ListInlinePolicies(ctx, s.account, KindRole, r.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must delete policies first.")
	}
	if ps, err := s.store.ListAttachedPolicies(ctx, s.account, KindRole, r.Name); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must detach all policies first.")
	}
	if ips, err := s.store.ListInstanceProfilesForRole(ctx, s.account, r.Name); err != nil {
		return nil, err
	} else if len(ips) > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete entity, must remove roles from instance profile first.")
	}
	if err := s.store.DeleteRole(ctx, s.account, r.Name); err != nil {
		return nil, storeErr(err, "role", r.Name)
	}
	s.changed()
	return &iamapi.DeleteRoleOutput{}, nil
}

// TouchRole records that a role was assumed.
func (s *Service) TouchRole(ctx context.Context, r *Role) {
	if err := s.store.TouchRole(ctx, s.account, r.Name, s.now().UTC(), s.region); err != nil {
		s.log.Warn("record role use", "role", r.Name, "err", err)
	}
}
