// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The accounts and principals of the evaluation tests.
const (
	acctA = "111122223333"
	acctB = "444455556666"
	docX  = "arn:aws:ssm:us-east-1:111122223333:document/X"
)

var (
	bob = &Principal{
		ARN: "arn:aws:iam::111122223333:user/bob", Account: acctA, Type: PrincipalUser,
		UserName: "bob", UserID: "AIDAEXAMPLEBOB", Tags: map[string]string{"team": "ops", "Project": "Blue"},
	}
	alice = &Principal{
		ARN: "arn:aws:iam::111122223333:user/alice", Account: acctA, Type: PrincipalUser,
		UserName: "alice", UserID: "AIDAEXAMPLEALICE",
	}
	deployer = &Principal{
		ARN: "arn:aws:sts::111122223333:assumed-role/Deployer/s1", Account: acctA, Type: PrincipalAssumedRole,
		UserID: "AROAEXAMPLEDEPLOYER:s1", SessionIssuer: "arn:aws:iam::111122223333:role/ci/Deployer",
		Tags: map[string]string{"team": "ci"},
	}
	carol = &Principal{
		ARN: "arn:aws:sts::111122223333:federated-user/carol", Account: acctA, Type: PrincipalFederatedUser,
		UserID: "111122223333:carol", SessionIssuer: "arn:aws:iam::111122223333:user/carol",
	}
	root = &Principal{ARN: "arn:aws:iam::111122223333:root", Account: acctA, Type: PrincipalRoot, UserID: acctA}
	eve  = &Principal{
		ARN: "arn:aws:iam::444455556666:user/eve", Account: acctB, Type: PrincipalUser, UserName: "eve", UserID: "AIDAEXAMPLEEVE",
	}
	auditor = &Principal{
		ARN: "arn:aws:sts::444455556666:assumed-role/Auditor/a1", Account: acctB, Type: PrincipalAssumedRole,
		UserID: "AROAEXAMPLEAUDITOR:a1", SessionIssuer: "arn:aws:iam::444455556666:role/Auditor",
	}
	ec2Service = &Principal{ARN: "ec2.amazonaws.com", Type: PrincipalService}
	ssmService = &Principal{ARN: "ssm.amazonaws.com", Type: PrincipalService}
	oidcUser   = &Principal{ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/abc", Type: PrincipalWebIdentity}
)

// pol returns a 2012-10-17 policy of the statements.
func pol(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// Common statements.
const (
	allowAll  = `{"Effect":"Allow","Action":"*","Resource":"*"}`
	allowSend = `{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}`
	denySend  = `{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"*"}`
	allowGet  = `{"Effect":"Allow","Action":"ssm:GetDocument","Resource":"*"}`
	allowRole = `{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`
)

// rs returns a resource-based statement for ssm:SendCommand on any
// resource with the given effect and principal element (e.g.
// `"Principal":{"AWS":"x"}`), plus extra elements.
func rs(effect, principal string, extra ...string) string {
	s := `{"Effect":"` + effect + `",` + principal + `,"Action":"ssm:SendCommand"`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// aws returns a Principal element naming AWS principals.
func aws(ids ...string) string {
	return `"Principal":{"AWS":["` + strings.Join(ids, `","`) + `"]}`
}

// ts returns a trust policy statement for action with the given principal
// element and extra elements.
func ts(effect, principal, action string, extra ...string) string {
	s := `{"Effect":"` + effect + `",` + principal + `,"Action":"` + action + `"`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// evalCase is one evaluation: the policies, the request, and the expected
// reason (ReasonNone for an allowed request).
type evalCase struct {
	name      string
	rule      string // the rule of AWS's documented logic the case checks
	identity  []string
	boundary  string
	session   []string // nil: no session policy
	resource  []string // resource-based policies
	trust     []string // trust policies; they make the resource policy required
	require   bool     // RequireResourcePolicy for resource
	principal *Principal
	anonymous bool
	action    string
	res       string
	resAcct   string
	ctx       map[string][]string
	want      Reason
}

// run evaluates c and checks the decision.
func (c evalCase) run(t *testing.T) Decision {
	t.Helper()
	s := &Set{RequireResourcePolicy: c.require || c.trust != nil}
	parse := func(docs []string, kind Kind, prefix string) []*Policy {
		var out []*Policy
		for i, d := range docs {
			p, err := Parse(d, kind)
			if err != nil {
				t.Fatalf("Parse(%s %d) error = %v\n%s", kind, i, err, d)
			}
			p.ID = prefix + string(rune('0'+i))
			out = append(out, p)
		}
		return out
	}
	s.Identity = parse(c.identity, Identity, "id")
	if c.boundary != "" {
		s.Boundary = parse([]string{c.boundary}, Identity, "boundary")[0]
	}
	if c.session != nil {
		s.Session = parse(c.session, Identity, "session")
		if s.Session == nil {
			s.Session = []*Policy{}
		}
	}
	s.Resource = append(parse(c.resource, Resource, "resource"), parse(c.trust, Trust, "trust")...)
	r := &Request{Principal: c.principal, Action: c.action, Resource: c.res, ResourceAccount: c.resAcct}
	if r.Principal == nil && !c.anonymous {
		r.Principal = bob
	}
	if r.Action == "" {
		r.Action = "ssm:SendCommand"
	}
	if r.Resource == "" {
		r.Resource = docX
	}
	if c.ctx != nil {
		v := &Values{}
		for k, vals := range c.ctx {
			v.Set(k, vals...)
		}
		r.Context = v
	}
	d := Evaluate(s, r)
	explicit := c.want >= ReasonExplicitDenyIdentity && c.want <= ReasonExplicitDenySession
	if d.Allowed != (c.want == ReasonNone) || d.ExplicitDeny != explicit || d.Reason != c.want {
		t.Errorf("Evaluate() = allowed %v, explicit deny %v, reason %q; want allowed %v, explicit deny %v, reason %q\n(rule: %s)",
			d.Allowed, d.ExplicitDeny, d.Reason, c.want == ReasonNone, explicit, c.want, c.rule)
	}
	return d
}

// logicCases check the evaluation logic: precedence of allows and denies,
// action and resource matching, and how identity-based policies, permissions
// boundaries, session policies and resource-based policies combine.
var logicCases = []evalCase{
	// Default deny, explicit allow, explicit deny.
	{name: "no policies", rule: "all requests are implicitly denied by default", want: ReasonNoIdentityAllow},
	{name: "only other actions allowed", rule: "all requests are implicitly denied by default", identity: []string{pol(allowGet)}, want: ReasonNoIdentityAllow},
	{name: "identity allow", rule: "an explicit allow in an identity-based policy overrides the default deny", identity: []string{pol(allowSend)}},
	{name: "allow all", rule: "an explicit allow in an identity-based policy overrides the default deny", identity: []string{pol(allowAll)}},
	{name: "deny in the same policy", rule: "an explicit deny in any policy overrides any allows", identity: []string{pol(allowAll, denySend)}, want: ReasonExplicitDenyIdentity},
	{name: "deny in another policy", rule: "an explicit deny in any policy overrides any allows", identity: []string{pol(allowAll), pol(denySend)}, want: ReasonExplicitDenyIdentity},
	{name: "deny without allow", rule: "a Deny statement that applies is an explicit deny", identity: []string{pol(denySend)}, want: ReasonExplicitDenyIdentity},
	{name: "deny of another action", rule: "a Deny statement applies only to the actions it names", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"ssm:GetDocument","Resource":"*"}`)}},
	{name: "allow of another resource", rule: "an Allow statement applies only to the resources it names", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:us-east-1:111122223333:document/Y"}`)}, want: ReasonNoIdentityAllow},
	{name: "second statement allows", rule: "AWS checks all policies for at least one Allow", identity: []string{pol(allowGet, allowSend)}},
	{name: "second policy allows", rule: "AWS checks all policies for at least one Allow", identity: []string{pol(allowGet), pol(allowSend)}},
	{name: "deny with a false condition", rule: "a statement applies only if its conditions are true", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)}, ctx: map[string][]string{"aws:SecureTransport": {"true"}}},
	{name: "deny with a true condition", rule: "a statement applies only if its conditions are true", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)}, ctx: map[string][]string{"aws:SecureTransport": {"false"}}, want: ReasonExplicitDenyIdentity},

	// Action matching.
	{name: "action pattern in another case", rule: "action names are case-insensitive", identity: []string{pol(`{"Effect":"Allow","Action":"SSM:sendcommand","Resource":"*"}`)}},
	{name: "request action in another case", rule: "action names are case-insensitive", action: "SSM:SENDCOMMAND", identity: []string{pol(allowSend)}},
	{name: "service wildcard", rule: "a * in an action matches any run of characters", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:*","Resource":"*"}`)}},
	{name: "prefix wildcard", rule: "a * in an action matches any run of characters", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:Send*","Resource":"*"}`)}},
	{name: "suffix wildcard", rule: "a * in an action matches any run of characters", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:*Command","Resource":"*"}`)}},
	{name: "several wildcards", rule: "a * in an action matches any run of characters", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:*Send*Command*","Resource":"*"}`)}},
	{name: "question mark", rule: "a ? in an action matches exactly one character", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:S?ndCommand","Resource":"*"}`)}},
	{name: "question mark needs a character", rule: "a ? in an action matches exactly one character", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:S?dCommand","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "other prefix", rule: "an action pattern without a matching prefix does not apply", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:Get*","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "other service", rule: "an action matches only in its service", identity: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "service prefix of another service", rule: "an action matches only in its service", identity: []string{pol(`{"Effect":"Allow","Action":"ssmx:SendCommand","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "longer action name", rule: "without wildcards an action matches only itself", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:SendCommands","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "shorter action name", rule: "without wildcards an action matches only itself", identity: []string{pol(`{"Effect":"Allow","Action":"ssm:SendComman","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "action list", rule: "an Action list matches if any element matches", identity: []string{pol(`{"Effect":"Allow","Action":["ec2:RunInstances","ssm:SendCommand"],"Resource":"*"}`)}},
	{name: "star action", rule: `"Action": "*" matches every action`, action: "kanri:AnythingAtAll", identity: []string{pol(allowAll)}},
	{name: "star action and an action without service", rule: `"Action": "*" matches every action`, action: "weird", identity: []string{pol(allowAll)}},
	{name: "NotAction of another service", rule: "NotAction matches every action except those listed", identity: []string{pol(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}},
	{name: "NotAction of the action", rule: "NotAction matches every action except those listed", identity: []string{pol(`{"Effect":"Allow","NotAction":"ssm:*","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "NotAction list", rule: "NotAction matches every action except those listed", identity: []string{pol(`{"Effect":"Allow","NotAction":["iam:*","ssm:Send*"],"Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "NotAction is case-insensitive", rule: "NotAction matches every action except those listed, ignoring case", identity: []string{pol(`{"Effect":"Allow","NotAction":"SSM:SENDCOMMAND","Resource":"*"}`)}, want: ReasonNoIdentityAllow},
	{name: "Deny NotAction excluding the action", rule: "a Deny with NotAction denies every action except those listed", identity: []string{pol(allowAll, `{"Effect":"Deny","NotAction":"ssm:*","Resource":"*"}`)}},
	{name: "Deny NotAction not excluding the action", rule: "a Deny with NotAction denies every action except those listed", identity: []string{pol(allowAll, `{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}`)}, want: ReasonExplicitDenyIdentity},

	// Resource matching.
	{name: "exact resource", rule: "a resource ARN matches itself", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"` + docX + `"}`)}},
	{name: "resource in another case", rule: "resource matching is case-sensitive", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-east-1:111122223333:document/x"}`)}, want: ReasonNoIdentityAllow},
	{name: "resource part wildcard", rule: "wildcards can be used in any ARN field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-east-1:111122223333:document/*"}`)}},
	{name: "region wildcard", rule: "wildcards can be used in any ARN field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:111122223333:document/X"}`)}},
	{name: "account and resource wildcards", rule: "wildcards can be used in any ARN field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-east-1:*:*"}`)}},
	{name: "service wildcard in an ARN", rule: "wildcards can be used in any ARN field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:*:us-east-1:111122223333:document/X"}`)}},
	{name: "question mark in the region", rule: "a ? in an ARN matches exactly one character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-?ast-1:111122223333:document/X"}`)}},
	{name: "question mark in the resource", rule: "a ? in an ARN matches exactly one character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/?"}`)}},
	{name: "two question marks for one character", rule: "a ? in an ARN matches exactly one character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/??"}`)}, want: ReasonNoIdentityAllow},
	{name: "wildcard spanning slashes", rule: "a * in the resource part of an ARN spans / and :", res: "arn:aws:ssm:us-east-1:111122223333:document/a:b/c", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-east-1:111122223333:document/*"}`)}},
	{name: "wildcard does not cross ARN fields", rule: "a * in one of the first five ARN fields never matches across a colon", res: "arn:aws:ssm:us-east-1:111122223333:document/a:b", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:document/a:b"}`)}, want: ReasonNoIdentityAllow},
	{name: "empty region does not match a region", rule: "an empty ARN field matches only an empty field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm::111122223333:document/X"}`)}, want: ReasonNoIdentityAllow},
	{name: "other partition", rule: "every ARN field must match", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws-??:ssm:us-east-1:111122223333:document/X"}`)}, want: ReasonNoIdentityAllow},
	{name: "any partition", rule: "wildcards can be used in any ARN field", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:*:ssm:us-east-1:111122223333:document/X"}`)}},
	{name: "other account", rule: "every ARN field must match", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:us-east-1:444455556666:document/X"}`)}, want: ReasonNoIdentityAllow},
	{name: "resource list", rule: "a Resource list matches if any element matches", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":["arn:aws:ssm:*:*:document/Y","arn:aws:ssm:*:*:document/X"]}`)}},
	{name: "star resource", rule: `"Resource": "*" matches every resource`, res: "*", identity: []string{pol(allowSend)}},
	{name: "ARN pattern against no resource", rule: "an ARN pattern does not match a request without a resource", res: "*", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:*"}`)}, want: ReasonNoIdentityAllow},
	{name: "NotResource of another resource", rule: "NotResource matches every resource except those listed", identity: []string{pol(`{"Effect":"Allow","Action":"*","NotResource":"arn:aws:ssm:*:*:document/Y"}`)}},
	{name: "NotResource of the resource", rule: "NotResource matches every resource except those listed", identity: []string{pol(`{"Effect":"Allow","Action":"*","NotResource":"arn:aws:ssm:*:*:document/*"}`)}, want: ReasonNoIdentityAllow},
	{name: "Deny NotResource excluding the resource", rule: "a Deny with NotResource denies every resource except those listed", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"`+docX+`"}`)}},
	{name: "Deny NotResource not excluding the resource", rule: "a Deny with NotResource denies every resource except those listed", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:ssm:*:*:document/Y"}`)}, want: ReasonExplicitDenyIdentity},
	{name: "NotResource against no resource", rule: "NotResource matches every resource except those listed", res: "*", identity: []string{pol(`{"Effect":"Allow","Action":"*","NotResource":"arn:aws:ssm:*:*:*"}`)}},

	// Permissions boundaries.
	{name: "boundary allows", rule: "with a permissions boundary the effective permissions are the intersection of identity-based policies and the boundary", identity: []string{pol(allowSend)}, boundary: pol(`{"Effect":"Allow","Action":"ssm:*","Resource":"*"}`)},
	{name: "boundary does not allow", rule: "with a permissions boundary the effective permissions are the intersection of identity-based policies and the boundary", identity: []string{pol(allowSend)}, boundary: pol(allowGet), want: ReasonNoBoundaryAllow},
	{name: "boundary alone", rule: "a permissions boundary does not grant permissions on its own", boundary: pol(allowAll), want: ReasonNoIdentityAllow},
	{name: "boundary denies", rule: "an explicit deny in a permissions boundary overrides allows", identity: []string{pol(allowAll)}, boundary: pol(allowAll, denySend), want: ReasonExplicitDenyBoundary},
	{name: "boundary denies another action", rule: "a Deny in a boundary applies only to what it names", identity: []string{pol(allowAll)}, boundary: pol(allowAll, `{"Effect":"Deny","Action":"iam:*","Resource":"*"}`)},
	{name: "boundary with NotAction", rule: "with a permissions boundary the effective permissions are the intersection of identity-based policies and the boundary", identity: []string{pol(allowAll)}, boundary: pol(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)},
	{name: "boundary with an unmet condition", rule: "a boundary statement applies only if its conditions are true", identity: []string{pol(allowAll)}, boundary: pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`), ctx: map[string][]string{"aws:RequestedRegion": {"us-east-1"}}, want: ReasonNoBoundaryAllow},
	{name: "identity denies under a boundary", rule: "an explicit deny in any policy overrides any allows", identity: []string{pol(allowAll, denySend)}, boundary: pol(allowAll), want: ReasonExplicitDenyIdentity},

	// Session policies.
	{name: "role session without session policy", rule: "without a session policy a role session has its role's permissions", principal: deployer, identity: []string{pol(allowSend)}},
	{name: "session policy allows", rule: "a session's permissions are the intersection of the role's identity-based policies and the session policies", principal: deployer, identity: []string{pol(allowSend)}, session: []string{pol(allowAll)}},
	{name: "session policy does not allow", rule: "a session's permissions are the intersection of the role's identity-based policies and the session policies", principal: deployer, identity: []string{pol(allowSend)}, session: []string{pol(allowGet)}, want: ReasonNoSessionAllow},
	{name: "empty session policy list", rule: "a session policy that allows nothing leaves the session no permissions", principal: deployer, identity: []string{pol(allowSend)}, session: []string{}, want: ReasonNoSessionAllow},
	{name: "second session policy allows", rule: "session policies are checked for at least one Allow", principal: deployer, identity: []string{pol(allowSend)}, session: []string{pol(allowGet), pol(allowSend)}},
	{name: "session policy alone", rule: "session policies do not grant permissions on their own", principal: deployer, session: []string{pol(allowAll)}, want: ReasonNoIdentityAllow},
	{name: "session policy denies", rule: "an explicit deny in a session policy overrides allows", principal: deployer, identity: []string{pol(allowAll)}, session: []string{pol(allowAll, denySend)}, want: ReasonExplicitDenySession},
	{name: "federated user without session policy", rule: "a federated user session with no session policy has no permissions", principal: carol, identity: []string{pol(allowAll)}, want: ReasonNoSessionAllow},
	{name: "federated user with session policy", rule: "a federated user session's permissions are the intersection of the user's policies and the session policy", principal: carol, identity: []string{pol(allowAll)}, session: []string{pol(allowSend)}},
	{name: "session, boundary and identity allow", rule: "the effective permissions are everything allowed by identity-based policies, the boundary and the session policy", principal: deployer, identity: []string{pol(allowSend)}, boundary: pol(allowAll), session: []string{pol(allowAll)}},
	{name: "session and identity allow, boundary does not", rule: "the effective permissions are everything allowed by identity-based policies, the boundary and the session policy", principal: deployer, identity: []string{pol(allowSend)}, boundary: pol(allowGet), session: []string{pol(allowAll)}, want: ReasonNoBoundaryAllow},

	// Resource-based policies within the account.
	{name: "resource policy names the user", rule: "within an account a resource-based policy that names the IAM user allows even without identity-based policies", resource: []string{pol(rs("Allow", aws(bob.ARN)))}},
	{name: "resource policy names the user despite the boundary", rule: "a resource-based policy naming an IAM user is not limited by an implicit deny in a permissions boundary", resource: []string{pol(rs("Allow", aws(bob.ARN)))}, boundary: pol(allowGet)},
	{name: "resource policy names the user, boundary denies", rule: "an explicit deny in a permissions boundary overrides a resource-based allow", resource: []string{pol(rs("Allow", aws(bob.ARN)))}, boundary: pol(allowAll, denySend), want: ReasonExplicitDenyBoundary},
	{name: "resource policy names the account", rule: "a resource-based policy naming the account delegates to the account's identity-based policies", resource: []string{pol(rs("Allow", aws(acctA)))}, want: ReasonNoIdentityAllow},
	{name: "resource policy names the account root, identity allows", rule: "a resource-based policy naming the account delegates to the account's identity-based policies", resource: []string{pol(rs("Allow", aws("arn:aws:iam::111122223333:root")))}, identity: []string{pol(allowSend)}},
	{name: "resource policy with Principal *", rule: `"Principal": "*" names every principal`, resource: []string{pol(rs("Allow", `"Principal":"*"`))}},
	{name: "resource policy with AWS *", rule: `{"AWS": "*"} names every principal`, resource: []string{pol(rs("Allow", aws("*")))}},
	{name: "resource policy names another user", rule: "a resource-based policy applies only to the principals it names", resource: []string{pol(rs("Allow", aws(alice.ARN)))}, want: ReasonNoIdentityAllow},
	{name: "resource policy names the role of a session", rule: "a resource-based policy naming a role ARN applies to the role's sessions", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.SessionIssuer)))}},
	{name: "resource policy names the role, boundary does not allow", rule: "a resource-based policy naming an IAM role ARN is limited by an implicit deny in a permissions boundary", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.SessionIssuer)))}, boundary: pol(allowGet), want: ReasonNoBoundaryAllow},
	{name: "resource policy names the role, session policy does not allow", rule: "a resource-based policy naming an IAM role ARN is limited by an implicit deny in a session policy", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.SessionIssuer)))}, session: []string{pol(allowGet)}, want: ReasonNoSessionAllow},
	{name: "resource policy names the role, session policy allows", rule: "a resource-based policy naming an IAM role ARN is limited by an implicit deny in a session policy", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.SessionIssuer)))}, session: []string{pol(allowSend)}},
	{name: "resource policy names the session despite the boundary", rule: "a resource-based policy naming the role session is not limited by an implicit deny in a permissions boundary", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.ARN)))}, boundary: pol(allowGet)},
	{name: "resource policy names the session despite the session policy", rule: "a resource-based policy naming the role session is not limited by an implicit deny in a session policy", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.ARN)))}, session: []string{pol(allowGet)}},
	{name: "resource policy names the session, boundary denies", rule: "an explicit deny in any policy overrides any allows", principal: deployer, resource: []string{pol(rs("Allow", aws(deployer.ARN)))}, boundary: pol(allowAll, denySend), want: ReasonExplicitDenyBoundary},
	{name: "resource policy names another session of the role", rule: "a role session ARN names only that session", principal: deployer, resource: []string{pol(rs("Allow", aws("arn:aws:sts::111122223333:assumed-role/Deployer/s2")))}, want: ReasonNoIdentityAllow},
	{name: "resource policy names the federated user", rule: "a resource-based policy naming the federated user session grants directly to the session", principal: carol, resource: []string{pol(rs("Allow", aws(carol.ARN)))}},
	{name: "resource policy names the user who federated", rule: "a resource-based policy naming the IAM user who federated is limited by an implicit deny in a session policy", principal: carol, resource: []string{pol(rs("Allow", aws(carol.SessionIssuer)))}, want: ReasonNoSessionAllow},
	{name: "resource policy names the user who federated, session allows", rule: "a resource-based policy naming the IAM user who federated is limited by an implicit deny in a session policy", principal: carol, resource: []string{pol(rs("Allow", aws(carol.SessionIssuer)))}, session: []string{pol(allowSend)}},
	{name: "resource policy names the user who federated, boundary does not allow", rule: "a resource-based policy naming the IAM user who federated is limited by an implicit deny in a permissions boundary", principal: carol, resource: []string{pol(rs("Allow", aws(carol.SessionIssuer)))}, session: []string{pol(allowSend)}, boundary: pol(allowGet), want: ReasonNoBoundaryAllow},
	{name: "resource policy denies the user", rule: "an explicit deny in a resource-based policy overrides any allows", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", aws(bob.ARN)))}, want: ReasonExplicitDenyResource},
	{name: "resource policy denies the account", rule: "a resource-based Deny naming an account denies every principal of the account", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", aws(acctA)))}, want: ReasonExplicitDenyResource},
	{name: "resource policy denies another user", rule: "a resource-based policy applies only to the principals it names", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", aws(alice.ARN)))}},
	{name: "resource policy denies everyone", rule: "an explicit deny in a resource-based policy overrides any allows", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"Principal":"*"`))}, want: ReasonExplicitDenyResource},
	{name: "resource policy with an unmet condition", rule: "a resource-based statement applies only if its conditions are true", resource: []string{pol(rs("Allow", aws(bob.ARN), `"Condition":{"Bool":{"aws:SecureTransport":"true"}}`))}, want: ReasonNoIdentityAllow},
	{name: "resource policy for another action", rule: "a resource-based statement applies only to the actions it names", resource: []string{pol(`{"Effect":"Allow","Principal":"*","Action":"ssm:GetDocument"}`)}, want: ReasonNoIdentityAllow},
	{name: "resource policy for another resource", rule: "a resource-based statement applies only to the resources it names", resource: []string{pol(rs("Allow", `"Principal":"*"`, `"Resource":"arn:aws:ssm:*:*:document/Y"`))}, want: ReasonNoIdentityAllow},
	{name: "resource policy for the resource", rule: "a resource-based statement applies only to the resources it names", resource: []string{pol(rs("Allow", `"Principal":"*"`, `"Resource":"`+docX+`"`))}},
	{name: "resource policy and identity policy both allow", rule: "if either the identity-based or the resource-based policy allows, the request is allowed", identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(bob.ARN)))}},
	{name: "identity allows, resource policy names someone else", rule: "if either the identity-based or the resource-based policy allows, the request is allowed", identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(alice.ARN)))}},

	// NotPrincipal.
	{name: "NotPrincipal Deny exempting the user and account", rule: "a Deny with NotPrincipal denies every principal except those listed", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+bob.ARN+`","arn:aws:iam::111122223333:root"]}`))}},
	{name: "NotPrincipal Deny of another user", rule: "a Deny with NotPrincipal denies every principal except those listed", principal: alice, identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+bob.ARN+`","arn:aws:iam::111122223333:root"]}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Deny without the account", rule: "NotPrincipal must also list the account of the exempted principal, or the account is denied", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":"`+bob.ARN+`"}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Deny exempting session, role and account", rule: "a NotPrincipal exempting a role session must list the session, its role and its account", principal: deployer, identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+deployer.ARN+`","`+deployer.SessionIssuer+`","111122223333"]}`))}},
	{name: "NotPrincipal Deny without the session", rule: "a NotPrincipal exempting a role session must list the session, its role and its account", principal: deployer, identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+deployer.SessionIssuer+`","111122223333"]}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Deny without the role", rule: "a NotPrincipal exempting a role session must list the session, its role and its account", principal: deployer, identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+deployer.ARN+`","111122223333"]}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Deny and a permissions boundary", rule: "a NotPrincipal Deny always denies a principal that has a permissions boundary", identity: []string{pol(allowAll)}, boundary: pol(allowAll), resource: []string{pol(rs("Deny", `"NotPrincipal":{"AWS":["`+bob.ARN+`","arn:aws:iam::111122223333:root"]}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Allow of another user", rule: "an Allow with NotPrincipal allows every principal except those listed", resource: []string{pol(rs("Allow", `"NotPrincipal":{"AWS":"`+alice.ARN+`"}`))}},
	{name: "NotPrincipal Allow exempting the user", rule: "an Allow with NotPrincipal allows every principal except those listed", resource: []string{pol(rs("Allow", `"NotPrincipal":{"AWS":["`+bob.ARN+`","111122223333"]}`))}, want: ReasonNoIdentityAllow},
	{name: "NotPrincipal Deny exempting a service", rule: "a Deny with NotPrincipal denies every principal except those listed", principal: ec2Service, resource: []string{pol(rs("Allow", `"Principal":{"Service":["ec2.amazonaws.com","ssm.amazonaws.com"]}`), rs("Deny", `"NotPrincipal":{"Service":"ec2.amazonaws.com"}`))}},
	{name: "NotPrincipal Deny of another service", rule: "a Deny with NotPrincipal denies every principal except those listed", principal: ssmService, resource: []string{pol(rs("Allow", `"Principal":{"Service":["ec2.amazonaws.com","ssm.amazonaws.com"]}`), rs("Deny", `"NotPrincipal":{"Service":"ec2.amazonaws.com"}`))}, want: ReasonExplicitDenyResource},
	{name: "NotPrincipal Deny of anonymous", rule: "a Deny with NotPrincipal denies every principal except those listed", anonymous: true, resource: []string{pol(rs("Allow", `"Principal":"*"`), rs("Deny", `"NotPrincipal":{"AWS":"111122223333"}`))}, want: ReasonExplicitDenyResource},

	// Cross-account.
	{name: "cross-account, both allow", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", principal: eve, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(eve.ARN)))}},
	{name: "cross-account, only identity allows", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", principal: eve, identity: []string{pol(allowSend)}, want: ReasonNoResourceAllow},
	{name: "cross-account, only resource allows", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", principal: eve, resource: []string{pol(rs("Allow", aws(eve.ARN)))}, want: ReasonNoIdentityAllow},
	{name: "cross-account, resource names the account", rule: "a resource-based policy naming an account trusts the account's identity-based policies", principal: eve, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(acctB)))}},
	{name: "cross-account, resource names the resource's account", rule: "a resource-based policy applies only to the principals it names", principal: eve, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(acctA)))}, want: ReasonNoResourceAllow},
	{name: "cross-account, resource names everyone", rule: `"Principal": "*" names every principal`, principal: eve, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", `"Principal":"*"`))}},
	{name: "cross-account, boundary does not allow", rule: "in the trusted account the identity-based policy is limited by the permissions boundary", principal: eve, identity: []string{pol(allowSend)}, boundary: pol(allowGet), resource: []string{pol(rs("Allow", aws(eve.ARN)))}, want: ReasonNoBoundaryAllow},
	{name: "cross-account role session, resource names the role", rule: "a resource-based policy naming a role ARN applies to the role's sessions", principal: auditor, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(auditor.SessionIssuer)))}},
	{name: "cross-account role session, resource names the session", rule: "a resource-based policy can name an assumed-role session", principal: auditor, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(auditor.ARN)))}},
	{name: "cross-account role session, session policy does not allow", rule: "in the trusted account the identity-based policy is limited by session policies", principal: auditor, identity: []string{pol(allowSend)}, session: []string{pol(allowGet)}, resource: []string{pol(rs("Allow", aws(auditor.ARN)))}, want: ReasonNoSessionAllow},
	{name: "cross-account, resource denies the account", rule: "an explicit deny in a resource-based policy overrides any allows", principal: eve, identity: []string{pol(allowSend)}, resource: []string{pol(rs("Allow", aws(eve.ARN)), rs("Deny", aws(acctB)))}, want: ReasonExplicitDenyResource},
	{name: "resource account given explicitly", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", resAcct: acctB, identity: []string{pol(allowSend)}, want: ReasonNoResourceAllow},
	{name: "resource account from the ARN", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", res: "arn:aws:ssm:us-east-1:444455556666:document/X", identity: []string{pol(allowSend)}, want: ReasonNoResourceAllow},
	{name: "resource without an account", rule: "a request for a resource of no other account is evaluated within the principal's account", res: "arn:aws:s3:::bucket/key", identity: []string{pol(allowSend)}},

	// Trust policies (the resource-based policy is required).
	{name: "trust names the user", rule: "a role trust policy naming the principal allows it to assume the role within the account", action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws(bob.ARN), "sts:AssumeRole"))}},
	{name: "trust names the account, identity allows", rule: "a trust policy naming the account delegates to the account's identity-based policies", action: "sts:AssumeRole", identity: []string{pol(allowRole)}, trust: []string{pol(ts("Allow", aws(acctA), "sts:AssumeRole"))}},
	{name: "trust names the account, no identity allow", rule: "a trust policy naming the account delegates to the account's identity-based policies", action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws(acctA), "sts:AssumeRole"))}, want: ReasonNoIdentityAllow},
	{name: "trust names someone else", rule: "role trust policies must explicitly allow the principal, even within the account", action: "sts:AssumeRole", identity: []string{pol(allowRole)}, trust: []string{pol(ts("Allow", aws(alice.ARN), "sts:AssumeRole"))}, want: ReasonNoResourceAllow},
	{name: "no trust policy", rule: "role trust policies must explicitly allow the principal, even within the account", action: "sts:AssumeRole", require: true, identity: []string{pol(allowRole)}, want: ReasonNoResourceAllow},
	{name: "trust names the service", rule: "a trust policy naming a service principal lets the service assume the role", principal: ec2Service, action: "sts:AssumeRole", trust: []string{pol(ts("Allow", `"Principal":{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole"))}},
	{name: "trust names another service", rule: "a trust policy applies only to the principals it names", principal: ssmService, action: "sts:AssumeRole", trust: []string{pol(ts("Allow", `"Principal":{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole"))}, want: ReasonNoResourceAllow},
	{name: "trust names the service for another action", rule: "a trust policy statement applies only to the actions it names", principal: ec2Service, action: "sts:TagSession", trust: []string{pol(ts("Allow", `"Principal":{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole"))}, want: ReasonNoResourceAllow},
	{name: "OIDC trust, subject matches", rule: "a trust policy naming a Federated OIDC provider allows its web identities that meet the conditions", principal: oidcUser, action: "sts:AssumeRoleWithWebIdentity",
		trust: []string{pol(ts("Allow", `"Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example.com/abc"}`, "sts:AssumeRoleWithWebIdentity", `"Condition":{"StringEquals":{"oidc.example.com/abc:sub":"system:serviceaccount:ostoy:ostoy-sa"}}`))},
		ctx:   map[string][]string{"oidc.example.com/abc:sub": {"system:serviceaccount:ostoy:ostoy-sa"}}},
	{name: "OIDC trust, subject differs", rule: "a trust policy naming a Federated OIDC provider allows its web identities that meet the conditions", principal: oidcUser, action: "sts:AssumeRoleWithWebIdentity",
		trust: []string{pol(ts("Allow", `"Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example.com/abc"}`, "sts:AssumeRoleWithWebIdentity", `"Condition":{"StringEquals":{"oidc.example.com/abc:sub":"system:serviceaccount:ostoy:ostoy-sa"}}`))},
		ctx:   map[string][]string{"oidc.example.com/abc:sub": {"system:serviceaccount:other:sa"}}, want: ReasonNoResourceAllow},
	{name: "OIDC trust, other provider", rule: "a trust policy applies only to the principals it names", principal: &Principal{ARN: "arn:aws:iam::111122223333:oidc-provider/other.example.com", Type: PrincipalWebIdentity}, action: "sts:AssumeRoleWithWebIdentity",
		trust: []string{pol(ts("Allow", `"Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example.com/abc"}`, "sts:AssumeRoleWithWebIdentity"))}, want: ReasonNoResourceAllow},
	{name: "trust names the role of the session (role chaining)", rule: "a resource-based policy naming a role ARN applies to the role's sessions", principal: deployer, action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws(deployer.SessionIssuer), "sts:AssumeRole"))}},
	{name: "cross-account trust, identity allows", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", principal: eve, action: "sts:AssumeRole", res: "arn:aws:iam::111122223333:role/R", identity: []string{pol(allowRole)}, trust: []string{pol(ts("Allow", aws(acctB), "sts:AssumeRole"))}},
	{name: "cross-account trust, no identity allow", rule: "a cross-account request needs an allow in the principal's identity-based policy and in the resource-based policy", principal: eve, action: "sts:AssumeRole", res: "arn:aws:iam::111122223333:role/R", trust: []string{pol(ts("Allow", aws(eve.ARN), "sts:AssumeRole"))}, want: ReasonNoIdentityAllow},
	{name: "trust denies the user", rule: "an explicit deny in a resource-based policy overrides any allows", action: "sts:AssumeRole", identity: []string{pol(allowRole)}, trust: []string{pol(ts("Allow", aws(acctA), "sts:AssumeRole"), ts("Deny", aws(bob.ARN), "sts:AssumeRole"))}, want: ReasonExplicitDenyResource},
	{name: "root and a trust naming the account", rule: "the root user has full access within its account once the trust policy names the account", principal: root, action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws(acctA), "sts:AssumeRole"))}},
	{name: "root and a trust naming someone else", rule: "role trust policies must explicitly allow the principal, even within the account", principal: root, action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws(alice.ARN), "sts:AssumeRole"))}, want: ReasonNoResourceAllow},
	{name: "trust with * and an account condition, met", rule: "a statement applies only if its conditions are true", action: "sts:AssumeRole", trust: []string{pol(ts("Allow", aws("*"), "sts:AssumeRole", `"Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`))}},
	{name: "trust with * and an account condition, unmet", rule: "a statement applies only if its conditions are true", principal: eve, action: "sts:AssumeRole", res: "arn:aws:iam::111122223333:role/R", identity: []string{pol(allowRole)}, trust: []string{pol(ts("Allow", aws("*"), "sts:AssumeRole", `"Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`))}, want: ReasonNoResourceAllow},

	// The root user, anonymous requests and services.
	{name: "root without policies", rule: "the account root user has full access within its account", principal: root},
	{name: "root and a resource deny", rule: "an explicit deny in a resource-based policy overrides any allows", principal: root, resource: []string{pol(rs("Deny", aws(acctA)))}, want: ReasonExplicitDenyResource},
	{name: "root cross-account without resource policy", rule: "a cross-account request needs an allow in the resource-based policy", principal: root, resAcct: acctB, want: ReasonNoResourceAllow},
	{name: "root cross-account, resource names the account", rule: "a resource-based policy naming an account trusts the account", principal: root, resAcct: acctB, resource: []string{pol(rs("Allow", aws(acctA)))}},
	{name: "anonymous and a public resource policy", rule: `"Principal": "*" names every principal, including anonymous ones`, anonymous: true, resource: []string{pol(rs("Allow", `"Principal":"*"`))}},
	{name: "anonymous and AWS *", rule: `{"AWS": "*"} is equivalent to "*"`, anonymous: true, resource: []string{pol(rs("Allow", aws("*")))}},
	{name: "anonymous without resource policy", rule: "only a resource-based policy can allow an anonymous request", anonymous: true, identity: []string{pol(allowAll)}, want: ReasonNoResourceAllow},
	{name: "anonymous and an account principal", rule: "a resource-based policy applies only to the principals it names", anonymous: true, resource: []string{pol(rs("Allow", aws(acctA)))}, want: ReasonNoResourceAllow},
	{name: "service without resource policy", rule: "a service principal is allowed only by a resource-based policy naming it", principal: ec2Service, identity: []string{pol(allowAll)}, want: ReasonNoResourceAllow},
	{name: "service named in a resource policy", rule: "a service principal is allowed only by a resource-based policy naming it", principal: ec2Service, resource: []string{pol(rs("Allow", `"Principal":{"Service":["ec2.amazonaws.com"]}`))}},
	{name: "service named in an AWS principal list", rule: "a service principal is named only by Service", principal: ec2Service, resource: []string{pol(rs("Allow", aws(acctA)))}, want: ReasonNoResourceAllow},
	{name: "canonical user principal names no IAM principal", rule: "a resource-based policy applies only to the principals it names", resource: []string{pol(rs("Allow", `"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`))}, want: ReasonNoIdentityAllow},
	{name: "unique ID of a deleted principal", rule: "a unique ID left by a deleted principal names no one", resource: []string{pol(rs("Allow", aws("AIDAJQABLZS4A3QDU576Q")))}, want: ReasonNoIdentityAllow},
}

func TestEvaluateLogic(t *testing.T) {
	for _, c := range logicCases {
		t.Run(c.name, func(t *testing.T) { c.run(t) })
	}
}

// kv returns a context of single-valued keys: kv("k1", "v1", "k2", "v2").
func kv(pairs ...string) map[string][]string {
	m := make(map[string][]string)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = append(m[pairs[i]], pairs[i+1])
	}
	return m
}

// condCase tests one Condition element: the statement with it applies, or
// not, to bob's request (or p's) in the context.
type condCase struct {
	name string
	rule string
	cond string // the value of the Condition element
	ctx  map[string][]string
	p    *Principal
	want bool
}

var conditionCases = []condCase{
	// String operators.
	{name: "StringEquals match", rule: "StringEquals is exact, case-sensitive matching", cond: `{"StringEquals":{"aws:username":"bob"}}`, want: true},
	{name: "StringEquals other case", rule: "StringEquals is exact, case-sensitive matching", cond: `{"StringEquals":{"aws:username":"Bob"}}`},
	{name: "StringEquals other value", rule: "StringEquals is exact, case-sensitive matching", cond: `{"StringEquals":{"aws:username":"alice"}}`},
	{name: "StringEquals missing key", rule: "a condition on a key absent from the request context is false", cond: `{"StringEquals":{"aws:RequestTag/env":"prod"}}`},
	{name: "StringEquals any of the values", rule: "multiple values for one key are OR'd", cond: `{"StringEquals":{"aws:username":["alice","bob"]}}`, want: true},
	{name: "StringEquals any request value", rule: "without a set operator a positive operator is true if a request value matches", cond: `{"StringEquals":{"aws:TagKeys":"b"}}`, ctx: kv("aws:TagKeys", "a", "aws:TagKeys", "b"), want: true},
	{name: "StringEquals has no wildcards", rule: "StringEquals does not expand wildcards", cond: `{"StringEquals":{"aws:username":"b*"}}`},
	{name: "StringEquals matches a literal star", rule: "StringEquals does not expand wildcards", cond: `{"StringEquals":{"s3:prefix":"*"}}`, ctx: kv("s3:prefix", "*"), want: true},
	{name: "StringEquals with a JSON number", rule: "condition values may be JSON numbers, compared as written", cond: `{"StringEquals":{"s3:max-keys":10}}`, ctx: kv("s3:max-keys", "10"), want: true},
	{name: "StringEquals with a JSON boolean", rule: "condition values may be JSON booleans, compared as written", cond: `{"StringEquals":{"aws:SecureTransport":true}}`, ctx: kv("aws:SecureTransport", "true"), want: true},
	{name: "StringEquals empty string", rule: "StringEquals is exact matching", cond: `{"StringEquals":{"s3:prefix":""}}`, ctx: kv("s3:prefix", ""), want: true},
	{name: "StringNotEquals other value", rule: "StringNotEquals is negated matching", cond: `{"StringNotEquals":{"aws:username":"alice"}}`, want: true},
	{name: "StringNotEquals same value", rule: "StringNotEquals is negated matching", cond: `{"StringNotEquals":{"aws:username":"bob"}}`},
	{name: "StringNotEquals missing key", rule: "StringNotEquals matches when the key is missing", cond: `{"StringNotEquals":{"aws:RequestTag/env":"prod"}}`, want: true},
	{name: "StringNotEquals one of the values", rule: "multiple values of a negated operator are NOR'd", cond: `{"StringNotEquals":{"aws:username":["alice","bob"]}}`},
	{name: "StringNotEquals none of the values", rule: "multiple values of a negated operator are NOR'd", cond: `{"StringNotEquals":{"aws:username":["alice","carol"]}}`, want: true},
	{name: "StringNotEquals other case", rule: "StringNotEquals is case-sensitive", cond: `{"StringNotEquals":{"aws:username":"BOB"}}`, want: true},
	{name: "StringEqualsIgnoreCase other case", rule: "StringEqualsIgnoreCase is exact matching, ignoring case", cond: `{"StringEqualsIgnoreCase":{"aws:username":"BOB"}}`, want: true},
	{name: "StringEqualsIgnoreCase other value", rule: "StringEqualsIgnoreCase is exact matching, ignoring case", cond: `{"StringEqualsIgnoreCase":{"aws:username":"alice"}}`},
	{name: "StringEqualsIgnoreCase missing key", rule: "a condition on a key absent from the request context is false", cond: `{"StringEqualsIgnoreCase":{"aws:RequestTag/env":"prod"}}`},
	{name: "StringNotEqualsIgnoreCase other case", rule: "StringNotEqualsIgnoreCase is negated matching, ignoring case", cond: `{"StringNotEqualsIgnoreCase":{"aws:username":"BOB"}}`},
	{name: "StringNotEqualsIgnoreCase other value", rule: "StringNotEqualsIgnoreCase is negated matching, ignoring case", cond: `{"StringNotEqualsIgnoreCase":{"aws:username":"alice"}}`, want: true},
	{name: "StringNotEqualsIgnoreCase missing key", rule: "a negated operator is true when the key is missing", cond: `{"StringNotEqualsIgnoreCase":{"aws:RequestTag/env":"prod"}}`, want: true},
	{name: "StringLike star", rule: "StringLike matches * against any run of characters", cond: `{"StringLike":{"aws:username":"b*"}}`, want: true},
	{name: "StringLike question mark", rule: "StringLike matches ? against one character", cond: `{"StringLike":{"aws:username":"b?b"}}`, want: true},
	{name: "StringLike question mark too short", rule: "StringLike matches ? against one character", cond: `{"StringLike":{"aws:username":"b?"}}`},
	{name: "StringLike is case-sensitive", rule: "StringLike is case-sensitive matching", cond: `{"StringLike":{"aws:username":"B*"}}`},
	{name: "StringLike inner star", rule: "StringLike matches * anywhere in the string", cond: `{"StringLike":{"aws:username":"*o*"}}`, want: true},
	{name: "StringLike needs wildcards for partial matches", rule: "StringLike needs wildcards to match part of a string", cond: `{"StringLike":{"aws:username":"bo"}}`},
	{name: "StringLike missing key", rule: "a condition on a key absent from the request context is false", cond: `{"StringLike":{"s3:prefix":"*"}}`},
	{name: "StringLike list", rule: "multiple values for one key are OR'd", cond: `{"StringLike":{"s3:prefix":["","home/","home/*"]}}`, ctx: kv("s3:prefix", "home/bob/x"), want: true},
	{name: "StringLike star matches empty", rule: "StringLike matches * against any run of characters, including none", cond: `{"StringLike":{"s3:prefix":"*"}}`, ctx: kv("s3:prefix", ""), want: true},
	{name: "StringNotLike not matching", rule: "StringNotLike is negated StringLike", cond: `{"StringNotLike":{"aws:username":"a*"}}`, want: true},
	{name: "StringNotLike matching", rule: "StringNotLike is negated StringLike", cond: `{"StringNotLike":{"aws:username":"b*"}}`},
	{name: "StringNotLike missing key", rule: "StringNotLike is true when the key is missing", cond: `{"StringNotLike":{"s3:prefix":"home/*"}}`, want: true},
	{name: "StringNotLike list", rule: "multiple values of a negated operator are NOR'd", cond: `{"StringNotLike":{"aws:username":["a*","b*"]}}`},
	{name: "StringLike versus ArnLike across fields", rule: "StringLike's * spans colons where ArnLike's does not", cond: `{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx: kv("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), want: true},

	// Numeric operators.
	{name: "NumericEquals", rule: "NumericEquals is numeric matching", cond: `{"NumericEquals":{"s3:max-keys":10}}`, ctx: kv("s3:max-keys", "10"), want: true},
	{name: "NumericEquals compares numbers, not text", rule: "numeric operators compare values as numbers", cond: `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10.0"), want: true},
	{name: "NumericEquals other number", rule: "NumericEquals is numeric matching", cond: `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "11")},
	{name: "NumericEquals missing key", rule: "a condition on a key absent from the request context is false", cond: `{"NumericEquals":{"s3:max-keys":"10"}}`},
	{name: "NumericEquals not a number", rule: "a request value that is not a number matches no numeric condition", cond: `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "ten")},
	{name: "NumericNotEquals other number", rule: "NumericNotEquals is negated numeric matching", cond: `{"NumericNotEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "11"), want: true},
	{name: "NumericNotEquals same number", rule: "NumericNotEquals is negated numeric matching", cond: `{"NumericNotEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10")},
	{name: "NumericNotEquals missing key", rule: "a negated operator is true when the key is missing", cond: `{"NumericNotEquals":{"s3:max-keys":"10"}}`, want: true},
	{name: "NumericLessThan less", rule: "NumericLessThan is less-than matching", cond: `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "9"), want: true},
	{name: "NumericLessThan equal", rule: "NumericLessThan is less-than matching", cond: `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10")},
	{name: "NumericLessThanEquals equal", rule: "NumericLessThanEquals is less-than-or-equal matching", cond: `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10"), want: true},
	{name: "NumericLessThanEquals greater", rule: "NumericLessThanEquals is less-than-or-equal matching", cond: `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "11")},
	{name: "NumericGreaterThan greater", rule: "NumericGreaterThan is greater-than matching", cond: `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "11"), want: true},
	{name: "NumericGreaterThan equal", rule: "NumericGreaterThan is greater-than matching", cond: `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10")},
	{name: "NumericGreaterThanEquals equal", rule: "NumericGreaterThanEquals is greater-than-or-equal matching", cond: `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "10"), want: true},
	{name: "NumericGreaterThanEquals less", rule: "NumericGreaterThanEquals is greater-than-or-equal matching", cond: `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, ctx: kv("s3:max-keys", "9")},
	{name: "NumericLessThan negative decimals", rule: "numeric operators compare integers and decimals", cond: `{"NumericLessThan":{"a:n":"-1.5"}}`, ctx: kv("a:n", "-2"), want: true},
	{name: "NumericLessThan missing key", rule: "a condition on a key absent from the request context is false", cond: `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`},
	{name: "NumericLessThan MFA age", rule: "NumericLessThan is less-than matching", cond: `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, ctx: kv("aws:MultiFactorAuthAge", "100"), want: true},
	{name: "NumericLessThanEquals any of the values", rule: "multiple values for one key are OR'd", cond: `{"NumericLessThanEquals":{"s3:max-keys":["5","20"]}}`, ctx: kv("s3:max-keys", "10"), want: true},

	// Date operators.
	{name: "DateGreaterThan later", rule: "DateGreaterThan matches after the date", cond: `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}`, ctx: kv("aws:TokenIssueTime", "2021-06-01T00:00:00Z"), want: true},
	{name: "DateGreaterThan earlier", rule: "DateGreaterThan matches after the date", cond: `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}`, ctx: kv("aws:TokenIssueTime", "2019-12-31T23:59:59Z")},
	{name: "DateGreaterThan equal", rule: "DateGreaterThan matches after the date", cond: `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z")},
	{name: "DateGreaterThanEquals equal", rule: "DateGreaterThanEquals matches at or after the date", cond: `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateLessThan earlier", rule: "DateLessThan matches before the date", cond: `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2026-05-01T12:00:00Z"), want: true},
	{name: "DateLessThan later", rule: "DateLessThan matches before the date", cond: `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2026-05-01T12:00:00Z")},
	{name: "DateLessThanEquals equal", rule: "DateLessThanEquals matches at or before the date", cond: `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateEquals ISO against epoch", rule: "dates may be ISO 8601 or epoch seconds", cond: `{"DateEquals":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:EpochTime", "1577836800"), want: true},
	{name: "DateEquals epoch against ISO", rule: "dates may be ISO 8601 or epoch seconds", cond: `{"DateEquals":{"aws:CurrentTime":"1577836800"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateEquals epoch as a JSON number", rule: "dates may be ISO 8601 or epoch seconds", cond: `{"DateEquals":{"aws:CurrentTime":1577836800}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateEquals with a time zone", rule: "W3C ISO 8601 dates carry a time zone designator", cond: `{"DateEquals":{"aws:CurrentTime":"2020-01-01T09:00:00+09:00"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateEquals with a date only", rule: "W3C ISO 8601 dates may omit the time", cond: `{"DateEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateEquals with minutes only", rule: "W3C ISO 8601 dates may omit seconds", cond: `{"DateEquals":{"aws:CurrentTime":"2020-01-01T10:30Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T10:30:00Z"), want: true},
	{name: "DateNotEquals other date", rule: "DateNotEquals is negated date matching", cond: `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-02T00:00:00Z"), want: true},
	{name: "DateNotEquals same date", rule: "DateNotEquals is negated date matching", cond: `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z")},
	{name: "DateNotEquals missing key", rule: "a negated operator is true when the key is missing", cond: `{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, want: true},
	{name: "DateLessThan missing key", rule: "a condition on a key absent from the request context is false", cond: `{"DateLessThan":{"aws:TokenIssueTime":"2030-01-01T00:00:00Z"}}`},
	{name: "DateLessThan fractional seconds", rule: "W3C ISO 8601 dates may have fractions of a second", cond: `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00.5Z"}}`, ctx: kv("aws:CurrentTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "DateLessThan not a date", rule: "a request value that is not a date matches no date condition", cond: `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx: kv("aws:CurrentTime", "yesterday")},
	{name: "DateGreaterThan epoch time", rule: "dates may be ISO 8601 or epoch seconds", cond: `{"DateGreaterThan":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}`, ctx: kv("aws:EpochTime", "1700000000"), want: true},

	// Bool.
	{name: "Bool true", rule: "Bool is boolean matching", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, ctx: kv("aws:SecureTransport", "true"), want: true},
	{name: "Bool true against false", rule: "Bool is boolean matching", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, ctx: kv("aws:SecureTransport", "false")},
	{name: "Bool false", rule: "Bool is boolean matching", cond: `{"Bool":{"aws:SecureTransport":"false"}}`, ctx: kv("aws:SecureTransport", "false"), want: true},
	{name: "Bool JSON boolean", rule: "condition values may be JSON booleans", cond: `{"Bool":{"aws:MultiFactorAuthPresent":true}}`, ctx: kv("aws:MultiFactorAuthPresent", "true"), want: true},
	{name: "Bool missing key", rule: "a condition on a key absent from the request context is false", cond: `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`},
	{name: "Bool not a boolean", rule: "a request value that is not a boolean matches no Bool condition", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, ctx: kv("aws:SecureTransport", "yes")},

	// BinaryEquals.
	{name: "BinaryEquals match", rule: "BinaryEquals compares the key's bytes with the base-64 decoded policy value", cond: `{"BinaryEquals":{"a:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx: kv("a:bin", "BinaryValueInBase64"), want: true},
	{name: "BinaryEquals mismatch", rule: "BinaryEquals compares the key's bytes with the base-64 decoded policy value", cond: `{"BinaryEquals":{"a:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx: kv("a:bin", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")},
	{name: "BinaryEquals missing key", rule: "a condition on a key absent from the request context is false", cond: `{"BinaryEquals":{"a:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`},

	// IP addresses.
	{name: "IpAddress in range", rule: "IpAddress matches addresses in the CIDR block", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx: kv("aws:SourceIp", "203.0.113.7"), want: true},
	{name: "IpAddress out of range", rule: "IpAddress matches addresses in the CIDR block", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx: kv("aws:SourceIp", "203.0.114.7")},
	{name: "IpAddress bare address", rule: "an address without a routing prefix is a /32", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, ctx: kv("aws:SourceIp", "203.0.113.7"), want: true},
	{name: "IpAddress bare address, other address", rule: "an address without a routing prefix is a /32", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, ctx: kv("aws:SourceIp", "203.0.113.8")},
	{name: "IpAddress IPv6 in range", rule: "IP address operators accept IPv6 CIDR blocks", cond: `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx: kv("aws:SourceIp", "2001:db8:1234:5678::1"), want: true},
	{name: "IpAddress IPv6 out of range", rule: "IP address operators accept IPv6 CIDR blocks", cond: `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx: kv("aws:SourceIp", "2001:db8:1234:5679::1")},
	{name: "IpAddress IPv4 block, IPv6 request", rule: "IpAddress matches addresses in the CIDR block", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx: kv("aws:SourceIp", "2001:db8::1")},
	{name: "IpAddress mixed list", rule: "multiple values for one key are OR'd", cond: `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, ctx: kv("aws:SourceIp", "2001:db8:1234:5678::abcd"), want: true},
	{name: "IpAddress all IPv4", rule: "IpAddress matches addresses in the CIDR block", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx: kv("aws:SourceIp", "198.51.100.1"), want: true},
	{name: "IpAddress missing key", rule: "a condition on a key absent from the request context is false", cond: `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`},
	{name: "IpAddress not an address", rule: "a request value that is not an address matches no IP condition", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx: kv("aws:SourceIp", "vpce-1234")},
	{name: "NotIpAddress outside", rule: "NotIpAddress matches all addresses except the block", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "192.0.2.1"), want: true},
	{name: "NotIpAddress inside", rule: "NotIpAddress matches all addresses except the block", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "10.1.2.3")},
	{name: "NotIpAddress missing key", rule: "a negated operator is true when the key is missing", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, want: true},

	// ARN operators.
	{name: "ArnEquals exact", rule: "ArnEquals is case-sensitive matching of each ARN field", cond: `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), want: true},
	{name: "ArnLike wildcards in fields", rule: "each ARN field can include * and ? wildcards", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), want: true},
	{name: "ArnLike wildcard does not cross fields", rule: "ArnLike matches elements between colons: a * does not match across them", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx: kv("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt")},
	{name: "ArnEquals expands wildcards", rule: "ArnEquals and ArnLike behave identically", cond: `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), want: true},
	{name: "ArnLike is case-sensitive", rule: "ArnLike is case-sensitive matching", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:SNS:*:111122223333:*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic")},
	{name: "ArnLike missing key", rule: "a condition on a key absent from the request context is false", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`},
	{name: "ArnLike not an ARN", rule: "a request value that is not an ARN matches no ARN pattern", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctx: kv("aws:SourceArn", "topic")},
	{name: "ArnNotEquals other ARN", rule: "ArnNotEquals is negated ARN matching", cond: `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:other"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), want: true},
	{name: "ArnNotLike matching ARN", rule: "ArnNotLike is negated ARN matching", cond: `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic")},
	{name: "ArnNotLike missing key", rule: "ArnNotLike is true when the key is missing", cond: `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, want: true},
	{name: "ArnLike resource field spans colons", rule: "the last ARN field is everything after the fifth colon", cond: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:a:b"), want: true},
	{name: "ArnLike star", rule: "each ARN field can include * and ? wildcards", cond: `{"ArnLike":{"aws:SourceArn":"*"}}`, ctx: kv("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), want: true},
	{name: "ArnLike principal ARN of a session is its role", rule: "aws:PrincipalArn of a role session is the role's ARN", p: deployer, cond: `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ci/*"}}`, want: true},

	// Null.
	{name: "Null true, key absent", rule: `Null "true" tests that the key is absent`, cond: `{"Null":{"aws:TokenIssueTime":"true"}}`, want: true},
	{name: "Null true, key present", rule: `Null "true" tests that the key is absent`, cond: `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx: kv("aws:TokenIssueTime", "2020-01-01T00:00:00Z")},
	{name: "Null false, key present", rule: `Null "false" tests that the key is present`, cond: `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx: kv("aws:TokenIssueTime", "2020-01-01T00:00:00Z"), want: true},
	{name: "Null false, key absent", rule: `Null "false" tests that the key is present`, cond: `{"Null":{"aws:TokenIssueTime":"false"}}`},
	{name: "Null with a JSON boolean", rule: `Null "true" tests that the key is absent`, cond: `{"Null":{"aws:TokenIssueTime":true}}`, want: true},

	// ...IfExists.
	{name: "StringEqualsIfExists present and matching", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, ctx: kv("ec2:InstanceType", "t2.micro"), want: true},
	{name: "StringEqualsIfExists present, not matching", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, ctx: kv("ec2:InstanceType", "m5.large")},
	{name: "StringEqualsIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, want: true},
	{name: "StringLikeIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, want: true},
	{name: "StringLikeIfExists present and matching", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx: kv("ec2:InstanceType", "t2.micro"), want: true},
	{name: "StringLikeIfExists present, not matching", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx: kv("ec2:InstanceType", "c5.large")},
	{name: "NumericLessThanIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`, want: true},
	{name: "NumericLessThanIfExists present, too large", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`, ctx: kv("aws:MultiFactorAuthAge", "7200")},
	{name: "DateLessThanIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"DateLessThanIfExists":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, want: true},
	{name: "BoolIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, want: true},
	{name: "BoolIfExists present, false", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, ctx: kv("aws:MultiFactorAuthPresent", "false")},
	{name: "IpAddressIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, want: true},
	{name: "IpAddressIfExists present, outside", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "192.0.2.1")},
	{name: "ArnLikeIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, want: true},
	{name: "BinaryEqualsIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"BinaryEqualsIfExists":{"a:bin":"QQ=="}}`, want: true},
	{name: "StringNotEqualsIfExists missing", rule: "...IfExists is true when the key is missing", cond: `{"StringNotEqualsIfExists":{"aws:RequestTag/env":"prod"}}`, want: true},
	{name: "StringNotEqualsIfExists present and equal", rule: "...IfExists evaluates the condition as specified when the key is present", cond: `{"StringNotEqualsIfExists":{"aws:RequestTag/env":"prod"}}`, ctx: kv("aws:RequestTag/env", "prod")},

	// Set operators.
	{name: "ForAllValues every value listed", rule: "ForAllValues is true if every request value matches a policy value", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctx: kv("aws:TagKeys", "a", "aws:TagKeys", "b"), want: true},
	{name: "ForAllValues one value not listed", rule: "ForAllValues is true if every request value matches a policy value", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctx: kv("aws:TagKeys", "a", "aws:TagKeys", "d")},
	{name: "ForAllValues missing key", rule: "ForAllValues with no key in the request evaluates true", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, want: true},
	{name: "ForAllValues empty set", rule: "ForAllValues with an empty set of request values evaluates true", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx: map[string][]string{"aws:TagKeys": {}}, want: true},
	{name: "ForAllValues with StringLike", rule: "ForAllValues is true if every request value matches a policy value", cond: `{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["Post*","Message","Tags"]}}`, ctx: kv("dynamodb:requestedAttributes", "PostDateTime", "dynamodb:requestedAttributes", "Message"), want: true},
	{name: "ForAllValues with StringLike, one unmatched", rule: "ForAllValues is true if every request value matches a policy value", cond: `{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["Post*","Message","Tags"]}}`, ctx: kv("dynamodb:requestedAttributes", "PostDateTime", "dynamodb:requestedAttributes", "UserName")},
	{name: "ForAllValues single value", rule: "ForAllValues is true if every request value matches a policy value", cond: `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx: kv("aws:TagKeys", "b"), want: true},
	{name: "ForAnyValue one value listed", rule: "ForAnyValue is true if any request value matches a policy value", cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":["ID","PostDateTime"]}}`, ctx: kv("aws:TagKeys", "UserName", "aws:TagKeys", "PostDateTime"), want: true},
	{name: "ForAnyValue no value listed", rule: "ForAnyValue is true if any request value matches a policy value", cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":["ID","PostDateTime"]}}`, ctx: kv("aws:TagKeys", "UserName", "aws:TagKeys", "Message")},
	{name: "ForAnyValue missing key", rule: "ForAnyValue with no key in the request evaluates false", cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`},
	{name: "ForAnyValue empty set", rule: "ForAnyValue with an empty set of request values evaluates false", cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctx: map[string][]string{"aws:TagKeys": {}}},
	{name: "ForAnyValue with StringLike", rule: "ForAnyValue is true if any request value matches a policy value", cond: `{"ForAnyValue:StringLike":{"aws:TagKeys":"env*"}}`, ctx: kv("aws:TagKeys", "owner", "aws:TagKeys", "environment"), want: true},
	{name: "ForAllValues negated, no value listed", rule: "with a negated operator ForAllValues is true if no request value matches a policy value", cond: `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx: kv("aws:TagKeys", "x", "aws:TagKeys", "y"), want: true},
	{name: "ForAllValues negated, one value listed", rule: "with a negated operator ForAllValues is true if no request value matches a policy value", cond: `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx: kv("aws:TagKeys", "x", "aws:TagKeys", "a")},
	{name: "ForAnyValue negated, one value not listed", rule: "with a negated operator ForAnyValue is true if some request value matches no policy value", cond: `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx: kv("aws:TagKeys", "a", "aws:TagKeys", "x"), want: true},
	{name: "ForAnyValue negated, all values listed", rule: "with a negated operator ForAnyValue is true if some request value matches no policy value", cond: `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx: kv("aws:TagKeys", "a", "aws:TagKeys", "b")},
	{name: "ForAnyValue negated, missing key", rule: "ForAnyValue with no key in the request evaluates false", cond: `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`},
	{name: "ForAllValues negated, missing key", rule: "ForAllValues with no key in the request evaluates true", cond: `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a"]}}`, want: true},
	{name: "ForAllValues numeric", rule: "set operators apply to any condition operator", cond: `{"ForAllValues:NumericLessThan":{"a:ports":"1024"}}`, ctx: kv("a:ports", "22", "a:ports", "443"), want: true},
	{name: "ForAllValues numeric, one too large", rule: "set operators apply to any condition operator", cond: `{"ForAllValues:NumericLessThan":{"a:ports":"1024"}}`, ctx: kv("a:ports", "22", "a:ports", "8080")},
	{name: "ForAnyValue IP address", rule: "set operators apply to any condition operator", cond: `{"ForAnyValue:IpAddress":{"a:ips":"10.0.0.0/8"}}`, ctx: kv("a:ips", "192.0.2.1", "a:ips", "10.9.9.9"), want: true},
	{name: "ForAllValues ignoring case", rule: "set operators apply to any condition operator", cond: `{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["Env","Owner"]}}`, ctx: kv("aws:TagKeys", "env", "aws:TagKeys", "OWNER"), want: true},
	{name: "ForAnyValue with IfExists, missing key", rule: "...IfExists is true when the key is missing", cond: `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, want: true},
	{name: "ForAnyValue with IfExists, present", rule: "ForAnyValue is true if any request value matches a policy value", cond: `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, ctx: kv("aws:TagKeys", "b")},
	{name: "negated operator on several request values", rule: "without a set operator a negated operator is true if no request value matches", cond: `{"StringNotEquals":{"aws:TagKeys":"a"}}`, ctx: kv("aws:TagKeys", "b", "aws:TagKeys", "a")},

	// Several keys and operators.
	{name: "two keys, both match", rule: "multiple keys under one operator are AND'd", cond: `{"StringEquals":{"aws:username":"bob","aws:PrincipalTag/team":"ops"}}`, want: true},
	{name: "two keys, one fails", rule: "multiple keys under one operator are AND'd", cond: `{"StringEquals":{"aws:username":"bob","aws:PrincipalTag/team":"dev"}}`},
	{name: "two operators, both true", rule: "multiple condition operators are AND'd", cond: `{"StringEquals":{"aws:username":"bob"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "10.0.0.1"), want: true},
	{name: "two operators, one false", rule: "multiple condition operators are AND'd", cond: `{"StringEquals":{"aws:username":"bob"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "192.0.2.1")},
	{name: "one key under two operators", rule: "multiple condition operators are AND'd", cond: `{"StringLike":{"s3:prefix":"home/*"},"StringNotEquals":{"s3:prefix":"home/admin"}}`, ctx: kv("s3:prefix", "home/admin")},
	{name: "empty Condition", rule: "a statement without conditions applies", cond: `{}`, want: true},
	{name: "operator without keys", rule: "a statement without conditions applies", cond: `{"StringEquals":{}}`, want: true},

	// Condition key names are case-insensitive; values are not.
	{name: "policy key in upper case", rule: "condition key names are not case-sensitive", cond: `{"IpAddress":{"AWS:SOURCEIP":"10.0.0.0/8"}}`, ctx: kv("aws:SourceIp", "10.0.0.1"), want: true},
	{name: "context key in upper case", rule: "condition key names are not case-sensitive", cond: `{"Bool":{"aws:securetransport":"true"}}`, ctx: kv("AWS:SecureTransport", "true"), want: true},
	{name: "tag key in another case", rule: "tag key names in condition keys are not case-sensitive", cond: `{"StringEquals":{"aws:PrincipalTag/TEAM":"ops"}}`, want: true},
	{name: "mixed-case tag key", rule: "tag key names in condition keys are not case-sensitive", cond: `{"StringEquals":{"aws:PrincipalTag/project":"Blue"}}`, want: true},
	{name: "tag value in another case", rule: "condition values are case-sensitive for StringEquals", cond: `{"StringEquals":{"aws:PrincipalTag/team":"OPS"}}`},
	{name: "missing tag", rule: "a condition on a key absent from the request context is false", cond: `{"StringEquals":{"aws:PrincipalTag/cost":"1"}}`},

	// Keys that describe the principal.
	{name: "principal type of a user", rule: "aws:PrincipalType is User for an IAM user", cond: `{"StringEquals":{"aws:PrincipalType":"User"}}`, want: true},
	{name: "principal type of a role session", rule: "aws:PrincipalType is AssumedRole for a role session", p: deployer, cond: `{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`, want: true},
	{name: "principal type of the root user", rule: "aws:PrincipalType is Account for the root user", p: root, cond: `{"StringEquals":{"aws:PrincipalType":"Account"}}`, want: true},
	{name: "principal ARN of a user", rule: "aws:PrincipalArn is the ARN of the principal", cond: `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}}`, want: true},
	{name: "principal account", rule: "aws:PrincipalAccount is the principal's account", cond: `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, want: true},
	{name: "user ID of a role session", rule: "aws:userid of a role session is role-id:session-name", p: deployer, cond: `{"StringLike":{"aws:userid":"AROAEXAMPLEDEPLOYER:*"}}`, want: true},
	{name: "user name of a role session", rule: "aws:username is not present for a role session", p: deployer, cond: `{"Null":{"aws:username":"true"}}`, want: true},
	{name: "context overrides the principal", rule: "condition keys come from the request context", cond: `{"StringEquals":{"aws:PrincipalTag/team":"sec"}}`, ctx: kv("aws:PrincipalTag/team", "sec"), want: true},
}

// variableCases test policy variables, in Resource and in conditions.
var variableCases = []evalCase{
	{name: "username in the resource", rule: "${aws:username} in Resource is replaced by the user's friendly name", res: "arn:aws:ssm:us-east-1:111122223333:document/bob", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username}"}`)}},
	{name: "username in the resource, other user's resource", rule: "${aws:username} in Resource is replaced by the user's friendly name", res: "arn:aws:ssm:us-east-1:111122223333:document/alice", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username}"}`)}, want: ReasonNoIdentityAllow},
	{name: "username of a role session", rule: "a Resource element with an unresolvable variable does not match", principal: deployer, res: "arn:aws:ssm:us-east-1:111122223333:document/", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username}"}`)}, want: ReasonNoIdentityAllow},
	{name: "default value used", rule: "a variable's default value is used when the key is absent", principal: deployer, res: "arn:aws:ssm:us-east-1:111122223333:document/shared", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username, 'shared'}"}`)}},
	{name: "default value unused", rule: "a variable's default value is used only when the key is absent", res: "arn:aws:ssm:us-east-1:111122223333:document/shared", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username, 'shared'}"}`)}, want: ReasonNoIdentityAllow},
	{name: "principal tag in the resource", rule: "${aws:PrincipalTag/key} is replaced by the principal's tag value", res: "arn:aws:ssm:us-east-1:111122223333:document/ops-runbook", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:PrincipalTag/team}-*"}`)}},
	{name: "principal tag in the resource, other team", rule: "${aws:PrincipalTag/key} is replaced by the principal's tag value", principal: deployer, res: "arn:aws:ssm:us-east-1:111122223333:document/ops-runbook", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:PrincipalTag/team}-*"}`)}, want: ReasonNoIdentityAllow},
	{name: "user ID in a condition", rule: "policy variables can be used in string condition values", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"ssm:resourceTag/owner":"${aws:userid}"}}}`)}, ctx: kv("ssm:resourceTag/owner", "AIDAEXAMPLEBOB")},
	{name: "any context key as a variable", rule: "any single-valued context key can be a policy variable", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:RequestedRegion}"}`)}, ctx: kv("aws:RequestedRegion", "X")},
	{name: "variable in StringLike with wildcards", rule: "policy variables can be used with StringLike", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}}`)}, ctx: kv("s3:prefix", "home/bob/notes")},
	{name: "variable in StringLike, other home", rule: "policy variables can be used with StringLike", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}}`)}, ctx: kv("s3:prefix", "home/alice/notes"), want: ReasonNoIdentityAllow},
	{name: "principal tag against a resource tag", rule: "policy variables can be used in string condition values", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"ssm:resourceTag/team":"${aws:PrincipalTag/team}"}}}`)}, ctx: kv("ssm:resourceTag/team", "ops")},
	{name: "principal tag against another resource tag", rule: "policy variables can be used in string condition values", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"ssm:resourceTag/team":"${aws:PrincipalTag/team}"}}}`)}, ctx: kv("ssm:resourceTag/team", "dev"), want: ReasonNoIdentityAllow},
	{name: "${*} is a literal star", rule: "${*} stands for a literal * character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a${*}b"}}}`)}, ctx: kv("s3:prefix", "a*b")},
	{name: "${*} is not a wildcard", rule: "${*} stands for a literal * character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a${*}b"}}}`)}, ctx: kv("s3:prefix", "axb"), want: ReasonNoIdentityAllow},
	{name: "${?} is a literal question mark", rule: "${?} stands for a literal ? character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a${?}"}}}`)}, ctx: kv("s3:prefix", "a?")},
	{name: "${?} is not a wildcard", rule: "${?} stands for a literal ? character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a${?}"}}}`)}, ctx: kv("s3:prefix", "ab"), want: ReasonNoIdentityAllow},
	{name: "${$} is a literal dollar", rule: "${$} stands for a literal $ character", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${$}{aws:username}"}}}`)}, ctx: kv("s3:prefix", "${aws:username}")},
	{name: "${*} in a resource", rule: "${*} stands for a literal * character", res: "arn:aws:ssm:us-east-1:111122223333:document/a*", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/a${*}"}`)}},
	{name: "${*} in a resource is not a wildcard", rule: "${*} stands for a literal * character", res: "arn:aws:ssm:us-east-1:111122223333:document/ab", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/a${*}"}`)}, want: ReasonNoIdentityAllow},
	{name: "version 2008 keeps variables literal", rule: "without Version 2012-10-17 policy variables are treated as literal strings", res: "arn:aws:ssm:us-east-1:111122223333:document/bob", identity: []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username}"}]}`}, want: ReasonNoIdentityAllow},
	{name: "version 2008 matches the literal text", rule: "without Version 2012-10-17 policy variables are treated as literal strings", res: "arn:aws:ssm:us-east-1:111122223333:document/${aws:username}", identity: []string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:username}"}]}`}},
	{name: "version 2008 condition values are literal", rule: "without Version 2012-10-17 policy variables are treated as literal strings", identity: []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:username}"}}}]}`}, ctx: kv("s3:prefix", "bob"), want: ReasonNoIdentityAllow},
	{name: "unresolvable variable in StringEquals", rule: "a condition with an unresolvable variable evaluates as not matching", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:RequestTag/x}"}}}`)}, ctx: kv("s3:prefix", ""), want: ReasonNoIdentityAllow},
	{name: "unresolvable variable in StringNotEquals", rule: "a condition with an unresolvable variable evaluates as not matching", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"s3:prefix":"${aws:RequestTag/x}"}}}`)}, ctx: kv("s3:prefix", "a"), want: ReasonNoIdentityAllow},
	{name: "unresolvable variable in a Deny", rule: "a condition with an unresolvable variable evaluates as not matching", identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"s3:prefix":"${aws:RequestTag/x}"}}}`)}, ctx: kv("s3:prefix", "a")},
	{name: "unresolvable variable in one Resource", rule: "a resource with an unresolvable variable does not match; others still may", principal: deployer, identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":["arn:aws:ssm:*:*:document/${aws:username}","arn:aws:ssm:*:*:document/X"]}`)}},
	{name: "unresolvable variable in NotResource", rule: "a NotResource element with an unresolvable variable does not match", principal: deployer, identity: []string{pol(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:ssm:*:*:document/${aws:username}"}`)}},
	{name: "default for a missing request tag", rule: "a variable's default value is used when the key is absent", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:RequestTag/x, 'none'}"}}}`)}, ctx: kv("s3:prefix", "none")},
	{name: "variable in ArnLike", rule: "policy variables can be used with the ARN operators", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/${aws:username}"}}}`)}},
	{name: "variable in ArnLike, other user", rule: "policy variables can be used with the ARN operators", principal: alice, identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob${aws:username}"}}}`)}, want: ReasonNoIdentityAllow},
	{name: "variable in Bool", rule: "policy variables can be used with the Bool operator", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/tls}"}}}`)}, ctx: kv("aws:SecureTransport", "true", "aws:PrincipalTag/tls", "true")},
	{name: "variable in Bool, other value", rule: "policy variables can be used with the Bool operator", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/tls}"}}}`)}, ctx: kv("aws:SecureTransport", "false", "aws:PrincipalTag/tls", "true"), want: ReasonNoIdentityAllow},
	{name: "variables only in the resource part", rule: "a variable can be used only in the resource part of an ARN, after the fifth colon", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:${aws:RequestedRegion}:*:document/X"}`)}, ctx: kv("aws:RequestedRegion", "us-east-1"), want: ReasonNoIdentityAllow},
	{name: "multivalued key is not a variable", rule: "multivalued context keys cannot be policy variables", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:TagKeys, 'many'}"}}}`)}, ctx: kv("s3:prefix", "many", "aws:TagKeys", "a", "aws:TagKeys", "b")},
	{name: "variable names are case-insensitive", rule: "condition key names are not case-sensitive", res: "arn:aws:ssm:us-east-1:111122223333:document/bob", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${AWS:UserName}"}`)}},
	{name: "variable value is literal", rule: "a variable is replaced by the value, not by a pattern", res: "arn:aws:ssm:us-east-1:111122223333:document/bob", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:PrincipalTag/name}"}`)}, ctx: kv("aws:PrincipalTag/name", "b*"), want: ReasonNoIdentityAllow},
	{name: "two variables in one resource", rule: "a resource can use several policy variables", res: "arn:aws:ssm:us-east-1:111122223333:document/ops/bob", identity: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:ssm:*:*:document/${aws:PrincipalTag/team}/${aws:username}"}`)}},
}

func TestEvaluateConditions(t *testing.T) {
	for _, c := range conditionCases {
		t.Run(c.name, func(t *testing.T) {
			want := ReasonNoIdentityAllow
			if c.want {
				want = ReasonNone
			}
			allow := `{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*","Condition":` + c.cond + `}`
			evalCase{rule: c.rule, principal: c.p, ctx: c.ctx, identity: []string{pol(allow)}, want: want}.run(t)
			// The same condition on a Deny denies exactly when it holds.
			deny := `{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"*","Condition":` + c.cond + `}`
			want = ReasonNone
			if c.want {
				want = ReasonExplicitDenyIdentity
			}
			evalCase{rule: c.rule, principal: c.p, ctx: c.ctx, identity: []string{pol(allowAll, deny)}, want: want}.run(t)
		})
	}
}

func TestEvaluateVariables(t *testing.T) {
	for _, c := range variableCases {
		t.Run(c.name, func(t *testing.T) { c.run(t) })
	}
}

// TestEvaluateCaseCount keeps the suite at the size it was reviewed at.
func TestEvaluateCaseCount(t *testing.T) {
	n := len(logicCases) + len(conditionCases) + len(variableCases)
	if n < 300 {
		t.Errorf("evaluation suite has %d cases, want at least 300", n)
	}
	for _, cs := range [][]evalCase{logicCases, variableCases} {
		for _, c := range cs {
			if c.rule == "" {
				t.Errorf("case %q cites no rule", c.name)
			}
		}
	}
	for _, c := range conditionCases {
		if c.rule == "" {
			t.Errorf("case %q cites no rule", c.name)
		}
	}
}

func TestDecisionMessage(t *testing.T) {
	tests := []struct {
		name string
		c    evalCase
		want string
	}{
		{
			name: "no identity-based policy allows",
			c:    evalCase{rule: "implicit deny", want: ReasonNoIdentityAllow},
			want: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X because no identity-based policy allows the ssm:SendCommand action",
		},
		{
			name: "explicit deny in an identity-based policy",
			c:    evalCase{rule: "explicit deny", identity: []string{pol(allowAll, denySend)}, want: ReasonExplicitDenyIdentity},
			want: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X with an explicit deny in an identity-based policy",
		},
		{
			name: "explicit deny in a resource-based policy",
			c:    evalCase{rule: "explicit deny", identity: []string{pol(allowAll)}, resource: []string{pol(rs("Deny", `"Principal":"*"`))}, want: ReasonExplicitDenyResource},
			want: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X with an explicit deny in a resource-based policy",
		},
		{
			name: "no permissions boundary allows",
			c:    evalCase{rule: "boundary", identity: []string{pol(allowAll)}, boundary: pol(allowGet), want: ReasonNoBoundaryAllow},
			want: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X because no permissions boundary allows the ssm:SendCommand action",
		},
		{
			name: "no session policy allows, for a role session",
			c:    evalCase{rule: "session", principal: deployer, identity: []string{pol(allowAll)}, session: []string{pol(allowGet)}, want: ReasonNoSessionAllow},
			want: "User: arn:aws:sts::111122223333:assumed-role/Deployer/s1 is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X because no session policy allows the ssm:SendCommand action",
		},
		{
			name: "explicit deny in a permissions boundary",
			c:    evalCase{rule: "boundary", identity: []string{pol(allowAll)}, boundary: pol(allowAll, denySend), want: ReasonExplicitDenyBoundary},
			want: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X with an explicit deny in a permissions boundary",
		},
		{
			name: "explicit deny in a session policy",
			c:    evalCase{rule: "session", principal: deployer, identity: []string{pol(allowAll)}, session: []string{pol(allowAll, denySend)}, want: ReasonExplicitDenySession},
			want: "User: arn:aws:sts::111122223333:assumed-role/Deployer/s1 is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X with an explicit deny in a session policy",
		},
		{
			name: "no resource-based policy allows, without resource",
			c:    evalCase{rule: "trust", principal: ec2Service, action: "sts:AssumeRole", res: "*", trust: []string{}, require: true, want: ReasonNoResourceAllow},
			want: "User: ec2.amazonaws.com is not authorized to perform: sts:AssumeRole because no resource-based policy allows the sts:AssumeRole action",
		},
		{
			name: "anonymous",
			c:    evalCase{rule: "anonymous", anonymous: true, want: ReasonNoResourceAllow},
			want: "User: anonymous is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:us-east-1:111122223333:document/X because no resource-based policy allows the ssm:SendCommand action",
		},
		{
			name: "allowed",
			c:    evalCase{rule: "allow", identity: []string{pol(allowAll)}},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.c.run(t)
			r := &Request{Principal: tt.c.principal, Action: tt.c.action, Resource: tt.c.res}
			if r.Principal == nil && !tt.c.anonymous {
				r.Principal = bob
			}
			if r.Action == "" {
				r.Action = "ssm:SendCommand"
			}
			if r.Resource == "" {
				r.Resource = docX
			}
			if got := d.Message(r); got != tt.want {
				t.Errorf("Message() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecisionMatched(t *testing.T) {
	id0, err := Parse(pol(`{"Sid":"ReadOnly","Effect":"Allow","Action":"ssm:Get*","Resource":"*"}`, `{"Sid":"Send","Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}`), Identity)
	if err != nil {
		t.Fatal(err)
	}
	id0.ID = "arn:aws:iam::111122223333:policy/ops"
	id1, err := Parse(pol(`{"Sid":"NoProd","Effect":"Deny","Action":"ssm:*","Resource":"arn:aws:ssm:*:*:document/Prod*"}`), Identity)
	if err != nil {
		t.Fatal(err)
	}
	id1.ID = "inline:user/bob/guard"
	res, err := Parse(pol(rs("Allow", aws(bob.ARN))), Resource)
	if err != nil {
		t.Fatal(err)
	}
	res.ID = "resource"
	s := &Set{Identity: []*Policy{id0, id1}, Resource: []*Policy{res}}

	type match struct {
		PolicyID string
		Index    int
		Sid      string
		Effect   Effect
		Source   Source
	}
	summarize := func(d Decision) []match {
		var out []match
		for _, m := range d.Matched {
			if m.Statement != &m.Policy.Statements[m.Index] {
				t.Errorf("Match.Statement is not Policy.Statements[%d]", m.Index)
			}
			out = append(out, match{m.Policy.ID, m.Index, m.Statement.Sid, m.Statement.Effect, m.Source})
		}
		return out
	}

	d := Evaluate(s, &Request{Principal: bob, Action: "ssm:SendCommand", Resource: docX})
	want := []match{
		{"arn:aws:iam::111122223333:policy/ops", 1, "Send", Allow, SourceIdentity},
		{"resource", 0, "", Allow, SourceResource},
	}
	if diff := cmp.Diff(want, summarize(d)); diff != "" || !d.Allowed {
		t.Errorf("Evaluate() allowed %v, matched mismatch (-want +got):\n%s", d.Allowed, diff)
	}

	d = Evaluate(s, &Request{Principal: bob, Action: "ssm:SendCommand", Resource: "arn:aws:ssm:us-east-1:111122223333:document/ProdRunbook"})
	want = []match{
		{"arn:aws:iam::111122223333:policy/ops", 1, "Send", Allow, SourceIdentity},
		{"inline:user/bob/guard", 0, "NoProd", Deny, SourceIdentity},
		{"resource", 0, "", Allow, SourceResource},
	}
	if diff := cmp.Diff(want, summarize(d)); diff != "" || !d.ExplicitDeny {
		t.Errorf("Evaluate() explicit deny %v, matched mismatch (-want +got):\n%s", d.ExplicitDeny, diff)
	}

	d = Evaluate(s, &Request{Principal: alice, Action: "ec2:RunInstances", Resource: "*"})
	if d.Matched != nil || d.Allowed {
		t.Errorf("Evaluate() = %+v, want denied with no matched statements", d)
	}

	// More matches than the evaluator keeps inline.
	var stmts []string
	for i := 0; i < 40; i++ {
		stmts = append(stmts, allowSend)
	}
	many, err := Parse(pol(stmts...), Identity)
	if err != nil {
		t.Fatal(err)
	}
	d = Evaluate(&Set{Identity: []*Policy{many}}, &Request{Principal: bob, Action: "ssm:SendCommand", Resource: docX})
	if len(d.Matched) != 40 || d.Matched[39].Index != 39 || d.Matched[0].Index != 0 {
		t.Errorf("Evaluate() matched %d statements, want 40 in order", len(d.Matched))
	}
}
