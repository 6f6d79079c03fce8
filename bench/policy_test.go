// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kanri-dev/kanri/internal/iam/policy"
)

// policyBenchCondition is the Condition block of the benchmark's Allow
// statements: a principal tag against a variable, a region list, source
// IP ranges, TLS and an expiry date.
const policyBenchCondition = `"Condition": {
	"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
	"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"]},
	"Bool": {"aws:SecureTransport": "true"},
	"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}
}`

// policyBenchPolicies returns 10 policies of 10 statements, each with
// conditions, wildcards and policy variables, as a principal with many
// attached policies has: in each policy one statement allows the request's
// action (in half of them on the request's resource too), the others grant
// other services, and the first policy also has a guardrail Deny.
func policyBenchPolicies(tb testing.TB) []*policy.Policy {
	tb.Helper()
	others := []string{
		`["ec2:Describe*", "ec2:Get*"]`, `["s3:GetObject", "s3:PutObject", "s3:ListBucket"]`,
		`["iam:Get*", "iam:List*"]`, `["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"]`,
		`["logs:CreateLogStream", "logs:PutLogEvents"]`, `"cloudwatch:PutMetricData"`,
		`["dynamodb:GetItem", "dynamodb:Query"]`, `["ssm:GetParameter*", "ssm:DescribeParameters"]`,
		`"sts:AssumeRole"`,
	}
	matching := []string{`"ssm:SendCommand"`, `"ssm:*"`, `["ssm:Send*", "ssm:List*"]`}
	var out []*policy.Policy
	for i := 0; i < 10; i++ {
		var stmts []string
		for j := 0; j < 10; j++ {
			effect, action, cond := "Allow", "", policyBenchCondition
			resource := `["arn:aws:ssm:*:123456789012:document/${aws:username}/*", "arn:aws:ssm:*:123456789012:managed-instance/*"]`
			switch {
			case j == 9 && i == 0:
				effect, action = "Deny", `"ssm:*"`
				cond = `"Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}, "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}`
				resource = `"*"`
			case j == i%9:
				action = matching[i%len(matching)]
				if i >= 5 {
					resource = `"arn:aws:ssm:*:123456789012:managed-instance/${aws:PrincipalTag/team}-*"`
				}
			default:
				action = others[(i+j)%len(others)]
			}
			stmts = append(stmts, fmt.Sprintf(`{"Sid": "S%d%d", "Effect": %q, "Action": %s, "Resource": %s, %s}`, i, j, effect, action, resource, cond))
		}
		doc := `{"Version": "2012-10-17", "Statement": [` + strings.Join(stmts, ",\n") + `]}`
		p, err := policy.Parse(doc, policy.Identity)
		if err != nil {
			tb.Fatalf("Parse: %v", err)
		}
		p.ID = fmt.Sprintf("arn:aws:iam::123456789012:policy/p%d", i)
		out = append(out, p)
	}
	return out
}

func policyBenchRequest() *policy.Request {
	ctx := &policy.Values{}
	ctx.Set("aws:SourceIp", "10.20.30.40")
	ctx.Set("aws:CurrentTime", "2026-05-01T12:00:00Z")
	ctx.Set("aws:EpochTime", "1777636800")
	ctx.Set("aws:SecureTransport", "true")
	ctx.Set("aws:RequestedRegion", "us-east-1")
	ctx.Set("aws:UserAgent", "aws-sdk-go-v2/1.0")
	return &policy.Request{
		Principal: &policy.Principal{
			ARN: "arn:aws:iam::123456789012:user/ops/bob", Account: "123456789012", Type: policy.PrincipalUser,
			UserName: "bob", UserID: "AIDAEXAMPLEBOB0000000", Tags: map[string]string{"team": "ops", "cost": "42"},
		},
		Action:   "ssm:SendCommand",
		Resource: "arn:aws:ssm:us-east-1:123456789012:document/bob/run",
		Context:  ctx,
	}
}

func BenchmarkPolicyEvaluate(b *testing.B) {
	s := &policy.Set{Identity: policyBenchPolicies(b)}
	r := policyBenchRequest()
	if d := policy.Evaluate(s, r); !d.Allowed || len(d.Matched) != 5 {
		b.Fatalf("policy.Evaluate = %+v, want allowed by 5 statements", d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		policy.Evaluate(s, r)
	}
}

func BenchmarkPolicyParse(b *testing.B) {
	var stmts []string
	for i := 0; len(strings.Join(stmts, ",")) < 6000; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["ssm:SendCommand","ssm:Get*","ec2:Describe*"],`+
			`"Resource":["arn:aws:ssm:*:123456789012:document/${aws:username}/*","arn:aws:ec2:us-east-1:123456789012:instance/*"],`+
			`"Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}}`, i))
	}
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	b.ReportMetric(float64(len(doc)), "bytes/doc")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Parse(doc, policy.Identity); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPolicyEvaluateDense is the worst case: every one of the 100 statements
// allows the request's action on its resource, so each evaluates its
// resource patterns, variables and conditions.
func BenchmarkPolicyEvaluateDense(b *testing.B) {
	var ps []*policy.Policy
	for i := 0; i < 10; i++ {
		var stmts []string
		for j := 0; j < 10; j++ {
			stmts = append(stmts, `{"Effect":"Allow","Action":["ssm:SendCommand","ssm:Get*"],`+
				`"Resource":"arn:aws:ssm:*:123456789012:document/${aws:username}/*",`+policyBenchCondition+`}`)
		}
		p, err := policy.Parse(`{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`, policy.Identity)
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	s := &policy.Set{Identity: ps}
	r := policyBenchRequest()
	if d := policy.Evaluate(s, r); !d.Allowed || len(d.Matched) != 100 {
		b.Fatalf("policy.Evaluate = %+v, want allowed by 100 statements", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		policy.Evaluate(s, r)
	}
}
