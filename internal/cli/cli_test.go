// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// run runs the command line with args and the given environment.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}

func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kanri.yaml")
	os.WriteFile(file, []byte("http-addr: 127.0.0.1:1111\nregion: eu-west-1\nlog-level: warn\n"), 0o600)
	cmd := newServerCmd(&Env{})
	cmd.Flags().Set("config", file)
	cmd.Flags().Set("http-addr", "127.0.0.1:3333") // flag beats env and file
	env := &Env{Getenv: func(k string) string {
		return map[string]string{"KANRI_HTTP_ADDR": "127.0.0.1:2222", "KANRI_REGION": "ap-northeast-1"}[k]
	}}
	if err := applySettings(cmd, env); err != nil {
		t.Fatal(err)
	}
	get := func(name string) string { v, _ := cmd.Flags().GetString(name); return v }
	for name, want := range map[string]string{
		"http-addr": "127.0.0.1:3333", // flag
		"region":    "ap-northeast-1", // env beats file
		"log-level": "warn",           // file beats default
		"data-dir":  "",               // default
	} {
		if got := get(name); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("htp-addr: x\n"), 0o600)
	_, stderr, code := run(t, nil, "server", "--data-dir", dir, "--config", bad)
	if code != ExitUsage || !strings.Contains(stderr, `unknown setting "htp-addr"`) {
		t.Errorf("unknown config key: exit %d, %q; want 2 naming the key", code, stderr)
	}
	_, stderr, code = run(t, map[string]string{"KANRI_AUDIT_REQUIRED": "perhaps"}, "server", "--data-dir", dir)
	if code != ExitUsage || !strings.Contains(stderr, "KANRI_AUDIT_REQUIRED") {
		t.Errorf("bad env value: exit %d, %q; want 2 naming the variable", code, stderr)
	}
	_, stderr, code = run(t, nil, "server")
	if code != ExitUsage || !strings.Contains(stderr, "--data-dir is required") {
		t.Errorf("server without data dir: exit %d, %q", code, stderr)
	}
	_, _, code = run(t, nil, "server", "--no-such-flag")
	if code != ExitUsage {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	_, _, code = run(t, nil, "version", "extra")
	if code != ExitUsage {
		t.Errorf("positional argument: exit %d, want 2", code)
	}
	_, stderr, code = run(t, nil, "dev", "--log-format", "xml")
	if code != ExitUsage || !strings.Contains(stderr, "--log-format") {
		t.Errorf("bad log format: exit %d, %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "kanri ") {
		t.Errorf("version = %d %q", code, out)
	}
}

// TestHelp checks every command's help: it exists, has examples, and has
// no tabs (they render unpredictably in terminals).
func TestHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" {
			t.Errorf("%s has no short help", c.CommandPath())
		}
		if c.HasParent() && c.Runnable() && c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		for _, s := range []string{c.Short, c.Long, c.Example} {
			if strings.Contains(s, "\t") {
				t.Errorf("%s help contains a tab", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&Env{}))
}

func TestOperatorCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	env := map[string]string{}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", k.CredentialsFile())
	t.Setenv("AWS_CONFIG_FILE", k.ConfigFile())
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	// whoami, through the config file's endpoint_url.
	out, stderr, code := run(t, env, "whoami", "--output", "json")
	if code != 0 {
		t.Fatalf("whoami: exit %d: %s", code, stderr)
	}
	var id map[string]string
	json.Unmarshal([]byte(out), &id)
	if want := "arn:aws:iam::" + k.Server.Account() + ":user/admin"; id["Arn"] != want {
		t.Errorf("whoami Arn = %q, want %q", id["Arn"], want)
	}
	// An explicit endpoint wins over the config file's.
	_, _, code = run(t, env, "whoami", "--endpoint-url", "http://127.0.0.1:1")
	if code != ExitError {
		t.Errorf("whoami at a dead endpoint: exit %d, want 1", code)
	}

	if _, err := sts.NewFromConfig(k.Config()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, env, "audit", "--event-name", "GetCallerIdentity")
	if code != 0 {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// whoami's call and the SDK's; the dead endpoint was never reached.
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("audit table = %q, want a header and 2 events", out)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "GetCallerIdentity") || !strings.Contains(l, "admin") || !strings.Contains(l, "Success") {
			t.Errorf("audit row %q", l)
		}
	}
	out, _, code = run(t, env, "audit", "--output", "json", "--limit", "1")
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); code != 0 || err != nil || len(recs) != 1 || recs[0]["eventSource"] == nil {
		t.Errorf("audit --output json --limit 1 = %d %q (%v)", code, out, err)
	}
	_, stderr, code = run(t, env, "audit", "--user", "a", "--event-name", "b")
	if code != ExitUsage {
		t.Errorf("audit with two filters: exit %d (%s), want 2", code, stderr)
	}
}

func TestIAMCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", k.CredentialsFile())
	t.Setenv("AWS_CONFIG_FILE", k.ConfigFile())
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	ctx := context.Background()
	client := iam.NewFromConfig(k.Config())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + k.Server.Account() + `"},"Action":"sts:AssumeRole"}]}`
	role, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ops"), PolicyName: aws.String("ssm"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:SendCommand","iam:GetRole"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)

	out, stderr, code := run(t, nil, "iam", "simulate", "--principal", roleARN, "--action", "ssm:SendCommand", "--action", "iam:CreateUser")
	if code != 0 {
		t.Fatalf("iam simulate: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "ssm:SendCommand") || !strings.Contains(lines[1], "allowed") ||
		!strings.Contains(lines[1], "ssm (line 1)") || !strings.Contains(lines[2], "implicitDeny") {
		t.Errorf("iam simulate table =\n%s", out)
	}
	out, _, code = run(t, nil, "iam", "simulate", "--principal", roleARN, "--action", "ssm:SendCommand", "--output", "json")
	var rs []struct {
		Decision   string
		Statements []struct{ Policy string }
	}
	if err := json.Unmarshal([]byte(out), &rs); code != 0 || err != nil || len(rs) != 1 || rs[0].Decision != "allowed" || rs[0].Statements[0].Policy != "ssm" {
		t.Errorf("iam simulate --output json = %d %s (%v)", code, out, err)
	}
	if _, _, code := run(t, nil, "iam", "simulate", "--action", "x:Y"); code != ExitUsage {
		t.Errorf("simulate without --principal: exit %d, want 2", code)
	}

	// Sessions issued before a revocation stop working; new ones work.
	stsc := sts.NewFromConfig(k.Config())
	old, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	oldCfg := k.ConfigFor(aws.ToString(old.Credentials.AccessKeyId), aws.ToString(old.Credentials.SecretAccessKey), aws.ToString(old.Credentials.SessionToken))
	getRole := func(cfg aws.Config) error {
		_, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ops")})
		return err
	}
	if err := getRole(oldCfg); err != nil {
		t.Fatalf("the session before revocation: %v", err)
	}
	if _, stderr, code := run(t, nil, "iam", "revoke-sessions", "--role", "ops"); code != 0 {
		t.Fatalf("revoke-sessions: exit %d: %s", code, stderr)
	}
	err = getRole(oldCfg)
	if err == nil || !strings.Contains(err.Error(), "with an explicit deny in an identity-based policy") {
		t.Errorf("the session after revocation: %v, want an explicit deny", err)
	}
	if _, _, code := run(t, nil, "iam", "revoke-sessions"); code != ExitUsage {
		t.Errorf("revoke-sessions without --role: exit %d, want 2", code)
	}
}
