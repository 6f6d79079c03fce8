// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam/policy"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// Quotas of managed policies, as IAM's defaults.
const (
	maxPolicyVersions      = 5
	maxAttachedPerIdentity = 10
)

func noSuchPolicy(policyARN string) error {
	return iamapi.NewNoSuchEntityException("Policy %s does not exist or is not attachable.", policyARN)
}

// policyShape converts a managed policy, with its attachment count.
func (s *Service) policyShape(ctx context.Context, p *ManagedPolicy, description bool) (*iamapi.Policy, error) {
	n, err := s.store.CountPolicyAttachments(ctx, p.ARN)
	if err != nil {
		return nil, err
	}
	count, zero, yes := int32(n), int32(0), true
	out := &iamapi.Policy{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: &count, PermissionsBoundaryUsageCount: &zero, IsAttachable: &yes,
		CreateDate: ts(p.CreateDate), UpdateDate: ts(p.UpdateDate), Tags: toWireTags(p.Tags),
	}
	if description {
		out.Description = p.Description
	}
	return out, nil
}

// getPolicy returns a managed policy, customer or provider.
func (s *Service) getPolicy(ctx context.Context, policyARN string) (*ManagedPolicy, error) {
	p, err := s.store.GetPolicy(ctx, policyARN)
	if errors.Is(err, awserr.NotFound) {
		return nil, noSuchPolicy(policyARN)
	}
	if err != nil {
		return nil, err
	}
	if p.Account != s.account && p.Account != ProviderAccount {
		return nil, noSuchPolicy(policyARN)
	}
	return p, nil
}

// customerPolicy returns a policy of the account itself: provider policies
// cannot be changed.
func (s *Service) customerPolicy(ctx context.Context, policyARN string) (*ManagedPolicy, error) {
	p, err := s.getPolicy(ctx, policyARN)
	if err != nil {
		return nil, err
	}
	if p.Account == ProviderAccount {
		return nil, iamapi.NewInvalidInputException("ARN %s is not valid: provider-managed policies cannot be changed.", policyARN)
	}
	return p, nil
}

// CreatePolicy creates a customer managed policy.
func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyInput) (*iamapi.CreatePolicyOutput, error) {
	p, err := path(in.Path)
	if err != nil {
		return nil, err
	}
	if _, err := parseDocument(in.PolicyDocument, policy.Identity, policy.MaxManagedPolicySize, "PolicySize"); err != nil {
		return nil, err
	}
	tags := fromWireTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	now := s.ctxNow(ctx)
	mp := &ManagedPolicy{
		ARN: s.arnPrefix() + "policy" + p + in.PolicyName, Account: s.account, Name: in.PolicyName, ID: NewID("ANPA"),
		Path: p, Description: in.Description, DefaultVersion: "v1", NextVersion: 2, Tags: tags, CreateDate: now, UpdateDate: now,
	}
	if err := s.store.CreatePolicy(ctx, mp, in.PolicyDocument); err != nil {
		if errors.Is(err, awserr.Exists) {
			return nil, iamapi.NewEntityAlreadyExistsException("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
		return nil, err
	}
	sh, err := s.policyShape(ctx, mp, false)
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyOutput{Policy: sh}, nil
}

// GetPolicy returns a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyInput) (*iamapi.GetPolicyOutput, error) {
	p, err := s.getPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	sh, err := s.policyShape(ctx, p, true)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyOutput{Policy: sh}, nil
}

// ListPolicies lists managed policies: the account's (Local), kanri's own
// (AWS) or both (All).
func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesInput) (*iamapi.ListPoliciesOutput, error) {
	opt, limit, err := page("", in.MaxItems, in.PathPrefix)
	if err != nil {
		return nil, err
	}
	f := PolicyFilter{ListOptions: opt, Account: s.account, OnlyAttached: in.OnlyAttached != nil && *in.OnlyAttached}
	switch in.Scope {
	case "", iamapi.PolicyScopeTypeAll:
		f.Local, f.Provider = true, true
	case iamapi.PolicyScopeTypeAws:
		f.Provider = true
	case iamapi.PolicyScopeTypeLocal:
		f.Local = true
	}
	if in.Marker != "" {
		b, err := decodeMarker(in.Marker)
		if err != nil {
			return nil, err
		}
		f.AfterARN = b
	}
	var boundaries map[string]bool
	if in.PolicyUsageFilter == iamapi.PolicyUsageTypePermissionsBoundary {
		if boundaries, err = s.boundaryPolicies(ctx); err != nil {
			return nil, err
		}
		f.Limit = 0
	} else if in.PolicyUsageFilter == iamapi.PolicyUsageTypePermissionsPolicy {
		f.OnlyAttached = true
	}
	ps, err := s.store.ListPolicies(ctx, f)
	if err != nil {
		return nil, err
	}
	if boundaries != nil {
		kept := ps[:0]
		for _, p := range ps {
			if boundaries[p.ARN] {
				kept = append(kept, p)
			}
		}
		ps = kept
	}
	ps, more, m := truncate(ps, limit, func(p *ManagedPolicy) string { return p.ARN })
	out := &iamapi.ListPoliciesOutput{Policies: []*iamapi.Policy{}, IsTruncated: more, Marker: m}
	for _, p := range ps {
		sh, err := s.policyShape(ctx, p, false)
		if err != nil {
			return nil, err
		}
		sh.Tags = nil
		out.Policies = append(out.Policies, sh)
	}
	return out, nil
}

// boundaryPolicies returns the ARNs used as permissions boundaries.
func (s *Service) boundaryPolicies(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	us, err := s.store.ListUsers(ctx, s.account, ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if u.PermissionsBoundary != "" {
			out[u.PermissionsBoundary] = true
		}
	}
	rs, err := s.store.ListRoles(ctx, s.account, ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.PermissionsBoundary != "" {
			out[r.PermissionsBoundary] = true
		}
	}
	return out, nil
}

func decodeMarker(m string) (string, error) {
	opt, _, err := page(m, nil, "")
	return opt.After, err
}

// DeletePolicy deletes a customer policy that is attached nowhere and has
// only its default version.
func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyInput) (*iamapi.DeletePolicyOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if n, err := s.store.CountPolicyAttachments(ctx, p.ARN); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, iamapi.NewDeleteConflictException("Cannot delete a policy attached to entities.")
	}
	if vs, err := s.store.ListPolicyVersions(ctx, p.ARN); err != nil {
		return nil, err
	} else if len(vs) > 1 {
		return nil, iamapi.NewDeleteConflictException("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	if err := s.store.DeletePolicy(ctx, p.ARN); err != nil {
		return nil, err
	}
	s.changed()
	return &iamapi.DeletePolicyOutput{}, nil
}

func versionShape(v *PolicyVersion, defaultID string) *iamapi.PolicyVersion {
	isDefault := v.VersionID == defaultID
	return &iamapi.PolicyVersion{Document: encodeDocument(v.Document), VersionId: v.VersionID, IsDefaultVersion: &isDefault, CreateDate: ts(v.CreateDate)}
}

// CreatePolicyVersion adds a version to a customer policy, at most five.
func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionInput) (*iamapi.CreatePolicyVersionOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if _, err := parseDocument(in.PolicyDocument, policy.Identity, policy.MaxManagedPolicySize, "PolicySize"); err != nil {
		return nil, err
	}
	setDefault := in.SetAsDefault != nil && *in.SetAsDefault
	v, err := s.store.CreatePolicyVersion(ctx, p.ARN, in.PolicyDocument, setDefault, maxPolicyVersions, s.ctxNow(ctx))
	if errors.Is(err, awserr.LimitExceeded) {
		return nil, iamapi.NewLimitExceededException("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	if err != nil {
		return nil, storeErr(err, "policy", p.ARN)
	}
	if setDefault {
		s.changed()
	}
	def := p.DefaultVersion
	if setDefault {
		def = v.VersionID
	}
	return &iamapi.CreatePolicyVersionOutput{PolicyVersion: versionShape(v, def)}, nil
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionInput) (*iamapi.GetPolicyVersionOutput, error) {
	p, err := s.getPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v, err := s.store.GetPolicyVersion(ctx, p.ARN, in.VersionId)
	if errors.Is(err, awserr.NotFound) {
		return nil, iamapi.NewNoSuchEntityException("Policy %s version %s does not exist or is not attachable.", p.ARN, in.VersionId)
	}
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyVersionOutput{PolicyVersion: versionShape(v, p.DefaultVersion)}, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsInput) (*iamapi.ListPolicyVersionsOutput, error) {
	p, err := s.getPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListPolicyVersions(ctx, p.ARN)
	if err != nil {
		return nil, err
	}
	sort.Slice(vs, func(i, j int) bool { return versionNumber(vs[i].VersionID) > versionNumber(vs[j].VersionID) })
	f := false
	out := &iamapi.ListPolicyVersionsOutput{Versions: []*iamapi.PolicyVersion{}, IsTruncated: &f}
	for _, v := range vs {
		sh := versionShape(v, p.DefaultVersion)
		sh.Document = "" // ListPolicyVersions does not return documents
		out.Versions = append(out.Versions, sh)
	}
	return out, nil
}

// versionNumber returns n of "vn".
func versionNumber(id string) int {
	var n int
	fmt.Sscanf(id, "v%d", &n)
	return n
}

// SetDefaultPolicyVersion makes a version the one in effect, for every
// identity the policy is attached to, at once.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) (*iamapi.SetDefaultPolicyVersionOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetDefaultPolicyVersion(ctx, p.ARN, in.VersionId, s.ctxNow(ctx)); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, iamapi.NewNoSuchEntityException("Policy %s version %s does not exist or is not attachable.", p.ARN, in.VersionId)
		}
		return nil, err
	}
	s.changed()
	return &iamapi.SetDefaultPolicyVersionOutput{}, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionInput) (*iamapi.DeletePolicyVersionOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if in.VersionId == p.DefaultVersion {
		return nil, iamapi.NewDeleteConflictException("Cannot delete the default version of a policy.")
	}
	if err := s.store.DeletePolicyVersion(ctx, p.ARN, in.VersionId); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, iamapi.NewNoSuchEntityException("Policy %s version %s does not exist or is not attachable.", p.ARN, in.VersionId)
		}
		if errors.Is(err, awserr.Conflict) {
			return nil, iamapi.NewDeleteConflictException("Cannot delete the default version of a policy.")
		}
		return nil, err
	}
	return &iamapi.DeletePolicyVersionOutput{}, nil
}

// TagPolicy adds or replaces tags of a customer policy.
func (s *Service) TagPolicy(ctx context.Context, in *iamapi.TagPolicyInput) (*iamapi.TagPolicyOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	tags := mergeTags(p.Tags, fromWireTags(in.Tags))
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if err := s.store.SetPolicyTags(ctx, p.ARN, tags); err != nil {
		return nil, err
	}
	return &iamapi.TagPolicyOutput{}, nil
}

// UntagPolicy removes tags of a customer policy.
func (s *Service) UntagPolicy(ctx context.Context, in *iamapi.UntagPolicyInput) (*iamapi.UntagPolicyOutput, error) {
	p, err := s.customerPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetPolicyTags(ctx, p.ARN, removeTags(p.Tags, in.TagKeys)); err != nil {
		return nil, err
	}
	return &iamapi.UntagPolicyOutput{}, nil
}

// ListPolicyTags lists a managed policy's tags.
func (s *Service) ListPolicyTags(ctx context.Context, in *iamapi.ListPolicyTagsInput) (*iamapi.ListPolicyTagsOutput, error) {
	p, err := s.getPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	f := false
	tags := toWireTags(p.Tags)
	if tags == nil {
		tags = []*iamapi.Tag{}
	}
	return &iamapi.ListPolicyTagsOutput{Tags: tags, IsTruncated: &f}, nil
}

// --- attachments ---

// owner checks that a user, group or role exists and returns its name as
// stored.
func (s *Service) owner(ctx context.Context, kind, name string) (string, error) {
	var err error
	switch kind {
	case KindUser:
		var u *User
		if u, err = s.store.GetUser(ctx, s.account, name); err == nil {
			return u.Name, nil
		}
	case KindGroup:
		var g *Group
		if g, err = s.store.GetGroup(ctx, s.account, name); err == nil {
			return g.Name, nil
		}
	case KindRole:
		var r *Role
		if r, err = s.store.GetRole(ctx, s.account, name); err == nil {
			return r.Name, nil
		}
	}
	return "", storeErr(err, kind, name)
}

func (s *Service) attach(ctx context.Context, kind, name, policyARN string) error {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return err
	}
	if _, err := s.getPolicy(ctx, policyARN); err != nil {
		return err
	}
	attached, err := s.store.ListAttachedPolicies(ctx, s.account, kind, owner)
	if err != nil {
		return err
	}
	for _, p := range attached {
		if p.ARN == policyARN {
			return nil // attaching twice is not an error
		}
	}
	if len(attached) >= maxAttachedPerIdentity {
		return iamapi.NewLimitExceededException("Cannot exceed quota for PoliciesPer%s: %d", strings.ToUpper(kind[:1])+kind[1:], maxAttachedPerIdentity)
	}
	if err := s.store.AttachPolicy(ctx, &Attachment{Account: s.account, OwnerKind: kind, Owner: owner, PolicyARN: policyARN}); err != nil && !errors.Is(err, awserr.Exists) {
		return err
	}
	s.changed()
	return nil
}

func (s *Service) detach(ctx context.Context, kind, name, policyARN string) error {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return err
	}
	if err := s.store.DetachPolicy(ctx, &Attachment{Account: s.account, OwnerKind: kind, Owner: owner, PolicyARN: policyARN}); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return iamapi.NewNoSuchEntityException("Policy %s was not found.", policyARN)
		}
		return err
	}
	s.changed()
	return nil
}

func (s *Service) listAttached(ctx context.Context, kind, name, pathPrefix string) ([]*iamapi.AttachedPolicy, error) {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.ListAttachedPolicies(ctx, s.account, kind, owner)
	if err != nil {
		return nil, err
	}
	out := []*iamapi.AttachedPolicy{}
	for _, p := range ps {
		if pathPrefix == "" || strings.HasPrefix(p.Path, pathPrefix) {
			out = append(out, &iamapi.AttachedPolicy{PolicyName: p.Name, PolicyArn: p.ARN})
		}
	}
	return out, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, in *iamapi.AttachUserPolicyInput) (*iamapi.AttachUserPolicyOutput, error) {
	return &iamapi.AttachUserPolicyOutput{}, s.attach(ctx, KindUser, in.UserName, in.PolicyArn)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, in *iamapi.AttachGroupPolicyInput) (*iamapi.AttachGroupPolicyOutput, error) {
	return &iamapi.AttachGroupPolicyOutput{}, s.attach(ctx, KindGroup, in.GroupName, in.PolicyArn)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyInput) (*iamapi.AttachRolePolicyOutput, error) {
	return &iamapi.AttachRolePolicyOutput{}, s.attach(ctx, KindRole, in.RoleName, in.PolicyArn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, in *iamapi.DetachUserPolicyInput) (*iamapi.DetachUserPolicyOutput, error) {
	return &iamapi.DetachUserPolicyOutput{}, s.detach(ctx, KindUser, in.UserName, in.PolicyArn)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, in *iamapi.DetachGroupPolicyInput) (*iamapi.DetachGroupPolicyOutput, error) {
	return &iamapi.DetachGroupPolicyOutput{}, s.detach(ctx, KindGroup, in.GroupName, in.PolicyArn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyInput) (*iamapi.DetachRolePolicyOutput, error) {
	return &iamapi.DetachRolePolicyOutput{}, s.detach(ctx, KindRole, in.RoleName, in.PolicyArn)
}

// ListAttachedUserPolicies lists the managed policies of a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) (*iamapi.ListAttachedUserPoliciesOutput, error) {
	ps, err := s.listAttached(ctx, KindUser, in.UserName, in.PathPrefix)
	f := false
	return &iamapi.ListAttachedUserPoliciesOutput{AttachedPolicies: ps, IsTruncated: &f}, err
}

// ListAttachedGroupPolicies lists the managed policies of a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) (*iamapi.ListAttachedGroupPoliciesOutput, error) {
	ps, err := s.listAttached(ctx, KindGroup, in.GroupName, in.PathPrefix)
	f := false
	return &iamapi.ListAttachedGroupPoliciesOutput{AttachedPolicies: ps, IsTruncated: &f}, err
}

// ListAttachedRolePolicies lists the managed policies of a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) (*iamapi.ListAttachedRolePoliciesOutput, error) {
	ps, err := s.listAttached(ctx, KindRole, in.RoleName, in.PathPrefix)
	f := false
	return &iamapi.ListAttachedRolePoliciesOutput{AttachedPolicies: ps, IsTruncated: &f}, err
}

// ListEntitiesForPolicy lists the users, groups and roles a managed policy
// is attached to.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) (*iamapi.ListEntitiesForPolicyOutput, error) {
	p, err := s.getPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	as, err := s.store.ListPolicyAttachments(ctx, p.ARN)
	if err != nil {
		return nil, err
	}
	f := false
	out := &iamapi.ListEntitiesForPolicyOutput{PolicyUsers: []*iamapi.PolicyUser{}, PolicyGroups: []*iamapi.PolicyGroup{}, PolicyRoles: []*iamapi.PolicyRole{}, IsTruncated: &f}
	for _, a := range as {
		if a.Account != s.account {
			continue
		}
		switch {
		case a.OwnerKind == KindUser && (in.EntityFilter == "" || in.EntityFilter == iamapi.EntityTypeUser):
			if u, err := s.store.GetUser(ctx, s.account, a.Owner); err == nil {
				out.PolicyUsers = append(out.PolicyUsers, &iamapi.PolicyUser{UserName: u.Name, UserId: u.ID})
			}
		case a.OwnerKind == KindGroup && (in.EntityFilter == "" || in.EntityFilter == iamapi.EntityTypeGroup):
			if g, err := s.store.GetGroup(ctx, s.account, a.Owner); err == nil {
				out.PolicyGroups = append(out.PolicyGroups, &iamapi.PolicyGroup{GroupName: g.Name, GroupId: g.ID})
			}
		case a.OwnerKind == KindRole && (in.EntityFilter == "" || in.EntityFilter == iamapi.EntityTypeRole):
			if r, err := s.store.GetRole(ctx, s.account, a.Owner); err == nil {
				out.PolicyRoles = append(out.PolicyRoles, &iamapi.PolicyRole{RoleName: r.Name, RoleId: r.ID})
			}
		}
	}
	return out, nil
}

// --- inline policies ---

// inlineLimit is the aggregate size limit of an owner's inline policies.
func inlineLimit(kind string) (int, string) {
	switch kind {
	case KindUser:
		return policy.MaxUserInlinePolicySize, "UserPolicySize"
	case KindGroup:
		return policy.MaxGroupInlinePolicySize, "GroupPolicySize"
	}
	return policy.MaxRoleInlinePolicySize, "RolePolicySize"
}

func (s *Service) putInline(ctx context.Context, kind, name, policyName, doc string) error {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return err
	}
	limit, quota := inlineLimit(kind)
	if _, err := parseDocument(doc, policy.Identity, 0, quota); err != nil {
		return err
	}
	existing, err := s.store.ListInlinePolicies(ctx, s.account, kind, owner)
	if err != nil {
		return err
	}
	total := policy.SizeWithoutWhitespace(doc)
	for _, p := range existing {
		if !strings.EqualFold(p.Name, policyName) {
			total += policy.SizeWithoutWhitespace(p.Document)
		}
	}
	if total > limit {
		return iamapi.NewLimitExceededException("Maximum policy size of %d bytes exceeded for %s %s.", limit, kind, owner)
	}
	if err := s.store.PutInlinePolicy(ctx, &InlinePolicy{Account: s.account, OwnerKind: kind, Owner: owner, Name: policyName, Document: doc}); err != nil {
		return err
	}
	s.changed()
	return nil
}

func (s *Service) getInline(ctx context.Context, kind, name, policyName string) (*InlinePolicy, error) {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	p, err := s.store.GetInlinePolicy(ctx, s.account, kind, owner, policyName)
	if errors.Is(err, awserr.NotFound) {
		return nil, iamapi.NewNoSuchEntityException("The %s policy with name %s cannot be found.", owner, policyName)
	}
	return p, err
}

func (s *Service) listInline(ctx context.Context, kind, name string) ([]string, error) {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.ListInlinePolicies(ctx, s.account, kind, owner)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names, nil
}

func (s *Service) deleteInline(ctx context.Context, kind, name, policyName string) error {
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return err
	}
	if err := s.store.DeleteInlinePolicy(ctx, s.account, kind, owner, policyName); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return iamapi.NewNoSuchEntityException("The %s policy with name %s cannot be found.", owner, policyName)
		}
		return err
	}
	s.changed()
	return nil
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, in *iamapi.PutUserPolicyInput) (*iamapi.PutUserPolicyOutput, error) {
	return &iamapi.PutUserPolicyOutput{}, s.putInline(ctx, KindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, in *iamapi.PutGroupPolicyInput) (*iamapi.PutGroupPolicyOutput, error) {
	return &iamapi.PutGroupPolicyOutput{}, s.putInline(ctx, KindGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyInput) (*iamapi.PutRolePolicyOutput, error) {
	return &iamapi.PutRolePolicyOutput{}, s.putInline(ctx, KindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, in *iamapi.GetUserPolicyInput) (*iamapi.GetUserPolicyOutput, error) {
	p, err := s.getInline(ctx, KindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserPolicyOutput{UserName: p.Owner, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, in *iamapi.GetGroupPolicyInput) (*iamapi.GetGroupPolicyOutput, error) {
	p, err := s.getInline(ctx, KindGroup, in.GroupName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetGroupPolicyOutput{GroupName: p.Owner, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyInput) (*iamapi.GetRolePolicyOutput, error) {
	p, err := s.getInline(ctx, KindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRolePolicyOutput{RoleName: p.Owner, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, in *iamapi.ListUserPoliciesInput) (*iamapi.ListUserPoliciesOutput, error) {
	names, err := s.listInline(ctx, KindUser, in.UserName)
	f := false
	return &iamapi.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: &f}, err
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, in *iamapi.ListGroupPoliciesInput) (*iamapi.ListGroupPoliciesOutput, error) {
	names, err := s.listInline(ctx, KindGroup, in.GroupName)
	f := false
	return &iamapi.ListGroupPoliciesOutput{PolicyNames: names, IsTruncated: &f}, err
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesInput) (*iamapi.ListRolePoliciesOutput, error) {
	names, err := s.listInline(ctx, KindRole, in.RoleName)
	f := false
	return &iamapi.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: &f}, err
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *iamapi.DeleteUserPolicyInput) (*iamapi.DeleteUserPolicyOutput, error) {
	return &iamapi.DeleteUserPolicyOutput{}, s.deleteInline(ctx, KindUser, in.UserName, in.PolicyName)
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) (*iamapi.DeleteGroupPolicyOutput, error) {
	return &iamapi.DeleteGroupPolicyOutput{}, s.deleteInline(ctx, KindGroup, in.GroupName, in.PolicyName)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyInput) (*iamapi.DeleteRolePolicyOutput, error) {
	return &iamapi.DeleteRolePolicyOutput{}, s.deleteInline(ctx, KindRole, in.RoleName, in.PolicyName)
}
