// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// kanri is a running system and the administrator's clients.
type kanri struct {
	k    *kanritest.Kanri
	ctx  context.Context
	acct string
	iam  *iam.Client
	sts  *sts.Client
}

// startKanri starts a system for t.
func startKanri(t testing.TB) *kanri {
	t.Helper()
	k := kanritest.Start(t, kanritest.Options{})
	cfg := k.Config()
	return &kanri{k: k, ctx: context.Background(), acct: k.Server.Account(), iam: iam.NewFromConfig(cfg), sts: sts.NewFromConfig(cfg)}
}

// arn returns an IAM ARN of the account, e.g. k.arn("user/alice").
func (k *kanri) arn(resource string) string { return "arn:aws:iam::" + k.acct + ":" + resource }

// creds is a set of credentials and the clients that use them.
type creds struct {
	ak, secret, token string
	cfg               aws.Config
	iam               *iam.Client
	sts               *sts.Client
}

func (k *kanri) creds(ak, secret, token string) *creds {
	cfg := k.k.ConfigFor(ak, secret, token)
	return &creds{ak: ak, secret: secret, token: token, cfg: cfg, iam: iam.NewFromConfig(cfg), sts: sts.NewFromConfig(cfg)}
}

// newUser creates a user with the given inline policies (named p1, p2, …)
// and an access key, and returns the key's credentials.
func (k *kanri) newUser(t testing.TB, name string, inline ...string) *creds {
	t.Helper()
	if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	for i, doc := range inline {
		k.putUserPolicy(t, name, fmt.Sprintf("p%d", i+1), doc)
	}
	out, err := k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateAccessKey(%s): %v", name, err)
	}
	return k.creds(aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey), "")
}

func (k *kanri) putUserPolicy(t testing.TB, user, name, doc string) {
	t.Helper()
	if _, err := k.iam.PutUserPolicy(k.ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutUserPolicy(%s, %s): %v", user, name, err)
	}
}

func (k *kanri) putRolePolicy(t testing.TB, role, name, doc string) {
	t.Helper()
	if _, err := k.iam.PutRolePolicy(k.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutRolePolicy(%s, %s): %v", role, name, err)
	}
}

// newRole creates a role with a trust policy and inline policies (named
// p1, p2, …) and returns its ARN.
func (k *kanri) newRole(t testing.TB, name, trust string, inline ...string) string {
	t.Helper()
	out, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("CreateRole(%s): %v", name, err)
	}
	for i, doc := range inline {
		k.putRolePolicy(t, name, fmt.Sprintf("p%d", i+1), doc)
	}
	return aws.ToString(out.Role.Arn)
}

// createPolicy creates a customer managed policy and returns its ARN.
func (k *kanri) createPolicy(t testing.TB, name, doc string) string {
	t.Helper()
	out, err := k.iam.CreatePolicy(k.ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatalf("CreatePolicy(%s): %v", name, err)
	}
	return aws.ToString(out.Policy.Arn)
}

// assume assumes a role with c and returns the session's credentials.
func (k *kanri) assume(t testing.TB, c *creds, in *sts.AssumeRoleInput) (*creds, *sts.AssumeRoleOutput) {
	t.Helper()
	if in.RoleSessionName == nil {
		in.RoleSessionName = aws.String("test-session")
	}
	out, err := c.sts.AssumeRole(k.ctx, in)
	if err != nil {
		t.Fatalf("AssumeRole(%s): %v", aws.ToString(in.RoleArn), err)
	}
	cr := out.Credentials
	return k.creds(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)), out
}

// errCode returns the AWS error code of err, or "" for none.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of the answer that err came with.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wantErr fails t unless err has the AWS code and a message containing
// every part of msgs.
func wantErr(t testing.TB, what string, err error, code string, msgs ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s = success, want %s", what, code)
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s error = %v, want an AWS error %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s error = %s %q, want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
		return
	}
	for _, m := range msgs {
		if !strings.Contains(ae.ErrorMessage(), m) {
			t.Errorf("%s error message = %q, want it to contain %q", what, ae.ErrorMessage(), m)
		}
	}
}

// wantOK fails t if err is not nil.
func wantOK(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v, want success", what, err)
	}
}

// policyDoc returns an identity policy with the statements.
func policyDoc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// stmt returns a statement of effect for comma-separated actions on a
// resource, with an optional condition (a JSON object).
func stmt(effect, actions, resource string, condition ...string) string {
	as, _ := json.Marshal(strings.Split(actions, ","))
	s := fmt.Sprintf(`{"Effect":%q,"Action":%s,"Resource":%q`, effect, as, resource)
	if len(condition) > 0 {
		s += `,"Condition":` + condition[0]
	}
	return s + "}"
}

func allow(actions, resource string, condition ...string) string {
	return stmt("Allow", actions, resource, condition...)
}

func deny(actions, resource string, condition ...string) string {
	return stmt("Deny", actions, resource, condition...)
}

// trustDoc returns a trust policy letting principal (a JSON value of the
// Principal element) perform actions, with an optional condition.
func trustDoc(principal, actions string, condition ...string) string {
	as, _ := json.Marshal(strings.Split(actions, ","))
	s := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":%s,"Action":%s`, principal, as)
	if len(condition) > 0 {
		s += `,"Condition":` + condition[0]
	}
	return s + "}]}"
}

// awsPrincipal returns {"AWS": arn}.
func awsPrincipal(arn string) string { return fmt.Sprintf(`{"AWS":%q}`, arn) }

// sizeWithoutSpace counts the characters of s that are not white space,
// as IAM measures policies.
func sizeWithoutSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// docOfSize returns an identity policy of exactly n characters without
// white space (n ≥ 120), allowing iam:GetUser on a resource padded to size.
func docOfSize(t testing.TB, n int) string {
	t.Helper()
	doc := policyDoc(allow("iam:GetUser", "arn:aws:iam::*:user/x"))
	pad := n - sizeWithoutSpace(doc)
	if pad < 0 {
		t.Fatalf("docOfSize(%d): too small", n)
	}
	doc = policyDoc(allow("iam:GetUser", "arn:aws:iam::*:user/x"+strings.Repeat("a", pad)))
	if got := sizeWithoutSpace(doc); got != n {
		t.Fatalf("docOfSize(%d) made %d", n, got)
	}
	return doc
}

func tagsOf(kv ...string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, iamtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagMap(tags []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// decode URL-decodes a policy document as IAM returns it.
func decode(t testing.TB, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	return s
}

// ---------------------------------------------------------------- users

func TestIAMCreateUser(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	boundary := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	out, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{
		UserName: aws.String("alice"), Path: aws.String("/eng/team/"), PermissionsBoundary: aws.String(boundary),
		Tags: tagsOf("team", "blue", "cost-center", "42"),
	})
	if err != nil {
		t.Fatal(err)
	}
	u := out.User
	if got, want := aws.ToString(u.Arn), k.arn("user/eng/team/alice"); got != want {
		t.Errorf("CreateUser Arn = %s, want %s", got, want)
	}
	if aws.ToString(u.Path) != "/eng/team/" || aws.ToString(u.UserName) != "alice" || !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || len(aws.ToString(u.UserId)) != 21 {
		t.Errorf("CreateUser User = path %s name %s id %s", aws.ToString(u.Path), aws.ToString(u.UserName), aws.ToString(u.UserId))
	}
	if u.CreateDate == nil || time.Since(*u.CreateDate) > time.Minute {
		t.Errorf("CreateUser CreateDate = %v, want now", u.CreateDate)
	}
	if u.PermissionsBoundary == nil || aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn) != boundary {
		t.Errorf("CreateUser PermissionsBoundary = %+v, want %s", u.PermissionsBoundary, boundary)
	}
	get, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("ALICE")}) // names match in any case
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "blue", "cost-center": "42"}, tagMap(get.User.Tags)); diff != "" {
		t.Errorf("GetUser Tags (-want +got):\n%s", diff)
	}
	if aws.ToString(get.User.UserId) != aws.ToString(u.UserId) || aws.ToString(get.User.Arn) != aws.ToString(u.Arn) ||
		get.User.PermissionsBoundary == nil || aws.ToString(get.User.PermissionsBoundary.PermissionsBoundaryArn) != boundary {
		t.Errorf("GetUser = %+v, want the created user", get.User)
	}
	lt, err := k.iam.ListUserTags(k.ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")})
	if err != nil || len(lt.Tags) != 2 {
		t.Errorf("ListUserTags = %v, %v; want 2 tags", lt, err)
	}

	tests := []struct {
		name   string
		in     *iam.CreateUserInput
		code   string
		status int
		msg    string
	}{
		{"same name in another case", &iam.CreateUserInput{UserName: aws.String("Alice")}, "EntityAlreadyExists", 409, "User with name Alice already exists."},
		{"path without slashes", &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("eng")}, "ValidationError", 400, "path"},
		{"unknown boundary", &iam.CreateUserInput{UserName: aws.String("bob"), PermissionsBoundary: aws.String(k.arn("policy/Nope"))}, "NoSuchEntity", 404,
			"Scope ARN: " + k.arn("policy/Nope") + " does not exist or is not attachable."},
		{"duplicate tag keys", &iam.CreateUserInput{UserName: aws.String("bob"), Tags: tagsOf("a", "1", "A", "2")}, "InvalidInput", 400, "Duplicate tag keys"},
		{"name too long", &iam.CreateUserInput{UserName: aws.String(strings.Repeat("n", 65))}, "ValidationError", 400, "userName"},
		{"bad name", &iam.CreateUserInput{UserName: aws.String("bob smith")}, "ValidationError", 400, "userName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.iam.CreateUser(k.ctx, tt.in)
			wantErr(t, "CreateUser", err, tt.code, tt.msg)
			if s := httpStatus(err); s != tt.status {
				t.Errorf("CreateUser status = %d, want %d", s, tt.status)
			}
		})
	}
	if _, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("bob")}); errCode(err) != "NoSuchEntity" {
		t.Errorf("a refused CreateUser left user bob: GetUser error = %v", err)
	}
}

func TestIAMPermissionsBoundaryType(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	boundary := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("bo"), PermissionsBoundary: aws.String(boundary)}); err != nil {
		t.Fatal(err)
	}
	k.newRole(t, "bo", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	mustDo(t, "PutRolePermissionsBoundary", func() error {
		_, err := k.iam.PutRolePermissionsBoundary(k.ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("bo"), PermissionsBoundary: aws.String(boundary)})
		return err
	})
	u, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("bo")})
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("bo")})
	if err != nil {
		t.Fatal(err)
	}
	// IAM's AttachedPermissionsBoundary: "Valid Values: PermissionsBoundaryPolicy".
	for what, b := range map[string]*iamtypes.AttachedPermissionsBoundary{"GetUser": u.User.PermissionsBoundary, "GetRole": r.Role.PermissionsBoundary} {
		if b == nil || aws.ToString(b.PermissionsBoundaryArn) != boundary || b.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
			t.Errorf("%s PermissionsBoundary = %+v, want %s of type %s", what, b, boundary, iamtypes.PermissionsBoundaryAttachmentTypePolicy)
		} else if b != nil {
			t.Logf("%s PermissionsBoundaryType = %s", what, b.PermissionsBoundaryType)
		}
	}
}

func TestIAMGetUserSelf(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	out, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.User.Arn), k.arn("user/admin"); got != want {
		t.Errorf("GetUser() as admin = %s, want %s", got, want)
	}
	// A user allowed iam:GetUser on itself reads itself without naming it.
	frank := k.newUser(t, "frank", policyDoc(allow("iam:GetUser", k.arn("user/frank"))))
	out, err = frank.iam.GetUser(k.ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.User.UserName) != "frank" || aws.ToString(out.User.Arn) != k.arn("user/frank") {
		t.Errorf("GetUser() as frank = %s %s, want frank", aws.ToString(out.User.UserName), aws.ToString(out.User.Arn))
	}
	// The same works for the access key operations.
	keys, err := frank.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{})
	wantErr(t, "ListAccessKeys() without permission", err, "AccessDenied", "iam:ListAccessKeys on resource: "+k.arn("user/frank"))
	k.putUserPolicy(t, "frank", "keys", policyDoc(allow("iam:ListAccessKeys", k.arn("user/frank"))))
	keys, err = frank.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != frank.ak || aws.ToString(keys.AccessKeyMetadata[0].UserName) != "frank" {
		t.Errorf("ListAccessKeys() as frank = %+v, want frank's key %s", keys.AccessKeyMetadata, frank.ak)
	}
}

func TestIAMGetUserWithoutNameAsRole(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	roleARN := k.newRole(t, "reader", trustDoc(awsPrincipal(k.arn("user/admin")), "sts:AssumeRole"), policyDoc(allow("iam:GetUser", "*")))
	admin := k.creds(k.k.AccessKeyID(), k.k.SecretAccessKey(), "")
	session, _ := k.assume(t, admin, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN)})
	_, err := session.iam.GetUser(k.ctx, &iam.GetUserInput{})
	// As IAM: <Code>ValidationError</Code>, as aws-sdk-go's own test
	// fixture of the federated GetUser failure shows.
	wantErr(t, "GetUser() with role credentials", err, "ValidationError", "Must specify userName when calling with non-User credentials")
}

func TestIAMListUsersPaging(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	users := map[string]string{"u1": "/a/", "u2": "/a/b/", "u3": "/c/", "u4": "/a/", "u5": "/"}
	for name, p := range users {
		if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(prefix string, max int32) (names []string, pages int) {
		t.Helper()
		in := &iam.ListUsersInput{MaxItems: aws.Int32(max)}
		if prefix != "" {
			in.PathPrefix = aws.String(prefix)
		}
		for {
			out, err := k.iam.ListUsers(k.ctx, in)
			if err != nil {
				t.Fatalf("ListUsers(%+v): %v", in, err)
			}
			pages++
			if len(out.Users) > int(max) {
				t.Fatalf("ListUsers MaxItems %d returned %d users", max, len(out.Users))
			}
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
				if len(u.Tags) != 0 {
					t.Errorf("ListUsers returned tags of %s; IAM's ListUsers does not", aws.ToString(u.UserName))
				}
			}
			if !out.IsTruncated {
				if out.Marker != nil && *out.Marker != "" {
					t.Errorf("ListUsers last page has Marker %q", *out.Marker)
				}
				return names, pages
			}
			if aws.ToString(out.Marker) == "" {
				t.Fatal("ListUsers IsTruncated without a Marker")
			}
			in.Marker = out.Marker
		}
	}
	tests := []struct {
		prefix    string
		max       int32
		want      []string
		wantPages int
	}{
		{"", 2, []string{"admin", "u1", "u2", "u3", "u4", "u5"}, 3},
		{"", 100, []string{"admin", "u1", "u2", "u3", "u4", "u5"}, 1},
		{"", 6, []string{"admin", "u1", "u2", "u3", "u4", "u5"}, 1},
		{"", 5, []string{"admin", "u1", "u2", "u3", "u4", "u5"}, 2},
		{"/", 1, []string{"admin", "u1", "u2", "u3", "u4", "u5"}, 6},
		{"/a/", 1, []string{"u1", "u2", "u4"}, 3},
		{"/a/b/", 10, []string{"u2"}, 1},
		{"/c/", 10, []string{"u3"}, 1},
		{"/none/", 10, nil, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.prefix, tt.max), func(t *testing.T) {
			got, pages := list(tt.prefix, tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ListUsers(PathPrefix %q, MaxItems %d) (-want +got):\n%s", tt.prefix, tt.max, diff)
			}
			if pages != tt.wantPages {
				t.Errorf("ListUsers(PathPrefix %q, MaxItems %d) took %d pages, want %d", tt.prefix, tt.max, pages, tt.wantPages)
			}
		})
	}
	_, err := k.iam.ListUsers(k.ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
	wantErr(t, "ListUsers(MaxItems 0)", err, "ValidationError", "maxItems")
}

func TestIAMRenameUser(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	bob := k.newUser(t, "bob", policyDoc(allow("iam:ListRoles", "*")))
	if _, err := k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	groupPolicy := k.createPolicy(t, "ListGroups", policyDoc(allow("iam:ListGroups", "*")))
	mustDo(t, "AttachGroupPolicy", func() error {
		_, err := k.iam.AttachGroupPolicy(k.ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ops"), PolicyArn: aws.String(groupPolicy)})
		return err
	})
	mustDo(t, "AddUserToGroup", func() error {
		_, err := k.iam.AddUserToGroup(k.ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("bob")})
		return err
	})
	userPolicy := k.createPolicy(t, "ListPolicies", policyDoc(allow("iam:ListPolicies", "*")))
	mustDo(t, "AttachUserPolicy", func() error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(userPolicy)})
		return err
	})
	// Warm the caches with the old name.
	if _, err := bob.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}

	_, err := k.iam.UpdateUser(k.ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert"), NewPath: aws.String("/renamed/")})
	if err != nil {
		t.Fatal(err)
	}
	// bob's key now signs as robert, with everything bob had.
	id, err := bob.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), k.arn("user/renamed/robert"); got != want {
		t.Errorf("GetCallerIdentity after rename = %s, want %s", got, want)
	}
	_, err = bob.iam.ListRoles(k.ctx, &iam.ListRolesInput{})
	wantOK(t, "ListRoles (inline policy) after rename", err)
	_, err = bob.iam.ListGroups(k.ctx, &iam.ListGroupsInput{})
	wantOK(t, "ListGroups (group's policy) after rename", err)
	_, err = bob.iam.ListPolicies(k.ctx, &iam.ListPoliciesInput{})
	wantOK(t, "ListPolicies (attached policy) after rename", err)
	_, err = bob.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantErr(t, "ListUsers after rename", err, "AccessDenied", "User: "+k.arn("user/renamed/robert")+" is not authorized to perform: iam:ListUsers")

	_, err = k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	wantErr(t, "GetUser(bob) after rename", err, "NoSuchEntity", "The user with name bob cannot be found.")
	u, err := k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("robert")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u.User.Path) != "/renamed/" {
		t.Errorf("GetUser(robert) Path = %s, want /renamed/", aws.ToString(u.User.Path))
	}
	keys, err := k.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{UserName: aws.String("robert")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].UserName) != "robert" {
		t.Errorf("ListAccessKeys(robert) = %+v, %v; want bob's key under robert", keys, err)
	}
	pols, err := k.iam.ListUserPolicies(k.ctx, &iam.ListUserPoliciesInput{UserName: aws.String("robert")})
	if err != nil || !slices.Equal(pols.PolicyNames, []string{"p1"}) {
		t.Errorf("ListUserPolicies(robert) = %v, %v; want [p1]", pols, err)
	}
	groups, err := k.iam.ListGroupsForUser(k.ctx, &iam.ListGroupsForUserInput{UserName: aws.String("robert")})
	if err != nil || len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "ops" {
		t.Errorf("ListGroupsForUser(robert) = %v, %v; want ops", groups, err)
	}
	g, err := k.iam.GetGroup(k.ctx, &iam.GetGroupInput{GroupName: aws.String("ops")})
	if err != nil || len(g.Users) != 1 || aws.ToString(g.Users[0].UserName) != "robert" {
		t.Errorf("GetGroup(ops) users = %v, %v; want robert", g, err)
	}
	ents, err := k.iam.ListEntitiesForPolicy(k.ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(userPolicy)})
	if err != nil || len(ents.PolicyUsers) != 1 || aws.ToString(ents.PolicyUsers[0].UserName) != "robert" {
		t.Errorf("ListEntitiesForPolicy = %v, %v; want robert", ents, err)
	}

	k.newUser(t, "carol")
	_, err = k.iam.UpdateUser(k.ctx, &iam.UpdateUserInput{UserName: aws.String("robert"), NewUserName: aws.String("Carol")})
	wantErr(t, "UpdateUser to an existing name", err, "EntityAlreadyExists", "Carol")
	_, err = k.iam.UpdateUser(k.ctx, &iam.UpdateUserInput{UserName: aws.String("nobody"), NewUserName: aws.String("somebody")})
	wantErr(t, "UpdateUser of a missing user", err, "NoSuchEntity", "nobody")
}

// mustDo fails t now unless fn succeeds.
func mustDo(t testing.TB, what string, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestIAMDeleteUserConflicts(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	if _, err := k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		give    func(user string) error // gives the user what blocks its deletion
		msg     string
		release func(user string) error
	}{
		{"access key", func(u string) error {
			_, err := k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(u)})
			return err
		}, "Cannot delete entity, must delete access keys first.", func(u string) error {
			keys, err := k.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{UserName: aws.String(u)})
			if err != nil {
				return err
			}
			for _, key := range keys.AccessKeyMetadata {
				if _, err := k.iam.DeleteAccessKey(k.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(u), AccessKeyId: key.AccessKeyId}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"inline policy", func(u string) error {
			_, err := k.iam.PutUserPolicy(k.ctx, &iam.PutUserPolicyInput{UserName: aws.String(u), PolicyName: aws.String("p"), PolicyDocument: aws.String(policyDoc(allow("iam:GetUser", "*")))})
			return err
		}, "Cannot delete entity, must delete policies first.", func(u string) error {
			_, err := k.iam.DeleteUserPolicy(k.ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(u), PolicyName: aws.String("p")})
			return err
		}},
		{"attached policy", func(u string) error {
			_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}, "Cannot delete entity, must detach all policies first.", func(u string) error {
			_, err := k.iam.DetachUserPolicy(k.ctx, &iam.DetachUserPolicyInput{UserName: aws.String(u), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}},
		{"group", func(u string) error {
			_, err := k.iam.AddUserToGroup(k.ctx, &iam.AddUserToGroupInput{UserName: aws.String(u), GroupName: aws.String("g")})
			return err
		}, "Cannot delete entity, must remove users from group first.", func(u string) error {
			_, err := k.iam.RemoveUserFromGroup(k.ctx, &iam.RemoveUserFromGroupInput{UserName: aws.String(u), GroupName: aws.String("g")})
			return err
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := fmt.Sprintf("user%d", i)
			if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
				t.Fatal(err)
			}
			mustDo(t, "give", func() error { return tt.give(user) })
			_, err := k.iam.DeleteUser(k.ctx, &iam.DeleteUserInput{UserName: aws.String(user)})
			wantErr(t, "DeleteUser", err, "DeleteConflict", tt.msg)
			if s := httpStatus(err); s != 409 {
				t.Errorf("DeleteUser status = %d, want 409", s)
			}
			mustDo(t, "release", func() error { return tt.release(user) })
			_, err = k.iam.DeleteUser(k.ctx, &iam.DeleteUserInput{UserName: aws.String(user)})
			wantOK(t, "DeleteUser once released", err)
			_, err = k.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String(user)})
			wantErr(t, "GetUser after DeleteUser", err, "NoSuchEntity", "The user with name "+user+" cannot be found.")
			if s := httpStatus(err); s != 404 {
				t.Errorf("GetUser of a deleted user status = %d, want 404", s)
			}
		})
	}
	_, err := k.iam.DeleteUser(k.ctx, &iam.DeleteUserInput{UserName: aws.String("ghost")})
	wantErr(t, "DeleteUser(ghost)", err, "NoSuchEntity", "ghost")
	if s := httpStatus(err); s != 404 {
		t.Errorf("DeleteUser(ghost) status = %d, want 404", s)
	}
}

// --------------------------------------------------------- access keys

func TestIAMAccessKeys(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	first := k.newUser(t, "dave")
	out, err := k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	second := k.creds(aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey), "")
	if !strings.HasPrefix(second.ak, "AKIA") || len(second.ak) != 20 || len(second.secret) != 40 || out.AccessKey.Status != iamtypes.StatusTypeActive {
		t.Errorf("CreateAccessKey = %s/%d chars secret/%s, want AKIA… (20), 40, Active", second.ak, len(second.secret), out.AccessKey.Status)
	}
	_, err = k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	wantErr(t, "third CreateAccessKey", err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	if s := httpStatus(err); s != 409 {
		t.Errorf("third CreateAccessKey status = %d, want 409", s)
	}

	whoami := func(c *creds) error {
		_, err := c.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	wantOK(t, "first key", whoami(first))
	wantOK(t, "second key", whoami(second))

	// Deactivating stops the key at once on this server, though it was
	// just used (and cached).
	_, err = k.iam.UpdateAccessKey(k.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(first.ak), Status: iamtypes.StatusTypeInactive})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "deactivated key", whoami(first), "InvalidClientTokenId", "The security token included in the request is invalid.")
	wantOK(t, "the other key", whoami(second))
	keys, err := k.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{UserName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]iamtypes.StatusType{}
	for _, m := range keys.AccessKeyMetadata {
		status[aws.ToString(m.AccessKeyId)] = m.Status
	}
	if diff := cmp.Diff(map[string]iamtypes.StatusType{first.ak: "Inactive", second.ak: "Active"}, status); diff != "" {
		t.Errorf("ListAccessKeys statuses (-want +got):\n%s", diff)
	}
	// An inactive key still counts against the quota.
	_, err = k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	wantErr(t, "CreateAccessKey with an inactive key", err, "LimitExceeded")

	_, err = k.iam.UpdateAccessKey(k.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(first.ak), Status: iamtypes.StatusTypeActive})
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, "reactivated key", whoami(first))

	_, err = k.iam.DeleteAccessKey(k.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(first.ak)})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "deleted key", whoami(first), "InvalidClientTokenId")
	_, err = k.iam.DeleteAccessKey(k.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(first.ak)})
	wantErr(t, "DeleteAccessKey twice", err, "NoSuchEntity", first.ak)
	// A key of another user is not found through this one.
	k.newUser(t, "erin")
	_, err = k.iam.UpdateAccessKey(k.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("erin"), AccessKeyId: aws.String(second.ak), Status: iamtypes.StatusTypeInactive})
	wantErr(t, "UpdateAccessKey of another user's key", err, "NoSuchEntity")
	wantOK(t, "key of dave after erin's attempt", whoami(second))
	_, err = k.iam.UpdateAccessKey(k.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(second.ak), Status: "Paused"})
	wantErr(t, "UpdateAccessKey to an unknown status", err, "ValidationError", "status")
}

func TestIAMAccessKeyLastUsed(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("gina")}); err != nil {
		t.Fatal(err)
	}
	key, err := k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("gina")})
	if err != nil {
		t.Fatal(err)
	}
	id := key.AccessKey.AccessKeyId
	lu, err := k.iam.GetAccessKeyLastUsed(k.ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(lu.UserName) != "gina" || lu.AccessKeyLastUsed == nil || lu.AccessKeyLastUsed.LastUsedDate != nil ||
		aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "N/A" || aws.ToString(lu.AccessKeyLastUsed.Region) != "N/A" {
		t.Errorf("GetAccessKeyLastUsed of an unused key = %s %+v, want gina, no date, N/A, N/A", aws.ToString(lu.UserName), lu.AccessKeyLastUsed)
	}
	before := time.Now().Add(-time.Second)
	gina := k.creds(aws.ToString(id), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := gina.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	lu, err = k.iam.GetAccessKeyLastUsed(k.ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: id})
	if err != nil {
		t.Fatal(err)
	}
	if d := lu.AccessKeyLastUsed.LastUsedDate; d == nil || d.Before(before.Truncate(time.Minute)) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("GetAccessKeyLastUsed LastUsedDate = %v, want about %v", d, before)
	}
	if r := aws.ToString(lu.AccessKeyLastUsed.Region); r != k.k.Server.Region() {
		t.Errorf("GetAccessKeyLastUsed Region = %s, want %s", r, k.k.Server.Region())
	}
	_, err = k.iam.GetAccessKeyLastUsed(k.ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
	wantErr(t, "GetAccessKeyLastUsed of an unknown key", err, "NoSuchEntity")
}

func TestIAMAccessKeyLastUsedService(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	hank := k.newUser(t, "hank", policyDoc(allow("iam:ListRoles", "*")))
	if _, err := hank.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	lu, err := k.iam.GetAccessKeyLastUsed(k.ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(hank.ak)})
	if err != nil {
		t.Fatal(err)
	}
	// IAM: "The name of the Amazon Web Services service with which this
	// access key was most recently used"; N/A only when never used.
	if got := aws.ToString(lu.AccessKeyLastUsed.ServiceName); got != "iam" {
		t.Errorf("GetAccessKeyLastUsed ServiceName after an IAM call = %q, want iam", got)
	}
}

// -------------------------------------------------- groups & membership

func TestIAMGroupPermissions(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	ivy := k.newUser(t, "ivy")
	listRoles := func() error { _, err := ivy.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); return err }
	listGroups := func() error { _, err := ivy.iam.ListGroups(k.ctx, &iam.ListGroupsInput{}); return err }
	wantErr(t, "ListRoles before the group", listRoles(), "AccessDenied",
		"User: "+k.arn("user/ivy")+" is not authorized to perform: iam:ListRoles because no identity-based policy allows the iam:ListRoles action")

	g, err := k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("dev"), Path: aws.String("/teams/")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(g.Group.Arn) != k.arn("group/teams/dev") || !strings.HasPrefix(aws.ToString(g.Group.GroupId), "AGPA") {
		t.Errorf("CreateGroup = %s %s", aws.ToString(g.Group.Arn), aws.ToString(g.Group.GroupId))
	}
	_, err = k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("DEV")})
	wantErr(t, "CreateGroup of an existing name", err, "EntityAlreadyExists")
	mustDo(t, "PutGroupPolicy", func() error {
		_, err := k.iam.PutGroupPolicy(k.ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("dev"), PolicyName: aws.String("roles"), PolicyDocument: aws.String(policyDoc(allow("iam:ListRoles", "*")))})
		return err
	})
	managed := k.createPolicy(t, "Groups", policyDoc(allow("iam:ListGroups", "*")))
	mustDo(t, "AttachGroupPolicy", func() error {
		_, err := k.iam.AttachGroupPolicy(k.ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("dev"), PolicyArn: aws.String(managed)})
		return err
	})
	wantErr(t, "ListRoles before joining", listRoles(), "AccessDenied")

	mustDo(t, "AddUserToGroup", func() error {
		_, err := k.iam.AddUserToGroup(k.ctx, &iam.AddUserToGroupInput{GroupName: aws.String("dev"), UserName: aws.String("ivy")})
		return err
	})
	wantOK(t, "ListRoles through the group's inline policy", listRoles())
	wantOK(t, "ListGroups through the group's attached policy", listGroups())
	gg, err := k.iam.GetGroup(k.ctx, &iam.GetGroupInput{GroupName: aws.String("dev")})
	if err != nil || len(gg.Users) != 1 || aws.ToString(gg.Users[0].UserName) != "ivy" {
		t.Errorf("GetGroup(dev) = %v, %v; want ivy", gg, err)
	}
	_, err = k.iam.DeleteGroup(k.ctx, &iam.DeleteGroupInput{GroupName: aws.String("dev")})
	wantErr(t, "DeleteGroup with a member", err, "DeleteConflict", "must remove users from group first")

	mustDo(t, "RemoveUserFromGroup", func() error {
		_, err := k.iam.RemoveUserFromGroup(k.ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("dev"), UserName: aws.String("ivy")})
		return err
	})
	wantErr(t, "ListRoles after leaving", listRoles(), "AccessDenied")
	wantErr(t, "ListGroups after leaving", listGroups(), "AccessDenied")
	_, err = k.iam.RemoveUserFromGroup(k.ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("dev"), UserName: aws.String("ivy")})
	wantErr(t, "RemoveUserFromGroup twice", err, "NoSuchEntity")
	_, err = k.iam.AddUserToGroup(k.ctx, &iam.AddUserToGroupInput{GroupName: aws.String("nope"), UserName: aws.String("ivy")})
	wantErr(t, "AddUserToGroup of a missing group", err, "NoSuchEntity", "nope")

	_, err = k.iam.DeleteGroup(k.ctx, &iam.DeleteGroupInput{GroupName: aws.String("dev")})
	wantErr(t, "DeleteGroup with a policy", err, "DeleteConflict", "must delete policies first")
	mustDo(t, "DeleteGroupPolicy", func() error {
		_, err := k.iam.DeleteGroupPolicy(k.ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String("dev"), PolicyName: aws.String("roles")})
		return err
	})
	_, err = k.iam.DeleteGroup(k.ctx, &iam.DeleteGroupInput{GroupName: aws.String("dev")})
	wantErr(t, "DeleteGroup with an attached policy", err, "DeleteConflict", "must detach all policies first")
	mustDo(t, "DetachGroupPolicy", func() error {
		_, err := k.iam.DetachGroupPolicy(k.ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("dev"), PolicyArn: aws.String(managed)})
		return err
	})
	_, err = k.iam.DeleteGroup(k.ctx, &iam.DeleteGroupInput{GroupName: aws.String("dev")})
	wantOK(t, "DeleteGroup once empty", err)
}

// ------------------------------------------------------------------ roles

func TestIAMCreateRoleErrors(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	trust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	tests := []struct {
		name string
		in   *iam.CreateRoleInput
		code string
		msgs []string
	}{
		{"malformed trust policy", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n}")},
			"MalformedPolicyDocument", []string{"line 4, column 1"}},
		{"trailing comma", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",}]}`)},
			"MalformedPolicyDocument", []string{"line 1, column 106", "trailing comma"}},
		{"trust policy with Resource", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}`)},
			"MalformedPolicyDocument", []string{"Statement[0].Resource", "prohibited field Resource"}},
		{"trust policy without Principal", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(policyDoc(allow("sts:AssumeRole", "*")))},
			"MalformedPolicyDocument", []string{"Statement[0]"}},
		{"identity policy as trust", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)},
			"MalformedPolicyDocument", []string{"missing required field Principal"}},
		{"MaxSessionDuration below an hour", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(3599)},
			"ValidationError", []string{"Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"}},
		{"MaxSessionDuration above 12 hours", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(43201)},
			"ValidationError", []string{"Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"}},
		{"bad path", &iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(trust), Path: aws.String("/a b/")}, "ValidationError", []string{"path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.RoleName = aws.String("r")
			_, err := k.iam.CreateRole(k.ctx, tt.in)
			wantErr(t, "CreateRole", err, tt.code, tt.msgs...)
			if s := httpStatus(err); s != 400 {
				t.Errorf("CreateRole status = %d, want 400", s)
			}
			_, err = k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
			wantErr(t, "GetRole after a refused CreateRole", err, "NoSuchEntity", "The role with name r cannot be found.")
		})
	}
	out, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("long"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.Role.MaxSessionDuration) != 43200 {
		t.Errorf("CreateRole MaxSessionDuration = %d, want 43200", aws.ToInt32(out.Role.MaxSessionDuration))
	}
	_, err = k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("LONG"), AssumeRolePolicyDocument: aws.String(trust)})
	wantErr(t, "CreateRole of an existing name", err, "EntityAlreadyExists", "LONG")
}

func TestIAMRoleLifecycle(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]\n}"
	out, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{
		RoleName: aws.String("web"), Path: aws.String("/app/"), AssumeRolePolicyDocument: aws.String(trust),
		Description: aws.String("web servers"), Tags: tagsOf("env", "prod"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != k.arn("role/app/web") || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || aws.ToInt32(r.MaxSessionDuration) != 3600 {
		t.Errorf("CreateRole = %s %s max %d, want role/app/web AROA… 3600", aws.ToString(r.Arn), aws.ToString(r.RoleId), aws.ToInt32(r.MaxSessionDuration))
	}
	if got := decode(t, r.AssumeRolePolicyDocument); got != trust {
		t.Errorf("CreateRole AssumeRolePolicyDocument decodes to %q, want %q", got, trust)
	}
	get, err := k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(get.Role.AssumeRolePolicyDocument)
	if raw == trust || !strings.Contains(raw, "%7B") || strings.Contains(raw, "+") {
		t.Errorf("GetRole AssumeRolePolicyDocument = %q, want it URL-encoded as IAM does (%%20 for spaces)", raw)
	}
	if got := decode(t, get.Role.AssumeRolePolicyDocument); got != trust {
		t.Errorf("GetRole AssumeRolePolicyDocument decodes to %q, want %q", got, trust)
	}
	if aws.ToString(get.Role.Description) != "web servers" || tagMap(get.Role.Tags)["env"] != "prod" {
		t.Errorf("GetRole = description %q tags %v", aws.ToString(get.Role.Description), tagMap(get.Role.Tags))
	}

	// UpdateAssumeRolePolicy replaces the trust policy, checked as one.
	newTrust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	_, err = k.iam.UpdateAssumeRolePolicy(k.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("web"), PolicyDocument: aws.String(newTrust)})
	if err != nil {
		t.Fatal(err)
	}
	get, _ = k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	if got := decode(t, get.Role.AssumeRolePolicyDocument); got != newTrust {
		t.Errorf("GetRole after UpdateAssumeRolePolicy = %q, want %q", got, newTrust)
	}
	_, err = k.iam.UpdateAssumeRolePolicy(k.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("web"), PolicyDocument: aws.String(policyDoc(allow("sts:AssumeRole", "*")))})
	wantErr(t, "UpdateAssumeRolePolicy with an identity policy", err, "MalformedPolicyDocument", "missing required field Principal")
	_, err = k.iam.UpdateAssumeRolePolicy(k.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("nope"), PolicyDocument: aws.String(newTrust)})
	wantErr(t, "UpdateAssumeRolePolicy of a missing role", err, "NoSuchEntity", "nope")

	// UpdateRole changes the maximum session within IAM's range.
	_, err = k.iam.UpdateRole(k.ctx, &iam.UpdateRoleInput{RoleName: aws.String("web"), MaxSessionDuration: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.iam.UpdateRole(k.ctx, &iam.UpdateRoleInput{RoleName: aws.String("web"), MaxSessionDuration: aws.Int32(43201)})
	wantErr(t, "UpdateRole MaxSessionDuration 43201", err, "ValidationError", "maxSessionDuration")
	get, _ = k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	if aws.ToInt32(get.Role.MaxSessionDuration) != 7200 || aws.ToString(get.Role.Description) != "web servers" {
		t.Errorf("GetRole after UpdateRole = max %d description %q, want 7200 and unchanged", aws.ToInt32(get.Role.MaxSessionDuration), aws.ToString(get.Role.Description))
	}

	// Tags.
	if _, err := k.iam.TagRole(k.ctx, &iam.TagRoleInput{RoleName: aws.String("web"), Tags: tagsOf("owner", "ops", "ENV", "dev")}); err != nil {
		t.Fatal(err)
	}
	lt, err := k.iam.ListRoleTags(k.ctx, &iam.ListRoleTagsInput{RoleName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"ENV": "dev", "owner": "ops"}, tagMap(lt.Tags)); diff != "" {
		t.Errorf("ListRoleTags after TagRole (keys are case-insensitive) (-want +got):\n%s", diff)
	}
	if _, err := k.iam.UntagRole(k.ctx, &iam.UntagRoleInput{RoleName: aws.String("web"), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	lt, _ = k.iam.ListRoleTags(k.ctx, &iam.ListRoleTagsInput{RoleName: aws.String("web")})
	if diff := cmp.Diff(map[string]string{"owner": "ops"}, tagMap(lt.Tags)); diff != "" {
		t.Errorf("ListRoleTags after UntagRole (-want +got):\n%s", diff)
	}
	many := make([]iamtypes.Tag, 0, 50)
	for i := range 50 {
		many = append(many, iamtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err = k.iam.TagRole(k.ctx, &iam.TagRoleInput{RoleName: aws.String("web"), Tags: many})
	wantErr(t, "TagRole past 50 tags", err, "LimitExceeded", "50")

	// ListRoles does not return tags.
	lr, err := k.iam.ListRoles(k.ctx, &iam.ListRolesInput{PathPrefix: aws.String("/app/")})
	if err != nil || len(lr.Roles) != 1 || aws.ToString(lr.Roles[0].RoleName) != "web" || len(lr.Roles[0].Tags) != 0 {
		t.Errorf("ListRoles(/app/) = %+v, %v; want web without tags", lr, err)
	}

	// DeleteRole conflicts while the role has policies.
	k.putRolePolicy(t, "web", "inline", policyDoc(allow("iam:GetRole", "*")))
	_, err = k.iam.DeleteRole(k.ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantErr(t, "DeleteRole with an inline policy", err, "DeleteConflict", "must delete policies first")
	mustDo(t, "DeleteRolePolicy", func() error {
		_, err := k.iam.DeleteRolePolicy(k.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("web"), PolicyName: aws.String("inline")})
		return err
	})
	mustDo(t, "AttachRolePolicy", func() error {
		_, err := k.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
		return err
	})
	_, err = k.iam.DeleteRole(k.ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantErr(t, "DeleteRole with an attached policy", err, "DeleteConflict", "must detach all policies first")
	mustDo(t, "DetachRolePolicy", func() error {
		_, err := k.iam.DetachRolePolicy(k.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
		return err
	})
	_, err = k.iam.DeleteRole(k.ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantOK(t, "DeleteRole", err)
	_, err = k.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	wantErr(t, "GetRole after DeleteRole", err, "NoSuchEntity", "The role with name web cannot be found.")
	if s := httpStatus(err); s != 404 {
		t.Errorf("GetRole of a deleted role status = %d, want 404", s)
	}
}

// ------------------------------------------------------ inline policies

func TestIAMPolicyDocumentsAreURLEncoded(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	// Spaces, new lines, "+", "%", "&", "=" and non-ASCII all survive.
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"A1\", \"Effect\": \"Allow\", \"Action\": \"iam:GetUser\",\n" +
		"    \"Resource\": \"arn:aws:iam::*:user/a+b=c,d@e\", \"Condition\": {\"StringLike\": {\"aws:UserAgent\": [\"50% & more\", \"caf\u00e9\"]}}}]\n}"
	k.newUser(t, "jan", doc)
	if _, err := k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	mustDo(t, "PutGroupPolicy", func() error {
		_, err := k.iam.PutGroupPolicy(k.ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("p1"), PolicyDocument: aws.String(doc)})
		return err
	})
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), doc)
	arn := k.createPolicy(t, "P", doc)

	got := map[string]*string{}
	u, err := k.iam.GetUserPolicy(k.ctx, &iam.GetUserPolicyInput{UserName: aws.String("jan"), PolicyName: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	got["GetUserPolicy"] = u.PolicyDocument
	if aws.ToString(u.UserName) != "jan" || aws.ToString(u.PolicyName) != "p1" {
		t.Errorf("GetUserPolicy = %s %s", aws.ToString(u.UserName), aws.ToString(u.PolicyName))
	}
	g, err := k.iam.GetGroupPolicy(k.ctx, &iam.GetGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	got["GetGroupPolicy"] = g.PolicyDocument
	r, err := k.iam.GetRolePolicy(k.ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	got["GetRolePolicy"] = r.PolicyDocument
	v, err := k.iam.GetPolicyVersion(k.ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	got["GetPolicyVersion"] = v.PolicyVersion.Document
	for op, d := range got {
		raw := aws.ToString(d)
		if raw == doc || strings.ContainsAny(raw, " \n\"{") {
			t.Errorf("%s document = %q, want it URL-encoded", op, raw)
		}
		if dec := decode(t, d); dec != doc {
			t.Errorf("%s document decodes to %q, want %q", op, dec, doc)
		}
	}
	_, err = k.iam.GetUserPolicy(k.ctx, &iam.GetUserPolicyInput{UserName: aws.String("jan"), PolicyName: aws.String("nope")})
	wantErr(t, "GetUserPolicy of a missing policy", err, "NoSuchEntity", "nope")
}

func TestIAMInlinePolicySizeLimits(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newUser(t, "kim")
	put := func(user, name, doc string) error {
		_, err := k.iam.PutUserPolicy(k.ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		return err
	}
	// A user's inline policies together may have 2,048 characters, white
	// space not counted.
	wantOK(t, "PutUserPolicy of 1,500", put("kim", "a", docOfSize(t, 1500)))
	wantOK(t, "PutUserPolicy bringing the total to 2,048", put("kim", "b", docOfSize(t, 548)))
	wantErr(t, "PutUserPolicy past 2,048 in all", put("kim", "c", docOfSize(t, 120)), "LimitExceeded", "2048")
	// Replacing a policy counts it once.
	wantOK(t, "PutUserPolicy replacing b with as much", put("kim", "b", docOfSize(t, 548)))
	wantErr(t, "PutUserPolicy replacing b with one more", put("kim", "b", docOfSize(t, 549)), "LimitExceeded", "2048")
	wantOK(t, "PutUserPolicy replacing a with less", put("kim", "a", docOfSize(t, 1000)))
	wantOK(t, "PutUserPolicy of the freed space", put("kim", "c", docOfSize(t, 500)))

	k.newUser(t, "lee")
	spaced := strings.ReplaceAll(docOfSize(t, 2048), ",", " ,\n\t    ")
	if len(spaced) <= 2048 {
		t.Fatal("spaced document is not longer than 2,048 bytes")
	}
	wantOK(t, "PutUserPolicy of 2,048 characters and more white space", put("lee", "a", spaced))
	k.newUser(t, "max")
	wantErr(t, "PutUserPolicy of 2,049 characters", put("max", "a", docOfSize(t, 2049)), "LimitExceeded")

	// A role's may have 10,240.
	k.newRole(t, "big", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	putRole := func(name, doc string) error {
		_, err := k.iam.PutRolePolicy(k.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		return err
	}
	wantOK(t, "PutRolePolicy of 6,000", putRole("a", docOfSize(t, 6000)))
	wantOK(t, "PutRolePolicy to 10,240 in all", putRole("b", docOfSize(t, 4240)))
	wantErr(t, "PutRolePolicy past 10,240", putRole("c", docOfSize(t, 120)), "LimitExceeded", "10240")

	wantErr(t, "PutUserPolicy with a principal", put("kim", "d", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:GetUser","Resource":"*"}]}`),
		"MalformedPolicyDocument", "Policy document should not specify a principal.")
	wantErr(t, "PutUserPolicy of a missing user", put("nobody", "a", docOfSize(t, 200)), "NoSuchEntity", "nobody")
}

// ------------------------------------------------------ managed policies

func TestIAMManagedPolicies(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	doc := policyDoc(allow("iam:GetUser", "*"))
	out, err := k.iam.CreatePolicy(k.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Deploy"), Path: aws.String("/ci/"), PolicyDocument: aws.String(doc), Description: aws.String("deploys")})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Policy
	arn := k.arn("policy/ci/Deploy")
	if aws.ToString(p.Arn) != arn || aws.ToString(p.DefaultVersionId) != "v1" || aws.ToInt32(p.AttachmentCount) != 0 || !p.IsAttachable ||
		!strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") || aws.ToString(p.Path) != "/ci/" {
		t.Errorf("CreatePolicy = %+v", p)
	}
	tests := []struct {
		name string
		in   *iam.CreatePolicyInput
		code string
		msg  string
	}{
		{"same name", &iam.CreatePolicyInput{PolicyName: aws.String("Deploy"), Path: aws.String("/ci/")}, "EntityAlreadyExists",
			"A policy called Deploy already exists. Duplicate names are not allowed."},
		{"same name in another path", &iam.CreatePolicyInput{PolicyName: aws.String("Deploy")}, "EntityAlreadyExists", "Duplicate names are not allowed."},
		{"same name in another case", &iam.CreatePolicyInput{PolicyName: aws.String("deploy")}, "EntityAlreadyExists", "Duplicate names are not allowed."},
		{"6,145 characters", &iam.CreatePolicyInput{PolicyName: aws.String("Big"), PolicyDocument: aws.String(docOfSize(t, 6145))}, "LimitExceeded",
			"Cannot exceed quota for PolicySize: 6144"},
		{"malformed", &iam.CreatePolicyInput{PolicyName: aws.String("Bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser"}]}`)},
			"MalformedPolicyDocument", "Policy statement must contain resources."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.PolicyDocument == nil {
				tt.in.PolicyDocument = aws.String(doc)
			}
			_, err := k.iam.CreatePolicy(k.ctx, tt.in)
			wantErr(t, "CreatePolicy", err, tt.code, tt.msg)
		})
	}
	if _, err := k.iam.CreatePolicy(k.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Big"), PolicyDocument: aws.String(docOfSize(t, 6144))}); err != nil {
		t.Errorf("CreatePolicy of 6,144 characters: %v", err)
	}

	// Versions: at most five, numbered on, one default.
	newVersion := func(def bool) (string, error) {
		out, err := k.iam.CreatePolicyVersion(k.ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc), SetAsDefault: def})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.PolicyVersion.VersionId), nil
	}
	for i, def := range []bool{false, true, false, false} {
		id, err := newVersion(def)
		if err != nil {
			t.Fatalf("CreatePolicyVersion %d: %v", i+2, err)
		}
		if want := fmt.Sprintf("v%d", i+2); id != want {
			t.Errorf("CreatePolicyVersion = %s, want %s", id, want)
		}
	}
	_, err = newVersion(false)
	wantErr(t, "sixth CreatePolicyVersion", err, "LimitExceeded", "A managed policy can have up to 5 versions.")
	_, err = k.iam.CreatePolicyVersion(k.ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(k.arn("policy/Big")), PolicyDocument: aws.String(docOfSize(t, 6145))})
	wantErr(t, "CreatePolicyVersion of 6,145 characters", err, "LimitExceeded", "6144")

	versions := func() (ids []string, def string) {
		t.Helper()
		out, err := k.iam.ListPolicyVersions(k.ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
			if v.IsDefaultVersion {
				def = aws.ToString(v.VersionId)
			}
		}
		return ids, def
	}
	ids, def := versions()
	if diff := cmp.Diff([]string{"v5", "v4", "v3", "v2", "v1"}, ids); diff != "" || def != "v3" {
		t.Errorf("ListPolicyVersions = %v default %s, want v5…v1 default v3 (%s)", ids, def, diff)
	}
	gp, err := k.iam.GetPolicy(k.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToString(gp.Policy.DefaultVersionId) != "v3" || aws.ToString(gp.Policy.Description) != "deploys" {
		t.Errorf("GetPolicy = %+v, %v; want default v3, description", gp, err)
	}

	_, err = k.iam.DeletePolicyVersion(k.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
	wantErr(t, "DeletePolicyVersion of the default", err, "DeleteConflict", "Cannot delete the default version of a policy.")
	_, err = k.iam.DeletePolicyVersion(k.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantOK(t, "DeletePolicyVersion v2", err)
	if id, err := newVersion(false); err != nil || id != "v6" {
		t.Errorf("CreatePolicyVersion after deleting v2 = %s, %v; want v6 (numbers are not reused)", id, err)
	}
	_, err = k.iam.SetDefaultPolicyVersion(k.ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantErr(t, "SetDefaultPolicyVersion of a deleted version", err, "NoSuchEntity")
	_, err = k.iam.SetDefaultPolicyVersion(k.ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v6")})
	wantOK(t, "SetDefaultPolicyVersion v6", err)
	if _, def := versions(); def != "v6" {
		t.Errorf("default after SetDefaultPolicyVersion = %s, want v6", def)
	}

	// DeletePolicy conflicts while attached, and while other versions
	// remain.
	k.newUser(t, "nia")
	mustDo(t, "AttachUserPolicy", func() error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("nia"), PolicyArn: aws.String(arn)})
		return err
	})
	gp, _ = k.iam.GetPolicy(k.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToInt32(gp.Policy.AttachmentCount) != 1 {
		t.Errorf("AttachmentCount = %d, want 1", aws.ToInt32(gp.Policy.AttachmentCount))
	}
	_, err = k.iam.DeletePolicy(k.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, "DeletePolicy while attached", err, "DeleteConflict", "attached")
	mustDo(t, "DetachUserPolicy", func() error {
		_, err := k.iam.DetachUserPolicy(k.ctx, &iam.DetachUserPolicyInput{UserName: aws.String("nia"), PolicyArn: aws.String(arn)})
		return err
	})
	_, err = k.iam.DeletePolicy(k.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, "DeletePolicy with versions", err, "DeleteConflict", "more than one version")
	for _, v := range []string{"v1", "v3", "v4", "v5"} {
		if _, err := k.iam.DeletePolicyVersion(k.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
			t.Fatalf("DeletePolicyVersion %s: %v", v, err)
		}
	}
	_, err = k.iam.DeletePolicy(k.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantOK(t, "DeletePolicy with only its default version", err)
	_, err = k.iam.GetPolicy(k.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, "GetPolicy after DeletePolicy", err, "NoSuchEntity", arn)
	if _, err := k.iam.CreatePolicy(k.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Deploy"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Errorf("CreatePolicy of a deleted policy's name: %v", err)
	}
}

func TestIAMAttachmentLimits(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newUser(t, "ola")
	attach := func(arn string) error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("ola"), PolicyArn: aws.String(arn)})
		return err
	}
	for i := range 10 {
		arn := k.createPolicy(t, fmt.Sprintf("P%d", i), policyDoc(allow("iam:GetUser", "*")))
		wantOK(t, "AttachUserPolicy", attach(arn))
	}
	wantOK(t, "attaching an attached policy again", attach(k.arn("policy/P0")))
	wantErr(t, "eleventh AttachUserPolicy", attach("arn:aws:iam::aws:policy/ReadOnlyAccess"), "LimitExceeded")
	wantErr(t, "AttachUserPolicy of a missing policy", attach(k.arn("policy/Nope")), "NoSuchEntity", k.arn("policy/Nope"))
	_, err := k.iam.DetachUserPolicy(k.ctx, &iam.DetachUserPolicyInput{UserName: aws.String("ola"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	wantErr(t, "DetachUserPolicy of an unattached policy", err, "NoSuchEntity")
	out, err := k.iam.ListAttachedUserPolicies(k.ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("ola")})
	if err != nil || len(out.AttachedPolicies) != 10 {
		t.Errorf("ListAttachedUserPolicies = %v, %v; want 10", out, err)
	}
}

func TestIAMAttachmentQuotaNames(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newUser(t, "u")
	k.newRole(t, "r", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))
	if _, err := k.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for i := range 11 {
		arns = append(arns, k.createPolicy(t, fmt.Sprintf("Q%d", i), policyDoc(allow("iam:GetUser", "*"))))
	}
	tests := []struct {
		kind   string
		attach func(arn string) error
		quota  string
	}{
		{"user", func(arn string) error {
			_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)})
			return err
		}, "Cannot exceed quota for PoliciesPerUser: 10"},
		{"group", func(arn string) error {
			_, err := k.iam.AttachGroupPolicy(k.ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: aws.String(arn)})
			return err
		}, "Cannot exceed quota for PoliciesPerGroup: 10"},
		{"role", func(arn string) error {
			_, err := k.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})
			return err
		}, "Cannot exceed quota for PoliciesPerRole: 10"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if tt.kind != "role" {
			}
			for _, arn := range arns[:10] {
				if err := tt.attach(arn); err != nil {
					t.Fatal(err)
				}
			}
			wantErr(t, "eleventh attachment", tt.attach(arns[10]), "LimitExceeded", tt.quota)
		})
	}
}

func TestIAMListPolicies(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	local := map[string]string{"Alpha": "/", "Beta": "/team/", "Gamma": "/team/sub/"}
	for name, p := range local {
		if _, err := k.iam.CreatePolicy(k.ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), Path: aws.String(p), PolicyDocument: aws.String(policyDoc(allow("iam:GetUser", "*")))}); err != nil {
			t.Fatal(err)
		}
	}
	k.newUser(t, "pat")
	for _, arn := range []string{k.arn("policy/team/Beta"), "arn:aws:iam::aws:policy/ReadOnlyAccess"} {
		if _, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("pat"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(in *iam.ListPoliciesInput) []string {
		t.Helper()
		var arns []string
		for {
			out, err := k.iam.ListPolicies(k.ctx, in)
			if err != nil {
				t.Fatalf("ListPolicies(%+v): %v", in, err)
			}
			for _, p := range out.Policies {
				arns = append(arns, aws.ToString(p.Arn))
			}
			if !out.IsTruncated {
				return arns
			}
			in.Marker = out.Marker
		}
	}
	localARNs := []string{k.arn("policy/Alpha"), k.arn("policy/team/Beta"), k.arn("policy/team/sub/Gamma")}
	var provider []string
	for _, name := range []string{"AWSCloudFormationReadOnlyAccess", "AWSMarketplaceMeteringFullAccess", "AdministratorAccess", "IAMReadOnlyAccess", "ReadOnlyAccess"} {
		provider = append(provider, "arn:aws:iam::aws:policy/"+name)
	}
	all := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAll})
	awsOnly := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
	tests := []struct {
		name      string
		in        *iam.ListPoliciesInput
		want      []string // exactly, when exact
		exact     bool
		contains  []string
		excludes  []string
		sameAsAll bool
	}{
		{name: "Local", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}, want: localARNs, exact: true},
		{name: "AWS", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws}, contains: provider, excludes: localARNs},
		{name: "All", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAll}, contains: append(slices.Clone(provider), localARNs...)},
		{name: "no scope", in: &iam.ListPoliciesInput{}, sameAsAll: true},
		{name: "Local attached", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, OnlyAttached: true}, want: []string{k.arn("policy/team/Beta")}, exact: true},
		// The administrator's, kanri dev's instance role's and pat's.
		{name: "AWS attached", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, OnlyAttached: true},
			want: []string{"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
				"arn:aws:iam::aws:policy/ReadOnlyAccess"}, exact: true},
		{name: "path /team/", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, PathPrefix: ptr("/team/")},
			want: []string{k.arn("policy/team/Beta"), k.arn("policy/team/sub/Gamma")}, exact: true},
		{name: "path /team/sub/", in: &iam.ListPoliciesInput{PathPrefix: ptr("/team/sub/")}, want: []string{k.arn("policy/team/sub/Gamma")}, exact: true},
		{name: "provider path /service-role/", in: &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, PathPrefix: ptr("/service-role/")},
			want: []string{"arn:aws:iam::aws:policy/service-role/AWSLicenseManagerConsumptionPolicy", "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"}, exact: true},
		{name: "pages of 3", in: &iam.ListPoliciesInput{MaxItems: ptr(int32(3))}, sameAsAll: true},
		{name: "pages of 1", in: &iam.ListPoliciesInput{MaxItems: ptr(int32(1)), Scope: iamtypes.PolicyScopeTypeLocal}, want: localARNs, exact: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := list(tt.in)
			switch {
			case tt.exact:
				sorted := slices.Clone(got)
				sort.Strings(sorted)
				want := slices.Clone(tt.want)
				sort.Strings(want)
				if diff := cmp.Diff(want, sorted); diff != "" {
					t.Errorf("ListPolicies (-want +got):\n%s", diff)
				}
			case tt.sameAsAll:
				if diff := cmp.Diff(all, got); diff != "" {
					t.Errorf("ListPolicies differs from Scope All (-all +got):\n%s", diff)
				}
			}
			for _, c := range tt.contains {
				if !slices.Contains(got, c) {
					t.Errorf("ListPolicies lacks %s", c)
				}
			}
			for _, c := range tt.excludes {
				if slices.Contains(got, c) {
					t.Errorf("ListPolicies has %s", c)
				}
			}
			seen := map[string]bool{}
			for _, a := range got {
				if seen[a] {
					t.Errorf("ListPolicies repeats %s", a)
				}
				seen[a] = true
			}
		})
	}
	for _, a := range awsOnly {
		if !strings.HasPrefix(a, "arn:aws:iam::aws:policy/") {
			t.Errorf("Scope AWS listed %s", a)
		}
	}
	if len(all) != len(awsOnly)+len(localARNs) {
		t.Errorf("Scope All has %d policies, want %d AWS + %d local", len(all), len(awsOnly), len(localARNs))
	}
}

func ptr[T any](v T) *T { return &v }

func TestIAMProviderPoliciesCannotChange(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	arn := "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
	before, err := k.iam.GetPolicy(k.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(before.Policy.DefaultVersionId) != "v3" {
		t.Errorf("%s DefaultVersionId = %s, want v3 (its last shipped version)", arn, aws.ToString(before.Policy.DefaultVersionId))
	}
	vs, err := k.iam.ListPolicyVersions(k.ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs.Versions {
		ids = append(ids, fmt.Sprintf("%s:%v", aws.ToString(v.VersionId), v.IsDefaultVersion))
	}
	if diff := cmp.Diff([]string{"v3:true", "v2:false", "v1:false"}, ids); diff != "" {
		t.Errorf("ListPolicyVersions of a provider policy (-want +got):\n%s", diff)
	}
	ops := []struct {
		name string
		call func() error
	}{
		{"CreatePolicyVersion", func() error {
			_, err := k.iam.CreatePolicyVersion(k.ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(policyDoc(allow("*", "*"))), SetAsDefault: true})
			return err
		}},
		{"SetDefaultPolicyVersion", func() error {
			_, err := k.iam.SetDefaultPolicyVersion(k.ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
			return err
		}},
		{"DeletePolicyVersion", func() error {
			_, err := k.iam.DeletePolicyVersion(k.ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
			return err
		}},
		{"DeletePolicy", func() error {
			_, err := k.iam.DeletePolicy(k.ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
			return err
		}},
		{"TagPolicy", func() error {
			_, err := k.iam.TagPolicy(k.ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: tagsOf("a", "b")})
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.call()
			// IAM refuses changes to AWS managed policies as a client error;
			// kanri says InvalidInput, AWS has been seen saying either.
			if c := errCode(err); c != "InvalidInput" && c != "AccessDenied" {
				t.Errorf("%s of a provider policy = %v, want InvalidInput or AccessDenied", op.name, err)
			}
			if s := httpStatus(err); s != 400 && s != 403 {
				t.Errorf("%s status = %d, want a client error", op.name, s)
			}
		})
	}
	after, err := k.iam.GetPolicy(k.ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.Policy.DefaultVersionId) != "v3" || len(after.Policy.Tags) != 0 {
		t.Errorf("provider policy changed: default %s tags %v", aws.ToString(after.Policy.DefaultVersionId), after.Policy.Tags)
	}
	vs, _ = k.iam.ListPolicyVersions(k.ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if len(vs.Versions) != 3 {
		t.Errorf("provider policy has %d versions, want 3", len(vs.Versions))
	}
}

// ------------------------------------------------------------ permissions

func TestIAMPermissionsBoundary(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	boundary := k.createPolicy(t, "Boundary", policyDoc(allow("sts:*,iam:Get*", "*")))
	if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("quinn"), PermissionsBoundary: aws.String(boundary)}); err != nil {
		t.Fatal(err)
	}
	mustDo(t, "AttachUserPolicy", func() error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("quinn"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
		return err
	})
	key, err := k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("quinn")})
	if err != nil {
		t.Fatal(err)
	}
	quinn := k.creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")

	_, err = quinn.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("newbie")})
	wantErr(t, "CreateUser within a boundary without it", err, "AccessDenied",
		"User: "+k.arn("user/quinn")+" is not authorized to perform: iam:CreateUser on resource: "+k.arn("user/newbie")+
			" because no permissions boundary allows the iam:CreateUser action")
	if s := httpStatus(err); s != 403 {
		t.Errorf("AccessDenied status = %d, want 403", s)
	}
	_, err = quinn.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("admin")})
	wantOK(t, "GetUser within the boundary", err)
	_, err = quinn.sts.GetCallerIdentity(k.ctx, &sts.GetCallerIdentityInput{})
	wantOK(t, "GetCallerIdentity within the boundary", err)
	_, err = quinn.iam.ListUsers(k.ctx, &iam.ListUsersInput{})
	wantErr(t, "ListUsers outside the boundary", err, "AccessDenied", "because no permissions boundary allows the iam:ListUsers action")

	sim, err := k.iam.SimulatePrincipalPolicy(k.ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(k.arn("user/quinn")), ActionNames: []string{"iam:CreateUser", "iam:GetRole"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sim.EvaluationResults {
		want := aws.ToString(r.EvalActionName) == "iam:GetRole"
		wantDecision := iamtypes.PolicyEvaluationDecisionTypeImplicitDeny
		if want {
			wantDecision = iamtypes.PolicyEvaluationDecisionTypeAllowed
		}
		if r.EvalDecision != wantDecision || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != want {
			t.Errorf("simulated %s = %s, boundary %+v; want %s, allowed by boundary %v", aws.ToString(r.EvalActionName), r.EvalDecision, r.PermissionsBoundaryDecisionDetail, wantDecision, want)
		}
	}

	// Without the boundary the administrator policy applies in full.
	mustDo(t, "DeleteUserPermissionsBoundary", func() error {
		_, err := k.iam.DeleteUserPermissionsBoundary(k.ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("quinn")})
		return err
	})
	_, err = quinn.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("newbie")})
	wantOK(t, "CreateUser without the boundary", err)
	mustDo(t, "PutUserPermissionsBoundary", func() error {
		_, err := k.iam.PutUserPermissionsBoundary(k.ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("quinn"), PermissionsBoundary: aws.String(boundary)})
		return err
	})
	_, err = quinn.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("newbie2")})
	wantErr(t, "CreateUser with the boundary back", err, "AccessDenied", "because no permissions boundary allows")
	_, err = k.iam.PutUserPermissionsBoundary(k.ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("quinn"), PermissionsBoundary: aws.String(k.arn("policy/Nope"))})
	wantErr(t, "PutUserPermissionsBoundary of a missing policy", err, "NoSuchEntity")
	// A boundary does not grant: a user with only a boundary has nothing.
	if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("rae"), PermissionsBoundary: aws.String(boundary)}); err != nil {
		t.Fatal(err)
	}
	key, _ = k.iam.CreateAccessKey(k.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("rae")})
	rae := k.creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	_, err = rae.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("rae")})
	wantErr(t, "GetUser with only a boundary", err, "AccessDenied", "because no identity-based policy allows the iam:GetUser action")
}

func TestIAMPermissionsBoundaryConditionKey(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	boundary := k.createPolicy(t, "Boundary", policyDoc(allow("iam:Get*", "*")))
	// The documented delegation pattern: create users only with this
	// boundary.
	del := k.newUser(t, "delegate", policyDoc(allow("iam:CreateUser", "*", fmt.Sprintf(`{"StringEquals":{"iam:PermissionsBoundary":%q}}`, boundary))))
	_, err := del.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("u1"), PermissionsBoundary: aws.String(boundary)})
	wantOK(t, "CreateUser with the required boundary", err)
	_, err = del.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("u2")})
	wantErr(t, "CreateUser without a boundary", err, "AccessDenied", "iam:CreateUser")
}

func TestIAMExplicitDeny(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	sam := k.newUser(t, "sam", policyDoc(deny("iam:CreateUser", "*")))
	mustDo(t, "AttachUserPolicy", func() error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("sam"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
		return err
	})
	_, err := sam.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String("x")})
	wantErr(t, "CreateUser with an explicit deny", err, "AccessDenied",
		"User: "+k.arn("user/sam")+" is not authorized to perform: iam:CreateUser on resource: "+k.arn("user/x")+" with an explicit deny in an identity-based policy")
	_, err = sam.iam.CreateGroup(k.ctx, &iam.CreateGroupInput{GroupName: aws.String("x")})
	wantOK(t, "CreateGroup, not denied", err)

	// A group's deny applies to its members as well.
	mustDo(t, "PutGroupPolicy", func() error {
		_, err := k.iam.PutGroupPolicy(k.ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("x"), PolicyName: aws.String("d"), PolicyDocument: aws.String(policyDoc(deny("iam:CreateRole", "*")))})
		return err
	})
	mustDo(t, "AddUserToGroup", func() error {
		_, err := k.iam.AddUserToGroup(k.ctx, &iam.AddUserToGroupInput{GroupName: aws.String("x"), UserName: aws.String("sam")})
		return err
	})
	_, err = sam.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"))})
	wantErr(t, "CreateRole denied by a group", err, "AccessDenied", "iam:CreateRole on resource: "+k.arn("role/r")+" with an explicit deny in an identity-based policy")
	// A deny with NotResource spares its exception.
	k.putUserPolicy(t, "sam", "p2", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteUser","NotResource":"`+k.arn("user/x*")+`"}]}`)
	for _, u := range []string{"xavier", "yan"} {
		if _, err := k.iam.CreateUser(k.ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = sam.iam.DeleteUser(k.ctx, &iam.DeleteUserInput{UserName: aws.String("xavier")})
	wantOK(t, "DeleteUser(xavier), spared by NotResource", err)
	_, err = sam.iam.DeleteUser(k.ctx, &iam.DeleteUserInput{UserName: aws.String("yan")})
	wantErr(t, "DeleteUser(yan)", err, "AccessDenied", "with an explicit deny in an identity-based policy")
}

func TestIAMPolicyVariables(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	self := policyDoc(allow("iam:GetUser,iam:ListAccessKeys", "arn:aws:iam::*:user/${aws:username}"))
	tia := k.newUser(t, "tia", self)
	k.newUser(t, "uma")
	tests := []struct {
		name   string
		call   func() error
		denied string // "" if allowed
	}{
		{"GetUser(tia)", func() error {
			_, err := tia.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("tia")})
			return err
		}, ""},
		{"GetUser()", func() error { _, err := tia.iam.GetUser(k.ctx, &iam.GetUserInput{}); return err }, ""},
		{"ListAccessKeys()", func() error { _, err := tia.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{}); return err }, ""},
		{"GetUser(uma)", func() error {
			_, err := tia.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("uma")})
			return err
		},
			"User: " + k.arn("user/tia") + " is not authorized to perform: iam:GetUser on resource: " + k.arn("user/uma") + " because no identity-based policy allows the iam:GetUser action"},
		{"ListAccessKeys(uma)", func() error {
			_, err := tia.iam.ListAccessKeys(k.ctx, &iam.ListAccessKeysInput{UserName: aws.String("uma")})
			return err
		}, "iam:ListAccessKeys on resource: " + k.arn("user/uma")},
		{"GetUser(admin)", func() error {
			_, err := tia.iam.GetUser(k.ctx, &iam.GetUserInput{UserName: aws.String("admin")})
			return err
		}, "on resource: " + k.arn("user/admin")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.denied == "" {
				wantOK(t, tt.name, err)
			} else {
				wantErr(t, tt.name, err, "AccessDenied", tt.denied)
			}
		})
	}
}

func TestIAMRequestTagConditions(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	vic := k.newUser(t, "vic", policyDoc(
		allow("iam:CreateRole", "*", `{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}`),
		allow("iam:AttachRolePolicy,iam:DetachRolePolicy", "*", `{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}`),
	))
	trust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	tests := []struct {
		name string
		tags []iamtypes.Tag
		ok   bool
	}{
		{"team blue", tagsOf("team", "blue"), true},
		{"team blue and env", tagsOf("team", "blue", "env", "dev"), true},
		{"team red", tagsOf("team", "red"), false},
		{"no tags", nil, false},
		{"team blue and another key", tagsOf("team", "blue", "owner", "me"), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("role%d", i)
			_, err := vic.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), Tags: tt.tags})
			if tt.ok {
				wantOK(t, "CreateRole", err)
			} else {
				wantErr(t, "CreateRole", err, "AccessDenied", "iam:CreateRole on resource: "+k.arn("role/"+name)+" because no identity-based policy allows the iam:CreateRole action")
			}
		})
	}
	attach := func(arn string) error {
		_, err := vic.iam.AttachRolePolicy(k.ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("role0"), PolicyArn: aws.String(arn)})
		return err
	}
	wantOK(t, "AttachRolePolicy(ReadOnlyAccess)", attach("arn:aws:iam::aws:policy/ReadOnlyAccess"))
	wantErr(t, "AttachRolePolicy(AdministratorAccess)", attach("arn:aws:iam::aws:policy/AdministratorAccess"), "AccessDenied",
		"iam:AttachRolePolicy on resource: "+k.arn("role/role0"))
	_, err := vic.iam.DetachRolePolicy(k.ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("role0"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	wantOK(t, "DetachRolePolicy(ReadOnlyAccess)", err)
}

func TestIAMResourceTagCondition(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	wes := k.newUser(t, "wes", policyDoc(allow("iam:GetRole", "*", `{"StringEquals":{"aws:ResourceTag/team":"blue"}}`)))
	trust := trustDoc(awsPrincipal(k.acct), "sts:AssumeRole")
	for name, team := range map[string]string{"blue": "blue", "red": "red"} {
		if _, err := k.iam.CreateRole(k.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), Tags: tagsOf("team", team)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := wes.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("blue")})
	wantOK(t, "GetRole of a role tagged team=blue", err)
	_, err = wes.iam.GetRole(k.ctx, &iam.GetRoleInput{RoleName: aws.String("red")})
	wantErr(t, "GetRole of a role tagged team=red", err, "AccessDenied")
}

func TestIAMUserTagsArePrincipalTags(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	ada := k.newUser(t, "ada", policyDoc(allow("iam:ListRoles", "*", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`)))
	listRoles := func() error { _, err := ada.iam.ListRoles(k.ctx, &iam.ListRolesInput{}); return err }
	wantErr(t, "ListRoles untagged", listRoles(), "AccessDenied", "iam:ListRoles")
	mustDo(t, "TagUser", func() error {
		_, err := k.iam.TagUser(k.ctx, &iam.TagUserInput{UserName: aws.String("ada"), Tags: tagsOf("team", "blue")})
		return err
	})
	wantOK(t, "ListRoles tagged team=blue", listRoles())
	mustDo(t, "TagUser", func() error {
		_, err := k.iam.TagUser(k.ctx, &iam.TagUserInput{UserName: aws.String("ada"), Tags: tagsOf("team", "red")})
		return err
	})
	wantErr(t, "ListRoles retagged team=red", listRoles(), "AccessDenied", "iam:ListRoles")
	mustDo(t, "UntagUser", func() error {
		_, err := k.iam.UntagUser(k.ctx, &iam.UntagUserInput{UserName: aws.String("ada"), TagKeys: []string{"team"}})
		return err
	})
	lt, err := k.iam.ListUserTags(k.ctx, &iam.ListUserTagsInput{UserName: aws.String("ada")})
	if err != nil || len(lt.Tags) != 0 {
		t.Errorf("ListUserTags after UntagUser = %v, %v; want none", lt, err)
	}
}

// ------------------------------------------------------------- simulation

// position returns the 1-based line and column of the byte at offset i of s.
func position(s string, i int) (line, col int32) {
	line, col = 1, 1
	for _, c := range []byte(s[:i]) {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// statementSpan returns the positions of the opening and closing braces
// of the statement whose Sid is sid in doc.
func statementSpan(t testing.TB, doc, sid string) (start, end iamtypes.Position) {
	t.Helper()
	i := strings.Index(doc, `"Sid": "`+sid+`"`)
	if i < 0 {
		t.Fatalf("no statement %s", sid)
	}
	open := strings.LastIndex(doc[:i], "{")
	closing, depth := -1, 0
	for j := open; j < len(doc) && closing < 0; j++ {
		switch doc[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				closing = j
			}
		}
	}
	start.Line, start.Column = position(doc, open)
	end.Line, end.Column = position(doc, closing)
	return start, end
}

func TestIAMSimulatePrincipalPolicy(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	doc := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": "iam:Get*",
      "Resource": "*"
    },
    {
      "Sid": "NoRoles",
      "Effect": "Deny",
      "Action": "iam:GetRole",
      "Resource": "*"
    },
    {
      "Sid": "FromOffice",
      "Effect": "Allow",
      "Action": "iam:ListUsers",
      "Resource": "*",
      "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    }
  ]
}`
	k.newUser(t, "val", doc)
	readStart, readEnd := statementSpan(t, doc, "Read")
	denyStart, denyEnd := statementSpan(t, doc, "NoRoles")
	officeStart, officeEnd := statementSpan(t, doc, "FromOffice")
	type match struct {
		StartLine, StartColumn, EndLine, EndColumn int32
	}
	span := func(start, end iamtypes.Position) match {
		return match{start.Line, start.Column, end.Line, end.Column}
	}
	tests := []struct {
		name     string
		action   string
		resource string
		context  []iamtypes.ContextEntry
		decision iamtypes.PolicyEvaluationDecisionType
		matched  []match
	}{
		{"allowed", "iam:GetUser", "", nil, "allowed", []match{span(readStart, readEnd)}},
		{"allowed on a resource", "iam:GetGroup", k.arn("group/g"), nil, "allowed", []match{span(readStart, readEnd)}},
		{"explicit deny", "iam:GetRole", "", nil, "explicitDeny", []match{span(readStart, readEnd), span(denyStart, denyEnd)}},
		{"implicit deny", "iam:CreateUser", "", nil, "implicitDeny", nil},
		{"condition met", "iam:ListUsers", "", []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyValues: []string{"10.1.2.3"}, ContextKeyType: iamtypes.ContextKeyTypeEnumIp}},
			"allowed", []match{span(officeStart, officeEnd)}},
		{"condition not met", "iam:ListUsers", "", []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyValues: []string{"192.168.1.1"}, ContextKeyType: iamtypes.ContextKeyTypeEnumIp}},
			"implicitDeny", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(k.arn("user/val")), ActionNames: []string{tt.action}, ContextEntries: tt.context}
			if tt.resource != "" {
				in.ResourceArns = []string{tt.resource}
			}
			out, err := k.iam.SimulatePrincipalPolicy(k.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.EvaluationResults) != 1 {
				t.Fatalf("SimulatePrincipalPolicy returned %d results, want 1", len(out.EvaluationResults))
			}
			r := out.EvaluationResults[0]
			wantRes := tt.resource
			if wantRes == "" {
				wantRes = "*"
			}
			if aws.ToString(r.EvalActionName) != tt.action || aws.ToString(r.EvalResourceName) != wantRes || r.EvalDecision != tt.decision {
				t.Errorf("result = %s on %s: %s, want %s on %s: %s", aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, tt.action, wantRes, tt.decision)
			}
			var got []match
			for _, m := range r.MatchedStatements {
				if m.StartPosition == nil || m.EndPosition == nil {
					t.Fatalf("matched statement without positions: %+v", m)
				}
				got = append(got, span(*m.StartPosition, *m.EndPosition))
				if m.SourcePolicyType != iamtypes.PolicySourceTypeUser {
					t.Errorf("SourcePolicyType = %q, want user", m.SourcePolicyType)
				}
			}
			if diff := cmp.Diff(tt.matched, got); diff != "" {
				t.Errorf("MatchedStatements positions (-want +got):\n%s", diff)
			}
		})
	}
	_, err := k.iam.SimulatePrincipalPolicy(k.ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(k.arn("user/nobody")), ActionNames: []string{"iam:GetUser"}})
	wantErr(t, "SimulatePrincipalPolicy of a missing user", err, "NoSuchEntity", "nobody")

	// A role's and a group's policies simulate too, with policies added.
	k.newRole(t, "sim", trustDoc(awsPrincipal(k.acct), "sts:AssumeRole"), policyDoc(allow("iam:ListRoles", "*")))
	out, err := k.iam.SimulatePrincipalPolicy(k.ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(k.arn("role/sim")), ActionNames: []string{"iam:ListRoles", "iam:ListUsers", "iam:ListGroups"},
		PolicyInputList: []string{policyDoc(allow("iam:ListGroups", "*"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]iamtypes.PolicyEvaluationDecisionType{}
	for _, r := range out.EvaluationResults {
		got[aws.ToString(r.EvalActionName)] = r.EvalDecision
	}
	if diff := cmp.Diff(map[string]iamtypes.PolicyEvaluationDecisionType{"iam:ListRoles": "allowed", "iam:ListUsers": "implicitDeny", "iam:ListGroups": "allowed"}, got); diff != "" {
		t.Errorf("role simulation (-want +got):\n%s", diff)
	}
}

func TestIAMSimulateMissingContextValues(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	out, err := k.iam.SimulateCustomPolicy(k.ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{policyDoc(allow("iam:ListUsers", "*", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))},
		ActionNames:     []string{"iam:ListUsers"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// IAM: "A list of context keys that are required by the included input
	// policies but that were not provided by one of the input parameters."
	if got := out.EvaluationResults[0].MissingContextValues; !slices.Equal(got, []string{"aws:SourceIp"}) {
		t.Errorf("MissingContextValues = %v, want [aws:SourceIp]", got)
	}
}

func TestIAMSimulateSourcePolicyID(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	k.newUser(t, "wyn")
	arn := k.createPolicy(t, "ReadIAM", policyDoc(allow("iam:Get*", "*")))
	mustDo(t, "AttachUserPolicy", func() error {
		_, err := k.iam.AttachUserPolicy(k.ctx, &iam.AttachUserPolicyInput{UserName: aws.String("wyn"), PolicyArn: aws.String(arn)})
		return err
	})
	out, err := k.iam.SimulatePrincipalPolicy(k.ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(k.arn("user/wyn")), ActionNames: []string{"iam:GetUser"}})
	if err != nil {
		t.Fatal(err)
	}
	m := out.EvaluationResults[0].MatchedStatements
	// IAM answers e.g. "SourcePolicyId": "AdministratorAccess" for a
	// managed policy.
	if len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "ReadIAM" {
		t.Errorf("MatchedStatements = %+v, want one from ReadIAM", m)
	}
}

func TestIAMSimulateCustomPolicy(t *testing.T) {
	t.Parallel()
	k := startKanri(t)
	p1 := "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"S3\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::bucket/*\"}\n]}"
	p2 := "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"Old\", \"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\",\n   \"Condition\": {\"DateLessThan\": {\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}}}\n]}"
	s3Start, s3End := statementSpan(t, p1, "S3")
	oldStart, oldEnd := statementSpan(t, p2, "Old")
	out, err := k.iam.SimulateCustomPolicy(k.ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{p1, p2},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::bucket/key", "arn:aws:s3:::other/key"},
		ContextEntries:  []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:CurrentTime"), ContextKeyValues: []string{"2019-06-01T00:00:00Z"}, ContextKeyType: iamtypes.ContextKeyTypeEnumDate}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		action, resource string
		decision         iamtypes.PolicyEvaluationDecisionType
		sources          []string
	}
	var got []result
	for _, r := range out.EvaluationResults {
		res := result{aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, nil}
		for _, m := range r.MatchedStatements {
			res.sources = append(res.sources, aws.ToString(m.SourcePolicyId))
			switch aws.ToString(m.SourcePolicyId) {
			case "PolicyInputList.1":
				if *m.StartPosition != s3Start || *m.EndPosition != s3End {
					t.Errorf("PolicyInputList.1 statement at %+v–%+v, want %+v–%+v", *m.StartPosition, *m.EndPosition, s3Start, s3End)
				}
			case "PolicyInputList.2":
				if *m.StartPosition != oldStart || *m.EndPosition != oldEnd {
					t.Errorf("PolicyInputList.2 statement at %+v–%+v, want %+v–%+v", *m.StartPosition, *m.EndPosition, oldStart, oldEnd)
				}
			}
		}
		got = append(got, res)
	}
	// In 2019 the deny of old times applies to everything.
	want := []result{
		{"s3:GetObject", "arn:aws:s3:::bucket/key", "explicitDeny", []string{"PolicyInputList.1", "PolicyInputList.2"}},
		{"s3:GetObject", "arn:aws:s3:::other/key", "explicitDeny", []string{"PolicyInputList.2"}},
		{"s3:PutObject", "arn:aws:s3:::bucket/key", "explicitDeny", []string{"PolicyInputList.2"}},
		{"s3:PutObject", "arn:aws:s3:::other/key", "explicitDeny", []string{"PolicyInputList.2"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("SimulateCustomPolicy in 2019 (-want +got):\n%s", diff)
	}

	// Now, with a boundary that allows only reads.
	out, err = k.iam.SimulateCustomPolicy(k.ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{policyDoc(allow("s3:*", "*"))},
		PermissionsBoundaryPolicyInputList: []string{policyDoc(allow("s3:Get*", "*"))},
		ActionNames:                        []string{"s3:GetObject", "s3:PutObject"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.EvaluationResults {
		read := aws.ToString(r.EvalActionName) == "s3:GetObject"
		want := iamtypes.PolicyEvaluationDecisionTypeImplicitDeny
		if read {
			want = iamtypes.PolicyEvaluationDecisionTypeAllowed
		}
		if r.EvalDecision != want || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != read {
			t.Errorf("with a boundary, %s = %s (boundary %+v), want %s", aws.ToString(r.EvalActionName), r.EvalDecision, r.PermissionsBoundaryDecisionDetail, want)
		}
	}

	_, err = k.iam.SimulateCustomPolicy(k.ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Statement": [}`}, ActionNames: []string{"s3:GetObject"}})
	wantErr(t, "SimulateCustomPolicy of a malformed policy", err, "MalformedPolicyDocument", "line 1, column 16")
}
