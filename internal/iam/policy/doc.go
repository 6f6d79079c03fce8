// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package policy implements the AWS IAM policy language: it parses and
// validates policy documents exactly as IAM does, compiles them once, and
// evaluates requests against identity-based policies, permissions
// boundaries, session policies and resource-based policies with AWS's
// policy evaluation logic.
//
// A caller parses each document once, sets its ID, and keeps the *Policy:
//
//	p, err := policy.Parse(doc, policy.Identity)
//	if err != nil {
//		return err // *awserr.Error, code MalformedPolicyDocument
//	}
//	p.ID = "arn:aws:iam::123456789012:policy/Deploy"
//
// For each request it gathers the policies that apply into a Set, describes
// the request, and calls Evaluate:
//
//	var ctx policy.Values // or one reused from a sync.Pool, after Reset
//	ctx.Set("aws:sourceip", ip)
//	ctx.Set("aws:currenttime", now.UTC().Format(time.RFC3339))
//	ctx.Set("aws:securetransport", "true")
//	req := &policy.Request{
//		Principal: principal, // built once per credential
//		Action:    "ssm:SendCommand",
//		Resource:  "arn:aws:ssm:us-east-1:123456789012:document/X",
//		Context:   &ctx,
//	}
//	d := policy.Evaluate(&policy.Set{Identity: attached, Boundary: boundary}, req)
//	if !d.Allowed {
//		return denied(d.Message(req)) // "User: ... is not authorized to perform: ..."
//	}
//
// A role's trust policy is evaluated with the trust policy as the resource
// policy and RequireResourcePolicy set, the principal being the caller (a
// user, a role session, a Service principal such as "ec2.amazonaws.com", or
// the WebIdentity principal of an OIDC provider):
//
//	d := policy.Evaluate(&policy.Set{
//		Identity: callerPolicies, Boundary: callerBoundary, Session: callerSession,
//		Resource: []*policy.Policy{trust}, RequireResourcePolicy: true,
//	}, &policy.Request{Principal: caller, Action: "sts:AssumeRole", Resource: roleARN, Context: ctx})
//
// Condition keys that describe the principal (aws:username, aws:userid,
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:PrincipalTag/<key>) come from the Principal unless the Context has
// them.
package policy
