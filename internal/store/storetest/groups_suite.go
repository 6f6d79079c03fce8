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
	"github.com/kanri-dev/kanri/internal/groups"
	"github.com/kanri-dev/kanri/internal/store"
)

// testGroups runs the resource group store tests, each on a fresh
// database.
func testGroups(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"CRUD", testGroupsCRUD},
		{"List", testGroupsList},
		{"Update", testGroupsUpdate},
		{"Tags", testGroupsTags},
		{"TagsConcurrent", testGroupsTagsConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

const webQuery = `{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`

// newGroup returns a group of acct named name.
func newGroup(name string) *groups.Group {
	return &groups.Group{
		Account: acct, Name: name, Description: "for " + name, Query: groups.ResourceQuery{Type: "TAG_FILTERS_1_0", Query: webQuery},
		CreatedAt: at(1, 2, 3, 4),
	}
}

func testGroupsCRUD(t *testing.T, db *store.DB) {
	ctx := context.Background()
	g := newGroup("web")
	g.Criticality, g.Owner, g.DisplayName, g.Tags = 3, "ops", "Web servers", map[string]string{"team": "web", "empty": ""}
	must(t, db.CreateResourceGroup(ctx, g))
	got, err := db.GetResourceGroup(ctx, acct, "web")
	must(t, err)
	if diff := cmp.Diff(g, got); diff != "" {
		t.Errorf("GetGroup mismatch (-want +got):\n%s", diff)
	}
	if err := db.CreateResourceGroup(ctx, newGroup("web")); !errors.Is(err, awserr.Exists) {
		t.Errorf("CreateResourceGroup(web again) = %v, want Exists", err)
	}
	// Names are per account, and case-sensitive.
	o := newGroup("web")
	o.Account = other
	must(t, db.CreateResourceGroup(ctx, o))
	must(t, db.CreateResourceGroup(ctx, newGroup("Web")))
	if _, err := db.GetResourceGroup(ctx, other, "Web"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetResourceGroup(other, Web) = %v, want NotFound", err)
	}

	must(t, db.DeleteResourceGroup(ctx, acct, "web"))
	if _, err := db.GetResourceGroup(ctx, acct, "web"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetResourceGroup(deleted) = %v, want NotFound", err)
	}
	if err := db.DeleteResourceGroup(ctx, acct, "web"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("DeleteResourceGroup(deleted) = %v, want NotFound", err)
	}
	if _, err := db.GetResourceGroup(ctx, other, "web"); err != nil {
		t.Errorf("GetResourceGroup(other account's web) after deleting acct's = %v", err)
	}
}

func testGroupsList(t *testing.T, db *store.DB) {
	ctx := context.Background()
	// Names whose order is the same under every collation.
	names := []string{"db", "a1", "web", "cache", "a2"}
	for _, n := range names {
		must(t, db.CreateResourceGroup(ctx, newGroup(n)))
	}
	o := newGroup("zz")
	o.Account = other
	must(t, db.CreateResourceGroup(ctx, o))
	tests := []struct {
		after string
		n     int
		want  []string
	}{
		{"", 0, []string{"a1", "a2", "cache", "db", "web"}},
		{"", 2, []string{"a1", "a2"}},
		{"a2", 2, []string{"cache", "db"}},
		{"db", 0, []string{"web"}},
		// after need not be a group: a deleted one continues where it was.
		{"b", 1, []string{"cache"}},
		{"web", 0, nil},
	}
	for _, tt := range tests {
		got, err := db.ListResourceGroups(ctx, acct, tt.after, tt.n)
		must(t, err)
		var gotNames []string
		for _, g := range got {
			gotNames = append(gotNames, g.Name)
		}
		if !cmp.Equal(gotNames, tt.want) {
			t.Errorf("ListResourceGroups(%q, %d) = %v, want %v", tt.after, tt.n, gotNames, tt.want)
		}
	}
}

func testGroupsUpdate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	g := newGroup("web")
	g.Criticality, g.Owner, g.Tags = 3, "ops", map[string]string{"team": "web"}
	must(t, db.CreateResourceGroup(ctx, g))

	// Nothing set: nothing changes.
	got, err := db.UpdateResourceGroup(ctx, acct, "web", groups.Update{})
	must(t, err)
	if diff := cmp.Diff(g, got); diff != "" {
		t.Errorf("UpdateResourceGroup(nothing) mismatch (-want +got):\n%s", diff)
	}

	desc, crit, name := "", 7, "Web"
	q := groups.ResourceQuery{Type: "TAG_FILTERS_1_0", Query: `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"role"}]}`}
	got, err = db.UpdateResourceGroup(ctx, acct, "web", groups.Update{Description: &desc, Criticality: &crit, DisplayName: &name, Query: &q})
	must(t, err)
	want := *g
	want.Description, want.Criticality, want.DisplayName, want.Query = "", 7, "Web", q
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("UpdateGroup mismatch (-want +got):\n%s", diff)
	}
	again, err := db.GetResourceGroup(ctx, acct, "web")
	must(t, err)
	if diff := cmp.Diff(&want, again); diff != "" {
		t.Errorf("GetGroup after UpdateGroup mismatch (-want +got):\n%s", diff)
	}
	if _, err := db.UpdateResourceGroup(ctx, other, "web", groups.Update{Description: &desc}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("UpdateResourceGroup(other account) = %v, want NotFound", err)
	}
}

func testGroupsTags(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateResourceGroup(ctx, newGroup("web")))
	tags, err := db.TagResourceGroup(ctx, acct, "web", map[string]string{"a": "1", "b": "2"}, nil, 3)
	must(t, err)
	if want := map[string]string{"a": "1", "b": "2"}; !cmp.Equal(tags, want) {
		t.Errorf("TagResourceGroup(a, b) = %v, want %v", tags, want)
	}
	tags, err = db.TagResourceGroup(ctx, acct, "web", map[string]string{"a": "one", "c": "3"}, []string{"b", "nope"}, 3)
	must(t, err)
	if want := map[string]string{"a": "one", "c": "3"}; !cmp.Equal(tags, want) {
		t.Errorf("TagResourceGroup(a=one, c; -b) = %v, want %v", tags, want)
	}
	if _, err := db.TagResourceGroup(ctx, acct, "web", map[string]string{"d": "4", "e": "5"}, nil, 3); !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("TagResourceGroup over the limit = %v, want LimitExceeded", err)
	}
	g, err := db.GetResourceGroup(ctx, acct, "web")
	must(t, err)
	if want := map[string]string{"a": "one", "c": "3"}; !cmp.Equal(g.Tags, want) {
		t.Errorf("tags after a refused TagResourceGroup = %v, want %v", g.Tags, want)
	}
	tags, err = db.TagResourceGroup(ctx, acct, "web", nil, []string{"a", "c"}, 3)
	if err != nil || tags != nil {
		t.Errorf("TagResourceGroup(remove all) = %v, %v, want nil, nil", tags, err)
	}
	if _, err := db.TagResourceGroup(ctx, acct, "nope", map[string]string{"a": "1"}, nil, 3); !errors.Is(err, awserr.NotFound) {
		t.Errorf("TagResourceGroup(missing group) = %v, want NotFound", err)
	}
}

// testGroupsTagsConcurrent: concurrent taggers of one group lose no tag
// and never pass the limit together.
func testGroupsTagsConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	must(t, db.CreateResourceGroup(ctx, newGroup("web")))
	const n, limit = 16, 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.TagResourceGroup(ctx, acct, "web", map[string]string{fmt.Sprintf("k%02d", i): "v"}, nil, limit)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("TagResourceGroup: %v", err)
		}
	}
	g, err := db.GetResourceGroup(ctx, acct, "web")
	must(t, err)
	if ok != limit || len(g.Tags) != limit {
		t.Errorf("%d concurrent TagResourceGroup with limit %d: %d succeeded, %d tags; want %d and %d", n, limit, ok, len(g.Tags), limit, limit)
	}
}
