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

// Principal is the identity a request acts as.
type Principal struct {
	Type        string // one of the Type constants
	ARN         string // arn:aws:iam::123456789012:user/admin
	ID          string // the unique ID: AIDA… for users, AROA…:session for role sessions
	Account     string
	UserName    string // the user's name, or the role session's name
	AccessKeyID string
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
