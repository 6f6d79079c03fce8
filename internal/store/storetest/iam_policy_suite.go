// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/store"
)

// owners creates, in account, the users, groups and roles named.
func owners(t *testing.T, db *store.DB, account string, users, groups, roles []string) {
	t.Helper()
	ctx := context.Background()
	for _, n := range users {
		must(t, db.CreateUser(ctx, &iam.User{Account: account, Name: n, ID: "AIDA" + account + n, Path: "/", CreateDate: at(1, 0, 0, 0)}))
	}
	for _, n := range groups {
		must(t, db.CreateGroup(ctx, &iam.Group{Account: account, Name: n, ID: "AGPA" + account + n, Path: "/", CreateDate: at(1, 0, 0, 0)}))
	}
	for _, n := range roles {
		must(t, db.CreateRole(ctx, &iam.Role{Account: account, Name: n, ID: "AROA" + account + n, Path: "/", TrustPolicy: "{}",
			MaxSessionDuration: 3600, CreateDate: at(1, 0, 0, 0)}))
	}
}

// customerPolicy returns a customer managed policy of account.
func customerPolicy(account, path, name string) *iam.ManagedPolicy {
	return &iam.ManagedPolicy{ARN: "arn:aws:iam::" + account + ":policy" + path + name, Account: account, Name: name,
		ID: "ANPA" + account + name, Path: path, Description: name + " policy", CreateDate: at(1, 0, 0, 0)}
}

// providerPolicy returns a provider managed policy.
func providerPolicy(path, name string) *iam.ManagedPolicy {
	return &iam.ManagedPolicy{ARN: "arn:aws:iam::aws:policy" + path + name, Account: iam.ProviderAccount, Name: name,
		ID: "ANPAAWS" + name, Path: path, Description: "provided " + name, CreateDate: at(0, 0, 0, 0), UpdateDate: at(0, 30, 0, 0)}
}

func testIAMInlinePolicies(t *testing.T, db *store.DB) {
	ctx := context.Background()
	owners(t, db, acct, []string{"Alice", "bob"}, []string{"alice"}, []string{"App"})
	puts := []*iam.InlinePolicy{
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", Name: "ReadAll", Document: `{"v":1}`},
		{Account: acct, OwnerKind: iam.KindUser, Owner: "ALICE", Name: "READALL", Document: `{"v":2}`}, // replaces the first
		{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", Name: "a-first", Document: `{"v":3}`},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "Alice", Name: "ReadAll", Document: `{"g":1}`}, // a group alice: no clash
		{Account: acct, OwnerKind: iam.KindRole, Owner: "app", Name: "RoleOne", Document: `{"r":1}`},
	}
	for _, p := range puts {
		must(t, db.PutInlinePolicy(ctx, p))
	}
	wantKind(t, "PutInlinePolicy(missing owner)",
		db.PutInlinePolicy(ctx, &iam.InlinePolicy{Account: acct, OwnerKind: iam.KindRole, Owner: "nope", Name: "x", Document: "{}"}), awserr.NotFound)
	wantKind(t, "PutInlinePolicy(other account's owner)",
		db.PutInlinePolicy(ctx, &iam.InlinePolicy{Account: other, OwnerKind: iam.KindUser, Owner: "alice", Name: "x", Document: "{}"}), awserr.NotFound)
	if err := db.PutInlinePolicy(ctx, &iam.InlinePolicy{Account: acct, OwnerKind: "robot", Owner: "alice", Name: "x", Document: "{}"}); err == nil {
		t.Error("PutInlinePolicy(kind robot) succeeded; want an error")
	}

	got, err := db.GetInlinePolicy(ctx, acct, iam.KindUser, "ALICE", "readall")
	must(t, err)
	want := &iam.InlinePolicy{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", Name: "READALL", Document: `{"v":2}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetInlinePolicy(user ALICE, readall) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		kind, owner string
		want        []*iam.InlinePolicy
	}{
		{iam.KindUser, "alice", []*iam.InlinePolicy{
			{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", Name: "a-first", Document: `{"v":3}`},
			{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", Name: "READALL", Document: `{"v":2}`},
		}},
		{iam.KindGroup, "ALICE", []*iam.InlinePolicy{{Account: acct, OwnerKind: iam.KindGroup, Owner: "alice", Name: "ReadAll", Document: `{"g":1}`}}},
		{iam.KindRole, "APP", []*iam.InlinePolicy{{Account: acct, OwnerKind: iam.KindRole, Owner: "App", Name: "RoleOne", Document: `{"r":1}`}}},
		{iam.KindUser, "bob", nil},
	}
	for _, tt := range lists {
		ps, err := db.ListInlinePolicies(ctx, acct, tt.kind, tt.owner)
		must(t, err)
		if diff := cmp.Diff(tt.want, ps); diff != "" {
			t.Errorf("ListInlinePolicies(%s %s) mismatch (-want +got):\n%s", tt.kind, tt.owner, diff)
		}
	}
	_, err = db.ListInlinePolicies(ctx, acct, iam.KindRole, "nope")
	wantKind(t, "ListInlinePolicies(missing role)", err, awserr.NotFound)
	_, err = db.GetInlinePolicy(ctx, acct, iam.KindGroup, "alice", "a-first")
	wantKind(t, "GetInlinePolicy(policy of another owner kind)", err, awserr.NotFound)

	must(t, db.DeleteInlinePolicy(ctx, acct, iam.KindUser, "alice", "ReadAll"))
	_, err = db.GetInlinePolicy(ctx, acct, iam.KindUser, "alice", "ReadAll")
	wantKind(t, "GetInlinePolicy(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteInlinePolicy(deleted)", db.DeleteInlinePolicy(ctx, acct, iam.KindUser, "alice", "ReadAll"), awserr.NotFound)
	if _, err := db.GetInlinePolicy(ctx, acct, iam.KindGroup, "alice", "ReadAll"); err != nil {
		t.Errorf("GetInlinePolicy(group alice's ReadAll) after deleting user alice's: %v", err)
	}
}

func testIAMManagedPolicies(t *testing.T, db *store.DB) {
	ctx := context.Background()
	alpha := customerPolicy(acct, "/", "Alpha")
	beta := customerPolicy(acct, "/team_a/", "beta")
	gamma := customerPolicy(acct, "/", "Gamma")
	delta := customerPolicy(acct, "/teamxa/", "delta")
	otherAlpha := customerPolicy(other, "/", "Alpha")
	readOnly := providerPolicy("/", "ReadOnlyAccess")
	viewOnly := providerPolicy("/job-function/", "ViewOnlyAccess")
	alpha.Tags = tags("k", "v")
	for _, p := range []*iam.ManagedPolicy{alpha, beta, gamma, delta, otherAlpha} {
		must(t, db.CreatePolicy(ctx, p, `{"name":"`+p.Name+`"}`))
	}
	for _, p := range []*iam.ManagedPolicy{readOnly, viewOnly} {
		must(t, db.EnsurePolicyVersion(ctx, p, "v1", `{"name":"`+p.Name+`"}`, true))
		p.DefaultVersion, p.NextVersion = "v1", 2
	}
	if alpha.DefaultVersion != "v1" || alpha.NextVersion != 2 || !alpha.UpdateDate.Equal(alpha.CreateDate) {
		t.Errorf("CreatePolicy set DefaultVersion %q, NextVersion %d, UpdateDate %v; want v1, 2, %v",
			alpha.DefaultVersion, alpha.NextVersion, alpha.UpdateDate, alpha.CreateDate)
	}
	got, err := db.GetPolicy(ctx, alpha.ARN)
	must(t, err)
	if diff := cmp.Diff(alpha, got); diff != "" {
		t.Errorf("GetPolicy(Alpha) mismatch (-want +got):\n%s", diff)
	}
	v1, err := db.GetPolicyVersion(ctx, alpha.ARN, "v1")
	must(t, err)
	if diff := cmp.Diff(&iam.PolicyVersion{PolicyARN: alpha.ARN, VersionID: "v1", Document: `{"name":"Alpha"}`, CreateDate: alpha.CreateDate}, v1); diff != "" {
		t.Errorf("GetPolicyVersion(Alpha, v1) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetPolicy(ctx, "arn:aws:iam::123456789012:policy/nope")
	wantKind(t, "GetPolicy(missing)", err, awserr.NotFound)
	dupName := customerPolicy(acct, "/other/", "ALPHA")
	wantKind(t, "CreatePolicy(ALPHA)", db.CreatePolicy(ctx, dupName, "{}"), awserr.Exists)
	dupARN := customerPolicy(acct, "/", "Alpha")
	dupARN.ID = "ANPADIFFERENT"
	wantKind(t, "CreatePolicy(same ARN)", db.CreatePolicy(ctx, dupARN, "{}"), awserr.Exists)

	must(t, db.SetPolicyTags(ctx, beta.ARN, tags("x", "y")))
	must(t, db.SetPolicyTags(ctx, alpha.ARN, nil))
	wantKind(t, "SetPolicyTags(missing)", db.SetPolicyTags(ctx, alpha.ARN+"x", nil), awserr.NotFound)
	for _, tt := range []struct {
		p    *iam.ManagedPolicy
		want []iam.Tag
	}{{alpha, nil}, {beta, tags("x", "y")}} {
		got, err := db.GetPolicy(ctx, tt.p.ARN)
		must(t, err)
		if diff := cmp.Diff(tt.want, got.Tags); diff != "" {
			t.Errorf("GetPolicy(%s).Tags after SetPolicyTags mismatch (-want +got):\n%s", tt.p.Name, diff)
		}
	}

	owners(t, db, acct, []string{"alice"}, nil, nil)
	owners(t, db, other, []string{"bob"}, nil, nil)
	for _, a := range []*iam.Attachment{
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: alpha.ARN},
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: viewOnly.ARN},
		{Account: other, OwnerKind: iam.KindUser, Owner: "bob", PolicyARN: otherAlpha.ARN},
		{Account: other, OwnerKind: iam.KindUser, Owner: "bob", PolicyARN: readOnly.ARN},
	} {
		must(t, db.AttachPolicy(ctx, a))
	}

	// In ARN order: the account's policies, then the provider's.
	lists := []struct {
		name string
		f    iam.PolicyFilter
		want []*iam.ManagedPolicy
	}{
		{"local", iam.PolicyFilter{Account: acct, Local: true}, []*iam.ManagedPolicy{alpha, gamma, beta, delta}},
		{"provider", iam.PolicyFilter{Account: acct, Provider: true}, []*iam.ManagedPolicy{readOnly, viewOnly}},
		{"all", iam.PolicyFilter{Account: acct, Local: true, Provider: true}, []*iam.ManagedPolicy{alpha, gamma, beta, delta, readOnly, viewOnly}},
		{"neither means all", iam.PolicyFilter{Account: acct}, []*iam.ManagedPolicy{alpha, gamma, beta, delta, readOnly, viewOnly}},
		{"other account", iam.PolicyFilter{Account: other, Local: true}, []*iam.ManagedPolicy{otherAlpha}},
		{"local attached", iam.PolicyFilter{Account: acct, Local: true, OnlyAttached: true}, []*iam.ManagedPolicy{alpha}},
		{"provider attached", iam.PolicyFilter{Account: acct, Provider: true, OnlyAttached: true}, []*iam.ManagedPolicy{viewOnly}},
		{"all attached", iam.PolicyFilter{Account: acct, Local: true, Provider: true, OnlyAttached: true}, []*iam.ManagedPolicy{alpha, viewOnly}},
		{"other attached", iam.PolicyFilter{Account: other, Local: true, Provider: true, OnlyAttached: true}, []*iam.ManagedPolicy{otherAlpha, readOnly}},
		{"prefix with _", iam.PolicyFilter{ListOptions: iam.ListOptions{PathPrefix: "/team_a/"}, Account: acct, Local: true}, []*iam.ManagedPolicy{beta}},
		{"prefix", iam.PolicyFilter{ListOptions: iam.ListOptions{PathPrefix: "/team"}, Account: acct, Local: true}, []*iam.ManagedPolicy{beta, delta}},
		{"provider prefix", iam.PolicyFilter{ListOptions: iam.ListOptions{PathPrefix: "/job-function/"}, Account: acct, Local: true, Provider: true}, []*iam.ManagedPolicy{viewOnly}},
		{"first page", iam.PolicyFilter{ListOptions: iam.ListOptions{Limit: 2}, Account: acct, Local: true, Provider: true}, []*iam.ManagedPolicy{alpha, gamma}},
		{"next page", iam.PolicyFilter{ListOptions: iam.ListOptions{Limit: 3}, AfterARN: gamma.ARN, Account: acct, Local: true, Provider: true}, []*iam.ManagedPolicy{beta, delta, readOnly}},
		{"last page", iam.PolicyFilter{ListOptions: iam.ListOptions{Limit: 3}, AfterARN: readOnly.ARN, Account: acct, Local: true, Provider: true}, []*iam.ManagedPolicy{viewOnly}},
	}
	beta.Tags = tags("x", "y")
	alpha.Tags = nil
	for _, tt := range lists {
		ps, err := db.ListPolicies(ctx, tt.f)
		must(t, err)
		if diff := cmp.Diff(names(tt.want, policyARN), names(ps, policyARN)); diff != "" {
			t.Errorf("ListPolicies(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	all, err := db.ListPolicies(ctx, iam.PolicyFilter{Account: acct, Local: true, Provider: true})
	must(t, err)
	if diff := cmp.Diff([]*iam.ManagedPolicy{alpha, gamma, beta, delta, readOnly, viewOnly}, all); diff != "" {
		t.Errorf("ListPolicies(all) mismatch (-want +got):\n%s", diff)
	}

	_, err = db.CreatePolicyVersion(ctx, gamma.ARN, "{}", true, 5, at(2, 0, 0, 0))
	must(t, err)
	must(t, db.DeletePolicy(ctx, gamma.ARN))
	_, err = db.GetPolicy(ctx, gamma.ARN)
	wantKind(t, "GetPolicy(deleted)", err, awserr.NotFound)
	_, err = db.GetPolicyVersion(ctx, gamma.ARN, "v1")
	wantKind(t, "GetPolicyVersion(deleted policy)", err, awserr.NotFound)
	_, err = db.ListPolicyVersions(ctx, gamma.ARN)
	wantKind(t, "ListPolicyVersions(deleted policy)", err, awserr.NotFound)
	wantKind(t, "DeletePolicy(deleted)", db.DeletePolicy(ctx, gamma.ARN), awserr.NotFound)
	// The ARN is free again, without the old versions.
	must(t, db.CreatePolicy(ctx, customerPolicy(acct, "/", "Gamma"), "{}"))
	vs, err := db.ListPolicyVersions(ctx, gamma.ARN)
	must(t, err)
	if diff := cmp.Diff([]string{"v1"}, names(vs, versionID)); diff != "" {
		t.Errorf("ListPolicyVersions(new Gamma) mismatch (-want +got):\n%s", diff)
	}
}

func testIAMPolicyVersions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := customerPolicy(acct, "/", "P")
	must(t, db.CreatePolicy(ctx, p, `{"v":1}`))
	missing := p.ARN + "-missing"

	v2, err := db.CreatePolicyVersion(ctx, p.ARN, `{"v":2}`, false, 5, at(2, 0, 0, 2))
	must(t, err)
	v3, err := db.CreatePolicyVersion(ctx, p.ARN, `{"v":3}`, true, 5, at(3, 0, 0, 3))
	must(t, err)
	want := []*iam.PolicyVersion{
		{PolicyARN: p.ARN, VersionID: "v3", Document: `{"v":3}`, CreateDate: at(3, 0, 0, 3)},
		{PolicyARN: p.ARN, VersionID: "v2", Document: `{"v":2}`, CreateDate: at(2, 0, 0, 2)},
		{PolicyARN: p.ARN, VersionID: "v1", Document: `{"v":1}`, CreateDate: p.CreateDate},
	}
	if diff := cmp.Diff(want[:2], []*iam.PolicyVersion{v3, v2}); diff != "" {
		t.Errorf("CreatePolicyVersion results mismatch (-want +got):\n%s", diff)
	}
	vs, err := db.ListPolicyVersions(ctx, p.ARN)
	must(t, err)
	if diff := cmp.Diff(want, vs); diff != "" {
		t.Errorf("ListPolicyVersions mismatch (-want +got):\n%s", diff)
	}
	got, err := db.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.DefaultVersion != "v3" || got.NextVersion != 4 || !got.UpdateDate.Equal(at(3, 0, 0, 3)) {
		t.Errorf("GetPolicy after 2 versions = default %s, next %d, updated %v; want v3, 4, %v", got.DefaultVersion, got.NextVersion, got.UpdateDate, at(3, 0, 0, 3))
	}
	_, err = db.GetPolicyVersion(ctx, p.ARN, "v4")
	wantKind(t, "GetPolicyVersion(v4)", err, awserr.NotFound)
	_, err = db.CreatePolicyVersion(ctx, missing, "{}", true, 5, at(3, 0, 0, 0))
	wantKind(t, "CreatePolicyVersion(missing policy)", err, awserr.NotFound)

	must(t, db.SetDefaultPolicyVersion(ctx, p.ARN, "v2", at(4, 0, 0, 4)))
	wantKind(t, "SetDefaultPolicyVersion(v9)", db.SetDefaultPolicyVersion(ctx, p.ARN, "v9", at(5, 0, 0, 0)), awserr.NotFound)
	wantKind(t, "SetDefaultPolicyVersion(missing policy)", db.SetDefaultPolicyVersion(ctx, missing, "v1", at(5, 0, 0, 0)), awserr.NotFound)
	got, err = db.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.DefaultVersion != "v2" || !got.UpdateDate.Equal(at(4, 0, 0, 4)) {
		t.Errorf("GetPolicy after SetDefaultPolicyVersion = default %s, updated %v; want v2, %v", got.DefaultVersion, got.UpdateDate, at(4, 0, 0, 4))
	}

	wantKind(t, "DeletePolicyVersion(default)", db.DeletePolicyVersion(ctx, p.ARN, "v2"), awserr.Conflict)
	wantKind(t, "DeletePolicyVersion(v9)", db.DeletePolicyVersion(ctx, p.ARN, "v9"), awserr.NotFound)
	wantKind(t, "DeletePolicyVersion(missing policy)", db.DeletePolicyVersion(ctx, missing, "v1"), awserr.NotFound)
	must(t, db.DeletePolicyVersion(ctx, p.ARN, "v3"))
	_, err = db.GetPolicyVersion(ctx, p.ARN, "v3")
	wantKind(t, "GetPolicyVersion(deleted v3)", err, awserr.NotFound)

	// Version numbers are not reused; max counts the versions there are.
	v4, err := db.CreatePolicyVersion(ctx, p.ARN, `{"v":4}`, false, 4, at(5, 0, 0, 0))
	must(t, err)
	v5, err := db.CreatePolicyVersion(ctx, p.ARN, `{"v":5}`, false, 4, at(5, 0, 0, 0))
	must(t, err)
	if v4.VersionID != "v4" || v5.VersionID != "v5" {
		t.Errorf("CreatePolicyVersion after deleting v3 = %s, %s; want v4, v5", v4.VersionID, v5.VersionID)
	}
	_, err = db.CreatePolicyVersion(ctx, p.ARN, `{"v":6}`, true, 4, at(6, 0, 0, 0))
	wantKind(t, "CreatePolicyVersion(fifth of 4)", err, awserr.LimitExceeded)
	vs, err = db.ListPolicyVersions(ctx, p.ARN)
	must(t, err)
	if diff := cmp.Diff([]string{"v5", "v4", "v2", "v1"}, names(vs, versionID)); diff != "" {
		t.Errorf("ListPolicyVersions after the limit mismatch (-want +got):\n%s", diff)
	}
	got, err = db.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.DefaultVersion != "v2" || got.NextVersion != 6 || !got.UpdateDate.Equal(at(5, 0, 0, 0)) {
		t.Errorf("GetPolicy after the limit = default %s, next %d, updated %v; want v2, 6, %v", got.DefaultVersion, got.NextVersion, got.UpdateDate, at(5, 0, 0, 0))
	}
}

// testIAMPolicyVersionLimit checks that concurrent CreatePolicyVersion
// calls never take a policy past its limit.
func testIAMPolicyVersionLimit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := customerPolicy(acct, "/", "Busy")
	must(t, db.CreatePolicy(ctx, p, `{"v":1}`))
	const calls, maxVersions = 20, 5
	errs := make([]error, calls)
	created := make([]*iam.PolicyVersion, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = db.CreatePolicyVersion(ctx, p.ARN, fmt.Sprintf(`{"call":%d}`, i), i%2 == 0, maxVersions, at(2, 0, 0, i))
		}()
	}
	wg.Wait()
	var ids []string
	for i, err := range errs {
		switch {
		case err == nil:
			ids = append(ids, created[i].VersionID)
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("CreatePolicyVersion call %d error = %v, want nil or LimitExceeded", i, err)
		}
	}
	if len(ids) != maxVersions-1 {
		t.Errorf("%d concurrent CreatePolicyVersion with max %d: %d succeeded (%v), want %d", calls, maxVersions, len(ids), ids, maxVersions-1)
	}
	vs, err := db.ListPolicyVersions(ctx, p.ARN)
	must(t, err)
	if diff := cmp.Diff([]string{"v5", "v4", "v3", "v2", "v1"}, names(vs, versionID)); diff != "" {
		t.Errorf("ListPolicyVersions after the race mismatch (-want +got):\n%s", diff)
	}
	got, err := db.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.NextVersion != maxVersions+1 {
		t.Errorf("GetPolicy(Busy).NextVersion = %d, want %d", got.NextVersion, maxVersions+1)
	}
}

func testIAMEnsurePolicyVersion(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := providerPolicy("/", "ReadOnlyAccess")
	// Replicas starting together.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.EnsurePolicyVersion(ctx, p, "v1", `{"v":1}`, true)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent EnsurePolicyVersion %d: %v", i, err)
		}
	}
	must(t, db.EnsurePolicyVersion(ctx, p, "v1", `{"v":"changed"}`, true)) // exists: unchanged
	want := *p
	want.DefaultVersion, want.NextVersion = "v1", 2
	check := func(when string, want *iam.ManagedPolicy, versions []*iam.PolicyVersion) {
		t.Helper()
		got, err := db.GetPolicy(ctx, p.ARN)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetPolicy %s mismatch (-want +got):\n%s", when, diff)
		}
		vs, err := db.ListPolicyVersions(ctx, p.ARN)
		must(t, err)
		if diff := cmp.Diff(versions, vs); diff != "" {
			t.Errorf("ListPolicyVersions %s mismatch (-want +got):\n%s", when, diff)
		}
	}
	pv1 := &iam.PolicyVersion{PolicyARN: p.ARN, VersionID: "v1", Document: `{"v":1}`, CreateDate: p.UpdateDate}
	check("after v1", &want, []*iam.PolicyVersion{pv1})

	// A later version, not yet the default, then the default.
	p.UpdateDate = at(7, 0, 0, 7)
	must(t, db.EnsurePolicyVersion(ctx, p, "v3", `{"v":3}`, false))
	want.NextVersion = 4
	pv3 := &iam.PolicyVersion{PolicyARN: p.ARN, VersionID: "v3", Document: `{"v":3}`, CreateDate: at(7, 0, 0, 7)}
	check("after v3", &want, []*iam.PolicyVersion{pv3, pv1})
	must(t, db.EnsurePolicyVersion(ctx, p, "v3", `{"v":3}`, true))
	want.DefaultVersion, want.UpdateDate = "v3", at(7, 0, 0, 7)
	check("after v3 as default", &want, []*iam.PolicyVersion{pv3, pv1})
	// An older version keeps the next number.
	must(t, db.EnsurePolicyVersion(ctx, p, "v2", `{"v":2}`, false))
	if got, err := db.GetPolicy(ctx, p.ARN); err != nil || got.NextVersion != 4 || got.DefaultVersion != "v3" {
		t.Errorf("GetPolicy after ensuring v2 = %+v, %v; want next 4, default v3", got, err)
	}

	if err := db.EnsurePolicyVersion(ctx, p, "x1", "{}", true); err == nil {
		t.Error("EnsurePolicyVersion(x1) succeeded; want an error")
	}
	moved := providerPolicy("/other/", "ReadOnlyAccess") // same name, another ARN
	moved.ID = "ANPAMOVED"
	wantKind(t, "EnsurePolicyVersion(name taken)", db.EnsurePolicyVersion(ctx, moved, "v1", "{}", true), awserr.Exists)
	if _, err := db.GetPolicyVersion(ctx, moved.ARN, "v1"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetPolicyVersion(refused policy) error = %v, want NotFound", err)
	}
}

func testIAMAttachments(t *testing.T, db *store.DB) {
	ctx := context.Background()
	owners(t, db, acct, []string{"Alice"}, []string{"devs", "empty"}, []string{"App"})
	owners(t, db, other, []string{"Bob"}, nil, nil)
	zeta := customerPolicy(acct, "/", "Zeta")
	alpha := customerPolicy(acct, "/", "alpha")
	unattached := customerPolicy(acct, "/", "Unattached")
	foreign := customerPolicy(other, "/", "Foreign")
	for _, p := range []*iam.ManagedPolicy{zeta, alpha, unattached, foreign} {
		must(t, db.CreatePolicy(ctx, p, "{}"))
	}
	readOnly := providerPolicy("/", "ReadOnlyAccess")
	must(t, db.EnsurePolicyVersion(ctx, readOnly, "v1", "{}", true))
	readOnly.DefaultVersion, readOnly.NextVersion = "v1", 2

	attach := []*iam.Attachment{
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: zeta.ARN},
		{Account: acct, OwnerKind: iam.KindUser, Owner: "ALICE", PolicyARN: zeta.ARN}, // again: no change
		{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", PolicyARN: alpha.ARN},
		{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", PolicyARN: readOnly.ARN},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "DEVS", PolicyARN: zeta.ARN},
		{Account: acct, OwnerKind: iam.KindRole, Owner: "app", PolicyARN: zeta.ARN},
		{Account: other, OwnerKind: iam.KindUser, Owner: "bob", PolicyARN: readOnly.ARN},
	}
	for _, a := range attach {
		must(t, db.AttachPolicy(ctx, a))
	}
	refused := []struct {
		name string
		a    *iam.Attachment
	}{
		{"missing user", &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "nope", PolicyARN: zeta.ARN}},
		{"missing group", &iam.Attachment{Account: acct, OwnerKind: iam.KindGroup, Owner: "alice", PolicyARN: zeta.ARN}},
		{"missing policy", &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: zeta.ARN + "x"}},
		{"another account's policy", &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: foreign.ARN}},
	}
	for _, tt := range refused {
		wantKind(t, "AttachPolicy("+tt.name+")", db.AttachPolicy(ctx, tt.a), awserr.NotFound)
	}
	if err := db.AttachPolicy(ctx, &iam.Attachment{Account: acct, OwnerKind: "robot", Owner: "alice", PolicyARN: zeta.ARN}); err == nil {
		t.Error("AttachPolicy(kind robot) succeeded; want an error")
	}

	attached := []struct {
		kind, owner string
		want        []*iam.ManagedPolicy
	}{
		{iam.KindUser, "ALICE", []*iam.ManagedPolicy{alpha, readOnly, zeta}},
		{iam.KindGroup, "devs", []*iam.ManagedPolicy{zeta}},
		{iam.KindRole, "App", []*iam.ManagedPolicy{zeta}},
		{iam.KindGroup, "empty", nil},
	}
	for _, tt := range attached {
		ps, err := db.ListAttachedPolicies(ctx, acct, tt.kind, tt.owner)
		must(t, err)
		if diff := cmp.Diff(tt.want, ps); diff != "" {
			t.Errorf("ListAttachedPolicies(%s %s) mismatch (-want +got):\n%s", tt.kind, tt.owner, diff)
		}
	}
	_, err := db.ListAttachedPolicies(ctx, acct, iam.KindRole, "nope")
	wantKind(t, "ListAttachedPolicies(missing role)", err, awserr.NotFound)

	attachments := []struct {
		arn  string
		want []*iam.Attachment
	}{
		{zeta.ARN, []*iam.Attachment{
			{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", PolicyARN: zeta.ARN},
			{Account: acct, OwnerKind: iam.KindRole, Owner: "App", PolicyARN: zeta.ARN},
			{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", PolicyARN: zeta.ARN},
		}},
		{readOnly.ARN, []*iam.Attachment{
			{Account: acct, OwnerKind: iam.KindUser, Owner: "Alice", PolicyARN: readOnly.ARN},
			{Account: other, OwnerKind: iam.KindUser, Owner: "Bob", PolicyARN: readOnly.ARN},
		}},
		{unattached.ARN, nil},
	}
	for _, tt := range attachments {
		as, err := db.ListPolicyAttachments(ctx, tt.arn)
		must(t, err)
		if diff := cmp.Diff(tt.want, as); diff != "" {
			t.Errorf("ListPolicyAttachments(%s) mismatch (-want +got):\n%s", tt.arn, diff)
		}
		n, err := db.CountPolicyAttachments(ctx, tt.arn)
		if err != nil || n != len(tt.want) {
			t.Errorf("CountPolicyAttachments(%s) = %d, %v; want %d", tt.arn, n, err, len(tt.want))
		}
	}
	_, err = db.ListPolicyAttachments(ctx, zeta.ARN+"x")
	wantKind(t, "ListPolicyAttachments(missing)", err, awserr.NotFound)
	_, err = db.CountPolicyAttachments(ctx, zeta.ARN+"x")
	wantKind(t, "CountPolicyAttachments(missing)", err, awserr.NotFound)

	must(t, db.DetachPolicy(ctx, &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "ALICE", PolicyARN: zeta.ARN}))
	wantKind(t, "DetachPolicy(detached)", db.DetachPolicy(ctx, &iam.Attachment{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: zeta.ARN}), awserr.NotFound)
	wantKind(t, "DetachPolicy(other account)", db.DetachPolicy(ctx, &iam.Attachment{Account: other, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: alpha.ARN}), awserr.NotFound)
	if n, err := db.CountPolicyAttachments(ctx, zeta.ARN); err != nil || n != 2 {
		t.Errorf("CountPolicyAttachments(Zeta) after detach = %d, %v; want 2", n, err)
	}
}

// testIAMPolicyDocuments checks the policies that apply to a user in two
// groups, to a group and to a role.
func testIAMPolicyDocuments(t *testing.T, db *store.DB) {
	ctx := context.Background()
	owners(t, db, acct, []string{"Alice", "bob"}, []string{"Devs", "ops", "outsiders"}, []string{"App"})
	owners(t, db, other, []string{"alice"}, nil, nil)
	for _, g := range []string{"devs", "OPS"} {
		must(t, db.AddUserToGroup(ctx, acct, g, "alice"))
	}
	must(t, db.AddUserToGroup(ctx, acct, "outsiders", "bob"))

	c1 := customerPolicy(acct, "/", "C1")
	c2 := customerPolicy(acct, "/", "C2")
	c3 := customerPolicy(acct, "/", "C3")
	for _, p := range []*iam.ManagedPolicy{c1, c2, c3} {
		must(t, db.CreatePolicy(ctx, p, `{"policy":"`+p.Name+`","v":1}`))
	}
	_, err := db.CreatePolicyVersion(ctx, c1.ARN, `{"policy":"C1","v":2}`, true, 5, at(2, 0, 0, 0))
	must(t, err)
	_, err = db.CreatePolicyVersion(ctx, c2.ARN, `{"policy":"C2","v":2}`, false, 5, at(2, 0, 0, 0))
	must(t, err)
	ro := providerPolicy("/", "ReadOnlyAccess")
	must(t, db.EnsurePolicyVersion(ctx, ro, "v1", `{"policy":"ReadOnlyAccess"}`, true))

	inline := []*iam.InlinePolicy{
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", Name: "UserInline", Document: `{"inline":"user"}`},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", Name: "DevInline", Document: `{"inline":"devs"}`},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "ops", Name: "OpsInline", Document: `{"inline":"ops"}`},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "outsiders", Name: "OutInline", Document: `{"inline":"out"}`},
		{Account: acct, OwnerKind: iam.KindRole, Owner: "app", Name: "RoleInline", Document: `{"inline":"role"}`},
		{Account: other, OwnerKind: iam.KindUser, Owner: "alice", Name: "OtherInline", Document: `{"inline":"other"}`},
	}
	for _, p := range inline {
		must(t, db.PutInlinePolicy(ctx, p))
	}
	for _, a := range []*iam.Attachment{
		{Account: acct, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: c1.ARN},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", PolicyARN: c1.ARN}, // C1 twice for alice
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "devs", PolicyARN: ro.ARN},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "ops", PolicyARN: c2.ARN},
		{Account: acct, OwnerKind: iam.KindGroup, Owner: "outsiders", PolicyARN: c3.ARN},
		{Account: acct, OwnerKind: iam.KindRole, Owner: "app", PolicyARN: ro.ARN},
		{Account: other, OwnerKind: iam.KindUser, Owner: "alice", PolicyARN: ro.ARN},
	} {
		must(t, db.AttachPolicy(ctx, a))
	}

	tests := []struct {
		kind, owner string
		want        []iam.PolicyDocument
	}{
		{iam.KindUser, "ALICE", []iam.PolicyDocument{
			{ID: c1.ARN, Document: `{"policy":"C1","v":2}`},
			{ID: c2.ARN, Document: `{"policy":"C2","v":1}`},
			{ID: ro.ARN, Document: `{"policy":"ReadOnlyAccess"}`},
			{ID: "group/Devs/DevInline", Document: `{"inline":"devs"}`},
			{ID: "group/ops/OpsInline", Document: `{"inline":"ops"}`},
			{ID: "user/Alice/UserInline", Document: `{"inline":"user"}`},
		}},
		{iam.KindGroup, "devs", []iam.PolicyDocument{
			{ID: c1.ARN, Document: `{"policy":"C1","v":2}`},
			{ID: ro.ARN, Document: `{"policy":"ReadOnlyAccess"}`},
			{ID: "group/Devs/DevInline", Document: `{"inline":"devs"}`},
		}},
		{iam.KindRole, "APP", []iam.PolicyDocument{
			{ID: ro.ARN, Document: `{"policy":"ReadOnlyAccess"}`},
			{ID: "role/App/RoleInline", Document: `{"inline":"role"}`},
		}},
		{iam.KindUser, "nobody", nil},
	}
	for _, tt := range tests {
		got, err := db.PolicyDocuments(ctx, acct, tt.kind, tt.owner)
		must(t, err)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("PolicyDocuments(%s %s) mismatch (-want +got):\n%s", tt.kind, tt.owner, diff)
		}
	}
	got, err := db.PolicyDocuments(ctx, other, iam.KindUser, "alice")
	must(t, err)
	want := []iam.PolicyDocument{{ID: ro.ARN, Document: `{"policy":"ReadOnlyAccess"}`}, {ID: "user/alice/OtherInline", Document: `{"inline":"other"}`}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PolicyDocuments(other account's alice) mismatch (-want +got):\n%s", diff)
	}
	if _, err := db.PolicyDocuments(ctx, acct, "robot", "alice"); err == nil {
		t.Error("PolicyDocuments(kind robot) succeeded; want an error")
	}
}
