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

func testIAMInstanceProfiles(t *testing.T, db *store.DB) {
	ctx := context.Background()
	owners(t, db, acct, nil, nil, []string{"App", "Web", "Idle"})
	roles := map[string]*iam.Role{}
	for _, n := range []string{"App", "Web"} {
		r, err := db.GetRole(ctx, acct, n)
		must(t, err)
		roles[n] = r
	}
	profiles := []*iam.InstanceProfile{
		{Account: acct, Name: "api", ID: "AIPAAPI", Path: "/", Tags: tags("env", "prod"), CreateDate: at(1, 0, 0, 1)},
		{Account: acct, Name: "Batch", ID: "AIPABATCH", Path: "/axb/", CreateDate: at(1, 0, 0, 2)},
		{Account: acct, Name: "Web_Profile", ID: "AIPAWEB", Path: "/a_b/", CreateDate: at(1, 0, 0, 3)},
	}
	for _, p := range profiles {
		must(t, db.CreateInstanceProfile(ctx, p))
	}
	wantKind(t, "CreateInstanceProfile(API)",
		db.CreateInstanceProfile(ctx, &iam.InstanceProfile{Account: acct, Name: "API", ID: "AIPAX", Path: "/"}), awserr.Exists)
	got, err := db.GetInstanceProfile(ctx, acct, "WEB_PROFILE")
	must(t, err)
	if diff := cmp.Diff(profiles[2], got); diff != "" {
		t.Errorf("GetInstanceProfile(WEB_PROFILE) mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetInstanceProfile(ctx, acct, "nope")
	wantKind(t, "GetInstanceProfile(nope)", err, awserr.NotFound)

	must(t, db.AddRoleToInstanceProfile(ctx, acct, "API", "app"))
	must(t, db.AddRoleToInstanceProfile(ctx, acct, "batch", "APP"))
	must(t, db.AddRoleToInstanceProfile(ctx, acct, "web_profile", "web"))
	refused := []struct {
		profile, role string
		kind          awserr.Kind
	}{
		{"api", "Web", awserr.LimitExceeded},
		{"api", "App", awserr.LimitExceeded},
		{"nope", "App", awserr.NotFound},
		{"api", "nope", awserr.NotFound},
	}
	for _, tt := range refused {
		wantKind(t, fmt.Sprintf("AddRoleToInstanceProfile(%s, %s)", tt.profile, tt.role),
			db.AddRoleToInstanceProfile(ctx, acct, tt.profile, tt.role), tt.kind)
	}

	profiles[0].Roles = []*iam.Role{roles["App"]}
	profiles[1].Roles = []*iam.Role{roles["App"]}
	profiles[2].Roles = []*iam.Role{roles["Web"]}
	got, err = db.GetInstanceProfile(ctx, acct, "api")
	must(t, err)
	if diff := cmp.Diff(profiles[0], got); diff != "" {
		t.Errorf("GetInstanceProfile(api) with a role mismatch (-want +got):\n%s", diff)
	}
	all, err := db.ListInstanceProfiles(ctx, acct, iam.ListOptions{})
	must(t, err)
	if diff := cmp.Diff(profiles, all); diff != "" {
		t.Errorf("ListInstanceProfiles(all) mismatch (-want +got):\n%s", diff)
	}
	lists := []struct {
		opt  iam.ListOptions
		want []*iam.InstanceProfile
	}{
		{iam.ListOptions{Limit: 1}, profiles[:1]},
		{iam.ListOptions{After: "API", Limit: 1}, profiles[1:2]},
		{iam.ListOptions{PathPrefix: "/a_b/"}, profiles[2:]},
		{iam.ListOptions{PathPrefix: "/a"}, profiles[1:]},
		{iam.ListOptions{After: "web_profile"}, nil},
	}
	for _, tt := range lists {
		ps, err := db.ListInstanceProfiles(ctx, acct, tt.opt)
		must(t, err)
		if diff := cmp.Diff(tt.want, ps); diff != "" {
			t.Errorf("ListInstanceProfiles(%+v) mismatch (-want +got):\n%s", tt.opt, diff)
		}
	}
	forRole := []struct {
		role string
		want []*iam.InstanceProfile
	}{
		{"APP", profiles[:2]},
		{"web", profiles[2:]},
		{"Idle", nil},
	}
	for _, tt := range forRole {
		ps, err := db.ListInstanceProfilesForRole(ctx, acct, tt.role)
		must(t, err)
		if diff := cmp.Diff(tt.want, ps); diff != "" {
			t.Errorf("ListInstanceProfilesForRole(%s) mismatch (-want +got):\n%s", tt.role, diff)
		}
	}
	_, err = db.ListInstanceProfilesForRole(ctx, acct, "nope")
	wantKind(t, "ListInstanceProfilesForRole(nope)", err, awserr.NotFound)

	must(t, db.RemoveRoleFromInstanceProfile(ctx, acct, "Api", "APP"))
	wantKind(t, "RemoveRoleFromInstanceProfile(removed)", db.RemoveRoleFromInstanceProfile(ctx, acct, "api", "app"), awserr.NotFound)
	if got, err := db.GetInstanceProfile(ctx, acct, "api"); err != nil || got.Roles != nil {
		t.Errorf("GetInstanceProfile(api) after removing its role = %+v, %v; want no roles", got, err)
	}
	must(t, db.AddRoleToInstanceProfile(ctx, acct, "api", "web")) // room again

	must(t, db.DeleteInstanceProfile(ctx, acct, "BATCH"))
	_, err = db.GetInstanceProfile(ctx, acct, "batch")
	wantKind(t, "GetInstanceProfile(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteInstanceProfile(deleted)", db.DeleteInstanceProfile(ctx, acct, "batch"), awserr.NotFound)
	if ps, err := db.ListInstanceProfilesForRole(ctx, acct, "app"); err != nil || ps != nil {
		t.Errorf("ListInstanceProfilesForRole(app) after deleting its profiles = %v, %v; want none", ps, err)
	}

	// Concurrent additions of different roles to a profile: one wins. Many
	// profiles at once, so that the additions overlap.
	var racers []string
	for i := range 10 {
		racers = append(racers, fmt.Sprintf("racer%d", i))
	}
	owners(t, db, acct, nil, nil, racers)
	const races = 20
	for i := range races {
		must(t, db.CreateInstanceProfile(ctx, &iam.InstanceProfile{Account: acct, Name: fmt.Sprintf("race%d", i), ID: fmt.Sprintf("AIPARACE%d", i), Path: "/", CreateDate: at(1, 0, 0, 0)}))
	}
	errs := make([][]error, races)
	var wg sync.WaitGroup
	for i := range races {
		errs[i] = make([]error, len(racers))
		for j, r := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i][j] = db.AddRoleToInstanceProfile(ctx, acct, fmt.Sprintf("race%d", i), r)
			}()
		}
	}
	wg.Wait()
	for i := range races {
		won := 0
		for j, err := range errs[i] {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, awserr.LimitExceeded):
				t.Errorf("concurrent AddRoleToInstanceProfile(race%d, %s) error = %v, want nil or LimitExceeded", i, racers[j], err)
			}
		}
		p, err := db.GetInstanceProfile(ctx, acct, fmt.Sprintf("race%d", i))
		must(t, err)
		if won != 1 || len(p.Roles) != 1 {
			t.Errorf("concurrent AddRoleToInstanceProfile(race%d): %d succeeded, profile has %d roles; want 1 and 1", i, won, len(p.Roles))
		}
	}
}

func testIAMOIDCProviders(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ps := []*iam.OIDCProvider{
		{ARN: "arn:aws:iam::123456789012:oidc-provider/a.example.com", Account: acct, URL: "a.example.com",
			ClientIDs: []string{"sts.amazonaws.com", "app"}, Thumbprints: []string{"0123456789abcdef0123456789abcdef01234567"},
			Tags: tags("k", "v"), CreateDate: at(1, 0, 0, 1)},
		{ARN: "arn:aws:iam::123456789012:oidc-provider/b.example.com/id", Account: acct, URL: "b.example.com/id", CreateDate: at(1, 0, 0, 2)},
		{ARN: "arn:aws:iam::210987654321:oidc-provider/a.example.com", Account: other, URL: "a.example.com", CreateDate: at(1, 0, 0, 3)},
	}
	for _, p := range ps {
		must(t, db.CreateOIDCProvider(ctx, p))
	}
	sameURL := *ps[0]
	sameURL.ARN += "-x"
	wantKind(t, "CreateOIDCProvider(same URL)", db.CreateOIDCProvider(ctx, &sameURL), awserr.Exists)
	wantKind(t, "CreateOIDCProvider(same ARN)", db.CreateOIDCProvider(ctx, ps[1]), awserr.Exists)

	got, err := db.GetOIDCProvider(ctx, ps[0].ARN)
	must(t, err)
	if diff := cmp.Diff(ps[0], got); diff != "" {
		t.Errorf("GetOIDCProvider mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetOIDCProvider(ctx, sameURL.ARN)
	wantKind(t, "GetOIDCProvider(missing)", err, awserr.NotFound)
	list, err := db.ListOIDCProviders(ctx, acct)
	must(t, err)
	if diff := cmp.Diff(ps[:2], list); diff != "" {
		t.Errorf("ListOIDCProviders mismatch (-want +got):\n%s", diff)
	}

	upd := &iam.OIDCProvider{ARN: ps[0].ARN, Account: acct, URL: "ignored.example.com", ClientIDs: []string{"new"}, CreateDate: at(9, 0, 0, 0)}
	must(t, db.UpdateOIDCProvider(ctx, upd))
	want := *ps[0]
	want.ClientIDs, want.Thumbprints, want.Tags = []string{"new"}, nil, nil
	got, err = db.GetOIDCProvider(ctx, ps[0].ARN)
	must(t, err)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetOIDCProvider after update mismatch (-want +got):\n%s", diff)
	}
	wantKind(t, "UpdateOIDCProvider(missing)", db.UpdateOIDCProvider(ctx, &sameURL), awserr.NotFound)

	must(t, db.DeleteOIDCProvider(ctx, ps[0].ARN))
	_, err = db.GetOIDCProvider(ctx, ps[0].ARN)
	wantKind(t, "GetOIDCProvider(deleted)", err, awserr.NotFound)
	wantKind(t, "DeleteOIDCProvider(deleted)", db.DeleteOIDCProvider(ctx, ps[0].ARN), awserr.NotFound)
	// The URL is free again in the account.
	must(t, db.CreateOIDCProvider(ctx, &sameURL))
}
