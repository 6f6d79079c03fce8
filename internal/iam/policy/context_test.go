// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValues(t *testing.T) {
	parent := &Values{}
	parent.Set("aws:PrincipalTag/team", "ops")
	parent.Set("aws:SourceIp", "192.0.2.1")

	var v Values
	v.Parent = parent
	v.Set("aws:SourceIp", "10.0.0.1")
	v.Set("aws:TagKeys", "a", "b")
	v.Set("aws:TagKeys", "c")
	v.Set("aws:RequestTag/none")

	tests := []struct {
		key    string
		want   []string
		wantOK bool
	}{
		{"aws:sourceip", []string{"10.0.0.1"}, true},
		{"AWS:SourceIP", []string{"10.0.0.1"}, true},
		{"aws:tagkeys", []string{"c"}, true},
		{"aws:requesttag/none", []string{}, true},
		{"aws:principaltag/team", []string{"ops"}, true},
		{"aws:PrincipalTag/TEAM", []string{"ops"}, true},
		{"aws:username", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := v.Lookup(tt.key)
			if ok != tt.wantOK || !cmp.Equal(got, tt.want) {
				t.Errorf("Lookup(%q) = %q, %v, want %q, %v", tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}

	v.Reset()
	if got, ok := v.Lookup("aws:tagkeys"); ok {
		t.Errorf("after Reset, Lookup(aws:tagkeys) = %q, true, want absent", got)
	}
	if got, ok := v.Lookup("aws:sourceip"); !ok || got[0] != "192.0.2.1" {
		t.Errorf("after Reset, Lookup(aws:sourceip) = %q, %v, want the parent's value", got, ok)
	}
	allocs := testing.AllocsPerRun(100, func() {
		v.Reset()
		v.Set("aws:sourceip", "10.0.0.1")
		v.Set("aws:securetransport", "true")
		v.Lookup("aws:sourceip")
	})
	if allocs != 0 {
		t.Errorf("reusing Values allocates %v times, want 0", allocs)
	}
}

// mapContext is a Context other than Values, as callers may write.
type mapContext map[string][]string

func (m mapContext) Lookup(key string) ([]string, bool) {
	v, ok := m[key]
	return v, ok
}

func TestEvaluateWithCustomContext(t *testing.T) {
	p, err := Parse(pol(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"AWS:SourceIP":"10.0.0.0/8"}}}`), Identity)
	if err != nil {
		t.Fatal(err)
	}
	s := &Set{Identity: []*Policy{p}}
	for _, tt := range []struct {
		name string
		ctx  mapContext
		want bool
	}{
		{"inside", mapContext{"aws:sourceip": {"10.1.1.1"}}, true},
		{"outside", mapContext{"aws:sourceip": {"192.0.2.1"}}, false},
		{"missing", mapContext{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(s, &Request{Principal: bob, Action: "ssm:SendCommand", Resource: docX, Context: tt.ctx})
			if d.Allowed != tt.want {
				t.Errorf("Evaluate(context %v) allowed = %v, want %v", tt.ctx, d.Allowed, tt.want)
			}
		})
	}
}

// TestEvaluateAllocations keeps the hot path's allocations in check (the
// full benchmark is bench.BenchmarkPolicyEvaluate).
func TestEvaluateAllocations(t *testing.T) {
	var ps []*Policy
	for i := 0; i < 3; i++ {
		p, err := Parse(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:123456789012:document/${aws:username}/*",
			 "Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}},
			{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*"],"Resource":"*"},
			{"Effect":"Deny","Action":"ssm:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, Identity)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	s := &Set{Identity: ps}
	ctx := &Values{}
	ctx.Set("aws:SourceIp", "10.20.30.40")
	ctx.Set("aws:SecureTransport", "true")
	r := &Request{
		Principal: &Principal{ARN: "arn:aws:iam::123456789012:user/bob", Account: "123456789012", Type: PrincipalUser,
			UserName: "bob", UserID: "AIDAEXAMPLEBOB0000000", Tags: map[string]string{"team": "ops"}},
		Action: "ssm:SendCommand", Resource: "arn:aws:ssm:us-east-1:123456789012:document/bob/run", Context: ctx,
	}
	if d := Evaluate(s, r); !d.Allowed {
		t.Fatalf("Evaluate = %+v, want allowed", d)
	}
	allocs := testing.AllocsPerRun(100, func() { Evaluate(s, r) })
	if allocs > 1 {
		t.Errorf("Evaluate allocates %v times, want at most 1 (the Matched slice)", allocs)
	}
	s = &Set{Identity: s.Identity[:1]}
	r.Action = "ec2:RunInstances"
	allocs = testing.AllocsPerRun(100, func() { Evaluate(s, r) })
	if allocs != 0 {
		t.Errorf("Evaluate of a request no statement matches allocates %v times, want 0", allocs)
	}
}
