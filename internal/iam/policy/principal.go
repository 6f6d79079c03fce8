// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/arn"
)

// PrincipalType is the kind of identity that makes a request.
type PrincipalType string

// The principal types. Their names are those of aws:PrincipalType where AWS
// defines one.
const (
	PrincipalUser          PrincipalType = "User"          // an IAM user; ARN arn:aws:iam::ACCOUNT:user/path/name
	PrincipalAssumedRole   PrincipalType = "AssumedRole"   // a role session; ARN arn:aws:sts::ACCOUNT:assumed-role/name/session
	PrincipalFederatedUser PrincipalType = "FederatedUser" // a GetFederationToken session; ARN arn:aws:sts::ACCOUNT:federated-user/name
	PrincipalRoot          PrincipalType = "Root"          // the account's root user; ARN arn:aws:iam::ACCOUNT:root
	PrincipalService       PrincipalType = "Service"       // an AWS service; ARN is its service principal, e.g. "ec2.amazonaws.com"
	PrincipalWebIdentity   PrincipalType = "WebIdentity"   // a web identity or SAML user; ARN is the provider, e.g. an OIDC provider ARN
)

// Principal is the identity that makes a request. Build it once per
// credential and reuse it across requests; Evaluate never modifies it.
type Principal struct {
	ARN     string
	Account string
	Type    PrincipalType
	// UserName is the friendly name of an IAM user: the value of
	// aws:username. Leave it empty for other principals, for which AWS does
	// not define the key.
	UserName string
	// UserID is the value of aws:userid: the user's unique ID, or
	// "role-id:session-name" for a role session.
	UserID string
	// Tags are the principal's tags (for a role session, the role's tags
	// merged with session tags): the values of aws:PrincipalTag/<key>.
	Tags map[string]string
	// SessionIssuer is the ARN of the identity behind a session: the role
	// (with its path) of an assumed-role session, or the IAM user of a
	// federated user session. A resource-based policy that names it matches
	// the session.
	SessionIssuer string
}

// principalMatch says how a Principal element names the requester. The
// kind matters because AWS lets implicit denies in other policy types limit
// some grants of resource-based policies and not others.
type principalMatch uint8

const (
	matchNone    principalMatch = iota
	matchAccount                // the requester's account: the grant is delegated to the account's IAM policies
	matchIssuer                 // the role or user behind the requester's session
	matchDirect                 // the requester itself, or everyone ("*")
)

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any       bool
	accounts  []string
	arns      []string // user, role, assumed-role and federated-user ARNs
	services  []string
	federated []string
	canonical []string
	ids       []string // unique IDs (AIDA..., AROA...) that AWS shows for deleted principals; they match no one
}

// compilePrincipal compiles a Principal or NotPrincipal element. path is the
// element's location for error messages.
func compilePrincipal(d *jdoc, v jvalue, path string) (*principalSet, error) {
	ps := &principalSet{}
	if v.kind == jString {
		if v.str != "*" {
			return nil, fmt.Errorf("%s: Invalid principal in policy: %q (want \"*\" or an object such as {\"AWS\": ...})", path, v.str)
		}
		ps.any = true
		return ps, nil
	}
	if v.kind != jObject {
		return nil, fmt.Errorf("%s: must be \"*\" or a JSON object, not a %s", path, v.kind)
	}
	members := d.obj(v)
	if len(members) == 0 {
		return nil, fmt.Errorf("%s: must name at least one principal", path)
	}
	for _, m := range members {
		vals, err := stringList(d, m.val, path, m.key)
		if err != nil {
			return nil, err
		}
		for i := range vals.len() {
			s := vals.at(i)
			switch m.key {
			case "AWS":
				err = ps.addAWS(s)
			case "Service":
				err = checkName(s, "service principal")
				ps.services = append(ps.services, s)
			case "Federated":
				err = checkName(s, "federated principal")
				ps.federated = append(ps.federated, s)
			case "CanonicalUser":
				err = checkName(s, "canonical user")
				ps.canonical = append(ps.canonical, s)
			default:
				return nil, fmt.Errorf("%s: Invalid principal in policy: unknown principal type %q (want AWS, Service, Federated or CanonicalUser)", path, m.key)
			}
			if err != nil {
				return nil, fmt.Errorf("%s.%s: Invalid principal in policy: %w", path, m.key, err)
			}
		}
	}
	return ps, nil
}

func checkName(s, what string) error {
	if s == "" || strings.ContainsAny(s, "*? \t\n") {
		return fmt.Errorf("invalid %s %q", what, s)
	}
	return nil
}

// addAWS adds one value of an AWS principal: "*", an account ID, or the ARN
// of an account (root), user, role, role session or federated user.
func (ps *principalSet) addAWS(s string) error {
	if s == "*" {
		ps.any = true
		return nil
	}
	if arn.IsValidAccountID(s) {
		ps.accounts = append(ps.accounts, s)
		return nil
	}
	if isUniqueID(s) {
		ps.ids = append(ps.ids, s)
		return nil
	}
	a, err := arn.Parse(s)
	if err != nil || strings.ContainsAny(s, "*?") || !arn.IsValidAccountID(a.Account) || a.Region != "" {
		return fmt.Errorf("%q is not an account ID or the ARN of an account, user, role or session", s)
	}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "iam" && a.Resource == "root":
		ps.accounts = append(ps.accounts, a.Account)
	case a.Service == "iam" && (typ == "user" || typ == "role") && rest != "":
		ps.arns = append(ps.arns, s)
	case a.Service == "sts" && typ == "assumed-role" && strings.Count(rest, "/") == 1 && !strings.HasPrefix(rest, "/") && !strings.HasSuffix(rest, "/"):
		ps.arns = append(ps.arns, s)
	case a.Service == "sts" && typ == "federated-user" && rest != "":
		ps.arns = append(ps.arns, s)
	default:
		return fmt.Errorf("%q is not an account ID or the ARN of an account, user, role or session", s)
	}
	return nil
}

// isUniqueID reports whether s looks like an IAM unique ID, which AWS puts
// in place of the ARN of a principal that was deleted.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// match reports how the element names p; p nil is an anonymous requester.
func (ps *principalSet) match(p *Principal) principalMatch {
	if ps.any {
		return matchDirect
	}
	if p == nil {
		return matchNone
	}
	switch p.Type {
	case PrincipalService:
		if slices.Contains(ps.services, p.ARN) {
			return matchDirect
		}
		return matchNone
	case PrincipalWebIdentity:
		if slices.Contains(ps.federated, p.ARN) {
			return matchDirect
		}
		return matchNone
	}
	if p.ARN != "" && slices.Contains(ps.arns, p.ARN) {
		return matchDirect
	}
	if p.SessionIssuer != "" && slices.Contains(ps.arns, p.SessionIssuer) {
		return matchIssuer
	}
	if p.Account != "" && slices.Contains(ps.accounts, p.Account) {
		return matchAccount
	}
	return matchNone
}

// notMatch reports whether a NotPrincipal element applies to p. AWS
// evaluates a principal as a chain (the account, then the role, then the
// session), and a NotPrincipal statement applies if any link of the chain is
// not listed; so to exempt a role session the element must list the
// session, its role and its account, as AWS's documentation instructs.
func (ps *principalSet) notMatch(p *Principal) bool {
	if ps.any {
		return false
	}
	if p == nil {
		return true
	}
	switch p.Type {
	case PrincipalService:
		return !slices.Contains(ps.services, p.ARN)
	case PrincipalWebIdentity:
		return !slices.Contains(ps.federated, p.ARN)
	}
	if !slices.Contains(ps.accounts, p.Account) {
		return true
	}
	if p.Type == PrincipalRoot {
		return false
	}
	if p.Type == PrincipalAssumedRole && p.SessionIssuer != "" && !slices.Contains(ps.arns, p.SessionIssuer) {
		return true
	}
	return !slices.Contains(ps.arns, p.ARN)
}
