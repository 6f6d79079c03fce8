// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package sts

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/iam/policy"
	"github.com/kanri-dev/kanri/internal/timestamp"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// Duration limits of sessions, as STS's.
const (
	minDuration             = 900 * time.Second
	defaultDuration         = time.Hour
	chainedMaxDuration      = time.Hour
	sessionTokenMaxDuration = 36 * time.Hour
	sessionTokenDefault     = 12 * time.Hour
	maxPackedPolicySize     = 2048 // characters of session policy without whitespace
	maxSessionPolicyARNs    = 10
)

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func validation(format string, args ...any) error {
	return awserr.Errorf(awserr.Invalid, "ValidationError", format, args...)
}

// sessionPolicies checks the session policies of a request and returns
// them and their packed size (percent of the allowed maximum, as STS
// reports PackedPolicySize).
func (s *Service) sessionPolicies(ctx context.Context, doc string, arns []*stsapi.PolicyDescriptorType) ([]string, []string, *int32, error) {
	var docs, pas []string
	size := 0
	if doc != "" {
		if _, err := policy.Parse(doc, policy.Identity); err != nil {
			if e := awserr.As(err); e != nil {
				return nil, nil, nil, stsapi.NewMalformedPolicyDocumentException("%s", e.Message)
			}
			return nil, nil, nil, err
		}
		size = policy.SizeWithoutWhitespace(doc)
		docs = []string{doc}
	}
	if len(arns) > maxSessionPolicyARNs {
		return nil, nil, nil, validation("Cannot exceed quota for PolicyArns: %d", maxSessionPolicyARNs)
	}
	for _, a := range arns {
		pas = append(pas, a.Arn)
		size += len(a.Arn) / 4
	}
	if size > maxPackedPolicySize {
		return nil, nil, nil, stsapi.NewPackedPolicyTooLargeException("Packed policy consumes %d%% of allotted space, please use smaller policy.", size*100/maxPackedPolicySize)
	}
	if len(docs) == 0 && len(pas) == 0 {
		return nil, nil, nil, nil
	}
	pct := int32(size * 100 / maxPackedPolicySize)
	return docs, pas, &pct, nil
}

// AssumeRole returns temporary credentials of a role the caller is trusted
// to assume.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	caller := iam.CallerFrom(ctx)
	if caller == nil {
		return nil, awserr.InternalFailure()
	}
	if !sessionNamePattern.MatchString(in.RoleSessionName) {
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.RoleSessionName)
	}
	denied := func() error {
		return awserr.Errorf(awserr.Denied, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.Principal.ARN, in.RoleArn).WithStatus(403)
	}
	role, err := s.iam.RoleByARN(ctx, in.RoleArn)
	if err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, denied() // as STS: an unknown role is not told apart from a refusal
		}
		return nil, err
	}
	chained := caller.Principal.Session.RoleName != ""
	d := defaultDuration
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second
	}
	switch {
	case d < minDuration:
		return nil, validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", int(d.Seconds()))
	case chained && d > chainedMaxDuration:
		return nil, validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case d > time.Duration(role.MaxSessionDuration)*time.Second:
		return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	docs, arns, packed, err := s.sessionPolicies(ctx, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	reqCtx := map[string][]string{"sts:rolesessionname": {in.RoleSessionName}}
	if in.ExternalId != "" {
		reqCtx["sts:externalid"] = []string{in.ExternalId}
	}
	source := caller.Principal.Session.SourceIdentity
	if in.SourceIdentity != "" {
		if source != "" && source != in.SourceIdentity {
			return nil, awserr.New(awserr.Denied, "AccessDenied", "The source identity of a role chain cannot be changed.").WithStatus(403)
		}
		source = in.SourceIdentity
		reqCtx["sts:sourceidentity"] = []string{in.SourceIdentity}
	}
	// Transitive tags of the calling session pass on, and may not be set
	// again; the request's own tags need sts:TagSession.
	var tags []iam.Tag
	var transitive []string
	for _, t := range caller.Principal.Session.Tags {
		if containsFold(caller.Principal.Session.TransitiveTagKeys, t.Key) {
			tags = append(tags, t)
			transitive = append(transitive, t.Key)
		}
	}
	var keys []string
	for _, t := range in.Tags {
		if containsFold(transitive, t.Key) {
			return nil, validation("Tag key %s is a transitive tag of the calling session and cannot be set again.", t.Key)
		}
		tags = append(tags, iam.Tag{Key: t.Key, Value: t.Value})
		keys = append(keys, t.Key)
		reqCtx["aws:requesttag/"+strings.ToLower(t.Key)] = []string{t.Value}
	}
	for _, k := range in.TransitiveTagKeys {
		if !containsFold(keys, k) {
			return nil, validation("TransitiveTagKeys names %s, which is not among the session's Tags.", k)
		}
		transitive = append(transitive, k)
	}
	if len(keys) > 0 {
		reqCtx["aws:tagkeys"] = keys
	}
	if err := s.iam.AuthorizeAssumeRole(ctx, caller, role, "sts:AssumeRole", reqCtx); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.iam.AuthorizeAssumeRole(ctx, caller, role, "sts:TagSession", reqCtx); err != nil {
			return nil, err
		}
	}
	if in.SourceIdentity != "" && caller.Principal.Session.SourceIdentity == "" {
		if err := s.iam.AuthorizeAssumeRole(ctx, caller, role, "sts:SetSourceIdentity", reqCtx); err != nil {
			return nil, err
		}
	}
	issued, expires := s.expiration(d)
	p := rolePrincipal(role, in.RoleSessionName, iam.Session{
		Kind: iam.SessionAssumeRole, IssuedAt: issued, Expiration: expires, Chained: chained,
		Policies: docs, PolicyARNs: arns, Tags: tags, TransitiveTagKeys: transitive, SourceIdentity: source, MFA: caller.Principal.Session.MFA,
	})
	ak, secret, token, err := s.issue(p)
	if err != nil {
		return nil, err
	}
	s.iam.TouchRole(ctx, role)
	return &stsapi.AssumeRoleOutput{
		Credentials:      &stsapi.Credentials{AccessKeyId: ak, SecretAccessKey: secret, SessionToken: token, Expiration: timestamp.Ptr(expires)},
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: p.ID, Arn: p.ARN},
		PackedPolicySize: packed,
		SourceIdentity:   source,
	}, nil
}

// containsFold reports whether keys holds k, in any case.
func containsFold(keys []string, k string) bool {
	for _, x := range keys {
		if strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}

// rolePrincipal returns the principal of a session of role.
func rolePrincipal(role *iam.Role, sessionName string, ses iam.Session) iam.Principal {
	ses.RoleName, ses.RoleID, ses.RoleARN, ses.SessionName = role.Name, role.ID, role.ARN(), sessionName
	return iam.Principal{
		Type:     iam.TypeAssumedRole,
		ARN:      "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + sessionName,
		ID:       role.ID + ":" + sessionName,
		Account:  role.Account,
		UserName: sessionName,
		Session:  ses,
	}
}

// GetSessionToken returns temporary credentials of the calling IAM user.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	caller := iam.CallerFrom(ctx)
	if caller == nil || caller.Principal.Type != iam.TypeUser || caller.Principal.Session.Kind != "" {
		return nil, awserr.New(awserr.Denied, "AccessDenied", "Cannot call GetSessionToken with session credentials").WithStatus(403)
	}
	d := sessionTokenDefault
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second
	}
	if d < minDuration || d > sessionTokenMaxDuration {
		return nil, validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600", int(d.Seconds()))
	}
	issued, expires := s.expiration(d)
	p := caller.Principal
	p.Session = iam.Session{Kind: iam.SessionSessionToken, IssuedAt: issued, Expiration: expires}
	ak, secret, token, err := s.issue(p)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: &stsapi.Credentials{
		AccessKeyId: ak, SecretAccessKey: secret, SessionToken: token, Expiration: timestamp.Ptr(expires)}}, nil
}

// InstanceCredentials returns temporary credentials of a role for a
// managed instance (session name = the instance ID), as the SSM agent gets
// them with its registration key; the server has checked the instance's
// proof of its key and that the role trusts ssm.amazonaws.com.
func (s *Service) InstanceCredentials(ctx context.Context, roleName, instanceID string, d time.Duration) (*stsapi.Credentials, error) {
	role, err := s.iam.Role(ctx, roleName)
	if err != nil {
		return nil, err
	}
	if d > time.Duration(role.MaxSessionDuration)*time.Second {
		d = time.Duration(role.MaxSessionDuration) * time.Second
	}
	issued, expires := s.expiration(d)
	p := rolePrincipal(role, instanceID, iam.Session{Kind: iam.SessionAssumeRole, IssuedAt: issued, Expiration: expires})
	ak, secret, token, err := s.issue(p)
	if err != nil {
		return nil, err
	}
	s.iam.TouchRole(ctx, role)
	return &stsapi.Credentials{AccessKeyId: ak, SecretAccessKey: secret, SessionToken: token, Expiration: timestamp.Ptr(expires)}, nil
}
