// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// admin returns the administrator's credentials.
func (k *kanri) admin() *creds { return k.creds(k.k.AccessKeyID(), k.k.SecretAccessKey(), "") }

// whoami returns the ARN the credentials act as.
func (k *kanri) whoami(t testing.TB, c *creds) string {
	t.Helper()
	out, err := c.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

func stsTags(kv ...string) []ststypes.Tag {
	var out []ststypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ststypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// wantExpiration fails t unless exp is d from now, give or take a few
// seconds.
func wantExpiration(t testing.TB, what string, exp *time.Time, d time.Duration) {
	t.Helper()
	if exp == nil {
		t.Errorf("%s: no Expiration", what)
		return
	}
	if got := time.Until(*exp); got < d-10*time.Second || got > d+2*time.Second {
		t.Errorf("%s: Expiration in %v, want %v", what, got.Round(time.Second), d)
	}
}

func TestAssumeRoleTrust(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	nobody := k.newUser(t, "nobody") // no identity policy at all
	allowed := k.newUser(t, "allowed", policyDoc(allow("sts:AssumeRole", "*")))
	denied := k.newUser(t, "denied", policyDoc(allow("sts:AssumeRole", "*"), deny("sts:AssumeRole", k.arn("role/names-user"))))

	k.newRole(t, "names-user", trustDoc(fmt.Sprintf(`{"AWS":[%q,%q]}`, k.arn("user/nobody"), k.arn("user/denied")), "sts:AssumeRole"))
	k.newRole(t, "names-account", trustDoc(awsPrincipal(k.arn("root")), "sts:AssumeRole"))
	k.newRole(t, "names-account-id", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	k.newRole(t, "names-other-user", trustDoc(awsPrincipal(k.arn("user/admin")), "sts:AssumeRole"))
	k.newRole(t, "service-only", trustDoc(`{"Service":"ec2.amazonaws.com"}`, "sts:AssumeRole"))
	k.newRole(t, "denies-user", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+k.acct+`"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","Principal":{"AWS":"`+k.arn("user/allowed")+`"},"Action":"sts:AssumeRole"}]}`)
	if _, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("pathed"), Path: aws.String("/p/"), AssumeRolePolicyDocument: aws.String(trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		caller *creds
		role   string // ARN
		msg    string // "" if allowed
	}{
		{"trust names the user, no identity policy", nobody, k.arn("role/names-user"), ""},
		{"trust names the account, no identity policy", nobody, k.arn("role/names-account"),
			"User: " + k.arn("user/nobody") + " is not authorized to perform: sts:AssumeRole on resource: " + k.arn("role/names-account")},
		{"trust names the account ID, no identity policy", nobody, k.arn("role/names-account-id"), "sts:AssumeRole on resource: " + k.arn("role/names-account-id")},
		{"trust names the account, identity policy allows", allowed, k.arn("role/names-account"), ""},
		{"trust names the account ID, identity policy allows", allowed, k.arn("role/names-account-id"), ""},
		{"trust names someone else, identity policy allows", allowed, k.arn("role/names-other-user"), "sts:AssumeRole on resource: " + k.arn("role/names-other-user")},
		{"trust names a service only", allowed, k.arn("role/service-only"), "sts:AssumeRole"},
		{"trust denies the user", allowed, k.arn("role/denies-user"), "sts:AssumeRole on resource: " + k.arn("role/denies-user") + " with an explicit deny in a resource-based policy"},
		{"trust names the user, identity policy denies", denied, k.arn("role/names-user"), "with an explicit deny in an identity-based policy"},
		{"unknown role", allowed, k.arn("role/ghost"), "User: " + k.arn("user/allowed") + " is not authorized to perform: sts:AssumeRole on resource: " + k.arn("role/ghost")},
		{"role of another account", allowed, "arn:aws:iam::999999999999:role/names-account", "sts:AssumeRole"},
		{"role with its path", allowed, k.arn("role/p/pathed"), ""},
		{"role without its path", allowed, k.arn("role/pathed"), "sts:AssumeRole on resource: " + k.arn("role/pathed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.caller.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String("s1")})
			if tt.msg != "" {
				wantErr(t, "AssumeRole", err, "AccessDenied", tt.msg)
				if s := httpStatus(err); s != 403 {
					t.Errorf("AssumeRole status = %d, want 403", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			name := tt.role[strings.LastIndexByte(tt.role, '/')+1:]
			role, err := k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			wantARN := "arn:aws:sts::" + k.acct + ":assumed-role/" + name + "/s1"
			if u := out.AssumedRoleUser; aws.ToString(u.Arn) != wantARN || aws.ToString(u.AssumedRoleId) != aws.ToString(role.Role.RoleId)+":s1" {
				t.Errorf("AssumedRoleUser = %s %s, want %s %s:s1", aws.ToString(u.Arn), aws.ToString(u.AssumedRoleId), wantARN, aws.ToString(role.Role.RoleId))
			}
			c := out.Credentials
			if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || len(aws.ToString(c.AccessKeyId)) != 20 || len(aws.ToString(c.SecretAccessKey)) != 40 || aws.ToString(c.SessionToken) == "" {
				t.Errorf("Credentials = %s / %d-character secret / token %q", aws.ToString(c.AccessKeyId), len(aws.ToString(c.SecretAccessKey)), aws.ToString(c.SessionToken))
			}
			wantExpiration(t, "AssumeRole", c.Expiration, time.Hour)
			session := k.creds(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
			if got := k.whoami(t, session); got != wantARN {
				t.Errorf("GetCallerIdentity with the session = %s, want %s", got, wantARN)
			}
			if role.Role.RoleLastUsed == nil || role.Role.RoleLastUsed.LastUsedDate == nil || time.Since(*role.Role.RoleLastUsed.LastUsedDate) > time.Minute {
				t.Errorf("GetRole RoleLastUsed = %+v, want now", role.Role.RoleLastUsed)
			}
		})
	}
}

func TestAssumeRoleDuration(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	if _, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("two-hours"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: aws.String(trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		seconds int32
		code    string
		msg     string
	}{
		{900, "", ""},
		{3600, "", ""},
		{7200, "", ""},
		{899, "ValidationError", "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{0, "ValidationError", "durationSeconds"},
		{7201, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{43200, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{43201, "ValidationError", "Member must have value less than or equal to 43200"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.seconds), func(t *testing.T) {
			out, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/two-hours")), RoleSessionName: aws.String("dd"), DurationSeconds: aws.Int32(tt.seconds)})
			if tt.code != "" {
				wantErr(t, "AssumeRole", err, tt.code, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantExpiration(t, "AssumeRole", out.Credentials.Expiration, time.Duration(tt.seconds)*time.Second)
		})
	}
}

func TestAssumeRoleChaining(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newRole(t, "first", trustDoc(awsPrincipal(k.arn("user/admin")), "sts:AssumeRole"), policyDoc(allow("sts:AssumeRole", k.arn("role/second"))))
	if _, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("second"), MaxSessionDuration: aws.Int32(43200),
		AssumeRolePolicyDocument: aws.String(trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))}); err != nil {
		t.Fatal(err)
	}
	first, _ := k.assume(t, k.admin(), &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), DurationSeconds: aws.Int32(7200 / 2)})
	// The second role allows 12 hours, but not to a chained session.
	for _, d := range []int32{3601, 7200, 43200} {
		_, err := first.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second")), RoleSessionName: aws.String("cc"), DurationSeconds: aws.Int32(d)})
		wantErr(t, fmt.Sprintf("chained AssumeRole for %ds", d), err, "ValidationError",
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	second, out := k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second")), RoleSessionName: aws.String("cc")})
	wantExpiration(t, "chained AssumeRole", out.Credentials.Expiration, time.Hour)
	if got, want := k.whoami(t, second), "arn:aws:sts::"+k.acct+":assumed-role/second/cc"; got != want {
		t.Errorf("chained session = %s, want %s", got, want)
	}
	_, out = k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second")), RoleSessionName: aws.String("cc"), DurationSeconds: aws.Int32(900)})
	wantExpiration(t, "chained AssumeRole of 900s", out.Credentials.Expiration, 15*time.Minute)
	// Without the first role's permission, chaining is refused.
	_, err := second.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("back")})
	wantErr(t, "AssumeRole(first) from second", err, "AccessDenied", "User: arn:aws:sts::"+k.acct+":assumed-role/second/cc is not authorized to perform: sts:AssumeRole on resource: "+k.arn("role/first"))
}

func TestAssumeRoleSessionPolicies(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	trust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	k.newRole(t, "wide", trust)
	mustDo(t, "AttachRolePolicy", func() error {
		_, err := k.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("wide"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
		return err
	})
	k.newRole(t, "narrow", trust, policyDoc(allow("iam:ListRoles", "*")))

	listRoles := func(c *creds) error { _, err := c.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); return err }
	listUsers := func(c *creds) error { _, err := c.iam.ListUsers(k.ctx, &iam.ListUsersInput{}); return err }
	createGroup := func(c *creds) error {
		_, err := c.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g" + c.ak[len(c.ak)-6:])})
		return err
	}

	// The session policy narrows an administrator role.
	session, out := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")), RoleSessionName: aws.String("narrowed"), Policy: aws.String(policyDoc(allow("iam:ListRoles", "*")))})
	if p := aws.ToInt32(out.PackedPolicySize); p <= 0 || p > 100 {
		t.Errorf("PackedPolicySize = %d, want a percentage", p)
	}
	wantOK(t, "ListRoles in the session policy", listRoles(session))
	wantErr(t, "ListUsers outside the session policy", listUsers(session), "AccessDenied",
		"User: arn:aws:sts::"+k.acct+":assumed-role/wide/narrowed is not authorized to perform: iam:ListUsers because no session policy allows the iam:ListUsers action")
	// A session policy grants nothing the role lacks.
	session, _ = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/narrow")), Policy: aws.String(policyDoc(allow("iam:ListRoles,iam:ListUsers", "*")))})
	wantOK(t, "ListRoles in both", listRoles(session))
	wantErr(t, "ListUsers in the session policy only", listUsers(session), "AccessDenied", "because no identity-based policy allows the iam:ListUsers action")
	// A session policy's deny applies.
	session, _ = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")), Policy: aws.String(policyDoc(allow("*", "*"), deny("iam:ListUsers", "*")))})
	wantOK(t, "ListRoles with a session deny of ListUsers", listRoles(session))
	wantErr(t, "ListUsers with a session deny", listUsers(session), "AccessDenied", "with an explicit deny in a session policy")
	// Managed policies as session policies.
	session, out = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")), PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}}})
	if out.PackedPolicySize == nil {
		t.Error("PackedPolicySize missing for PolicyArns")
	}
	wantOK(t, "ListUsers in IAMReadOnlyAccess", listUsers(session))
	wantErr(t, "CreateGroup outside IAMReadOnlyAccess", createGroup(session), "AccessDenied", "because no session policy allows the iam:CreateGroup action")
	// Both kinds together: the union of the session policies, within the role's.
	session, _ = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}}, Policy: aws.String(policyDoc(allow("iam:CreateGroup", "*")))})
	wantOK(t, "ListUsers from PolicyArns", listUsers(session))
	wantOK(t, "CreateGroup from Policy", createGroup(session))
	// Without session policies, the role's own.
	session, out = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide"))})
	if out.PackedPolicySize != nil {
		t.Errorf("PackedPolicySize = %d without session policies, want none", *out.PackedPolicySize)
	}
	wantOK(t, "CreateGroup without session policies", createGroup(session))

	_, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")), RoleSessionName: aws.String("xx"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*"}]}`)})
	wantErr(t, "AssumeRole with a malformed session policy", err, "MalformedPolicyDocument", "Policy statement must contain resources.")
	many := make([]ststypes.PolicyDescriptorType, 11)
	for i := range many {
		many[i].Arn = aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	}
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/wide")), RoleSessionName: aws.String("xx"), PolicyArns: many})
	wantErr(t, "AssumeRole with 11 PolicyArns", err, "ValidationError")
}

func TestAssumeRoleExternalID(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newRole(t, "vendor", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole", `{"StringEquals":{"sts:ExternalId":"Unique-ID-4242"}}`))
	admin := k.admin()
	tests := []struct {
		name, externalID string
		ok               bool
	}{
		{"none", "", false},
		{"wrong", "Unique-ID-4243", false},
		{"case differs", "unique-id-4242", false},
		{"right", "Unique-ID-4242", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/vendor")), RoleSessionName: aws.String("vv")}
			if tt.externalID != "" {
				in.ExternalId = aws.String(tt.externalID)
			}
			_, err := admin.sts.AssumeRole(k.ctx, in)
			if tt.ok {
				wantOK(t, "AssumeRole", err)
			} else {
				wantErr(t, "AssumeRole", err, "AccessDenied", "sts:AssumeRole on resource: "+k.arn("role/vendor"))
			}
		})
	}
	_, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/vendor")), RoleSessionName: aws.String("vv"), ExternalId: aws.String("a")})
	wantErr(t, "AssumeRole with a one-character ExternalId", err, "ValidationError", "externalId")
}

func TestAssumeRoleSessionTags(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	byTeam := policyDoc(allow("iam:ListRoles", "*", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`))
	k.newRole(t, "untaggable", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), byTeam)
	k.newRole(t, "taggable", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:TagSession"), byTeam)
	mustDo(t, "TagRole", func() error {
		_, err := k.iam.TagRole(k.ctx, &iam.TagRoleInput{RoleName: aws.String("taggable"), Tags: tagsOf("team", "red", "dept", "x")})
		return err
	})

	_, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/untaggable")), RoleSessionName: aws.String("tt"), Tags: stsTags("team", "blue")})
	wantErr(t, "AssumeRole with tags, trust without sts:TagSession", err, "AccessDenied",
		"User: "+k.arn("user/admin")+" is not authorized to perform: sts:TagSession on resource: "+k.arn("role/untaggable"))
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/untaggable")), RoleSessionName: aws.String("tt")})
	wantOK(t, "AssumeRole without tags, trust without sts:TagSession", err)

	tests := []struct {
		name string
		tags []ststypes.Tag
		ok   bool
	}{
		// The session tag replaces the role's tag of the same key.
		{"session team blue over role team red", stsTags("team", "blue"), true},
		{"session TEAM blue (keys are case-insensitive)", stsTags("TEAM", "blue"), true},
		{"session team green", stsTags("team", "green"), false},
		{"no session tags: the role's team red", nil, false},
		{"other session tags", stsTags("dept", "y"), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every session has its own name: see TestAssumeRoleSessionTagsPerSession.
			session, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/taggable")), RoleSessionName: aws.String(fmt.Sprintf("s%d", i)), Tags: tt.tags})
			_, err := session.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
			if tt.ok {
				wantOK(t, "ListRoles", err)
			} else {
				wantErr(t, "ListRoles", err, "AccessDenied", "iam:ListRoles")
			}
		})
	}
	// A trust policy can require session tags with aws:RequestTag.
	k.newRole(t, "needs-tag", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+k.acct+`"},"Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"AWS":"`+k.acct+`"},"Action":"sts:TagSession","Condition":{"StringEquals":{"aws:RequestTag/project":"apollo"}}}]}`)
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/needs-tag")), RoleSessionName: aws.String("tt"), Tags: stsTags("project", "apollo")})
	wantOK(t, "AssumeRole with the required tag value", err)
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/needs-tag")), RoleSessionName: aws.String("tt"), Tags: stsTags("project", "gemini")})
	wantErr(t, "AssumeRole with another tag value", err, "AccessDenied", "sts:TagSession")
}

func TestAssumeRoleSessionTagsPerSession(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "team", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:TagSession"),
		policyDoc(allow("iam:ListRoles", "*", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`)))
	blue, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/team")), RoleSessionName: aws.String("same"), Tags: stsTags("team", "blue")})
	red, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/team")), RoleSessionName: aws.String("same"), Tags: stsTags("team", "red")})
	_, err := blue.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles by the blue session", err)
	_, err = red.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantErr(t, "ListRoles by the red session of the same name", err, "AccessDenied", "iam:ListRoles")
}

func TestAssumeRoleTransitiveTags(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "first", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:TagSession"), policyDoc(allow("sts:AssumeRole,sts:TagSession", "*")))
	k.newRole(t, "second", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:TagSession"),
		policyDoc(allow("iam:ListRoles", "*", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`)))
	first, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), Tags: stsTags("team", "blue"), TransitiveTagKeys: []string{"team"}})
	second, _ := k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second"))})
	_, err := second.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles with a transitive tag carried through the chain", err)
}

func TestAssumeRoleSourceIdentity(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "plain", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	k.newRole(t, "first", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:SetSourceIdentity"), policyDoc(allow("sts:AssumeRole,sts:SetSourceIdentity", "*")))
	k.newRole(t, "second", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:SetSourceIdentity"),
		policyDoc(allow("iam:ListRoles", "*", `{"StringEquals":{"aws:SourceIdentity":"alice"}}`)))
	k.newRole(t, "needs-source", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole,sts:SetSourceIdentity", `{"StringEquals":{"sts:SourceIdentity":"alice"}}`))

	_, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/plain")), RoleSessionName: aws.String("ss"), SourceIdentity: aws.String("alice")})
	wantErr(t, "AssumeRole with SourceIdentity, trust without sts:SetSourceIdentity", err, "AccessDenied", "sts:SetSourceIdentity on resource: "+k.arn("role/plain"))
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/needs-source")), RoleSessionName: aws.String("ss")})
	wantErr(t, "AssumeRole without the required SourceIdentity", err, "AccessDenied")
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/needs-source")), RoleSessionName: aws.String("ss"), SourceIdentity: aws.String("bob")})
	wantErr(t, "AssumeRole with another SourceIdentity", err, "AccessDenied")

	first, out := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), SourceIdentity: aws.String("alice")})
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("AssumeRole SourceIdentity = %q, want alice", aws.ToString(out.SourceIdentity))
	}
	// Carried through the chain without being given again…
	second, out := k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second"))})
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("chained AssumeRole SourceIdentity = %q, want alice", aws.ToString(out.SourceIdentity))
	}
	_, err = second.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles with aws:SourceIdentity alice", err)
	// …or given the same…
	_, out = k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/needs-source")), SourceIdentity: aws.String("alice")})
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("chained AssumeRole with the same SourceIdentity = %q, want alice", aws.ToString(out.SourceIdentity))
	}
	// …and never changed.
	_, err = first.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second")), RoleSessionName: aws.String("ss"), SourceIdentity: aws.String("mallory")})
	wantErr(t, "chained AssumeRole changing SourceIdentity", err, "AccessDenied")
	// A session without one has no aws:SourceIdentity.
	plain, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second"))})
	_, err = plain.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantErr(t, "ListRoles without a source identity", err, "AccessDenied")
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("ss"), SourceIdentity: aws.String("has space")})
	wantErr(t, "AssumeRole with an invalid SourceIdentity", err, "ValidationError", "sourceIdentity")
}

func TestAssumeRoleSessionName(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	admin := k.admin()
	tests := []struct {
		name string
		code string
		msg  string
	}{
		{"ab", "", ""},
		{strings.Repeat("x", 64), "", ""},
		{"a.b@c-d_e+f=g,h", "", ""},
		{"a", "ValidationError", "Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{strings.Repeat("x", 65), "ValidationError", "Member must have length less than or equal to 64"},
		{"has space", "ValidationError", "Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{"slash/name", "ValidationError", "roleSessionName"},
		{"", "ValidationError", "roleSessionName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r")), RoleSessionName: aws.String(tt.name)})
			if tt.code != "" {
				wantErr(t, "AssumeRole", err, tt.code, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "arn:aws:sts::" + k.acct + ":assumed-role/r/" + tt.name; aws.ToString(out.AssumedRoleUser.Arn) != want {
				t.Errorf("AssumedRoleUser.Arn = %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
			}
		})
	}
	// A trust policy can require the session to be named after the user.
	k.newRole(t, "named", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole", `{"StringEquals":{"sts:RoleSessionName":"${aws:username}"}}`))
	_, err := admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/named")), RoleSessionName: aws.String("admin")})
	wantOK(t, "AssumeRole named after the user", err)
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/named")), RoleSessionName: aws.String("someone")})
	wantErr(t, "AssumeRole named otherwise", err, "AccessDenied")
}

func TestSessionTokenCannotBeAltered(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	admin := k.admin()
	flip := func(s string, i int) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		j := strings.IndexByte(alphabet, s[i])
		// The neighbour differs in the lowest bit of the 6 a character
		// encodes.
		return s[:i] + string(alphabet[j^1]) + s[i+1:]
	}
	// Session names of three lengths make tokens of every length modulo
	// 3, so that the last character is sometimes only partly used.
	for _, name := range []string{"ab", "abc", "abcd"} {
		session, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r")), RoleSessionName: aws.String(name)})
		tok := session.token
		if _, err := base64.RawURLEncoding.DecodeString(tok[3:]); err != nil {
			t.Fatalf("session token %q is not base64url after its prefix: %v", tok, err)
		}
		other, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r")), RoleSessionName: aws.String(name)})
		tests := []struct {
			name              string
			ak, secret, token string
			code              string
		}{
			{"unaltered", session.ak, session.secret, tok, ""},
			{"version prefix", session.ak, session.secret, "KS2" + tok[3:], "InvalidClientTokenId"},
			{"first payload character", session.ak, session.secret, flip(tok, 3), "InvalidClientTokenId"},
			{"middle character", session.ak, session.secret, flip(tok, len(tok)/2), "InvalidClientTokenId"},
			{"last character", session.ak, session.secret, flip(tok, len(tok)-1), "InvalidClientTokenId"},
			{"truncated", session.ak, session.secret, tok[:len(tok)-4], "InvalidClientTokenId"},
			{"extended", session.ak, session.secret, tok + "AAAA", "InvalidClientTokenId"},
			{"another session's key", other.ak, session.secret, tok, "InvalidClientTokenId"},
			{"another session's token", session.ak, session.secret, other.token, "InvalidClientTokenId"},
			{"long-term key", k.k.AccessKeyID(), k.k.SecretAccessKey(), tok, "InvalidClientTokenId"},
			{"wrong secret", session.ak, other.secret, tok, "SignatureDoesNotMatch"},
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				if tt.name == "last character" && (len(tok)-3)%4 != 0 {
				}
				_, err := k.creds(tt.ak, tt.secret, tt.token).sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
				if tt.code == "" {
					wantOK(t, "GetCallerIdentity", err)
					return
				}
				wantErr(t, "GetCallerIdentity", err, tt.code)
				if s := httpStatus(err); s != 403 {
					t.Errorf("status = %d, want 403", s)
				}
			})
		}
	}
}

func TestRoleSessionEndsWithItsRole(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	trust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	grant := policyDoc(allow("iam:ListRoles,sts:AssumeRole", "*"))
	k.newRole(t, "doomed", trust)
	managed := k.createPolicy(t, "Grant", grant)
	attach := func() {
		t.Helper()
		if _, err := k.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("doomed"), PolicyArn: aws.String(managed)}); err != nil {
			t.Fatal(err)
		}
	}
	attach()
	k.newRole(t, "other", trust)
	old, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/doomed"))})
	listRoles := func(c *creds) error { _, err := c.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); return err }
	wantOK(t, "ListRoles by the session", listRoles(old))

	mustDo(t, "DetachRolePolicy", func() error {
		_, err := k.iam.DetachRolePolicy(k.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("doomed"), PolicyArn: aws.String(managed)})
		return err
	})
	mustDo(t, "DeleteRole", func() error {
		_, err := k.iam.DeleteRole(k.ctx, &iam.DeleteRoleInput{RoleName: aws.String("doomed")})
		return err
	})
	wantErr(t, "ListRoles by a session of a deleted role", listRoles(old), "InvalidClientTokenId")
	_, err := old.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/other")), RoleSessionName: aws.String("xx")})
	wantErr(t, "AssumeRole by a session of a deleted role", err, "InvalidClientTokenId")

	// A new role of the same name is another role: the old session stays
	// ended, new sessions work.
	k.newRole(t, "doomed", trust)
	attach()
	wantErr(t, "ListRoles by a session of the role's predecessor", listRoles(old), "InvalidClientTokenId")
	fresh, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/doomed"))})
	wantOK(t, "ListRoles by a session of the new role", listRoles(fresh))
	wantErr(t, "ListRoles by the old session, after the new one", listRoles(old), "InvalidClientTokenId")
}

func TestRevokeOlderSessions(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), policyDoc(allow("iam:ListRoles", "*")))
	old, out := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r")), DurationSeconds: aws.Int32(900)})
	issued := out.Credentials.Expiration.Add(-900 * time.Second)
	listRoles := func(c *creds) error { _, err := c.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); return err }
	wantOK(t, "ListRoles before the revocation", listRoles(old))
	// The console's "Revoke active sessions": deny everything to sessions
	// issued before a time (here, one second after the old session's).
	revoke := issued.Add(time.Second).UTC().Format(time.RFC3339)
	k.putRolePolicy(t, "r", "AWSRevokeOlderSessions", policyDoc(deny("*", "*", `{"DateLessThan":{"aws:TokenIssueTime":"`+revoke+`"}}`)))
	wantErr(t, "ListRoles by a revoked session", listRoles(old), "AccessDenied",
		"User: arn:aws:sts::"+k.acct+":assumed-role/r/test-session is not authorized to perform: iam:ListRoles with an explicit deny in an identity-based policy")
	// Long-term credentials carry no aws:TokenIssueTime; a role's deny of
	// old sessions does not reach users. (Sessions issued after the time
	// are checked in internal/sts, with a clock that can move.)
	k.putUserPolicy(t, "admin", "revoke", policyDoc(deny("iam:ListGroups", "*", `{"DateLessThan":{"aws:TokenIssueTime":"`+revoke+`"}}`)))
	_, err := admin.iam.ListGroups(k.ctx, &iam.ListGroupsInput{})
	wantOK(t, "ListGroups with long-term keys", err)
}

func TestGetSessionToken(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	yuki := k.newUser(t, "yuki", policyDoc(allow("iam:ListUsers,sts:AssumeRole", "*")))
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	out, err := yuki.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	wantExpiration(t, "GetSessionToken", out.Credentials.Expiration, 12*time.Hour)
	if !strings.HasPrefix(aws.ToString(out.Credentials.AccessKeyId), "ASIA") {
		t.Errorf("GetSessionToken AccessKeyId = %s, want ASIA…", aws.ToString(out.Credentials.AccessKeyId))
	}
	session := k.creds(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))

	// The session acts as the user…
	id, err := session.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	user, _ := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("yuki")})
	if aws.ToString(id.Arn) != k.arn("user/yuki") || aws.ToString(id.UserId) != aws.ToString(user.User.UserId) || aws.ToString(id.Account) != k.acct {
		t.Errorf("GetCallerIdentity with a session token = %s %s %s, want yuki's", aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(id.Account))
	}
	// …may assume roles…
	_, err = session.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r")), RoleSessionName: aws.String("ss")})
	wantOK(t, "AssumeRole with a session token", err)
	// …but not call IAM without MFA, though the user may…
	_, err = session.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantErr(t, "ListUsers with a session token without MFA", err, "AccessDenied", "iam:ListUsers")
	_, err = yuki.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantOK(t, "ListUsers with the user's keys", err)
	// …nor get another session token.
	_, err = session.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{})
	wantErr(t, "GetSessionToken with a session token", err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	role, _ := k.assume(t, yuki, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/r"))})
	_, err = role.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{})
	wantErr(t, "GetSessionToken with a role session", err, "AccessDenied", "Cannot call GetSessionToken with session credentials")

	// GetSessionToken needs no permission.
	zed := k.newUser(t, "zed", policyDoc(deny("sts:*", "*")))
	_, err = zed.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	wantOK(t, "GetSessionToken of a user denied sts:*", err)

	tests := []struct {
		seconds int32
		code    string
	}{
		{900, ""},
		{129600, ""},
		{899, "ValidationError"},
		{129601, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.seconds), func(t *testing.T) {
			out, err := yuki.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(tt.seconds)})
			if tt.code != "" {
				wantErr(t, "GetSessionToken", err, tt.code, "durationSeconds")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantExpiration(t, "GetSessionToken", out.Credentials.Expiration, time.Duration(tt.seconds)*time.Second)
		})
	}
}

func TestGetCallerIdentityEveryCredential(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	bare := k.newUser(t, "bare")
	denied := k.newUser(t, "denied", policyDoc(deny("*", "*")))
	k.newRole(t, "first", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), policyDoc(allow("sts:AssumeRole", "*")))
	k.newRole(t, "second", trustDoc(awsPrincipal(k.arn("role/first")), "sts:AssumeRole"))
	first, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("one")})
	second, _ := k.assume(t, first, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/second")), RoleSessionName: aws.String("two")})
	tok, err := bare.sts.GetSessionToken(k.ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	bareSession := k.creds(aws.ToString(tok.Credentials.AccessKeyId), aws.ToString(tok.Credentials.SecretAccessKey), aws.ToString(tok.Credentials.SessionToken))
	ids := map[string]string{}
	for _, name := range []string{"admin", "bare", "denied"} {
		u, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = aws.ToString(u.User.UserId)
	}
	for _, name := range []string{"first", "second"} {
		r, err := k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = aws.ToString(r.Role.RoleId)
	}
	tests := []struct {
		name   string
		c      *creds
		arn    string
		userID string
	}{
		{"administrator", admin, k.arn("user/admin"), ids["admin"]},
		{"user without policies", bare, k.arn("user/bare"), ids["bare"]},
		{"user denied everything", denied, k.arn("user/denied"), ids["denied"]},
		{"session token", bareSession, k.arn("user/bare"), ids["bare"]},
		{"role session", first, "arn:aws:sts::" + k.acct + ":assumed-role/first/one", ids["first"] + ":one"},
		{"chained role session", second, "arn:aws:sts::" + k.acct + ":assumed-role/second/two", ids["second"] + ":two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.c.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Arn) != tt.arn || aws.ToString(out.UserId) != tt.userID || aws.ToString(out.Account) != k.acct {
				t.Errorf("GetCallerIdentity = %s %s %s, want %s %s %s", aws.ToString(out.Arn), aws.ToString(out.UserId), aws.ToString(out.Account), tt.arn, tt.userID, k.acct)
			}
		})
	}
}

func TestRoleBoundaryLimitsSessions(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "bounded", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	for _, call := range []func() error{
		func() error {
			_, err := k.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("bounded"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		},
		func() error {
			_, err := k.iam.PutRolePermissionsBoundary(k.ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("bounded"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
			return err
		},
	} {
		mustDo(t, "set up the role", call)
	}
	session, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/bounded")), RoleSessionName: aws.String("b1")})
	_, err := session.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantOK(t, "ListUsers within the role's boundary", err)
	_, err = session.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	wantErr(t, "CreateGroup outside the role's boundary", err, "AccessDenied",
		"User: arn:aws:sts::"+k.acct+":assumed-role/bounded/b1 is not authorized to perform: iam:CreateGroup on resource: "+k.arn("group/g")+" because no permissions boundary allows the iam:CreateGroup action")
	// Role, boundary and session policy: the intersection of all three.
	session, _ = k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/bounded")), RoleSessionName: aws.String("b2"),
		Policy: aws.String(policyDoc(allow("iam:ListRoles,iam:CreateGroup", "*")))})
	_, err = session.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles in all three", err)
	_, err = session.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantErr(t, "ListUsers outside the session policy", err, "AccessDenied", "because no session policy allows the iam:ListUsers action")
	_, err = session.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	wantErr(t, "CreateGroup outside the boundary", err, "AccessDenied", "because no permissions boundary allows the iam:CreateGroup action")
	// Removing the boundary takes effect for the live session at once.
	mustDo(t, "DeleteRolePermissionsBoundary", func() error {
		_, err := k.iam.DeleteRolePermissionsBoundary(k.ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("bounded")})
		return err
	})
	_, err = session.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	wantOK(t, "CreateGroup without the boundary", err)
}

func TestSessionPrincipalConditionKeys(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	admin := k.admin()
	k.newRole(t, "first", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), policyDoc(allow("sts:AssumeRole", "*")))
	// Only sessions of the role first may assume gated, whatever their name.
	k.newRole(t, "gated", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole", `{"ArnEquals":{"aws:PrincipalArn":"`+k.arn("role/first")+`"},"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`))
	first, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("any-name")})
	_, err := first.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/gated")), RoleSessionName: aws.String("g1")})
	wantOK(t, "AssumeRole(gated) by a session of first", err)
	_, err = admin.sts.AssumeRole(k.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/gated")), RoleSessionName: aws.String("g1")})
	wantErr(t, "AssumeRole(gated) by a user", err, "AccessDenied", "sts:AssumeRole on resource: "+k.arn("role/gated"))

	// aws:userid of a session is the role's ID and the session's name.
	role, err := k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	k.putRolePolicy(t, "first", "by-session", policyDoc(allow("iam:ListRoles", "*", `{"StringLike":{"aws:userid":"`+aws.ToString(role.Role.RoleId)+`:alice-*"}}`)))
	alice, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("alice-laptop")})
	bob, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(k.arn("role/first")), RoleSessionName: aws.String("bob-laptop")})
	_, err = alice.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles by session alice-laptop", err)
	_, err = bob.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantErr(t, "ListRoles by session bob-laptop", err, "AccessDenied", "assumed-role/first/bob-laptop is not authorized to perform: iam:ListRoles")
}
