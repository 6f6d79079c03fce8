// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// FuzzParse checks that Parse never panics, returns either a policy or a
// MalformedPolicyDocument error, and that a parsed policy evaluates without
// panicking. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(pol(allowAll), uint8(Identity))
	f.Fuzz(func(t *testing.T, doc string, kind uint8) {
		k := Kind(kind % 3)
		p, err := Parse(doc, k)
		if err != nil {
			if ae := awserr.As(err); ae == nil || ae.Code != ErrorCode || ae.Kind != awserr.Invalid {
				t.Fatalf("Parse() error = %#v, want a MalformedPolicyDocument *awserr.Error", err)
			}
			if p != nil {
				t.Fatalf("Parse() = %v and an error", p)
			}
			return
		}
		if len(p.Statements) == 0 {
			t.Fatalf("Parse() returned a policy without statements")
		}
		ctx := &Values{}
		ctx.Set("aws:SourceIp", "10.0.0.1")
		ctx.Set("aws:CurrentTime", "2026-01-01T00:00:00Z")
		ctx.Set("aws:TagKeys", "a", "b")
		s := &Set{Identity: []*Policy{p}}
		if k != Identity {
			s = &Set{Resource: []*Policy{p}, RequireResourcePolicy: k == Trust}
		}
		for _, r := range []*Request{
			{Principal: bob, Action: "ssm:SendCommand", Resource: docX, Context: ctx},
			{Principal: deployer, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k:x", Context: ctx},
			{Action: "kms:Decrypt", Resource: "*"},
		} {
			d := Evaluate(s, r)
			if d.Allowed == d.ExplicitDeny && d.Allowed {
				t.Fatalf("Evaluate() = %+v: allowed and explicitly denied", d)
			}
			_ = d.Message(r)
		}
		p.ContextKeys()
	})
}
