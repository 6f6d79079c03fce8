// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// cli runs the AWS CLI as the administrator and fails the test unless it
// succeeds; it returns stdout.
func cli(t *testing.T, p *kanritest.Process, args ...string) string {
	t.Helper()
	out, stderr, code := awsCLI(t, p, p.CredentialsFile(), args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

// credsOf reads the Credentials of an assume-role answer.
func credsOf(t *testing.T, out string) aws.Credentials {
	t.Helper()
	var r struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Credentials.SessionToken == "" {
		t.Fatalf("no credentials in %s (%v)", out, err)
	}
	if !strings.HasPrefix(r.Credentials.AccessKeyId, "ASIA") {
		t.Errorf("temporary AccessKeyId = %s, want ASIA…", r.Credentials.AccessKeyId)
	}
	return aws.Credentials{AccessKeyID: r.Credentials.AccessKeyId, SecretAccessKey: r.Credentials.SecretAccessKey, SessionToken: r.Credentials.SessionToken}
}

// writeFile writes a file in a temp dir and returns "file://<path>".
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}

// TestSeed001WebIdentity is seed 001: a Kubernetes service account's token,
// issued by the cluster's OIDC issuer, exchanged for a role's credentials
// with AssumeRoleWithWebIdentity, the role trusting only that account.
func TestSeed001WebIdentity(t *testing.T) {
	is := newIssuer(t)
	p := kanritest.StartDevEnv(t, "", []string{"SSL_CERT_FILE=" + is.CAFile})
	oidcProvider := strings.TrimPrefix(is.URL, "https://") // as the seed's OIDC_PROVIDER: host/path
	const namespace = "ostoy"

	// The seed: aws sts get-caller-identity --query Account --output text.
	account := strings.TrimSpace(cli(t, p, "sts", "get-caller-identity", "--query", "Account", "--output", "text"))
	if account != p.Account {
		t.Fatalf("account = %q, want %q", account, p.Account)
	}
	cli(t, p, "iam", "create-open-id-connect-provider", "--url", is.URL, "--client-id-list", "sts.amazonaws.com",
		"--thumbprint-list", "0123456789abcdef0123456789abcdef01234567")

	// The trust policy exactly as the seed writes it.
	trust := `{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Federated": "arn:aws:iam::` + account +
		`:oidc-provider/` + oidcProvider + `" }, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": { "StringEquals": { "` +
		oidcProvider + `:sub": "system:serviceaccount:` + namespace + `:ostoy-sa" } } } ] }`
	cli(t, p, "iam", "create-role", "--role-name", "ostoy-sa-role", "--assume-role-policy-document", writeFile(t, "ostoy-sa-trust.json", trust))
	policyARN := strings.TrimSpace(cli(t, p, "iam", "list-policies", "--query", "Policies[?PolicyName==`AmazonS3FullAccess`].Arn", "--output", "text"))
	if policyARN != "arn:aws:iam::aws:policy/AmazonS3FullAccess" {
		t.Fatalf("list-policies AmazonS3FullAccess = %q", policyARN)
	}
	cli(t, p, "iam", "attach-role-policy", "--role-name", "ostoy-sa-role", "--policy-arn", policyARN)
	roleARN := strings.TrimSpace(cli(t, p, "iam", "get-role", "--role-name=ostoy-sa-role", "--query", "Role.Arn", "--output", "text"))
	if roleARN != "arn:aws:iam::"+account+":role/ostoy-sa-role" {
		t.Fatalf("get-role Arn = %q", roleARN)
	}

	// The pod's exchange. AssumeRoleWithWebIdentity is unsigned: no keys.
	assume := func(token string) (string, string, int) {
		return awsRun(t, p, cliEnv("/dev/null", p.ConfigFile()), "sts", "assume-role-with-web-identity",
			"--role-arn", roleARN, "--role-session-name", "ostoy-frontend", "--web-identity-token", token)
	}
	out, stderr, code := assume(is.token(t, namespace, "ostoy-sa", nil))
	if code != 0 {
		t.Fatalf("assume-role-with-web-identity: exit %d: %s", code, stderr)
	}
	var web struct {
		SubjectFromWebIdentityToken, Provider, Audience string
		AssumedRoleUser                                 struct{ Arn, AssumedRoleId string }
	}
	json.Unmarshal([]byte(out), &web)
	if web.SubjectFromWebIdentityToken != "system:serviceaccount:ostoy:ostoy-sa" || web.Audience != "sts.amazonaws.com" ||
		web.Provider != "arn:aws:iam::"+account+":oidc-provider/"+oidcProvider ||
		web.AssumedRoleUser.Arn != "arn:aws:sts::"+account+":assumed-role/ostoy-sa-role/ostoy-frontend" {
		t.Errorf("assume-role-with-web-identity answer = %+v", web)
	}
	creds := credsOf(t, out)

	// The credentials work, as the role session…
	out, stderr, code = awsAs(t, p, creds, "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if code != 0 || strings.TrimSpace(out) != web.AssumedRoleUser.Arn {
		t.Errorf("get-caller-identity with the session: %d %q %s", code, out, stderr)
	}
	// …and are limited to the role's policy (object storage only).
	_, stderr, code = awsAs(t, p, creds, "iam", "list-users")
	if code == 0 || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, "is not authorized to perform: iam:ListUsers") {
		t.Errorf("iam list-users with the session: exit %d, %s; want AccessDenied", code, stderr)
	}

	// Refusals, each with its code.
	other, _ := rsaKey(t)
	tests := []struct {
		name, token, want string
	}{
		{"another service account", is.token(t, namespace, "intruder", nil), "AccessDenied"},
		{"another namespace", is.token(t, "default", "ostoy-sa", nil), "AccessDenied"},
		{"another audience", is.token(t, namespace, "ostoy-sa", func(c map[string]any) { c["aud"] = "kubernetes" }), "InvalidIdentityToken"},
		{"expired", is.token(t, namespace, "ostoy-sa", func(c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}), "ExpiredTokenException"},
		{"bad signature", is.sign(t, other, namespace, "ostoy-sa", nil), "InvalidIdentityToken"},
		{"unknown issuer", is.token(t, namespace, "ostoy-sa", func(c map[string]any) { c["iss"] = "https://elsewhere.example.com" }), "InvalidIdentityToken"},
		{"not a JWT", "hello", "InvalidIdentityToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := assume(tt.token)
			if code == 0 || !strings.Contains(stderr, "("+tt.want+")") {
				t.Errorf("exit %d, %s; want %s", code, stderr, tt.want)
			}
		})
	}

	// The trail names the session that made calls.
	out = cli(t, p, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity")
	if !strings.Contains(out, "assumed-role/ostoy-sa-role/ostoy-frontend") {
		t.Errorf("trail of AssumeRoleWithWebIdentity does not name the session:\n%s", out)
	}
}

// TestSeed000MarketplaceRoles is seed 000's CloudFormation template made
// through the API: an administrator role and an end-user role, each with
// managed policy ARNs and an inline policy, assumed with sts assume-role;
// simulation shows the administrator allowed and the end user denied an
// administrative action.
func TestSeed000MarketplaceRoles(t *testing.T) {
	p := kanritest.StartDev(t, "")
	account := p.Account
	trust := `{"Statement": [{"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"AWS": ["` + account + `"]}}], "Version": "2012-10-17"}`
	roles := []struct {
		name    string
		managed []string
		inline  string
		actions []string
	}{
		{"mpadmin", []string{
			"arn:aws:iam::aws:policy/AWSPrivateMarketplaceAdminFullAccess",
			"arn:aws:iam::aws:policy/AWSMarketplaceProcurementSystemAdminFullAccess",
			"arn:aws:iam::aws:policy/ReadOnlyAccess",
			"arn:aws:iam::aws:policy/AWSCloudFormationReadOnlyAccess",
		}, "privmpadmin", []string{"aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe", "aws-marketplace:ViewSubscriptions", "aws-marketplace:StartBuild"}},
		{"mpenduser", []string{
			"arn:aws:iam::aws:policy/AWSServiceCatalogEndUserFullAccess",
			"arn:aws:iam::aws:policy/AWSServiceCatalogEndUserReadOnlyAccess",
			"arn:aws:iam::aws:policy/AWSPrivateMarketplaceRequests",
			"arn:aws:iam::aws:policy/AWSCloudFormationReadOnlyAccess",
		}, "privmpenduser", []string{"aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe", "aws-marketplace:ViewSubscriptions",
			"aws-marketplace:StartBuild", "ec2:RunInstances", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateSecurityGroup",
			"ec2:DeleteSecurityGroup", "ec2:DescribeSubnets", "ec2:DescribeKeyPairs", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs",
			"ec2:DescribeInstances", "ec2:CreateKeyPair", "ec2:DeleteKeyPair", "ec2:TerminateInstances"}},
	}
	arns := map[string]string{}
	for _, r := range roles {
		out := cli(t, p, "iam", "create-role", "--role-name", r.name, "--path", "/", "--assume-role-policy-document", trust)
		var cr struct{ Role struct{ Arn string } }
		json.Unmarshal([]byte(out), &cr)
		arns[r.name] = cr.Role.Arn
		for _, m := range r.managed {
			cli(t, p, "iam", "attach-role-policy", "--role-name", r.name, "--policy-arn", m)
		}
		actions, _ := json.Marshal(r.actions)
		cli(t, p, "iam", "put-role-policy", "--role-name", r.name, "--policy-name", r.inline, "--policy-document",
			`{"Statement": [{"Action": `+string(actions)+`, "Effect": "Allow", "Resource": "*"}], "Version": "2012-10-17"}`)
		out = cli(t, p, "iam", "list-attached-role-policies", "--role-name", r.name, "--query", "length(AttachedPolicies)")
		if strings.TrimSpace(out) != "4" {
			t.Errorf("%s has %s attached policies, want 4", r.name, out)
		}
	}

	// The template's inline policy list ends with a trailing comma; as a
	// policy document, that is refused saying exactly where.
	broken := "{\n  \"Statement\": [\n    {\n      \"Action\": [\"aws-marketplace:Subscribe\"],\n      \"Effect\": \"Allow\",\n      \"Resource\": \"*\"\n    },\n  ],\n  \"Version\": \"2012-10-17\"\n}"
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "iam", "put-role-policy", "--role-name", "mpadmin", "--policy-name", "broken", "--policy-document", broken)
	if code == 0 || !strings.Contains(stderr, "MalformedPolicyDocument") || !strings.Contains(stderr, "line 8, column 3") {
		t.Errorf("trailing comma: exit %d, %s; want MalformedPolicyDocument at line 8, column 3", code, stderr)
	}

	// sts assume-role into each, as the administrator (the trust policy
	// names the account, so the caller's own policies must allow it).
	for _, name := range []string{"mpadmin", "mpenduser"} {
		out := cli(t, p, "sts", "assume-role", "--role-arn", arns[name], "--role-session-name", name+"-session")
		creds := credsOf(t, out)
		id, stderr, code := awsAs(t, p, creds, "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
		if want := "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + name + "-session"; code != 0 || strings.TrimSpace(id) != want {
			t.Errorf("%s session identity = %q (%s), want %s", name, id, stderr, want)
		}
	}

	// Simulation: the administrator may administer the private
	// marketplace, the end user may not (and may request products).
	decision := func(role, action string) (string, string) {
		out := cli(t, p, "iam", "simulate-principal-policy", "--policy-source-arn", arns[role], "--action-names", action)
		var r struct {
			EvaluationResults []struct {
				EvalDecision      string
				MatchedStatements []struct{ SourcePolicyId string }
			}
		}
		json.Unmarshal([]byte(out), &r)
		if len(r.EvaluationResults) != 1 {
			t.Fatalf("simulate %s %s: %s", role, action, out)
		}
		src := ""
		if ms := r.EvaluationResults[0].MatchedStatements; len(ms) > 0 {
			src = ms[0].SourcePolicyId
		}
		return r.EvaluationResults[0].EvalDecision, src
	}
	admin := "aws-marketplace:AssociateProductsWithPrivateMarketplace"
	if d, src := decision("mpadmin", admin); d != "allowed" || src != "AWSPrivateMarketplaceAdminFullAccess" {
		t.Errorf("mpadmin %s = %s (by %s), want allowed by AWSPrivateMarketplaceAdminFullAccess", admin, d, src)
	}
	if d, _ := decision("mpenduser", admin); d != "implicitDeny" {
		t.Errorf("mpenduser %s = %s, want implicitDeny", admin, d)
	}
	if d, _ := decision("mpenduser", "aws-marketplace:CreatePrivateMarketplaceRequests"); d != "allowed" {
		t.Errorf("mpenduser CreatePrivateMarketplaceRequests = %s, want allowed", d)
	}
	if d, src := decision("mpenduser", "ec2:RunInstances"); d != "allowed" || !strings.Contains(src, "privmpenduser") {
		t.Errorf("mpenduser ec2:RunInstances = %s (by %s), want allowed by the inline policy", d, src)
	}
}

// TestSeed004ManagedPolicyVersions is seed 004: a container host's role
// with the ec2.amazonaws.com service trust, an instance profile, and a
// managed policy attached; a new default version of a policy takes effect
// for the role at once, and provider policies show their history.
func TestSeed004ManagedPolicyVersions(t *testing.T) {
	p := kanritest.StartDev(t, "")
	trust := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "ec2.amazonaws.com"
      },
      "Effect": "Allow",
      "Sid": ""
    }
  ]
}`
	cli(t, p, "iam", "create-role", "--role-name", "ecs_iam_role", "--assume-role-policy-document", trust)
	cli(t, p, "iam", "create-instance-profile", "--instance-profile-name", "ecs_iam_role")
	cli(t, p, "iam", "add-role-to-instance-profile", "--instance-profile-name", "ecs_iam_role", "--role-name", "ecs_iam_role")
	out := cli(t, p, "iam", "get-instance-profile", "--instance-profile-name", "ecs_iam_role", "--query", "InstanceProfile.Roles[0].RoleName", "--output", "text")
	if strings.TrimSpace(out) != "ecs_iam_role" {
		t.Errorf("instance profile role = %q", out)
	}
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "iam", "add-role-to-instance-profile", "--instance-profile-name", "ecs_iam_role", "--role-name", "ecs_iam_role")
	if code == 0 || !strings.Contains(stderr, "LimitExceeded") {
		t.Errorf("second role in a profile: exit %d %s; want LimitExceeded", code, stderr)
	}

	// The provider policy of the seed, with its history v1…v3, v3 default.
	const provider = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
	cli(t, p, "iam", "attach-role-policy", "--role-name", "ecs_iam_role", "--policy-arn", provider)
	out = cli(t, p, "iam", "list-policy-versions", "--policy-arn", provider)
	var vs struct {
		Versions []struct {
			VersionId        string
			IsDefaultVersion bool
		}
	}
	json.Unmarshal([]byte(out), &vs)
	if len(vs.Versions) != 3 || vs.Versions[0].VersionId != "v3" || !vs.Versions[0].IsDefaultVersion || vs.Versions[2].VersionId != "v1" || vs.Versions[2].IsDefaultVersion {
		t.Errorf("list-policy-versions = %s, want v3 (default), v2, v1", out)
	}
	out = cli(t, p, "iam", "get-policy-version", "--policy-arn", provider, "--version-id", "v3", "--query", "PolicyVersion.Document")
	if !strings.Contains(out, "ecr:GetAuthorizationToken") {
		t.Errorf("v3 document lacks ecr:GetAuthorizationToken: %s", out)
	}
	roleARN := strings.TrimSpace(cli(t, p, "iam", "get-role", "--role-name", "ecs_iam_role", "--query", "Role.Arn", "--output", "text"))
	simulate := func(action string) string {
		out := cli(t, p, "iam", "simulate-principal-policy", "--policy-source-arn", roleARN, "--action-names", action,
			"--query", "EvaluationResults[0].EvalDecision", "--output", "text")
		return strings.TrimSpace(out)
	}
	if d := simulate("ecr:BatchGetImage"); d != "allowed" {
		t.Errorf("ecr:BatchGetImage through the provider policy = %s, want allowed", d)
	}
	if _, stderr, code := awsCLI(t, p, p.CredentialsFile(), "iam", "create-policy-version", "--policy-arn", provider,
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`); code == 0 || !strings.Contains(stderr, "InvalidInput") {
		t.Errorf("changing a provider policy: exit %d %s; want InvalidInput", code, stderr)
	}

	// A customer policy: a new default version is in effect at once.
	cli(t, p, "iam", "detach-role-policy", "--role-name", "ecs_iam_role", "--policy-arn", provider)
	out = cli(t, p, "iam", "create-policy", "--policy-name", "ecs-host", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:*"],"Resource":"*"}]}`, "--query", "Policy.Arn", "--output", "text")
	custom := strings.TrimSpace(out)
	cli(t, p, "iam", "attach-role-policy", "--role-name", "ecs_iam_role", "--policy-arn", custom)
	if d := simulate("ecr:BatchGetImage"); d != "implicitDeny" {
		t.Fatalf("ecr:BatchGetImage with v1 = %s, want implicitDeny", d)
	}
	cli(t, p, "iam", "create-policy-version", "--policy-arn", custom, "--set-as-default", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:*","ecr:BatchGetImage"],"Resource":"*"}]}`)
	if d := simulate("ecr:BatchGetImage"); d != "allowed" {
		t.Errorf("ecr:BatchGetImage with v2 default = %s, want allowed at once", d)
	}
	cli(t, p, "iam", "set-default-policy-version", "--policy-arn", custom, "--version-id", "v1")
	if d := simulate("ecr:BatchGetImage"); d != "implicitDeny" {
		t.Errorf("ecr:BatchGetImage back on v1 = %s, want implicitDeny", d)
	}
	for i := 0; i < 3; i++ {
		cli(t, p, "iam", "create-policy-version", "--policy-arn", custom, "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:List*"],"Resource":"*"}]}`)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "iam", "create-policy-version", "--policy-arn", custom, "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:List*"],"Resource":"*"}]}`)
	if code == 0 || !strings.Contains(stderr, "LimitExceeded") {
		t.Errorf("sixth version: exit %d %s; want LimitExceeded", code, stderr)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "iam", "delete-policy-version", "--policy-arn", custom, "--version-id", "v1")
	if code == 0 || !strings.Contains(stderr, "DeleteConflict") {
		t.Errorf("deleting the default version: exit %d %s; want DeleteConflict", code, stderr)
	}
	out = cli(t, p, "iam", "list-entities-for-policy", "--policy-arn", custom, "--query", "PolicyRoles[0].RoleName", "--output", "text")
	if strings.TrimSpace(out) != "ecs_iam_role" {
		t.Errorf("list-entities-for-policy = %q", out)
	}
}
