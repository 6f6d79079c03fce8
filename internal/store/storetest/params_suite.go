// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/store"
)

// testParams runs the Parameter Store store tests, each on a fresh
// database.
func testParams(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Versions", testParamsVersions},
		{"VersionLimit", testParamsVersionLimit},
		{"Labels", testParamsLabels},
		{"List", testParamsList},
		{"Tags", testParamsTags},
		{"PutConcurrent", testParamsPutConcurrent},
		{"LabelsConcurrent", testParamsLabelsConcurrent},
		{"ReadsFollowWrites", testParamsReadsFollowWrites},
		{"Expire", testParamsExpire},
		{"ExpireConcurrent", testParamsExpireConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// paramVersion returns a String version with value, put at minute m.
func paramVersion(value string, m int) *params.Version {
	return &params.Version{Type: params.TypeString, Value: value, Description: "d " + value, Tier: params.TierStandard,
		DataType: params.DataTypeText, ModifiedAt: at(1, m, 0, 0), ModifiedBy: "arn:aws:iam::" + acct + ":user/admin"}
}

// putParam puts a version of acct's parameter name after prev and
// returns its number.
func putParam(t testing.TB, db *store.DB, name string, prev int64, value string) int64 {
	t.Helper()
	v := paramVersion(value, int(prev))
	if err := db.PutParameter(context.Background(), &params.Parameter{Account: acct, Name: name, Version: v}, prev, params.MaxVersions); err != nil {
		t.Fatalf("PutParameter(%s, after %d): %v", name, prev, err)
	}
	return v.Number
}

func testParamsVersions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	v1 := paramVersion("one", 1)
	v1.Type, v1.KeyID, v1.AllowedPattern, v1.Policies = params.TypeSecureString, "alias/app", "^.*$", `[{"Type":"Expiration"}]`
	p := &params.Parameter{Account: acct, Name: "/app/db/password", Tags: map[string]string{"team": "db"}, Version: v1}
	must(t, db.PutParameter(ctx, p, 0, params.MaxVersions))
	if v1.Number != 1 || p.Latest != 1 {
		t.Errorf("PutParameter(new) numbered %d, latest %d; want 1, 1", v1.Number, p.Latest)
	}
	got, err := db.GetParameter(ctx, acct, "app/db/password", params.Selector{})
	must(t, err)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("GetParameter mismatch (-want +got):\n%s", diff)
	}
	if err := db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "app/db/password", Version: paramVersion("x", 2)}, 0, 100); !errors.Is(err, awserr.Exists) {
		t.Errorf("PutParameter(new, existing) = %v, want Exists", err)
	}
	// "/token" and "token" are one parameter, named as first created.
	putParam(t, db, "token", 0, "t1")
	if n := putParam(t, db, "/token", 1, "t2"); n != 2 {
		t.Errorf("PutParameter(/token after 1) = version %d, want 2", n)
	}
	tok, err := db.GetParameter(ctx, acct, "token", params.Selector{})
	must(t, err)
	if tok.Name != "token" || tok.Latest != 2 || tok.Version.Value != "t2" {
		t.Errorf("GetParameter(token) = %s latest %d value %q, want token, 2, t2", tok.Name, tok.Latest, tok.Version.Value)
	}
	// A put that read an older latest version conflicts, and changes nothing.
	if err := db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "token", Version: paramVersion("stale", 3)}, 1, 100); !errors.Is(err, awserr.Conflict) {
		t.Errorf("PutParameter(after 1, latest 2) = %v, want Conflict", err)
	}
	if err := db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "gone", Version: paramVersion("x", 3)}, 4, 100); !errors.Is(err, awserr.Conflict) {
		t.Errorf("PutParameter(missing, after 4) = %v, want Conflict", err)
	}
	v, err := db.GetParameter(ctx, acct, "token", params.Selector{Version: 1})
	if err != nil || v.Version.Value != "t1" || v.Version.Number != 1 || v.Latest != 2 {
		t.Errorf("GetParameter(token:1) = %+v, %v; want t1 as version 1 of 2", v, err)
	}
	if _, err := db.GetParameter(ctx, acct, "token", params.Selector{Version: 9}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("GetParameter(token:9) = %v, want ErrVersionNotFound", err)
	}
	if _, err := db.GetParameter(ctx, acct, "token", params.Selector{Label: "prod"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("GetParameter(token:prod) = %v, want ErrVersionNotFound", err)
	}
	for _, sel := range []params.Selector{{}, {Version: 1}, {Label: "prod"}} {
		if _, err := db.GetParameter(ctx, acct, "nope", sel); !errors.Is(err, awserr.NotFound) || errors.Is(err, params.ErrVersionNotFound) {
			t.Errorf("GetParameter(nope, %+v) = %v, want NotFound", sel, err)
		}
	}
	if _, err := db.GetParameter(ctx, other, "token", params.Selector{}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetParameter(other account's token) = %v, want NotFound", err)
	}

	must(t, db.DeleteParameter(ctx, acct, "token"))
	if _, err := db.GetParameter(ctx, acct, "token", params.Selector{Version: 1}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetParameter(deleted:1) = %v, want NotFound", err)
	}
	if err := db.DeleteParameter(ctx, acct, "token"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("DeleteParameter(deleted) = %v, want NotFound", err)
	}
	// A new parameter of the name starts again at version 1, with no
	// history of the old one.
	if n := putParam(t, db, "token", 0, "new"); n != 1 {
		t.Errorf("PutParameter(token again) = version %d, want 1", n)
	}
	vs, err := db.ListParameterVersions(ctx, acct, "token", 0, 0)
	must(t, err)
	if len(vs) != 1 || vs[0].Value != "new" {
		t.Errorf("ListParameterVersions(recreated) = %d versions, want the new one", len(vs))
	}
	if _, err := db.ListParameterVersions(ctx, acct, "nope", 0, 0); !errors.Is(err, awserr.NotFound) {
		t.Errorf("ListParameterVersions(nope) = %v, want NotFound", err)
	}
}

// versionNumbers returns the numbers of acct's parameter's versions.
func versionNumbers(t testing.TB, db *store.DB, key string) []int64 {
	t.Helper()
	vs, err := db.ListParameterVersions(context.Background(), acct, key, 0, 0)
	must(t, err)
	var out []int64
	for _, v := range vs {
		out = append(out, v.Number)
	}
	return out
}

func testParamsVersionLimit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const max = 3
	put := func(prev int64) error {
		return db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "/p", Version: paramVersion(fmt.Sprint(prev+1), int(prev))}, prev, max)
	}
	for prev := int64(0); prev < 5; prev++ {
		must(t, put(prev))
	}
	if got, want := versionNumbers(t, db, "p"), []int64{3, 4, 5}; !cmp.Equal(got, want) {
		t.Errorf("versions after 5 puts with a limit of %d = %v, want %v", max, got, want)
	}
	// The oldest version has a label: the next put is refused.
	if _, err := db.LabelParameterVersion(ctx, acct, "p", 3, []string{"keep"}, 10); err != nil {
		t.Fatal(err)
	}
	if err := put(5); !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("PutParameter with a labeled oldest version = %v, want LimitExceeded", err)
	}
	p, err := db.GetParameter(ctx, acct, "p", params.Selector{})
	must(t, err)
	if got, want := versionNumbers(t, db, "p"), []int64{3, 4, 5}; p.Latest != 5 || !cmp.Equal(got, want) {
		t.Errorf("after a refused put: latest %d, versions %v; want 5, %v", p.Latest, got, want)
	}
	// Moved to another version, the label no longer holds it.
	if _, err := db.LabelParameterVersion(ctx, acct, "p", 5, []string{"keep"}, 10); err != nil {
		t.Fatal(err)
	}
	must(t, put(5))
	if got, want := versionNumbers(t, db, "p"), []int64{4, 5, 6}; !cmp.Equal(got, want) {
		t.Errorf("versions after moving the label and putting = %v, want %v", got, want)
	}
}

func testParamsLabels(t *testing.T, db *store.DB) {
	ctx := context.Background()
	for prev := int64(0); prev < 3; prev++ {
		putParam(t, db, "/app/flag", prev, fmt.Sprint(prev+1))
	}
	n, err := db.LabelParameterVersion(ctx, acct, "app/flag", 0, []string{"prod", "blue"}, 3)
	if err != nil || n != 3 {
		t.Errorf("LabelParameterVersion(latest) = %d, %v; want 3", n, err)
	}
	// prod moves to version 1.
	if n, err := db.LabelParameterVersion(ctx, acct, "app/flag", 1, []string{"prod", "old"}, 3); err != nil || n != 1 {
		t.Errorf("LabelParameterVersion(1) = %d, %v; want 1", n, err)
	}
	p, err := db.GetParameter(ctx, acct, "app/flag", params.Selector{Label: "prod"})
	if err != nil || p.Version.Number != 1 || p.Version.Value != "1" {
		t.Errorf("GetParameter(:prod) = %+v, %v; want version 1", p, err)
	}
	// A version with more than 3 labels is refused, and nothing changes.
	if _, err := db.LabelParameterVersion(ctx, acct, "app/flag", 1, []string{"a1", "b1"}, 3); !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("LabelParameterVersion(4 labels) = %v, want LimitExceeded", err)
	}
	vs, err := db.ListParameterVersions(ctx, acct, "app/flag", 0, 0)
	must(t, err)
	labels := map[int64][]string{}
	for _, v := range vs {
		labels[v.Number] = v.Labels
	}
	if want := map[int64][]string{1: {"old", "prod"}, 2: nil, 3: {"blue"}}; !cmp.Equal(labels, want) {
		t.Errorf("labels by version = %v, want %v", labels, want)
	}
	if _, err := db.LabelParameterVersion(ctx, acct, "app/flag", 7, []string{"x"}, 3); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("LabelParameterVersion(version 7) = %v, want ErrVersionNotFound", err)
	}
	if _, err := db.LabelParameterVersion(ctx, acct, "nope", 0, []string{"x"}, 3); !errors.Is(err, awserr.NotFound) {
		t.Errorf("LabelParameterVersion(nope) = %v, want NotFound", err)
	}

	removed, err := db.UnlabelParameterVersion(ctx, acct, "app/flag", 1, []string{"blue", "prod", "zzz"})
	if err != nil || !cmp.Equal(removed, []string{"prod"}) {
		t.Errorf("UnlabelParameterVersion(1, blue prod zzz) = %v, %v; want [prod]", removed, err)
	}
	if _, err := db.GetParameter(ctx, acct, "app/flag", params.Selector{Label: "prod"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("GetParameter(:prod) after unlabel = %v, want ErrVersionNotFound", err)
	}
	if _, err := db.UnlabelParameterVersion(ctx, acct, "app/flag", 9, []string{"old"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("UnlabelParameterVersion(version 9) = %v, want ErrVersionNotFound", err)
	}
	if _, err := db.UnlabelParameterVersion(ctx, acct, "nope", 1, []string{"old"}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("UnlabelParameterVersion(nope) = %v, want NotFound", err)
	}
	// Labels go with their parameter.
	must(t, db.DeleteParameter(ctx, acct, "app/flag"))
	putParam(t, db, "/app/flag", 0, "again")
	if _, err := db.GetParameter(ctx, acct, "app/flag", params.Selector{Label: "old"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("GetParameter(recreated:old) = %v, want ErrVersionNotFound", err)
	}
}

func testParamsList(t *testing.T, db *store.DB) {
	ctx := context.Background()
	for _, name := range []string{"/a/x", "/a/b/y", "/a/b/c/z", "/ab/w", "top", "/root", "/a-b/v"} {
		putParam(t, db, name, 0, "v:"+name)
	}
	putParam(t, db, "/a/x", 1, "second")
	o := &params.Parameter{Account: other, Name: "/a/other", Version: paramVersion("o", 0)}
	must(t, db.PutParameter(ctx, o, 0, 100))
	list := func(opt params.ListOptions) []string {
		t.Helper()
		ps, err := db.ListParameters(ctx, acct, opt)
		must(t, err)
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s@%d", p.Name, p.Version.Number))
		}
		return out
	}
	tests := []struct {
		name string
		opt  params.ListOptions
		want []string
	}{
		{"all", params.ListOptions{}, []string{"/a-b/v@1", "/a/b/c/z@1", "/a/b/y@1", "/a/x@2", "/ab/w@1", "/root@1", "top@1"}},
		{"root one level", params.ListOptions{Paths: []params.PathFilter{{Key: ""}}}, []string{"/root@1", "top@1"}},
		{"root recursive", params.ListOptions{Paths: []params.PathFilter{{Key: "", Recursive: true}}},
			[]string{"/a-b/v@1", "/a/b/c/z@1", "/a/b/y@1", "/a/x@2", "/ab/w@1", "/root@1", "top@1"}},
		{"/a one level", params.ListOptions{Paths: []params.PathFilter{{Key: "a"}}}, []string{"/a/x@2"}},
		{"/a recursive", params.ListOptions{Paths: []params.PathFilter{{Key: "a", Recursive: true}}}, []string{"/a/b/c/z@1", "/a/b/y@1", "/a/x@2"}},
		{"/a/b one level or /ab", params.ListOptions{Paths: []params.PathFilter{{Key: "a/b"}, {Key: "ab"}}}, []string{"/a/b/y@1", "/ab/w@1"}},
		{"after and limit", params.ListOptions{After: "a/b/y", Limit: 2}, []string{"/a/x@2", "/ab/w@1"}},
		{"/A is not /a", params.ListOptions{Paths: []params.PathFilter{{Key: "A", Recursive: true}}}, nil},
	}
	for _, tt := range tests {
		if got := list(tt.opt); !cmp.Equal(got, tt.want) {
			t.Errorf("ListParameters(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// With labels, each parameter at its newest labeled version.
	if _, err := db.LabelParameterVersion(ctx, acct, "a/x", 1, []string{"prod"}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LabelParameterVersion(ctx, acct, "a/b/y", 1, []string{"qa"}, 10); err != nil {
		t.Fatal(err)
	}
	if got, want := list(params.ListOptions{Labels: []string{"prod", "qa"}}), []string{"/a/b/y@1", "/a/x@1"}; !cmp.Equal(got, want) {
		t.Errorf("ListParameters(labels prod, qa) = %v, want %v", got, want)
	}
	if got, want := list(params.ListOptions{Labels: []string{"prod"}, Paths: []params.PathFilter{{Key: "a"}}}), []string{"/a/x@1"}; !cmp.Equal(got, want) {
		t.Errorf("ListParameters(label prod, /a) = %v, want %v", got, want)
	}
}

// putExpiring puts a version of account's parameter name after prev
// that expires at exp (never if zero).
func putExpiring(t testing.TB, db *store.DB, account, name string, prev int64, exp time.Time) {
	t.Helper()
	p := &params.Parameter{Account: account, Name: name, ExpiresAt: exp, Version: paramVersion("v", int(prev))}
	if err := db.PutParameter(context.Background(), p, prev, params.MaxVersions); err != nil {
		t.Fatalf("PutParameter(%s, after %d): %v", name, prev, err)
	}
}

func testParamsExpire(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := at(1, 0, 0, 0)
	putExpiring(t, db, acct, "/a/due", 0, t0.Add(-time.Minute))
	putExpiring(t, db, acct, "/a/due", 1, t0.Add(-time.Minute)) // two versions
	if _, err := db.LabelParameterVersion(ctx, acct, "a/due", 1, []string{"old"}, params.MaxLabelsPerVersion); err != nil {
		t.Fatal(err)
	}
	putExpiring(t, db, acct, "token", 0, t0.Add(-time.Hour)) // due longest
	putExpiring(t, db, acct, "/a/later", 0, t0.Add(time.Hour))
	putExpiring(t, db, acct, "/a/never", 0, time.Time{})
	putExpiring(t, db, acct, "/a/moved", 0, t0.Add(-time.Minute))
	putExpiring(t, db, acct, "/a/moved", 1, time.Time{}) // the new version has no Expiration policy
	putExpiring(t, db, "210987654321", "/a/other", 0, t0.Add(-time.Minute))

	if p, err := db.GetParameter(ctx, acct, "a/later", params.Selector{}); err != nil || !p.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("GetParameter(a/later) = %+v, %v; want ExpiresAt %v", p, err, t0.Add(time.Hour))
	}
	if p, err := db.GetParameter(ctx, acct, "a/never", params.Selector{}); err != nil || !p.ExpiresAt.IsZero() {
		t.Errorf("GetParameter(a/never) = %+v, %v; want no ExpiresAt", p, err)
	}
	due, err := db.ExpiredParameters(ctx, acct, t0, 10)
	if diff := cmp.Diff([]string{"token", "/a/due"}, due); err != nil || diff != "" {
		t.Fatalf("ExpiredParameters (-want +got), %v:\n%s", err, diff)
	}
	if due, err := db.ExpiredParameters(ctx, acct, t0, 1); err != nil || len(due) != 1 || due[0] != "token" {
		t.Errorf("ExpiredParameters(limit 1) = %v, %v; want [token]", due, err)
	}
	if ok, err := db.ExpireParameter(ctx, acct, "a/later", t0); err != nil || ok {
		t.Errorf("ExpireParameter(a/later, before its time) = %v, %v; want false", ok, err)
	}
	if ok, err := db.ExpireParameter(ctx, acct, "a/due", t0); err != nil || !ok {
		t.Fatalf("ExpireParameter(a/due) = %v, %v; want true", ok, err)
	}
	if ok, err := db.ExpireParameter(ctx, acct, "a/due", t0); err != nil || ok {
		t.Errorf("ExpireParameter(a/due) again = %v, %v; want false", ok, err)
	}
	if _, err := db.GetParameter(ctx, acct, "a/due", params.Selector{}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetParameter(a/due) after it expired: %v, want NotFound", err)
	}
	// Versions and labels went with it: the name starts again at version 1.
	putExpiring(t, db, acct, "/a/due", 0, time.Time{})
	if got := versionNumbers(t, db, "a/due"); !slices.Equal(got, []int64{1}) {
		t.Errorf("versions of a/due made again = %v, want [1]", got)
	}
	if _, err := db.GetParameter(ctx, acct, "a/due", params.Selector{Label: "old"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("GetParameter(a/due:old) made again: %v, want ErrVersionNotFound", err)
	}
	due, err = db.ExpiredParameters(ctx, acct, t0.Add(2*time.Hour), 10)
	if diff := cmp.Diff([]string{"token", "/a/later"}, due); err != nil || diff != "" {
		t.Errorf("ExpiredParameters two hours on (-want +got), %v:\n%s", err, diff)
	}
}

// testParamsExpireConcurrent expires one parameter from several
// goroutines at once, as several servers would: exactly one deletes it.
func testParamsExpireConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := at(1, 0, 0, 0)
	for i := range 5 {
		putExpiring(t, db, acct, fmt.Sprintf("/race/%d", i), 0, t0)
	}
	for i := range 5 {
		key := fmt.Sprintf("race/%d", i)
		var wg sync.WaitGroup
		var mu sync.Mutex
		deleted := 0
		for range 4 {
			wg.Go(func() {
				ok, err := db.ExpireParameter(ctx, acct, key, t0)
				if err != nil {
					t.Errorf("ExpireParameter(%s): %v", key, err)
				}
				if ok {
					mu.Lock()
					deleted++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if deleted != 1 {
			t.Errorf("%s: %d of 4 concurrent expiries deleted it, want 1", key, deleted)
		}
	}
}

func testParamsTags(t *testing.T, db *store.DB) {
	ctx := context.Background()
	putParam(t, db, "/p", 0, "v")
	tags, err := db.TagParameter(ctx, acct, "p", map[string]string{"a": "1", "b": "2"}, nil, 3)
	if err != nil || !cmp.Equal(tags, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("TagParameter(a, b) = %v, %v", tags, err)
	}
	tags, err = db.TagParameter(ctx, acct, "p", map[string]string{"a": "one", "c": "3"}, []string{"b", "nope"}, 3)
	if err != nil || !cmp.Equal(tags, map[string]string{"a": "one", "c": "3"}) {
		t.Errorf("TagParameter(a=one, c; -b) = %v, %v", tags, err)
	}
	if _, err := db.TagParameter(ctx, acct, "p", map[string]string{"d": "4", "e": "5"}, nil, 3); !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("TagParameter over the limit = %v, want LimitExceeded", err)
	}
	// Tags belong to the parameter, not to a version.
	putParam(t, db, "/p", 1, "w")
	p, err := db.GetParameter(ctx, acct, "p", params.Selector{})
	must(t, err)
	if want := map[string]string{"a": "one", "c": "3"}; !cmp.Equal(p.Tags, want) {
		t.Errorf("tags after a refused TagParameter and a new version = %v, want %v", p.Tags, want)
	}
	if tags, err := db.TagParameter(ctx, acct, "p", nil, []string{"a", "c"}, 3); err != nil || tags != nil {
		t.Errorf("TagParameter(remove all) = %v, %v; want nil, nil", tags, err)
	}
	if _, err := db.TagParameter(ctx, acct, "nope", map[string]string{"a": "1"}, nil, 3); !errors.Is(err, awserr.NotFound) {
		t.Errorf("TagParameter(missing) = %v, want NotFound", err)
	}
}

// testParamsPutConcurrent: of concurrent puts that read the same latest
// version, exactly one succeeds; concurrent creates make one parameter.
func testParamsPutConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const n = 12
	run := func(fn func(i int) error) (ok int) {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(i)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, awserr.Exists) && !errors.Is(err, awserr.Conflict):
				t.Errorf("concurrent PutParameter: %v", err)
			}
		}
		return ok
	}
	created := run(func(i int) error {
		return db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "/c", Version: paramVersion(fmt.Sprint(i), i)}, 0, 100)
	})
	updated := run(func(i int) error {
		return db.PutParameter(ctx, &params.Parameter{Account: acct, Name: "/c", Version: paramVersion(fmt.Sprint(i), i)}, 1, 100)
	})
	if created != 1 || updated != 1 {
		t.Errorf("%d concurrent creates and updates: %d and %d succeeded, want 1 and 1", n, created, updated)
	}
	if got, want := versionNumbers(t, db, "c"), []int64{1, 2}; !cmp.Equal(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
}

// testParamsLabelsConcurrent: concurrent labelers of one version never
// pass the limit together.
func testParamsLabelsConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	putParam(t, db, "/l", 0, "v")
	const n, limit = 16, 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.LabelParameterVersion(ctx, acct, "l", 1, []string{fmt.Sprintf("l%02d", i)}, limit)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("LabelParameterVersion: %v", err)
		}
	}
	vs, err := db.ListParameterVersions(ctx, acct, "l", 0, 0)
	must(t, err)
	if ok != limit || len(vs) != 1 || len(vs[0].Labels) != limit {
		t.Errorf("%d concurrent labels with limit %d: %d succeeded, version has %v; want %d", n, limit, ok, vs[0].Labels, limit)
	}
}

// testParamsReadsFollowWrites reads a parameter again after every kind of
// write (on SQLite, reads are cached): each read shows the write before
// it, a caller changing what it read changes nothing stored, and readers
// running beside a writer never see a version older than one the writer
// had finished before they began.
func testParamsReadsFollowWrites(t *testing.T, db *store.DB) {
	ctx := context.Background()
	get := func(sel params.Selector) (*params.Parameter, error) {
		return db.GetParameter(ctx, acct, params.Key("/cfg/app"), sel)
	}
	mustGet := func(sel params.Selector) *params.Parameter {
		t.Helper()
		p, err := get(sel)
		if err != nil {
			t.Fatalf("GetParameter(%+v): %v", sel, err)
		}
		return p
	}
	putParam(t, db, "/cfg/app", 0, "one")
	if p := mustGet(params.Selector{}); p.Version.Value != "one" {
		t.Fatalf("value = %q, want one", p.Version.Value)
	}
	// A caller changing the parameter it got changes nothing stored.
	p := mustGet(params.Selector{})
	p.Version.Value, p.Tags = "scribbled", map[string]string{"x": "y"}
	if p := mustGet(params.Selector{}); p.Version.Value != "one" || len(p.Tags) != 0 {
		t.Errorf("after changing a read copy: %q %v, want one and no tags", p.Version.Value, p.Tags)
	}
	putParam(t, db, "/cfg/app", 1, "two")
	if p := mustGet(params.Selector{}); p.Version.Value != "two" || p.Latest != 2 {
		t.Errorf("after a put: %q latest %d, want two, 2", p.Version.Value, p.Latest)
	}
	if _, err := get(params.Selector{Label: "prod"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("unlabelled read = %v, want ErrVersionNotFound", err)
	}
	if _, err := db.LabelParameterVersion(ctx, acct, params.Key("/cfg/app"), 1, []string{"prod"}, params.MaxLabelsPerVersion); err != nil {
		t.Fatal(err)
	}
	if p := mustGet(params.Selector{Label: "prod"}); p.Version.Value != "one" {
		t.Errorf("after labelling version 1: %q, want one", p.Version.Value)
	}
	if _, err := db.UnlabelParameterVersion(ctx, acct, params.Key("/cfg/app"), 1, []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(params.Selector{Label: "prod"}); !errors.Is(err, params.ErrVersionNotFound) {
		t.Errorf("after unlabelling: %v, want ErrVersionNotFound", err)
	}
	if _, err := db.TagParameter(ctx, acct, params.Key("/cfg/app"), map[string]string{"team": "ops"}, nil, params.MaxTags); err != nil {
		t.Fatal(err)
	}
	if p := mustGet(params.Selector{}); p.Tags["team"] != "ops" {
		t.Errorf("after tagging: tags %v, want team=ops", p.Tags)
	}
	if err := db.DeleteParameter(ctx, acct, params.Key("/cfg/app")); err != nil {
		t.Fatal(err)
	}
	if _, err := get(params.Selector{}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("after deleting: %v, want NotFound", err)
	}

	// Readers beside a writer: once a put returns, no read that starts
	// after it sees an older version.
	putParam(t, db, "/cfg/app", 0, "v1")
	var done sync.WaitGroup
	var finished sync.Map // version number → true once its put returned
	stop := make(chan struct{})
	var stale error
	var mu sync.Mutex
	for range 4 {
		done.Add(1)
		go func() {
			defer done.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// The newest version whose put had returned before this read.
				var floor int64
				finished.Range(func(k, _ any) bool { floor = max(floor, k.(int64)); return true })
				p, err := get(params.Selector{})
				mu.Lock()
				if err != nil && stale == nil {
					stale = err
				} else if err == nil && p.Latest < floor && stale == nil {
					stale = fmt.Errorf("read version %d after version %d was put", p.Latest, floor)
				}
				mu.Unlock()
			}
		}()
	}
	for prev := int64(1); prev < 60; prev++ {
		n := putParam(t, db, "/cfg/app", prev, fmt.Sprint("v", prev+1))
		finished.Store(n, true)
	}
	close(stop)
	done.Wait()
	if stale != nil {
		t.Error(stale)
	}
}
