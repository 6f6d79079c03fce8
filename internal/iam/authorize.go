// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam/policy"
)

// cachedSet is a principal's policies, parsed, as of a generation.
type cachedSet struct {
	set        policy.Set
	principal  *policy.Principal
	generation uint64
	expires    time.Time
	// resourceKeys says whether the policies test a key that comes from
	// the resource; without one, the resource's keys are not looked up.
	resourceKeys bool
}

// usesResourceKeys reports whether any of ps tests a condition key (or
// uses a policy variable) that comes from the resource rather than the
// request: its tags (aws:ResourceTag/…, iam:ResourceTag/…,
// ssm:resourceTag/…) or a user's or role's iam:PermissionsBoundary.
func usesResourceKeys(ps ...*policy.Policy) bool {
	for _, p := range ps {
		if p == nil {
			continue
		}
		for _, k := range p.ContextKeys() {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "resourcetag/") || lk == "iam:permissionsboundary" {
				return true
			}
		}
	}
	return false
}

// ErrSessionEnded is returned for credentials of a session whose role no
// longer exists (or was replaced by another role of the same name).
var ErrSessionEnded = awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "The security token included in the request is invalid.")

// Resource is a resource an action is authorized on, with its condition
// keys (aws:ResourceTag/…) when the caller has them at hand; nil Keys are
// looked up.
type Resource struct {
	ARN  string
	Keys map[string][]string
}

// Authorize decides whether caller may perform action on every one of
// resources ("*" when none), with the request's own condition keys in
// reqCtx (aws:RequestTag/…, service keys). It returns nil to allow and an
// AccessDenied error, in AWS's words, to deny.
func (s *Service) Authorize(ctx context.Context, caller *Caller, action string, resources []string, reqCtx map[string][]string) error {
	rs := make([]Resource, len(resources))
	for i, r := range resources {
		rs[i].ARN = r
	}
	return s.AuthorizeResources(ctx, caller, action, rs, reqCtx)
}

// AuthorizeResources is Authorize for resources whose condition keys the
// caller may already know.
func (s *Service) AuthorizeResources(ctx context.Context, caller *Caller, action string, resources []Resource, reqCtx map[string][]string) error {
	if ses := caller.Principal.Session; ses.Kind == SessionSessionToken && !ses.MFA {
		// As AWS: credentials from GetSessionToken without MFA may not call
		// IAM, nor STS beyond AssumeRole and GetCallerIdentity.
		lower := strings.ToLower(action)
		if strings.HasPrefix(lower, "iam:") || strings.HasPrefix(lower, "sts:") && lower != "sts:assumerole" && lower != "sts:getcalleridentity" {
			return awserr.Errorf(awserr.Denied, "AccessDenied",
				"User: %s is not authorized to perform: %s because temporary credentials from GetSessionToken without MFA cannot call it", caller.Principal.ARN, action).WithStatus(403)
		}
	}
	cs, err := s.policySet(ctx, &caller.Principal)
	if err != nil {
		return err
	}
	values := s.requestContext(caller, reqCtx)
	req := policy.Request{Principal: cs.principal, Action: action, Context: values}
	if len(resources) == 0 {
		resources = []Resource{{ARN: "*"}}
	}
	for _, r := range resources {
		req.Resource, req.ResourceAccount = r.ARN, resourceAccount(r.ARN, caller.Principal.Account)
		// The resource's own keys sit under the request's, which win.
		values.Parent = nil
		rc := r.Keys
		set := &cs.set
		resourceKeys := cs.resourceKeys
		if s.resPolicy != nil && r.ARN != "*" {
			if doc, ok := s.resPolicy(ctx, r.ARN); ok {
				p, err := s.compile(r.ARN+"#policy", doc, policy.Resource)
				if err != nil {
					return err
				}
				withPolicy := cs.set
				withPolicy.Resource, withPolicy.RequireResourcePolicy = []*policy.Policy{p}, true
				set, resourceKeys = &withPolicy, resourceKeys || usesResourceKeys(p)
			}
		}
		if rc == nil && resourceKeys {
			rc = s.resourceContext(ctx, r.ARN)
		}
		if len(rc) > 0 {
			rv := &policy.Values{}
			for k, v := range rc {
				rv.Set(strings.ToLower(k), v...)
			}
			values.Parent = rv
		}
		d := policy.Evaluate(set, &req)
		if !d.Allowed {
			return awserr.New(awserr.Denied, "AccessDenied", d.Message(&req)).WithStatus(403)
		}
	}
	return nil
}

// resourceContext returns a resource's condition keys: for IAM users and
// roles their tags (aws:ResourceTag/…, iam:ResourceTag/…) and permissions
// boundary (iam:PermissionsBoundary); for other resources what the
// configured ResourceContext says.
func (s *Service) resourceContext(ctx context.Context, resource string) map[string][]string {
	rest, ok := strings.CutPrefix(resource, s.arnPrefix())
	if !ok {
		if s.resCtx != nil && resource != "*" {
			return s.resCtx(ctx, resource)
		}
		return nil
	}
	kind, pathName, _ := strings.Cut(rest, "/")
	name := pathName[strings.LastIndexByte(pathName, '/')+1:]
	var tags []Tag
	var boundary string
	switch kind {
	case KindUser:
		u, err := s.store.GetUser(ctx, s.account, name)
		if err != nil {
			return nil
		}
		tags, boundary = u.Tags, u.PermissionsBoundary
	case KindRole:
		r, err := s.store.GetRole(ctx, s.account, name)
		if err != nil {
			return nil
		}
		tags, boundary = r.Tags, r.PermissionsBoundary
	case "policy":
		p, err := s.store.GetPolicy(ctx, resource)
		if err != nil {
			return nil
		}
		tags = p.Tags
	default:
		return nil
	}
	out := map[string][]string{}
	for _, t := range tags {
		out["aws:ResourceTag/"+t.Key] = []string{t.Value}
		out["iam:ResourceTag/"+t.Key] = []string{t.Value}
	}
	if boundary != "" {
		out["iam:PermissionsBoundary"] = []string{boundary}
	}
	return out
}

// resourceAccount returns the account that owns a resource: the ARN's
// account when it names one, else the caller's (provider policies,
// arn:aws:iam::aws:…, and account-less ARNs belong to no other account).
func resourceAccount(resource, callerAccount string) string {
	if a, err := arn.Parse(resource); err == nil && arn.IsValidAccountID(a.Account) {
		return a.Account
	}
	return callerAccount
}

// requestContext builds the global condition keys of a request.
func (s *Service) requestContext(c *Caller, extra map[string][]string) *policy.Values {
	v := &policy.Values{}
	now := c.Time
	if now.IsZero() {
		now = s.now()
	}
	v.Set("aws:currenttime", now.UTC().Format(time.RFC3339))
	v.Set("aws:epochtime", strconv.FormatInt(now.Unix(), 10))
	if c.SourceIP != "" {
		v.Set("aws:sourceip", c.SourceIP)
	}
	v.Set("aws:securetransport", strconv.FormatBool(c.SecureTransport))
	v.Set("aws:requestedregion", s.region)
	v.Set("aws:viaawsservice", "false")
	if c.UserAgent != "" {
		v.Set("aws:useragent", c.UserAgent)
	}
	if ses := c.Principal.Session; ses.Kind != "" {
		v.Set("aws:tokenissuetime", ses.IssuedAt.UTC().Format(time.RFC3339))
		v.Set("aws:multifactorauthpresent", strconv.FormatBool(ses.MFA))
		if ses.SourceIdentity != "" {
			v.Set("aws:sourceidentity", ses.SourceIdentity)
		}
		if ses.RoleARN != "" {
			v.Set("aws:principalarn", ses.RoleARN) // AWS gives the role's ARN for role sessions
		}
	}
	for k, vals := range extra {
		v.Set(strings.ToLower(k), vals...)
	}
	return v
}

// policySet returns the principal's policies, from the cache when fresh.
func (s *Service) policySet(ctx context.Context, p *Principal) (*cachedSet, error) {
	key := p.ARN
	if ses := &p.Session; len(ses.Policies) > 0 || len(ses.PolicyARNs) > 0 || len(ses.Tags) > 0 {
		// What a session carries changes its permissions: sessions of one
		// role and name but other policies or tags are cached apart.
		h := sha256.New()
		for _, d := range ses.Policies {
			h.Write([]byte(d))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
		for _, a := range ses.PolicyARNs {
			h.Write([]byte(a))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
		for _, t := range ses.Tags {
			h.Write([]byte(t.Key))
			h.Write([]byte{0})
			h.Write([]byte(t.Value))
			h.Write([]byte{0})
		}
		key += "#" + hex.EncodeToString(h.Sum(nil)[:16])
	}
	if p.Session.RoleID != "" {
		key += "#" + p.Session.RoleID
	}
	gen := s.generation.Load()
	now := s.now()
	s.mu.Lock()
	cs, ok := s.sets[key]
	s.mu.Unlock()
	if ok && cs.generation == gen && now.Before(cs.expires) {
		return &cs, nil
	}
	// Requests that miss together share one load (see keyLookups); the
	// generation is part of the key, so none joins a load begun before a
	// change it must see.
	v, err, _ := s.setLoads.Do(key+"\x00"+strconv.FormatUint(gen, 10), func() (any, error) {
		cs, err := s.loadSet(context.WithoutCancel(ctx), p)
		if err != nil {
			return nil, err
		}
		cs.generation, cs.expires = gen, now.Add(s.policyTTL)
		s.mu.Lock()
		if len(s.sets) > 50_000 {
			clear(s.sets)
		}
		s.sets[key] = cs
		s.mu.Unlock()
		return &cs, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*cachedSet), nil
}

// loadSet reads and parses a principal's policies.
func (s *Service) loadSet(ctx context.Context, p *Principal) (cachedSet, error) {
	var cs cachedSet
	pp := &policy.Principal{ARN: p.ARN, Account: p.Account, UserID: p.ID}
	var kind, owner, boundary string
	var tags []Tag
	switch {
	case p.Session.RoleName != "":
		role, err := s.store.GetRole(ctx, p.Account, p.Session.RoleName)
		if errors.Is(err, awserr.NotFound) {
			return cs, ErrSessionEnded
		}
		if err != nil {
			return cs, err
		}
		if role.ID != p.Session.RoleID {
			return cs, ErrSessionEnded
		}
		pp.Type, pp.SessionIssuer = policy.PrincipalAssumedRole, role.ARN()
		kind, owner, boundary, tags = KindRole, role.Name, role.PermissionsBoundary, role.Tags
		tags = mergeTags(tags, p.Session.Tags)
	case p.Type == TypeUser:
		u, err := s.store.GetUser(ctx, p.Account, p.UserName)
		if errors.Is(err, awserr.NotFound) {
			return cs, ErrUnknownKey
		}
		if err != nil {
			return cs, err
		}
		pp.Type, pp.UserName = policy.PrincipalUser, u.Name
		kind, owner, boundary, tags = KindUser, u.Name, u.PermissionsBoundary, u.Tags
	default:
		return cs, fmt.Errorf("authorize: principal type %q has no identity policies", p.Type)
	}
	if len(tags) > 0 {
		pp.Tags = make(map[string]string, len(tags))
		for _, t := range tags {
			pp.Tags[t.Key] = t.Value
		}
	}
	docs, err := s.store.PolicyDocuments(ctx, p.Account, kind, owner)
	if err != nil {
		return cs, err
	}
	for _, d := range docs {
		pol, err := s.compile(d.ID, d.Document, policy.Identity)
		if err != nil {
			s.log.Warn("stored policy does not parse; ignored", "policy", d.ID, "err", err)
			continue
		}
		cs.set.Identity = append(cs.set.Identity, pol)
	}
	if boundary != "" {
		doc, err := s.defaultDocument(ctx, boundary)
		if err != nil {
			return cs, err
		}
		if cs.set.Boundary, err = s.compile(boundary, doc, policy.Identity); err != nil {
			return cs, err
		}
	}
	if p.Session.Kind != "" && (len(p.Session.Policies) > 0 || len(p.Session.PolicyARNs) > 0) {
		cs.set.Session = []*policy.Policy{}
		for i, d := range p.Session.Policies {
			pol, err := s.compile(fmt.Sprintf("session-policy-%d", i+1), d, policy.Identity)
			if err != nil {
				return cs, err
			}
			cs.set.Session = append(cs.set.Session, pol)
		}
		for _, a := range p.Session.PolicyARNs {
			doc, err := s.defaultDocument(ctx, a)
			if err != nil {
				return cs, err
			}
			pol, err := s.compile(a, doc, policy.Identity)
			if err != nil {
				return cs, err
			}
			cs.set.Session = append(cs.set.Session, pol)
		}
	}
	cs.principal = pp
	cs.resourceKeys = usesResourceKeys(append(append(slices.Clip(cs.set.Identity), cs.set.Boundary), cs.set.Session...)...)
	return cs, nil
}

// defaultDocument returns the default version's document of a managed
// policy.
func (s *Service) defaultDocument(ctx context.Context, policyARN string) (string, error) {
	mp, err := s.store.GetPolicy(ctx, policyARN)
	if errors.Is(err, awserr.NotFound) {
		return "", noSuchPolicy(policyARN)
	}
	if err != nil {
		return "", err
	}
	v, err := s.store.GetPolicyVersion(ctx, policyARN, mp.DefaultVersion)
	if err != nil {
		return "", err
	}
	return v.Document, nil
}

// compile parses a policy document, reusing earlier parses of the same
// document.
func (s *Service) compile(id, doc string, kind policy.Kind) (*policy.Policy, error) {
	key := strconv.Itoa(int(kind)) + "\x00" + id + "\x00" + doc
	s.mu.Lock()
	p, ok := s.compiled[key]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	p.ID = id
	s.mu.Lock()
	if len(s.compiled) > 20_000 {
		clear(s.compiled)
	}
	s.compiled[key] = p
	s.mu.Unlock()
	return p, nil
}

// AuthorizeAssumeRole decides whether the caller may assume role with
// action (sts:AssumeRole, sts:TagSession, …): the role's trust policy must
// allow it and, unless the trust policy names the caller itself, so must
// the caller's identity policies, as AWS evaluates trust.
func (s *Service) AuthorizeAssumeRole(ctx context.Context, caller *Caller, role *Role, action string, reqCtx map[string][]string) error {
	trust, err := s.compile(role.ARN()+"#trust", role.TrustPolicy, policy.Trust)
	if err != nil {
		return err
	}
	cs, err := s.policySet(ctx, &caller.Principal)
	if err != nil {
		return err
	}
	set := cs.set
	set.Resource = []*policy.Policy{trust}
	set.RequireResourcePolicy = true
	req := policy.Request{Principal: cs.principal, Action: action, Resource: role.ARN(), Context: s.requestContext(caller, reqCtx)}
	if d := policy.Evaluate(&set, &req); !d.Allowed {
		return awserr.New(awserr.Denied, "AccessDenied", d.Message(&req)).WithStatus(403)
	}
	return nil
}

// AuthorizeWebIdentity decides whether a web identity from the OIDC
// provider providerARN may assume role: only the role's trust policy can
// allow it. claims holds the token's condition keys
// ("oidc.example.com/id:sub", …).
func (s *Service) AuthorizeWebIdentity(ctx context.Context, caller *Caller, role *Role, providerARN string, claims map[string][]string) error {
	trust, err := s.compile(role.ARN()+"#trust", role.TrustPolicy, policy.Trust)
	if err != nil {
		return err
	}
	set := policy.Set{Resource: []*policy.Policy{trust}, RequireResourcePolicy: true}
	p := &policy.Principal{Type: policy.PrincipalWebIdentity, ARN: providerARN}
	req := policy.Request{Principal: p, Action: "sts:AssumeRoleWithWebIdentity", Resource: role.ARN(), Context: s.requestContext(caller, claims)}
	if d := policy.Evaluate(&set, &req); !d.Allowed {
		return awserr.New(awserr.Denied, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity").WithStatus(403)
	}
	return nil
}

// TrustsService reports whether a role's trust policy lets a service
// principal (e.g. "ssm.amazonaws.com") assume it.
func (s *Service) TrustsService(role *Role, service string) bool {
	trust, err := s.compile(role.ARN()+"#trust", role.TrustPolicy, policy.Trust)
	if err != nil {
		return false
	}
	set := policy.Set{Resource: []*policy.Policy{trust}, RequireResourcePolicy: true}
	req := policy.Request{Principal: &policy.Principal{Type: policy.PrincipalService, ARN: service}, Action: "sts:AssumeRole", Resource: role.ARN()}
	return policy.Evaluate(&set, &req).Allowed
}

// AllowedByResourcePolicy evaluates a standalone resource-based policy
// (such as the vending endpoint's) for an anonymous request: the policy
// must allow "*" for the action on the resource under the request's
// condition keys. It returns the denial message when it does not.
func (s *Service) AllowedByResourcePolicy(doc, action, resource string, caller *Caller, reqCtx map[string][]string) (bool, string, error) {
	p, err := s.compile("resource-policy:"+resource, doc, policy.Resource)
	if err != nil {
		return false, "", err
	}
	set := policy.Set{Resource: []*policy.Policy{p}, RequireResourcePolicy: true}
	req := policy.Request{Action: action, Resource: resource, ResourceAccount: s.account, Context: s.requestContext(caller, reqCtx)}
	d := policy.Evaluate(&set, &req)
	return d.Allowed, d.Message(&req), nil
}
