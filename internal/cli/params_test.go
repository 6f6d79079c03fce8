// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

func TestParamsCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", k.CredentialsFile())
	t.Setenv("AWS_CONFIG_FILE", k.ConfigFile())
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	must := func(args ...string) string {
		t.Helper()
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("kanri %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	if out := must("params", "put", "/app/db/host", "db1.internal", "--description", "primary"); out != "/app/db/host: version 1 (Standard)\n" {
		t.Errorf("params put = %q", out)
	}
	must("params", "put", "/app/db/host", "db2.internal", "--overwrite")
	must("params", "put", "/app/hosts", "a,b", "--type", "StringList")
	must("params", "put", "/top", "t")

	if out := must("params", "get", "/app/db/host"); out != "db2.internal\n" {
		t.Errorf("params get = %q, want db2.internal", out)
	}
	if out := must("params", "get", "/app/db/host:1"); out != "db1.internal\n" {
		t.Errorf("params get :1 = %q, want db1.internal", out)
	}
	var p struct {
		Name, Type, ARN string
		Version         int64
	}
	if err := json.Unmarshal([]byte(must("params", "get", "/app/hosts", "--output", "json")), &p); err != nil || p.Type != "StringList" ||
		p.Version != 1 || p.ARN != "arn:aws:ssm:us-east-1:"+k.Server.Account()+":parameter/app/hosts" {
		t.Errorf("params get --output json = %+v, %v", p, err)
	}

	lines := strings.Split(strings.TrimSpace(must("params", "ls", "/app", "--recursive")), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "/app/db/host ") ||
		!strings.Contains(lines[1], "primary") || !strings.Contains(lines[1], "admin") || !strings.HasPrefix(lines[2], "/app/hosts ") {
		t.Errorf("params ls /app --recursive =\n%s", strings.Join(lines, "\n"))
	}
	lines = strings.Split(strings.TrimSpace(must("params", "ls")), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "/top ") {
		t.Errorf("params ls =\n%s", strings.Join(lines, "\n"))
	}

	lines = strings.Split(strings.TrimSpace(must("params", "history", "/app/db/host")), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "1 ") || !strings.HasSuffix(lines[1], "db1.internal") || !strings.HasSuffix(lines[2], "db2.internal") {
		t.Errorf("params history =\n%s", strings.Join(lines, "\n"))
	}

	// --expires-in gives an Expiration policy, which needs the Advanced tier.
	before := time.Now()
	if out := must("params", "put", "/activations/lab-1", "c0de", "--type", "SecureString", "--expires-in", "90m"); out != "/activations/lab-1: version 1 (Advanced)\n" {
		t.Errorf("params put --expires-in = %q, want version 1 (Advanced)", out)
	}
	desc, err := ssm.NewFromConfig(k.Config()).DescribeParameters(context.Background(), &ssm.DescribeParametersInput{
		ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{"/activations/lab-1"}}}})
	if err != nil || len(desc.Parameters) != 1 || len(desc.Parameters[0].Policies) != 1 {
		t.Fatalf("DescribeParameters(/activations/lab-1) = %+v, %v; want one parameter with one policy", desc, err)
	}
	var policy struct {
		Type       string
		Attributes struct{ Timestamp string }
	}
	pol := desc.Parameters[0].Policies[0]
	if err := json.Unmarshal([]byte(aws.ToString(pol.PolicyText)), &policy); err != nil || policy.Type != "Expiration" {
		t.Fatalf("policy = %s (%v), want an Expiration policy", aws.ToString(pol.PolicyText), err)
	}
	at, err := time.Parse(time.RFC3339, policy.Attributes.Timestamp)
	if want := before.Add(90 * time.Minute); err != nil || at.Before(want.Add(-time.Second)) || at.After(want.Add(time.Minute)) {
		t.Errorf("expiration %s (%v), want about %s", policy.Attributes.Timestamp, err, want.UTC().Format(time.RFC3339))
	}
	// A parameter deleted by its Expiration policy shows in kanri audit
	// as the service's own action.
	soon := time.Now().Add(10 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	if _, err := ssm.NewFromConfig(k.Config()).PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/tmp/short"),
		Value: aws.String("v"), Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced,
		Policies: aws.String(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + soon + `"}}]`)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := k.Server.Params().ExpireDue(context.Background()); err != nil { // or the server's own sweep did
		t.Fatal(err)
	}
	auditLines := strings.Split(strings.TrimSpace(must("audit", "--event-name", "DeleteParameter")), "\n")
	if len(auditLines) != 2 || !strings.Contains(auditLines[1], "DeleteParameter") || strings.Count(auditLines[1], "ssm.amazonaws.com") != 3 ||
		!strings.Contains(auditLines[1], "Success") {
		t.Errorf("kanri audit --event-name DeleteParameter =\n%s\nwant the service's own deletion (source, user and from ssm.amazonaws.com)", strings.Join(auditLines, "\n"))
	}

	for _, bad := range [][]string{
		{"--expires-in", "1h", "--expires-at", "2099-01-01T00:00:00Z"},
		{"--expires-in", "-1h"},
		{"--expires-at", "tomorrow"},
		{"--expires-at", "2001-01-01T00:00:00Z"},
	} {
		_, stderr, code := run(t, nil, append([]string{"params", "put", "/x", "v"}, bad...)...)
		if code != ExitUsage || !strings.Contains(stderr, "expires") {
			t.Errorf("params put %v: exit %d, %q; want a usage error about the expiry", bad, code, stderr)
		}
	}

	_, stderr, code := run(t, nil, "params", "get", "/nope")
	if code != ExitError || !strings.Contains(stderr, "ParameterNotFound") {
		t.Errorf("params get /nope: exit %d, %q; want 1 and ParameterNotFound", code, stderr)
	}
	_, stderr, code = run(t, nil, "params", "put", "/x")
	if code != ExitUsage || !strings.Contains(stderr, "NAME VALUE") {
		t.Errorf("params put without a value: exit %d, %q; want 2", code, stderr)
	}
	_, _, code = run(t, nil, "params", "put", "/x", "v", "--type", "Secret")
	if code != ExitUsage {
		t.Errorf("params put --type Secret: exit %d, want 2", code)
	}
}
