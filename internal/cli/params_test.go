// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"strings"
	"testing"

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
