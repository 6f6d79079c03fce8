// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"time"
)

// ListOptions selects a page of a listing ordered by name.
type ListOptions struct {
	PathPrefix string // "" or "/" means every path
	After      string // continue after this lower-cased name
	Limit      int
}

// PolicyFilter selects managed policies for ListPolicies.
type PolicyFilter struct {
	ListOptions
	Account      string // customer account
	Local        bool   // the account's own policies
	Provider     bool   // provider policies
	OnlyAttached bool
	AfterARN     string // continue after this ARN
}

// PolicyDocument is a policy that applies to a principal, as the
// authorizer reads it.
type PolicyDocument struct {
	ID       string // a managed policy's ARN, or "user/alice/inline-name"
	Document string
}

// Store is the storage the IAM service needs. Errors of kind NotFound and
// Exists say what they say; every method is one transaction.
type Store interface {
	SetMetaIfAbsent(ctx context.Context, name, value string) (string, error)
	GetMeta(ctx context.Context, name string) (string, error)

	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, account, name string) (*User, error)
	ListUsers(ctx context.Context, account string, opt ListOptions) ([]*User, error)
	UpdateUser(ctx context.Context, account, name, newName, newPath string) error
	SetUserBoundary(ctx context.Context, account, name, policyARN string) error
	SetUserTags(ctx context.Context, account, name string, tags []Tag) error
	DeleteUser(ctx context.Context, account, name string) error

	CreateAccessKey(ctx context.Context, k *AccessKey) error
	GetAccessKey(ctx context.Context, id string) (*AccessKey, error)
	ListAccessKeys(ctx context.Context, account, userName string) ([]*AccessKey, error)
	UpdateAccessKeyStatus(ctx context.Context, account, userName, id, status string) error
	DeleteAccessKey(ctx context.Context, account, userName, id string) error
	TouchAccessKey(ctx context.Context, id string, at time.Time, service, region string) error

	CreateGroup(ctx context.Context, g *Group) error
	GetGroup(ctx context.Context, account, name string) (*Group, error)
	ListGroups(ctx context.Context, account string, opt ListOptions) ([]*Group, error)
	UpdateGroup(ctx context.Context, account, name, newName, newPath string) error
	DeleteGroup(ctx context.Context, account, name string) error
	AddUserToGroup(ctx context.Context, account, group, user string) error
	RemoveUserFromGroup(ctx context.Context, account, group, user string) error
	ListGroupUsers(ctx context.Context, account, group string) ([]*User, error)
	ListUserGroups(ctx context.Context, account, user string) ([]*Group, error)

	CreateRole(ctx context.Context, r *Role) error
	GetRole(ctx context.Context, account, name string) (*Role, error)
	ListRoles(ctx context.Context, account string, opt ListOptions) ([]*Role, error)
	UpdateRole(ctx context.Context, r *Role) error // description, max session, trust, boundary, tags
	TouchRole(ctx context.Context, account, name string, at time.Time, region string) error
	DeleteRole(ctx context.Context, account, name string) error

	PutInlinePolicy(ctx context.Context, p *InlinePolicy) error
	GetInlinePolicy(ctx context.Context, account, kind, owner, name string) (*InlinePolicy, error)
	ListInlinePolicies(ctx context.Context, account, kind, owner string) ([]*InlinePolicy, error)
	DeleteInlinePolicy(ctx context.Context, account, kind, owner, name string) error

	// CreatePolicy stores p and its first version v1.
	CreatePolicy(ctx context.Context, p *ManagedPolicy, document string) error
	GetPolicy(ctx context.Context, arn string) (*ManagedPolicy, error)
	ListPolicies(ctx context.Context, f PolicyFilter) ([]*ManagedPolicy, error)
	SetPolicyTags(ctx context.Context, arn string, tags []Tag) error
	DeletePolicy(ctx context.Context, arn string) error
	// CreatePolicyVersion adds a version unless the policy has max
	// versions already (an error of kind LimitExceeded), and makes it the
	// default when setDefault.
	CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool, max int, at time.Time) (*PolicyVersion, error)
	// EnsurePolicyVersion stores a provider policy's version with a given
	// ID unless it exists, and makes it the default when setDefault and it
	// is newer than the current default (never rolling the default back).
	EnsurePolicyVersion(ctx context.Context, p *ManagedPolicy, versionID, document string, setDefault bool) error
	GetPolicyVersion(ctx context.Context, arn, versionID string) (*PolicyVersion, error)
	ListPolicyVersions(ctx context.Context, arn string) ([]*PolicyVersion, error)
	SetDefaultPolicyVersion(ctx context.Context, arn, versionID string, at time.Time) error
	DeletePolicyVersion(ctx context.Context, arn, versionID string) error

	AttachPolicy(ctx context.Context, a *Attachment) error
	DetachPolicy(ctx context.Context, a *Attachment) error
	ListAttachedPolicies(ctx context.Context, account, kind, owner string) ([]*ManagedPolicy, error)
	ListPolicyAttachments(ctx context.Context, arn string) ([]*Attachment, error)
	CountPolicyAttachments(ctx context.Context, arn string) (int, error)

	// PolicyDocuments returns every policy that applies to the owner: its
	// inline policies and the default versions of its attached policies,
	// and for a user those of its groups too.
	PolicyDocuments(ctx context.Context, account, kind, owner string) ([]PolicyDocument, error)

	CreateInstanceProfile(ctx context.Context, p *InstanceProfile) error
	GetInstanceProfile(ctx context.Context, account, name string) (*InstanceProfile, error)
	ListInstanceProfiles(ctx context.Context, account string, opt ListOptions) ([]*InstanceProfile, error)
	ListInstanceProfilesForRole(ctx context.Context, account, role string) ([]*InstanceProfile, error)
	AddRoleToInstanceProfile(ctx context.Context, account, profile, role string) error
	RemoveRoleFromInstanceProfile(ctx context.Context, account, profile, role string) error
	DeleteInstanceProfile(ctx context.Context, account, name string) error

	CreateOIDCProvider(ctx context.Context, p *OIDCProvider) error
	GetOIDCProvider(ctx context.Context, arn string) (*OIDCProvider, error)
	ListOIDCProviders(ctx context.Context, account string) ([]*OIDCProvider, error)
	UpdateOIDCProvider(ctx context.Context, p *OIDCProvider) error
	DeleteOIDCProvider(ctx context.Context, arn string) error
}
