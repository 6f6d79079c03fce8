// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kanri-dev/kanri/internal/iam/policy"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// Simulation decisions, as IAM spells them.
const (
	decisionAllowed      = "allowed"
	decisionExplicitDeny = "explicitDeny"
	decisionImplicitDeny = "implicitDeny"
)

// simulation is what a simulation evaluates: a principal's policies and the
// request's context.
type simulation struct {
	set       policy.Set
	principal *policy.Principal
	types     map[*policy.Policy]string // policy → SourcePolicyType
}

// addDocs parses documents into the simulation's identity policies.
func (sim *simulation) addDocs(docs []PolicyDocument, kindOf func(id string) string) error {
	for _, d := range docs {
		p, err := policy.Parse(d.Document, policy.Identity)
		if err != nil {
			return fmt.Errorf("policy %s: %w", d.ID, err)
		}
		p.ID = policyName(d.ID)
		sim.set.Identity = append(sim.set.Identity, p)
		sim.types[p] = kindOf(d.ID)
	}
	return nil
}

// policyName returns the name IAM reports as a statement's SourcePolicyId:
// a managed policy's name, or an inline policy's.
func policyName(id string) string {
	return id[strings.LastIndexByte(id, '/')+1:]
}

// sourceType names the type of a stored policy from its ID.
func sourceType(id string) string {
	switch {
	case strings.HasPrefix(id, "arn:aws:iam::aws:policy/"):
		return "aws-managed"
	case strings.Contains(id, ":policy/"):
		return "user-managed"
	case strings.HasPrefix(id, KindUser+"/"):
		return "user"
	case strings.HasPrefix(id, KindGroup+"/"):
		return "group"
	case strings.HasPrefix(id, KindRole+"/"):
		return "role"
	}
	return "none"
}

// addInputs parses policies given in a simulation request.
func (sim *simulation) addInputs(docs []string, boundary bool) error {
	for i, d := range docs {
		p, err := parseDocument(d, policy.Identity, 0, "")
		if err != nil {
			return err
		}
		p.ID = fmt.Sprintf("PolicyInputList.%d", i+1)
		if boundary {
			p.ID = fmt.Sprintf("PermissionsBoundaryPolicyInputList.%d", i+1)
			sim.set.Boundary = p
			sim.types[p] = "none"
			continue
		}
		sim.set.Identity = append(sim.set.Identity, p)
		sim.types[p] = "none"
	}
	return nil
}

// implicit reports whether a simulation supplies a key itself: the keys
// that describe the simulated principal.
func (sim *simulation) implicit(key string) bool {
	switch key {
	case "aws:username", "aws:userid", "aws:principalarn", "aws:principalaccount", "aws:principaltype":
		return sim.principal != nil
	}
	return strings.HasPrefix(key, "aws:principaltag/") && sim.principal != nil
}

// run evaluates every action on every resource.
func (sim *simulation) run(actions, resources []string, entries []*iamapi.ContextEntry, resourcePolicy, resourceOwner string) ([]*iamapi.EvaluationResult, error) {
	if resourcePolicy != "" {
		p, err := parseDocument(resourcePolicy, policy.Resource, 0, "")
		if err != nil {
			return nil, err
		}
		p.ID = "ResourcePolicy"
		sim.set.Resource = append(sim.set.Resource, p)
		sim.types[p] = "resource"
	}
	values := &policy.Values{}
	given := map[string]bool{}
	for _, e := range entries {
		values.Set(strings.ToLower(e.ContextKeyName), e.ContextKeyValues...)
		given[strings.ToLower(e.ContextKeyName)] = true
	}
	// Context keys the policies test that the request did not give.
	missing := []string{}
	seen := map[string]bool{}
	all := append(append([]*policy.Policy{}, sim.set.Identity...), sim.set.Resource...)
	if sim.set.Boundary != nil {
		all = append(all, sim.set.Boundary)
	}
	for _, p := range all {
		for _, k := range p.ContextKeys() {
			lk := strings.ToLower(k)
			if !given[lk] && !seen[lk] && !sim.implicit(lk) {
				seen[lk] = true
				missing = append(missing, k)
			}
		}
	}
	sort.Strings(missing)
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var out []*iamapi.EvaluationResult
	for _, action := range actions {
		for _, res := range resources {
			req := &policy.Request{Principal: sim.principal, Action: action, Resource: res, ResourceAccount: resourceOwner, Context: values}
			d := policy.Evaluate(&sim.set, req)
			r := &iamapi.EvaluationResult{EvalActionName: action, EvalResourceName: res, EvalDecision: decisionImplicitDeny, MatchedStatements: []*iamapi.Statement{}, MissingContextValues: missing}
			switch {
			case d.Allowed:
				r.EvalDecision = decisionAllowed
			case d.ExplicitDeny:
				r.EvalDecision = decisionExplicitDeny
			}
			for _, m := range d.Matched {
				r.MatchedStatements = append(r.MatchedStatements, &iamapi.Statement{
					SourcePolicyId: m.Policy.ID, SourcePolicyType: sim.types[m.Policy],
					StartPosition: position(m.Statement.Start), EndPosition: position(m.Statement.End),
				})
			}
			if sim.set.Boundary != nil {
				allowed := !d.ExplicitDeny && d.Reason != policy.ReasonNoBoundaryAllow && d.Reason != policy.ReasonExplicitDenyBoundary
				r.PermissionsBoundaryDecisionDetail = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: &allowed}
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func position(p policy.Position) *iamapi.Position {
	l, c := int32(p.Line), int32(p.Column)
	return &iamapi.Position{Line: &l, Column: &c}
}

// SimulatePrincipalPolicy evaluates a user's, group's or role's policies
// (plus any given) for actions on resources, and reports the decision and
// the statements that decided it.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in *iamapi.SimulatePrincipalPolicyInput) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	sim := &simulation{types: map[*policy.Policy]string{}}
	rest, ok := strings.CutPrefix(in.PolicySourceArn, s.arnPrefix())
	kind, pathName, _ := strings.Cut(rest, "/")
	name := pathName[strings.LastIndexByte(pathName, '/')+1:]
	if !ok || name == "" || (kind != KindUser && kind != KindGroup && kind != KindRole) {
		return nil, iamapi.NewInvalidInputException("Invalid ARN %s: the policy source must be a user, group or role of this account.", in.PolicySourceArn)
	}
	owner, err := s.owner(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	sim.principal = &policy.Principal{ARN: in.PolicySourceArn, Account: s.account}
	var boundary string
	switch kind {
	case KindUser:
		u, _ := s.store.GetUser(ctx, s.account, owner)
		sim.principal.Type, sim.principal.UserName, sim.principal.UserID = policy.PrincipalUser, u.Name, u.ID
		boundary = u.PermissionsBoundary
	case KindRole:
		r, _ := s.store.GetRole(ctx, s.account, owner)
		sim.principal.Type, sim.principal.SessionIssuer = policy.PrincipalAssumedRole, r.ARN()
		sim.principal.ARN = "arn:aws:sts::" + s.account + ":assumed-role/" + r.Name + "/simulation"
		boundary = r.PermissionsBoundary
	case KindGroup:
		sim.principal.Type = policy.PrincipalUser
	}
	if in.CallerArn != "" {
		sim.principal.ARN = in.CallerArn
	}
	docs, err := s.store.PolicyDocuments(ctx, s.account, kind, owner)
	if err != nil {
		return nil, err
	}
	if err := sim.addDocs(docs, sourceType); err != nil {
		return nil, err
	}
	if err := sim.addInputs(in.PolicyInputList, false); err != nil {
		return nil, err
	}
	if boundary != "" && len(in.PermissionsBoundaryPolicyInputList) == 0 {
		doc, err := s.defaultDocument(ctx, boundary)
		if err != nil {
			return nil, err
		}
		p, err := policy.Parse(doc, policy.Identity)
		if err != nil {
			return nil, err
		}
		p.ID = policyName(boundary)
		sim.set.Boundary = p
		sim.types[p] = sourceType(boundary)
	}
	if err := sim.addInputs(in.PermissionsBoundaryPolicyInputList, true); err != nil {
		return nil, err
	}
	results, err := sim.run(in.ActionNames, in.ResourceArns, in.ContextEntries, in.ResourcePolicy, in.ResourceOwner)
	if err != nil {
		return nil, err
	}
	f := false
	return &iamapi.SimulatePrincipalPolicyOutput{EvaluationResults: results, IsTruncated: &f}, nil
}

// SimulateCustomPolicy evaluates the given policies alone.
func (s *Service) SimulateCustomPolicy(ctx context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	sim := &simulation{types: map[*policy.Policy]string{}}
	sim.principal = &policy.Principal{ARN: in.CallerArn, Account: s.account, Type: policy.PrincipalUser}
	if in.CallerArn == "" {
		sim.principal.ARN = s.arnPrefix() + "user/simulated"
	}
	if err := sim.addInputs(in.PolicyInputList, false); err != nil {
		return nil, err
	}
	if err := sim.addInputs(in.PermissionsBoundaryPolicyInputList, true); err != nil {
		return nil, err
	}
	results, err := sim.run(in.ActionNames, in.ResourceArns, in.ContextEntries, in.ResourcePolicy, in.ResourceOwner)
	if err != nil {
		return nil, err
	}
	f := false
	return &iamapi.SimulateCustomPolicyOutput{EvaluationResults: results, IsTruncated: &f}, nil
}
