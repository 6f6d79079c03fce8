// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"time"
)

// Principal types, spelled as CloudTrail's userIdentity.type.
const (
	TypeRoot        = "Root"
	TypeUser        = "IAMUser"
	TypeAssumedRole = "AssumedRole"
	TypeWebIdentity = "WebIdentityUser"
	TypeService     = "AWSService"
)

// Session kinds: how temporary credentials were made.
const (
	SessionAssumeRole   = "AssumeRole"
	SessionWebIdentity  = "AssumeRoleWithWebIdentity"
	SessionSessionToken = "GetSessionToken"
)

// Principal is the identity a request acts as.
type Principal struct {
	Type        string // one of the Type constants
	ARN         string // arn:aws:iam::123456789012:user/admin, arn:aws:sts::…:assumed-role/R/s
	ID          string // the unique ID: AIDA… for users, AROA…:session for role sessions
	Account     string
	UserName    string // the user's name, or the role session's name
	AccessKeyID string

	// Session describes temporary credentials; the zero value means
	// long-term credentials.
	Session Session
}

// Session is what temporary credentials carry about how they were made.
type Session struct {
	Kind       string // a Session constant, "" for long-term credentials
	IssuedAt   time.Time
	Expiration time.Time
	// RoleName and RoleID name the role of a role session; RoleARN is its
	// ARN with path.
	RoleName, RoleID, RoleARN string
	SessionName               string
	// Chained is set when the session was made by a role session (role
	// chaining), which limits its duration to one hour.
	Chained bool
	// Policies and PolicyARNs are the session policies passed when the
	// session was made; the session's permissions are the intersection of
	// the role's and theirs.
	Policies   []string
	PolicyARNs []string
	Tags       []Tag
	// TransitiveTagKeys name the Tags that pass on to sessions this
	// session makes by role chaining.
	TransitiveTagKeys []string
	// SourceIdentity is set by the first AssumeRole in a chain and carried
	// along.
	SourceIdentity string
	MFA            bool
	// Provider, Subject and Audience describe a web identity session.
	Provider, Subject, Audience string
}

// Caller is an authenticated request: who makes it, and from where.
type Caller struct {
	Principal       Principal
	RequestID       string
	SourceIP        string
	UserAgent       string
	SecureTransport bool
	Time            time.Time
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries, or nil for none.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
