// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
)

// Tag is a key-value pair attached to an IAM resource.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Owner kinds: what inline policies and attachments belong to.
const (
	KindUser  = "user"
	KindGroup = "group"
	KindRole  = "role"
)

// Group is an IAM group.
type Group struct {
	Account    string
	Name       string
	ID         string // AGPA…
	Path       string
	CreateDate time.Time
}

// ARN returns the group's ARN.
func (g *Group) ARN() string { return iamARN(g.Account, "group"+g.Path+g.Name) }

// Role is an IAM role.
type Role struct {
	Account             string
	Name                string
	ID                  string // AROA…
	Path                string
	TrustPolicy         string
	Description         string
	MaxSessionDuration  int // seconds
	PermissionsBoundary string
	Tags                []Tag
	CreateDate          time.Time
	LastUsed            time.Time
	LastUsedRegion      string
}

// ARN returns the role's ARN.
func (r *Role) ARN() string { return iamARN(r.Account, "role"+r.Path+r.Name) }

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Account   string
	OwnerKind string // KindUser, KindGroup or KindRole
	Owner     string // the owner's name
	Name      string
	Document  string
}

// ManagedPolicy is a standalone policy with versions: a customer policy of
// an account, or a provider policy (account "aws") shipped with kanri.
type ManagedPolicy struct {
	ARN            string
	Account        string // "aws" for provider policies
	Name           string
	ID             string // ANPA…
	Path           string
	Description    string
	DefaultVersion string // "v1", "v2", …
	NextVersion    int    // the number of the next version to create
	Tags           []Tag
	CreateDate     time.Time
	UpdateDate     time.Time
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	PolicyARN  string
	VersionID  string
	Document   string
	CreateDate time.Time
}

// Attachment is a managed policy attached to a user, group or role.
type Attachment struct {
	Account   string
	OwnerKind string
	Owner     string // the owner's name
	PolicyARN string
}

// InstanceProfile is a container for a role that a server acts as.
type InstanceProfile struct {
	Account    string
	Name       string
	ID         string // AIPA…
	Path       string
	Tags       []Tag
	CreateDate time.Time
	Roles      []*Role
}

// ARN returns the instance profile's ARN.
func (p *InstanceProfile) ARN() string { return iamARN(p.Account, "instance-profile"+p.Path+p.Name) }

// OIDCProvider is an OpenID Connect identity provider whose tokens
// AssumeRoleWithWebIdentity accepts.
type OIDCProvider struct {
	ARN         string
	Account     string
	URL         string // without scheme: "oidc.example.com/id"
	ClientIDs   []string
	Thumbprints []string
	Tags        []Tag
	CreateDate  time.Time
}

// iamARN returns an IAM ARN (no region) of account for resource.
func iamARN(account, resource string) string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: "iam", Account: account, Resource: resource}.String()
}

// ProviderAccount is the account of provider-managed policies, as in
// arn:aws:iam::aws:policy/ReadOnlyAccess.
const ProviderAccount = "aws"
