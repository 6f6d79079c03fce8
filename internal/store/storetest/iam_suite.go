// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/store"
)

// The accounts of the IAM tests.
const (
	acct  = "123456789012"
	other = "210987654321"
)

// testIAM runs the IAM store tests, each on a fresh database.
func testIAM(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Users", testIAMUsers},
		{"AccessKeys", testIAMAccessKeys},
		{"Groups", testIAMGroups},
		{"Renames", testIAMRenames},
		{"Roles", testIAMRoles},
		{"InlinePolicies", testIAMInlinePolicies},
		{"ManagedPolicies", testIAMManagedPolicies},
		{"PolicyVersions", testIAMPolicyVersions},
		{"PolicyVersionLimit", testIAMPolicyVersionLimit},
		{"EnsurePolicyVersion", testIAMEnsurePolicyVersion},
		{"Attachments", testIAMAttachments},
		{"PolicyDocuments", testIAMPolicyDocuments},
		{"InstanceProfiles", testIAMInstanceProfiles},
		{"OIDCProviders", testIAMOIDCProviders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// must stops t on an unexpected error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantKind fails t unless err, returned by call, is of kind.
func wantKind(t testing.TB, call string, err error, kind awserr.Kind) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s error = %v, want %v", call, err, kind)
	}
}

// at returns a time of the tests' day, with millisecond precision as
// stored.
func at(hour, min, sec, ms int) time.Time {
	return time.Date(2026, 5, 6, hour, min, sec, ms*1e6, time.UTC)
}

// names returns what name gives for each of vs: names, ARNs or IDs.
func names[T any](vs []T, name func(T) string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, name(v))
	}
	return out
}

func userName(u *iam.User) string            { return u.Name }
func groupName(g *iam.Group) string          { return g.Name }
func roleName(r *iam.Role) string            { return r.Name }
func policyARN(p *iam.ManagedPolicy) string  { return p.ARN }
func versionID(v *iam.PolicyVersion) string  { return v.VersionID }
func accessKeyID(k *iam.AccessKey) string    { return k.ID }
func documentID(d iam.PolicyDocument) string { return d.ID }

// tags returns the tags of the key-value pairs kv.
func tags(kv ...string) []iam.Tag {
	var ts []iam.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		ts = append(ts, iam.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return ts
}

func testIAMUsers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	users := []*iam.User{
		{Account: acct, Name: "Alice", ID: "AIDAALICE", Path: "/ops/", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess",
			Tags: tags("team", "ops", "cost", "1"), CreateDate: at(1, 0, 0, 123)},
		{Account: acct, Name: "bob", ID: "AIDABOB", Path: "/", CreateDate: at(1, 0, 1, 0)},
		{Account: acct, Name: "carol", ID: "AIDACAROL", Path: "/a_b/", CreateDate: at(1, 0, 2, 0)},
		{Account: acct, Name: "dave", ID: "AIDADAVE", Path: "/axb/", CreateDate: at(1, 0, 3, 0)},
		{Account: acct, Name: "Erin", ID: "AIDAERIN", Path: "/Ops/", CreateDate: at(1, 0, 4, 0)},
		{Account: other, Name: "alice", ID: "AIDAOTHERALICE", Path: "/ops/", CreateDate: at(1, 0, 5, 0)},
	}
	for _, u := range users {
		must(t, db.CreateUser(ctx, u))
	}
	wantKind(t, "CreateUser(ALICE)", db.CreateUser(ctx, &iam.User{Account: acct, Name: "ALICE", ID: "AIDAX", Path: "/"}), awserr.Exists)
	wantKind(t, "CreateUser(same ID)", db.CreateUser(ctx, &iam.User{Account: acct, Name: "zed", ID: "AIDABOB", Path: "/"}), awserr.Exists)

	got, err := db.GetUser(ctx, acct, "aLiCe")
	must(t, err)
	if diff := cmp.Diff(users[0], got); diff != "" {
		t.Errorf("GetUser(aLiCe) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetUser(ctx, acct, "zed")
	wantKind(t, "GetUser(zed)", err, awserr.NotFound)

	all, err := db.ListUsers(ctx, acct, iam.ListOptions{})
	must(t, err)
	if diff := cmp.Diff(users[:5], all); diff != "" {
		t.Errorf("ListUsers(all) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		opt  iam.ListOptions
		want []string
	}{
		{iam.ListOptions{Limit: 2}, []string{"Alice", "bob"}},
		{iam.ListOptions{After: "bob", Limit: 2}, []string{"carol", "dave"}},
		{iam.ListOptions{After: "BOB"}, []string{"carol", "dave", "Erin"}},
		{iam.ListOptions{After: "erin"}, nil},
		{iam.ListOptions{PathPrefix: "/"}, []string{"Alice", "bob", "carol", "dave", "Erin"}},
		{iam.ListOptions{PathPrefix: "/ops/"}, []string{"Alice"}},
		{iam.ListOptions{PathPrefix: "/a_b/"}, []string{"carol"}},
		{iam.ListOptions{PathPrefix: "/a"}, []string{"carol", "dave"}},
		{iam.ListOptions{PathPrefix: "/%"}, nil},
		{iam.ListOptions{PathPrefix: "/a", After: "carol", Limit: 5}, []string{"dave"}},
	}
	for _, tt := range lists {
		us, err := db.ListUsers(ctx, acct, tt.opt)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(us, userName)); diff != "" {
			t.Errorf("ListUsers(%+v) mismatch (-want +got):\n%s", tt.opt, diff)
		}
	}

	must(t, db.SetUserBoundary(ctx, acct, "BOB", "arn:aws:iam::123456789012:policy/Boundary"))
	must(t, db.SetUserTags(ctx, acct, "Bob", tags("k", "v")))
	must(t, db.SetUserBoundary(ctx, acct, "alice", ""))
	must(t, db.SetUserTags(ctx, acct, "alice", nil))
	must(t, db.UpdateUser(ctx, acct, "bob", "", "/new/"))
	bob := *users[1]
	bob.PermissionsBoundary, bob.Tags, bob.Path = "arn:aws:iam::123456789012:policy/Boundary", tags("k", "v"), "/new/"
	alice := *users[0]
	alice.PermissionsBoundary, alice.Tags = "", nil
	for _, want := range []*iam.User{&bob, &alice} {
		got, err := db.GetUser(ctx, acct, want.Name)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetUser(%s) after updates mismatch (-want +got):\n%s", want.Name, diff)
		}
	}

	// Renames: in case only, onto another user, to a new name.
	must(t, db.UpdateUser(ctx, acct, "bob", "Bob", ""))
	wantKind(t, "UpdateUser(Bob to CAROL)", db.UpdateUser(ctx, acct, "Bob", "CAROL", ""), awserr.Exists)
	must(t, db.UpdateUser(ctx, acct, "BOB", "robert", "/r/"))
	bob.Name, bob.Path = "robert", "/r/"
	got, err = db.GetUser(ctx, acct, "Robert")
	must(t, err)
	if diff := cmp.Diff(&bob, got); diff != "" {
		t.Errorf("GetUser(Robert) after rename mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetUser(ctx, acct, "bob")
	wantKind(t, "GetUser(bob) after rename", err, awserr.NotFound)

	must(t, db.DeleteUser(ctx, acct, "ROBERT"))
	_, err = db.GetUser(ctx, acct, "robert")
	wantKind(t, "GetUser(robert) after delete", err, awserr.NotFound)
	if u, err := db.GetUser(ctx, other, "alice"); err != nil || u.ID != "AIDAOTHERALICE" {
		t.Errorf("GetUser(other account's alice) = %+v, %v; want it untouched", u, err)
	}

	missing := []struct {
		call string
		err  error
	}{
		{"UpdateUser", db.UpdateUser(ctx, acct, "robert", "x", "")},
		{"SetUserBoundary", db.SetUserBoundary(ctx, acct, "robert", "")},
		{"SetUserTags", db.SetUserTags(ctx, acct, "robert", nil)},
		{"DeleteUser", db.DeleteUser(ctx, acct, "robert")},
		{"DeleteUser(other account)", db.DeleteUser(ctx, other, "carol")},
	}
	for _, tt := range missing {
		wantKind(t, tt.call+"(missing)", tt.err, awserr.NotFound)
	}
}

func testIAMAccessKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateUser(ctx, &iam.User{Account: acct, Name: "Alice", ID: "AIDAALICE", Path: "/", CreateDate: at(1, 0, 0, 0)}))
	must(t, db.CreateUser(ctx, &iam.User{Account: acct, Name: "bob", ID: "AIDABOB", Path: "/", CreateDate: at(1, 0, 0, 0)}))
	keys := []*iam.AccessKey{
		{ID: "AKIA1", Account: acct, UserName: "alice", SealedSecret: []byte("s1"), Status: iam.KeyActive, CreateDate: at(2, 0, 0, 1)},
		{ID: "AKIA2", Account: acct, UserName: "ALICE", SealedSecret: []byte("s2"), Status: iam.KeyActive, CreateDate: at(2, 0, 0, 2)},
		{ID: "AKIA3", Account: acct, UserName: "bob", SealedSecret: []byte("s3"), Status: iam.KeyActive, CreateDate: at(2, 0, 0, 3)},
	}
	for _, k := range keys {
		must(t, db.CreateAccessKey(ctx, k))
	}
	// Stored under the user's name as created.
	keys[0].UserName, keys[1].UserName = "Alice", "Alice"
	list, err := db.ListAccessKeys(ctx, acct, "aLICE")
	must(t, err)
	if diff := cmp.Diff(keys[:2], list); diff != "" {
		t.Errorf("ListAccessKeys(aLICE) mismatch (-want +got):\n%s", diff)
	}
	if list, err := db.ListAccessKeys(ctx, other, "alice"); err != nil || len(list) != 0 {
		t.Errorf("ListAccessKeys(other account) = %v, %v; want none", list, err)
	}

	wantKind(t, "UpdateAccessKeyStatus(key of another user)", db.UpdateAccessKeyStatus(ctx, acct, "bob", "AKIA1", iam.KeyInactive), awserr.NotFound)
	wantKind(t, "UpdateAccessKeyStatus(other account)", db.UpdateAccessKeyStatus(ctx, other, "alice", "AKIA1", iam.KeyInactive), awserr.NotFound)
	wantKind(t, "UpdateAccessKeyStatus(missing)", db.UpdateAccessKeyStatus(ctx, acct, "alice", "AKIANOPE", iam.KeyInactive), awserr.NotFound)
	must(t, db.UpdateAccessKeyStatus(ctx, acct, "ALICE", "AKIA1", iam.KeyInactive))

	must(t, db.TouchAccessKey(ctx, "AKIA1", at(3, 0, 0, 0), "iam", "eu-west-1"))
	must(t, db.TouchAccessKey(ctx, "AKIA1", at(2, 30, 0, 0), "sts", "us-east-1")) // older: ignored
	must(t, db.TouchAccessKey(ctx, "AKIA3", at(3, 0, 0, 0), "sts", "us-east-1"))
	must(t, db.TouchAccessKey(ctx, "AKIA3", at(4, 0, 0, 5), "", "us-west-2"))
	wantKind(t, "TouchAccessKey(missing)", db.TouchAccessKey(ctx, "AKIANOPE", at(3, 0, 0, 0), "", ""), awserr.NotFound)
	k1, k3 := *keys[0], *keys[2]
	k1.Status, k1.LastUsed, k1.LastService, k1.LastRegion = iam.KeyInactive, at(3, 0, 0, 0), "iam", "eu-west-1"
	k3.LastUsed, k3.LastService, k3.LastRegion = at(4, 0, 0, 5), "", "us-west-2"
	for _, want := range []*iam.AccessKey{&k1, &k3, keys[1]} {
		got, err := db.GetAccessKey(ctx, want.ID)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetAccessKey(%s) mismatch (-want +got):\n%s", want.ID, diff)
		}
	}

	wantKind(t, "DeleteAccessKey(key of another user)", db.DeleteAccessKey(ctx, acct, "bob", "AKIA1"), awserr.NotFound)
	must(t, db.DeleteAccessKey(ctx, acct, "alice", "AKIA1"))
	wantKind(t, "DeleteAccessKey(deleted)", db.DeleteAccessKey(ctx, acct, "alice", "AKIA1"), awserr.NotFound)
	_, err = db.GetAccessKey(ctx, "AKIA1")
	wantKind(t, "GetAccessKey(deleted)", err, awserr.NotFound)
	list, err = db.ListAccessKeys(ctx, acct, "alice")
	must(t, err)
	if diff := cmp.Diff([]string{"AKIA2"}, names(list, accessKeyID)); diff != "" {
		t.Errorf("ListAccessKeys(alice) after delete mismatch (-want +got):\n%s", diff)
	}
}

func testIAMGroups(t *testing.T, db *store.DB) {
	ctx := context.Background()
	groups := []*iam.Group{
		{Account: acct, Name: "Admins", ID: "AGPAADMINS", Path: "/", CreateDate: at(1, 0, 0, 1)},
		{Account: acct, Name: "dev_ops", ID: "AGPADEVOPS", Path: "/e_g/", CreateDate: at(1, 0, 0, 2)},
		{Account: acct, Name: "devs", ID: "AGPADEVS", Path: "/eng/", CreateDate: at(1, 0, 0, 3)},
		{Account: other, Name: "admins", ID: "AGPAOTHER", Path: "/", CreateDate: at(1, 0, 0, 4)},
	}
	for _, g := range groups {
		must(t, db.CreateGroup(ctx, g))
	}
	wantKind(t, "CreateGroup(ADMINS)", db.CreateGroup(ctx, &iam.Group{Account: acct, Name: "ADMINS", ID: "AGPAX", Path: "/"}), awserr.Exists)
	got, err := db.GetGroup(ctx, acct, "admins")
	must(t, err)
	if diff := cmp.Diff(groups[0], got); diff != "" {
		t.Errorf("GetGroup(admins) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetGroup(ctx, acct, "nope")
	wantKind(t, "GetGroup(nope)", err, awserr.NotFound)

	all, err := db.ListGroups(ctx, acct, iam.ListOptions{})
	must(t, err)
	if diff := cmp.Diff(groups[:3], all); diff != "" {
		t.Errorf("ListGroups(all) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		opt  iam.ListOptions
		want []string
	}{
		{iam.ListOptions{Limit: 1}, []string{"Admins"}},
		{iam.ListOptions{After: "admins", Limit: 1}, []string{"dev_ops"}},
		{iam.ListOptions{After: "dev_ops"}, []string{"devs"}},
		{iam.ListOptions{PathPrefix: "/e_g/"}, []string{"dev_ops"}},
		{iam.ListOptions{PathPrefix: "/e"}, []string{"dev_ops", "devs"}},
	}
	for _, tt := range lists {
		gs, err := db.ListGroups(ctx, acct, tt.opt)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(gs, groupName)); diff != "" {
			t.Errorf("ListGroups(%+v) mismatch (-want +got):\n%s", tt.opt, diff)
		}
	}

	alice := &iam.User{Account: acct, Name: "Alice", ID: "AIDAALICE", Path: "/", CreateDate: at(1, 0, 0, 0)}
	bob := &iam.User{Account: acct, Name: "bob", ID: "AIDABOB", Path: "/", CreateDate: at(1, 0, 0, 0)}
	must(t, db.CreateUser(ctx, alice))
	must(t, db.CreateUser(ctx, bob))
	must(t, db.AddUserToGroup(ctx, acct, "ADMINS", "alice"))
	must(t, db.AddUserToGroup(ctx, acct, "admins", "Alice")) // again: no change
	must(t, db.AddUserToGroup(ctx, acct, "admins", "bob"))
	must(t, db.AddUserToGroup(ctx, acct, "devs", "alice"))
	wantKind(t, "AddUserToGroup(missing user)", db.AddUserToGroup(ctx, acct, "admins", "nope"), awserr.NotFound)
	wantKind(t, "AddUserToGroup(missing group)", db.AddUserToGroup(ctx, acct, "nope", "alice"), awserr.NotFound)
	wantKind(t, "AddUserToGroup(other account)", db.AddUserToGroup(ctx, other, "admins", "alice"), awserr.NotFound)

	members, err := db.ListGroupUsers(ctx, acct, "Admins")
	must(t, err)
	if diff := cmp.Diff([]*iam.User{alice, bob}, members); diff != "" {
		t.Errorf("ListGroupUsers(Admins) mismatch (-want +got):\n%s", diff)
	}
	if members, err := db.ListGroupUsers(ctx, acct, "dev_ops"); err != nil || members != nil {
		t.Errorf("ListGroupUsers(dev_ops) = %v, %v; want none", members, err)
	}
	_, err = db.ListGroupUsers(ctx, acct, "nope")
	wantKind(t, "ListGroupUsers(nope)", err, awserr.NotFound)
	gs, err := db.ListUserGroups(ctx, acct, "ALICE")
	must(t, err)
	if diff := cmp.Diff([]*iam.Group{groups[0], groups[2]}, gs); diff != "" {
		t.Errorf("ListUserGroups(ALICE) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.ListUserGroups(ctx, acct, "nope")
	wantKind(t, "ListUserGroups(nope)", err, awserr.NotFound)

	must(t, db.RemoveUserFromGroup(ctx, acct, "admins", "ALICE"))
	wantKind(t, "RemoveUserFromGroup(not a member)", db.RemoveUserFromGroup(ctx, acct, "admins", "alice"), awserr.NotFound)
	gs, err = db.ListUserGroups(ctx, acct, "alice")
	must(t, err)
	if diff := cmp.Diff([]string{"devs"}, names(gs, groupName)); diff != "" {
		t.Errorf("ListUserGroups(alice) after remove mismatch (-want +got):\n%s", diff)
	}

	must(t, db.UpdateGroup(ctx, acct, "DEVS", "", "/engineering/"))
	got, err = db.GetGroup(ctx, acct, "devs")
	must(t, err)
	if got.Name != "devs" || got.Path != "/engineering/" {
		t.Errorf("GetGroup(devs) after UpdateGroup(path) = %+v, want name devs, path /engineering/", got)
	}
	wantKind(t, "UpdateGroup(onto Admins)", db.UpdateGroup(ctx, acct, "devs", "admins", ""), awserr.Exists)
	wantKind(t, "UpdateGroup(missing)", db.UpdateGroup(ctx, acct, "nope", "x", ""), awserr.NotFound)

	must(t, db.DeleteGroup(ctx, acct, "Dev_Ops"))
	_, err = db.GetGroup(ctx, acct, "dev_ops")
	wantKind(t, "GetGroup(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteGroup(deleted)", db.DeleteGroup(ctx, acct, "dev_ops"), awserr.NotFound)
	if _, err := db.GetGroup(ctx, other, "admins"); err != nil {
		t.Errorf("GetGroup(other account's admins) error = %v", err)
	}
}

// testIAMRenames checks that renaming a user or group moves everything
// that refers to it by name.
func testIAMRenames(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateUser(ctx, &iam.User{Account: acct, Name: "alice", ID: "AIDAALICE", Path: "/", CreateDate: at(1, 0, 0, 0)}))
	must(t, db.CreateUser(ctx, &iam.User{Account: acct, Name: "bob", ID: "AIDABOB", Path: "/", CreateDate: at(1, 0, 0, 0)}))
	for _, g := range []string{"devs", "ops"} {
		must(t, db.CreateGroup(ctx, &iam.Group{Account: acct, Name: g, ID: "AGPA" + g, Path: "/", CreateDate: at(1, 0, 0, 0)}))
	}
	pu := &iam.ManagedPolicy{ARN: "arn:aws:iam::123456789012:policy/U", Account: acct, Name: "U", ID: "ANPAU", Path: "/", CreateDate: at(1, 0, 0, 0)}
	pg := &iam.ManagedPolicy{ARN: "arn:aws:iam::123456789012:policy/G", Account: acct, Name: "G", ID: "ANPAG", Path: "/", CreateDate: at(1, 0, 0, 0)}
	must(t, db.CreatePolicy(ctx, pu, `{"u":1}`))
	must(t, db.CreatePolicy(ctx, pg, `{"g":1}`))
	must(t, db.AddUserToGroup(ctx, acct, "devs", "alice"))
	must(t, db.AddUserToGroup(ctx, acct, "ops", "alice"))
	must(t, db.AddUserToGroup(ctx, acct, "devs", "bob"))
	must(t, db.PutInlinePolicy(ctx, &iam.InlinePolicy{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", Name: "Mine", Document: `{"mine":1}`}))
	must(t, db.PutInlinePolicy(ctx, &iam.InlinePolicy{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", Name: "Ours", Document: `{"ours":1}`}))
	must(t, db.AttachPolicy(ctx, &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: pu.ARN}))
	must(t, db.AttachPolicy(ctx, &iam.Attachment{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", PolicyARN: pg.ARN}))
	must(t, db.CreateAccessKey(ctx, &iam.AccessKey{ID: "AKIAALICE", Account: acct, UserName: "alice", SealedSecret: []byte{1}, Status: iam.KeyActive, CreateDate: at(1, 0, 0, 0)}))

	must(t, db.UpdateUser(ctx, acct, "ALICE", "Alicia", ""))
	must(t, db.UpdateGroup(ctx, acct, "Devs", "Developers", "/eng/"))

	gs, err := db.ListUserGroups(ctx, acct, "alicia")
	must(t, err)
	if diff := cmp.Diff([]string{"Developers", "ops"}, names(gs, groupName)); diff != "" {
		t.Errorf("ListUserGroups(alicia) mismatch (-want +got):\n%s", diff)
	}
	us, err := db.ListGroupUsers(ctx, acct, "developers")
	must(t, err)
	if diff := cmp.Diff([]string{"Alicia", "bob"}, names(us, userName)); diff != "" {
		t.Errorf("ListGroupUsers(developers) mismatch (-want +got):\n%s", diff)
	}
	inline, err := db.ListInlinePolicies(ctx, acct, iam.KindUser, "alicia")
	must(t, err)
	want := []*iam.InlinePolicy{{Account: acct, OwnerKind: iam.KindUser, Owner: "Alicia", Name: "Mine", Document: `{"mine":1}`}}
	if diff := cmp.Diff(want, inline); diff != "" {
		t.Errorf("ListInlinePolicies(user alicia) mismatch (-want +got):\n%s", diff)
	}
	inline, err = db.ListInlinePolicies(ctx, acct, iam.KindGroup, "developers")
	must(t, err)
	want = []*iam.InlinePolicy{{Account: acct, OwnerKind: iam.KindGroup, Owner: "Developers", Name: "Ours", Document: `{"ours":1}`}}
	if diff := cmp.Diff(want, inline); diff != "" {
		t.Errorf("ListInlinePolicies(group developers) mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ kind, owner, arn string }{{iam.KindUser, "Alicia", pu.ARN}, {iam.KindGroup, "Developers", pg.ARN}} {
		ps, err := db.ListAttachedPolicies(ctx, acct, tt.kind, tt.owner)
		must(t, err)
		if diff := cmp.Diff([]string{tt.arn}, names(ps, policyARN)); diff != "" {
			t.Errorf("ListAttachedPolicies(%s %s) mismatch (-want +got):\n%s", tt.kind, tt.owner, diff)
		}
		as, err := db.ListPolicyAttachments(ctx, tt.arn)
		must(t, err)
		if diff := cmp.Diff([]*iam.Attachment{{Account: acct, OwnerKind: tt.kind, Owner: tt.owner, PolicyARN: tt.arn}}, as); diff != "" {
			t.Errorf("ListPolicyAttachments(%s) mismatch (-want +got):\n%s", tt.arn, diff)
		}
	}
	keys, err := db.ListAccessKeys(ctx, acct, "alicia")
	must(t, err)
	if len(keys) != 1 || keys[0].UserName != "Alicia" {
		t.Errorf("ListAccessKeys(alicia) = %+v, want key AKIAALICE of Alicia", keys)
	}
	if k, err := db.GetAccessKey(ctx, "AKIAALICE"); err != nil || k.UserName != "Alicia" {
		t.Errorf("GetAccessKey(AKIAALICE) = %+v, %v; want user Alicia", k, err)
	}
	docs, err := db.PolicyDocuments(ctx, acct, iam.KindUser, "Alicia")
	must(t, err)
	wantIDs := []string{pg.ARN, pu.ARN, "group/Developers/Ours", "user/Alicia/Mine"}
	if diff := cmp.Diff(wantIDs, names(docs, documentID)); diff != "" {
		t.Errorf("PolicyDocuments(user Alicia) mismatch (-want +got):\n%s", diff)
	}

	// Nothing is left under the old names.
	_, err = db.ListInlinePolicies(ctx, acct, iam.KindUser, "alice")
	wantKind(t, "ListInlinePolicies(user alice) after rename", err, awserr.NotFound)
	_, err = db.ListGroupUsers(ctx, acct, "devs")
	wantKind(t, "ListGroupUsers(devs) after rename", err, awserr.NotFound)
	if keys, err := db.ListAccessKeys(ctx, acct, "alice"); err != nil || len(keys) != 0 {
		t.Errorf("ListAccessKeys(alice) after rename = %v, %v; want none", keys, err)
	}
	// A user later created with the old name starts empty.
	must(t, db.CreateUser(ctx, &iam.User{Account: acct, Name: "alice", ID: "AIDANEWALICE", Path: "/", CreateDate: at(2, 0, 0, 0)}))
	if docs, err := db.PolicyDocuments(ctx, acct, iam.KindUser, "alice"); err != nil || docs != nil {
		t.Errorf("PolicyDocuments(new alice) = %v, %v; want none", docs, err)
	}
	if gs, err := db.ListUserGroups(ctx, acct, "alice"); err != nil || gs != nil {
		t.Errorf("ListUserGroups(new alice) = %v, %v; want none", gs, err)
	}
}

func testIAMRoles(t *testing.T, db *store.DB) {
	ctx := context.Background()
	roles := []*iam.Role{
		{Account: acct, Name: "App", ID: "AROAAPP", Path: "/svc/", TrustPolicy: `{"trust":1}`, Description: "the app",
			MaxSessionDuration: 7200, PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess", Tags: tags("a", "1"), CreateDate: at(1, 0, 0, 1)},
		{Account: acct, Name: "batch_job", ID: "AROABATCH", Path: "/svc_x/", TrustPolicy: `{}`, MaxSessionDuration: 3600, CreateDate: at(1, 0, 0, 2)},
		{Account: acct, Name: "web", ID: "AROAWEB", Path: "/svcxx/", TrustPolicy: `{}`, MaxSessionDuration: 3600, CreateDate: at(1, 0, 0, 3)},
	}
	for _, r := range roles {
		must(t, db.CreateRole(ctx, r))
	}
	wantKind(t, "CreateRole(APP)", db.CreateRole(ctx, &iam.Role{Account: acct, Name: "APP", ID: "AROAX", Path: "/", TrustPolicy: "{}"}), awserr.Exists)
	got, err := db.GetRole(ctx, acct, "app")
	must(t, err)
	if diff := cmp.Diff(roles[0], got); diff != "" {
		t.Errorf("GetRole(app) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetRole(ctx, other, "app")
	wantKind(t, "GetRole(other account)", err, awserr.NotFound)

	all, err := db.ListRoles(ctx, acct, iam.ListOptions{})
	must(t, err)
	if diff := cmp.Diff(roles, all); diff != "" {
		t.Errorf("ListRoles(all) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		opt  iam.ListOptions
		want []string
	}{
		{iam.ListOptions{Limit: 2}, []string{"App", "batch_job"}},
		{iam.ListOptions{After: "batch_job", Limit: 2}, []string{"web"}},
		{iam.ListOptions{PathPrefix: "/svc_"}, []string{"batch_job"}},
		{iam.ListOptions{PathPrefix: "/svc"}, []string{"App", "batch_job", "web"}},
		{iam.ListOptions{PathPrefix: "/SVC"}, nil},
	}
	for _, tt := range lists {
		rs, err := db.ListRoles(ctx, acct, tt.opt)
		must(t, err)
		if diff := cmp.Diff(tt.want, names(rs, roleName)); diff != "" {
			t.Errorf("ListRoles(%+v) mismatch (-want +got):\n%s", tt.opt, diff)
		}
	}

	must(t, db.TouchRole(ctx, acct, "APP", at(5, 0, 0, 7), "eu-west-1"))
	must(t, db.TouchRole(ctx, acct, "app", at(4, 0, 0, 0), "us-east-1")) // older: ignored
	wantKind(t, "TouchRole(missing)", db.TouchRole(ctx, acct, "nope", at(5, 0, 0, 0), "eu-west-1"), awserr.NotFound)

	// UpdateRole changes what it stores and nothing else.
	upd := &iam.Role{Account: acct, Name: "aPP", ID: "ignored", Path: "/ignored/", TrustPolicy: `{"trust":2}`, Description: "new",
		MaxSessionDuration: 43200, Tags: tags("b", "2", "c", "3"), CreateDate: at(9, 0, 0, 0)}
	must(t, db.UpdateRole(ctx, upd))
	want := *roles[0]
	want.TrustPolicy, want.Description, want.MaxSessionDuration, want.PermissionsBoundary, want.Tags = `{"trust":2}`, "new", 43200, "", tags("b", "2", "c", "3")
	want.LastUsed, want.LastUsedRegion = at(5, 0, 0, 7), "eu-west-1"
	got, err = db.GetRole(ctx, acct, "App")
	must(t, err)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetRole(App) after UpdateRole and TouchRole mismatch (-want +got):\n%s", diff)
	}
	wantKind(t, "UpdateRole(missing)", db.UpdateRole(ctx, &iam.Role{Account: acct, Name: "nope"}), awserr.NotFound)

	must(t, db.DeleteRole(ctx, acct, "WEB"))
	_, err = db.GetRole(ctx, acct, "web")
	wantKind(t, "GetRole(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteRole(deleted)", db.DeleteRole(ctx, acct, "web"), awserr.NotFound)
}
