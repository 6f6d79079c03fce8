// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"fmt"
	"net/netip"
	"strings"
	"unique"
)

// Request is what a principal asks to do: the input of an evaluation.
type Request struct {
	// Principal makes the request; nil is an anonymous requester, which
	// only a resource-based policy naming "*" can allow.
	Principal *Principal
	// Action is "service:Action", e.g. "ssm:SendCommand"; it is matched
	// case-insensitively.
	Action string
	// Resource is the ARN of the resource, or "*" (or empty) for actions
	// that do not act on a resource.
	Resource string
	// ResourceAccount owns the resource. If empty it is the account field
	// of Resource, and if that is empty too the request is treated as
	// being within the principal's account.
	ResourceAccount string
	// Context supplies condition keys; it may be nil.
	Context Context
}

// Set is every policy that applies to one request. Identity, Boundary and
// Session hold policies parsed as Identity; Resource holds policies parsed as
// Resource or Trust. A Set is only read by Evaluate.
type Set struct {
	// Identity holds the principal's identity-based policies: inline and
	// managed policies of the user, its groups, or the role.
	Identity []*Policy
	// Boundary is the principal's permissions boundary, nil if it has none.
	Boundary *Policy
	// Session holds the session policies passed when the session was
	// created. Nil means no session policy was passed; a non-nil empty
	// slice is a session policy that allows nothing.
	Session []*Policy
	// Resource holds the resource-based policies of the resource (a key
	// policy, a role's trust policy).
	Resource []*Policy
	// RequireResourcePolicy makes the resource-based policy authoritative,
	// as AWS does for role trust policies and KMS key policies: even within
	// the account, the request is allowed only if a resource-based policy
	// allows it, either naming the principal (which is then sufficient) or
	// naming its account (which delegates to the account's identity-based
	// policies).
	RequireResourcePolicy bool
}

// Source is the type of policy a statement comes from.
type Source uint8

// The sources of statements.
const (
	SourceIdentity Source = iota + 1
	SourceBoundary
	SourceSession
	SourceResource
)

// String returns the source's name as AWS's denial messages spell it.
func (s Source) String() string {
	switch s {
	case SourceIdentity:
		return "identity-based policy"
	case SourceBoundary:
		return "permissions boundary"
	case SourceSession:
		return "session policy"
	case SourceResource:
		return "resource-based policy"
	}
	return fmt.Sprintf("Source(%d)", uint8(s))
}

// Match is a statement that applied to a request: its action, resource,
// principal and conditions all matched. Policy.ID, Statement.Sid,
// Statement.Effect and Statement.Start/End are what SimulatePrincipalPolicy
// reports of it.
type Match struct {
	Policy    *Policy
	Statement *Statement
	Index     int // of Statement in Policy.Statements
	Source    Source
}

// Reason says why a request was denied.
type Reason uint8

// The reasons. ReasonNone is that of an allowed request.
const (
	ReasonNone Reason = iota
	ReasonExplicitDenyIdentity
	ReasonExplicitDenyResource
	ReasonExplicitDenyBoundary
	ReasonExplicitDenySession
	ReasonNoIdentityAllow
	ReasonNoResourceAllow
	ReasonNoBoundaryAllow
	ReasonNoSessionAllow
)

// String returns the end of AWS's denial message for the reason, with
// ACTION standing for the action.
func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return "allowed"
	case ReasonExplicitDenyIdentity:
		return "with an explicit deny in an identity-based policy"
	case ReasonExplicitDenyResource:
		return "with an explicit deny in a resource-based policy"
	case ReasonExplicitDenyBoundary:
		return "with an explicit deny in a permissions boundary"
	case ReasonExplicitDenySession:
		return "with an explicit deny in a session policy"
	case ReasonNoIdentityAllow:
		return "because no identity-based policy allows the ACTION action"
	case ReasonNoResourceAllow:
		return "because no resource-based policy allows the ACTION action"
	case ReasonNoBoundaryAllow:
		return "because no permissions boundary allows the ACTION action"
	case ReasonNoSessionAllow:
		return "because no session policy allows the ACTION action"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is the result of an evaluation.
type Decision struct {
	Allowed bool
	// ExplicitDeny is set when a Deny statement applied.
	ExplicitDeny bool
	// Reason says why the request was denied; ReasonNone if it was allowed.
	Reason Reason
	// Matched lists, in evaluation order (identity-based policies, the
	// boundary, session policies, resource-based policies), every
	// statement that applied to the request, whatever its effect.
	Matched []Match
}

// Message returns AWS's denial message for the request, e.g. "User:
// arn:aws:iam::123456789012:user/bob is not authorized to perform:
// ssm:SendCommand on resource: arn:aws:ssm:us-east-1:123456789012:document/X
// because no identity-based policy allows the ssm:SendCommand action", or ""
// if the request was allowed.
func (d Decision) Message(r *Request) string {
	if d.Allowed {
		return ""
	}
	who := "anonymous"
	if r.Principal != nil {
		who = r.Principal.ARN
	}
	var b strings.Builder
	b.WriteString("User: ")
	b.WriteString(who)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(r.Action)
	if r.Resource != "" && r.Resource != "*" {
		b.WriteString(" on resource: ")
		b.WriteString(r.Resource)
	}
	b.WriteByte(' ')
	b.WriteString(strings.Replace(d.Reason.String(), "ACTION", r.Action, 1))
	return b.String()
}

// evaluator holds the state of one evaluation. It lives on the stack of
// Evaluate; nothing in it escapes.
type evaluator struct {
	p      *Principal
	ctx    Context
	svc    string // the action's service, as written
	svcBit uint64 // serviceBit(svc)
	// svcKey is svc interned, if svc is in lower case as services are
	// written: then actions compare handles, not strings.
	svcKey unique.Handle[string]
	svcLow bool
	name   string // the action's name, as written
	res    [6]string
	resARN bool
	vars   [8]string

	// refs[:nrefs], then spill, refer to the statements that applied, so
	// that Decision.Matched costs a single allocation of the exact size.
	refs  [32]matchRef
	nrefs int
	spill []matchRef

	// cache remembers the values of the keys looked up so far: every
	// statement of every policy tends to test the same few keys.
	cache  [12]cacheEntry
	ncache int
	spare  cacheEntry // for keys beyond the cache's size

	// One-entry caches of parsed request values, which many statements
	// test alike (aws:SourceIp, aws:CurrentTime).
	ipText   string
	ip       netip.Addr
	ipOK     bool
	dateText string
	date     int64
	dateOK   bool
}

type cacheEntry struct {
	key ckey
	l   vlist
	ok  bool
}

// matchRef refers to a statement that applied.
type matchRef struct {
	p   *Policy
	i   int32
	src Source
}

// Evaluate decides whether the policies in s allow r, following AWS's policy
// evaluation logic:
//
//   - An explicit Deny in any applicable policy denies the request. A
//     resource-based Deny that names the principal's account, or a
//     NotPrincipal Deny when the principal has a permissions boundary,
//     applies too.
//   - Within the principal's account, a resource-based Allow naming the
//     principal itself (a user, a role session or federated user session, or
//     "*") allows the request whatever the other policies say; one naming
//     the role or user behind a session allows it if the permissions
//     boundary and session policies, where present, allow it too; one naming
//     only the account delegates to the identity-based policies.
//   - Otherwise an identity-based policy must allow the request, and the
//     permissions boundary and session policies, where present, must allow
//     it too; a federated user session with no session policy has no
//     permissions. The root user needs no identity-based policy.
//   - Across accounts, both the principal's side (as above) and a
//     resource-based policy must allow the request.
//   - AWS services and web identities are allowed only by resource-based
//     policies naming them.
//
// Evaluate is safe for concurrent use and allocates only for Matched.
func Evaluate(s *Set, r *Request) Decision {
	var e evaluator
	e.p, e.ctx = r.Principal, r.Context
	d := e.decide(s, r)
	if n := e.nrefs + len(e.spill); n > 0 {
		d.Matched = make([]Match, 0, n)
		for _, m := range e.refs[:e.nrefs] {
			d.Matched = append(d.Matched, Match{Policy: m.p, Statement: &m.p.Statements[m.i], Index: int(m.i), Source: m.src})
		}
		for _, m := range e.spill {
			d.Matched = append(d.Matched, Match{Policy: m.p, Statement: &m.p.Statements[m.i], Index: int(m.i), Source: m.src})
		}
	}
	return d
}

// decide evaluates every policy and applies the evaluation logic.
func (e *evaluator) decide(s *Set, r *Request) Decision {
	var d Decision
	if i := strings.IndexByte(r.Action, ':'); i >= 0 {
		e.svc, e.name = r.Action[:i], r.Action[i+1:]
	} else {
		e.name = r.Action
	}
	e.svcBit = serviceBit(e.svc)
	if !hasUpperASCII(e.svc) {
		e.svcKey, e.svcLow = unique.Make(e.svc), true
	}
	e.res, e.resARN = splitARN(r.Resource)

	var idAllow, idDeny, bAllow, bDeny, sAllow, sDeny, rDeny bool
	rAllow := matchNone
	for _, p := range s.Identity {
		e.policy(p, SourceIdentity, &idAllow, &idDeny)
	}
	if s.Boundary != nil {
		e.policy(s.Boundary, SourceBoundary, &bAllow, &bDeny)
	}
	for _, p := range s.Session {
		e.policy(p, SourceSession, &sAllow, &sDeny)
	}
	for _, p := range s.Resource {
		e.resourcePolicy(p, s.Boundary != nil, &rAllow, &rDeny)
	}

	switch {
	case idDeny:
		return d.deny(ReasonExplicitDenyIdentity, true)
	case rDeny:
		return d.deny(ReasonExplicitDenyResource, true)
	case bDeny:
		return d.deny(ReasonExplicitDenyBoundary, true)
	case sDeny:
		return d.deny(ReasonExplicitDenySession, true)
	}

	p := r.Principal
	if p == nil || p.Type == PrincipalService || p.Type == PrincipalWebIdentity {
		if rAllow == matchDirect {
			return d.allow()
		}
		return d.deny(ReasonNoResourceAllow, false)
	}

	boundaryOK := s.Boundary == nil || bAllow
	// A federated user session without a session policy has no
	// permissions; a role session without one has its role's.
	sessionOK := sAllow || (s.Session == nil && p.Type != PrincipalFederatedUser)
	// sideReason is why the principal's own policies do not allow the
	// request, or ReasonNone.
	sideReason := ReasonNone
	switch {
	case p.Type == PrincipalRoot:
	case !idAllow:
		sideReason = ReasonNoIdentityAllow
	case !boundaryOK:
		sideReason = ReasonNoBoundaryAllow
	case !sessionOK:
		sideReason = ReasonNoSessionAllow
	}

	account := r.ResourceAccount
	if account == "" && e.resARN {
		account = e.res[4]
	}
	if account != "" && account != p.Account {
		// Cross-account: both accounts must allow the request.
		if sideReason != ReasonNone {
			return d.deny(sideReason, false)
		}
		if rAllow == matchNone {
			return d.deny(ReasonNoResourceAllow, false)
		}
		return d.allow()
	}

	switch rAllow {
	case matchDirect:
		return d.allow()
	case matchIssuer:
		switch {
		case !boundaryOK:
			return d.deny(ReasonNoBoundaryAllow, false)
		case !sessionOK:
			return d.deny(ReasonNoSessionAllow, false)
		}
		return d.allow()
	case matchNone:
		if s.RequireResourcePolicy {
			return d.deny(ReasonNoResourceAllow, false)
		}
	}
	if sideReason != ReasonNone {
		return d.deny(sideReason, false)
	}
	return d.allow()
}

func (d *Decision) allow() Decision {
	d.Allowed = true
	return *d
}

func (d *Decision) deny(r Reason, explicit bool) Decision {
	d.Reason, d.ExplicitDeny = r, explicit
	return *d
}

// policy evaluates the statements of a policy without principals.
func (e *evaluator) policy(p *Policy, src Source, allow, deny *bool) {
	for i, f := range p.filters {
		if f&e.svcBit == 0 {
			continue // no action of the statement has the request's service
		}
		st := &p.Statements[i]
		if !e.applies(st) {
			continue
		}
		e.record(p, src, i)
		if st.Effect == Deny {
			*deny = true
		} else {
			*allow = true
		}
	}
}

// resourcePolicy evaluates a resource-based policy, noting in allow the
// closest match of an applicable Allow statement.
func (e *evaluator) resourcePolicy(p *Policy, hasBoundary bool, allow *principalMatch, deny *bool) {
	for i := range p.Statements {
		st := &p.Statements[i]
		if !e.actionMatches(st) || !e.resourceMatches(st) {
			continue
		}
		ps := st.principals
		if ps == nil {
			continue // not a resource-based statement: it names no one
		}
		m := matchDirect
		if st.notPrincipal {
			// AWS: a NotPrincipal Deny always denies a principal that has
			// a permissions boundary.
			if !ps.notMatch(e.p) && !(st.Effect == Deny && hasBoundary) {
				continue
			}
		} else if m = ps.match(e.p); m == matchNone {
			continue
		}
		if !e.conditionsMatch(st) {
			continue
		}
		e.record(p, SourceResource, i)
		if st.Effect == Deny {
			*deny = true
		} else if m > *allow {
			*allow = m
		}
	}
}

func (e *evaluator) record(p *Policy, src Source, i int) {
	if e.nrefs < len(e.refs) {
		e.refs[e.nrefs] = matchRef{p: p, i: int32(i), src: src}
		e.nrefs++
		return
	}
	if e.spill == nil {
		e.spill = make([]matchRef, 0, 4*len(e.refs))
	}
	e.spill = append(e.spill, matchRef{p: p, i: int32(i), src: src})
}

// applies reports whether a statement without principals applies.
func (e *evaluator) applies(st *Statement) bool {
	return e.actionMatches(st) && e.resourceMatches(st) && e.conditionsMatch(st)
}

func (e *evaluator) actionMatches(st *Statement) bool {
	if st.services&e.svcBit == 0 {
		return st.notAction // no action of the statement has the service
	}
	m := false
	for i := range st.actions {
		a := &st.actions[i]
		if a.any {
			m = true
			break
		}
		if a.svcBit != e.svcBit {
			continue
		}
		if e.svcLow && a.svcKey != e.svcKey || !e.svcLow && !equalFoldLower(e.svc, a.service) {
			continue
		}
		if a.name.matchStatic(e.name, true) {
			m = true
			break
		}
	}
	return m != st.notAction
}

// resourceMatches matches Resource or NotResource; a statement with neither
// applies to every resource. A pattern whose variable cannot be resolved
// matches nothing, and makes NotResource not match.
func (e *evaluator) resourceMatches(st *Statement) bool {
	if !st.hasResource {
		return true
	}
	m, unresolved := false, false
	for i := range st.resources {
		ap := &st.resources[i]
		if ap.any {
			m = true
			break
		}
		if !e.resARN {
			continue
		}
		var vals []string
		if len(ap.vars) > 0 {
			var ok bool
			if vals, ok = e.resolve(ap.vars); !ok {
				unresolved = true
				continue
			}
		}
		if ap.match(&e.res, vals) {
			m = true
			break
		}
	}
	if st.notResource {
		return !m && !unresolved
	}
	return m
}

// conditionsMatch ANDs the statement's conditions.
func (e *evaluator) conditionsMatch(st *Statement) bool {
	for i := range st.conds {
		if !st.conds[i].eval(e) {
			return false
		}
	}
	return true
}

// resolve returns the values of variables, or false if one has no value
// and no default.
func (e *evaluator) resolve(vars []variable) ([]string, bool) {
	vals := e.varBuf(len(vars))
	for i := range vars {
		v, ok := e.variable(&vars[i])
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

func (e *evaluator) varBuf(n int) []string {
	if n <= len(e.vars) {
		return e.vars[:n]
	}
	return make([]string, n)
}

// variable returns the value of a policy variable: the key's single value,
// else the default.
func (e *evaluator) variable(v *variable) (string, bool) {
	if c := e.lookup(v.key); c.ok && c.l.n == 1 {
		return c.l.at(0), true
	}
	if v.hasDef {
		return v.def, true
	}
	return "", false
}

// lookup returns the values of a lower-cased key from the request context,
// else from the principal.
func (e *evaluator) lookup(key ckey) *cacheEntry {
	for i := 0; i < e.ncache; i++ {
		if c := &e.cache[i]; c.key.h == key.h {
			return c
		}
	}
	c := &e.spare
	if e.ncache < len(e.cache) {
		c = &e.cache[e.ncache]
		e.ncache++
	}
	c.key = key
	c.l, c.ok = e.lookupUncached(key.s)
	return c
}

func (e *evaluator) lookupUncached(key string) (vlist, bool) {
	switch ctx := e.ctx.(type) {
	case nil:
	case *Values:
		if v, ok := ctx.lookupLower(key); ok {
			return vlist{many: v, n: len(v)}, true
		}
	default:
		if v, ok := ctx.Lookup(key); ok {
			return vlist{many: v, n: len(v)}, true
		}
	}
	return e.principalKey(key)
}

// principalKey returns the global condition keys that describe the
// principal.
func (e *evaluator) principalKey(key string) (vlist, bool) {
	p := e.p
	one := func(s string) (vlist, bool) { return vlist{one: s, n: 1}, s != "" }
	if p == nil {
		if key == "aws:principaltype" {
			return one("Anonymous")
		}
		return vlist{}, false
	}
	switch key {
	case "aws:username":
		return one(p.UserName)
	case "aws:userid":
		return one(p.UserID)
	case "aws:principalaccount":
		return one(p.Account)
	case "aws:principalarn":
		switch p.Type {
		case PrincipalService, PrincipalWebIdentity:
			return vlist{}, false
		case PrincipalAssumedRole:
			if p.SessionIssuer != "" {
				return one(p.SessionIssuer)
			}
		}
		return one(p.ARN)
	case "aws:principaltype":
		switch p.Type {
		case PrincipalRoot:
			return one("Account")
		case PrincipalUser, PrincipalAssumedRole, PrincipalFederatedUser:
			return one(string(p.Type))
		}
		return vlist{}, false
	case "aws:principalservicename":
		if p.Type == PrincipalService {
			return one(p.ARN)
		}
		return vlist{}, false
	}
	const tagPrefix = "aws:principaltag/"
	if len(key) > len(tagPrefix) && key[:len(tagPrefix)] == tagPrefix && p.Tags != nil {
		k := key[len(tagPrefix):]
		if v, ok := p.Tags[k]; ok {
			return vlist{one: v, n: 1}, true
		}
		for tk, v := range p.Tags {
			if len(tk) == len(k) && strings.EqualFold(tk, k) {
				return vlist{one: v, n: 1}, true
			}
		}
	}
	return vlist{}, false
}
