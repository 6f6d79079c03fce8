// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

const account = "123456789012"

// clock is a time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is what the services of one test share: a store, a master key and a
// clock, as the replicas of one deployment share them.
type env struct {
	db      *store.DB
	keyring *kms.Keyring
	clock   *clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	keyring, err := kms.LoadKeyring(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: storetest.Open(t, storetest.SQLite(t)), keyring: keyring, clock: newClock()}
}

// service returns a new Service (a replica) on e with the given provider
// policies.
func (e *env) service(provider []iam.ProviderPolicy) *iam.Service {
	return iam.New(iam.Config{
		Store: e.db, Sealer: e.keyring, Account: account, Now: e.clock.Now, Provider: provider,
		Logger: slog.New(slog.DiscardHandler),
	})
}

const (
	policyName = "KanriTestAccess"
	policyARN  = "arn:aws:iam::aws:policy/" + policyName
	// v1 allows reading roles; v2, a later release's, listing them too.
	v1 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`
	v2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoles"],"Resource":"*"}]}`
)

func provider(versions ...string) []iam.ProviderPolicy {
	return []iam.ProviderPolicy{{Name: policyName, Path: "/", Description: "kanri test policy", Versions: versions}}
}

// roleSession returns the principal of a session of the named role, as
// the sts package makes it.
func roleSession(t testing.TB, s *iam.Service, role, session string, now time.Time) iam.Principal {
	t.Helper()
	r, err := s.Role(context.Background(), role)
	if err != nil {
		t.Fatal(err)
	}
	return iam.Principal{
		Type: iam.TypeAssumedRole, ARN: "arn:aws:sts::" + account + ":assumed-role/" + r.Name + "/" + session,
		ID: r.ID + ":" + session, Account: account, UserName: session, AccessKeyID: "ASIAAAAAAAAAAAAAAAAA",
		Session: iam.Session{
			Kind: iam.SessionAssumeRole, IssuedAt: now, Expiration: now.Add(time.Hour),
			RoleName: r.Name, RoleID: r.ID, RoleARN: r.ARN(), SessionName: session,
		},
	}
}

// authorize asks s whether p may perform action now.
func authorize(s *iam.Service, p iam.Principal, now time.Time, action string) error {
	return s.Authorize(context.Background(), &iam.Caller{Principal: p, Time: now}, action, nil, nil)
}

// versions returns a policy's versions as "vN" or "vN*" for the default,
// newest first.
func versions(t testing.TB, s *iam.Service, arn string) []string {
	t.Helper()
	out, err := s.ListPolicyVersions(context.Background(), &iamapi.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil {
		t.Fatalf("ListPolicyVersions(%s): %v", arn, err)
	}
	var vs []string
	for _, v := range out.Versions {
		id := v.VersionId
		if v.IsDefaultVersion != nil && *v.IsDefaultVersion {
			id += "*"
		}
		vs = append(vs, id)
	}
	return vs
}

func getPolicy(t testing.TB, s *iam.Service, arn string) *iamapi.Policy {
	t.Helper()
	out, err := s.GetPolicy(context.Background(), &iamapi.GetPolicyInput{PolicyArn: arn})
	if err != nil {
		t.Fatalf("GetPolicy(%s): %v", arn, err)
	}
	return out.Policy
}

func wantDenied(t testing.TB, what string, err error) {
	t.Helper()
	if e := awserr.As(err); e == nil || e.Code != "AccessDenied" || e.Kind != awserr.Denied {
		t.Errorf("%s = %v, want AccessDenied", what, err)
	}
}

// TestProviderPolicyUpgrade is a kanri release that adds a version to a
// provider policy: the store keeps the history, the new version becomes
// the default, and a role the policy is attached to gets the new
// permissions without any change by its owner.
func TestProviderPolicyUpgrade(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	old := e.service(provider(v1))
	if err := old.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, old, policyARN), []string{"v1*"}; !cmp.Equal(got, want) {
		t.Errorf("versions after the first sync = %v, want %v", got, want)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := old.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "app", AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "app", PolicyArn: policyARN}); err != nil {
		t.Fatal(err)
	}
	session := roleSession(t, old, "app", "s", e.clock.Now())
	if err := authorize(old, session, e.clock.Now(), "iam:GetRole"); err != nil {
		t.Errorf("iam:GetRole under v1: %v", err)
	}
	wantDenied(t, "iam:ListRoles under v1", authorize(old, session, e.clock.Now(), "iam:ListRoles"))
	simulate := func(s *iam.Service) string {
		t.Helper()
		out, err := s.SimulatePrincipalPolicy(ctx, &iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::" + account + ":role/app", ActionNames: []string{"iam:ListRoles"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.EvaluationResults[0].EvalDecision
	}
	if d := simulate(old); d != "implicitDeny" {
		t.Errorf("simulated iam:ListRoles under v1 = %s, want implicitDeny", d)
	}
	created := getPolicy(t, old, policyARN)

	// The old replica has the role's policies cached when the upgrade
	// happens.
	e.clock.Add(time.Hour)
	oldSession := roleSession(t, old, "app", "s", e.clock.Now())
	wantDenied(t, "iam:ListRoles under v1 just before the upgrade", authorize(old, oldSession, e.clock.Now(), "iam:ListRoles"))

	// The upgrade: a new replica, same store, the policy with v1 and v2.
	upgraded := e.service(provider(v1, v2))
	if err := upgraded.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, upgraded, policyARN), []string{"v2*", "v1"}; !cmp.Equal(got, want) {
		t.Errorf("versions after the upgrade = %v, want %v", got, want)
	}
	p := getPolicy(t, upgraded, policyARN)
	if p.DefaultVersionId != "v2" || p.PolicyId != created.PolicyId || p.CreateDate.Time() != created.CreateDate.Time() {
		t.Errorf("policy after the upgrade = default %s id %s created %v, want v2, %s, %v", p.DefaultVersionId, p.PolicyId, p.CreateDate.Time(), created.PolicyId, created.CreateDate.Time())
	}
	if !p.UpdateDate.Time().Equal(e.clock.Now()) {
		t.Errorf("UpdateDate after the upgrade = %v, want %v", p.UpdateDate.Time(), e.clock.Now())
	}
	if n := p.AttachmentCount; n == nil || *n != 1 {
		t.Errorf("AttachmentCount after the upgrade = %v, want 1", n)
	}
	for v, want := range map[string]string{"v1": v1, "v2": v2} {
		out, err := upgraded.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: policyARN, VersionId: v})
		if err != nil {
			t.Fatal(err)
		}
		if doc, err := url.QueryUnescape(out.PolicyVersion.Document); err != nil || doc != want {
			t.Errorf("GetPolicyVersion %s = %q (%v), want %q", v, doc, err, want)
		}
	}
	session = roleSession(t, upgraded, "app", "s", e.clock.Now())
	if err := authorize(upgraded, session, e.clock.Now(), "iam:ListRoles"); err != nil {
		t.Errorf("iam:ListRoles under v2 on the upgraded replica: %v", err)
	}
	if d := simulate(upgraded); d != "allowed" {
		t.Errorf("simulated iam:ListRoles under v2 = %s, want allowed", d)
	}
	// The old replica sees the new default once its policy cache's TTL
	// (2 seconds by default) has passed.
	e.clock.Add(3 * time.Second)
	if err := authorize(old, oldSession, e.clock.Now(), "iam:ListRoles"); err != nil {
		t.Errorf("iam:ListRoles under v2 on the old replica after its cache TTL: %v", err)
	}
}

func TestProviderPolicySyncIsIdempotent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.service(provider(v1, v2))
	if err := s.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	before := getPolicy(t, s, policyARN)
	shipped := e.service(nil) // the policies kanri ships
	if err := shipped.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	ec2Role := "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
	shippedBefore := versions(t, shipped, ec2Role)
	for i := range 3 {
		e.clock.Add(time.Minute)
		if err := s.SyncProviderPolicies(ctx); err != nil {
			t.Fatalf("sync %d: %v", i+2, err)
		}
		if err := shipped.SyncProviderPolicies(ctx); err != nil {
			t.Fatalf("sync %d of the shipped policies: %v", i+2, err)
		}
	}
	if got, want := versions(t, s, policyARN), []string{"v2*", "v1"}; !cmp.Equal(got, want) {
		t.Errorf("versions after syncing again = %v, want %v", got, want)
	}
	after := getPolicy(t, s, policyARN)
	if after.PolicyId != before.PolicyId || after.CreateDate.Time() != before.CreateDate.Time() || after.UpdateDate.Time() != before.UpdateDate.Time() || after.DefaultVersionId != "v2" {
		t.Errorf("policy after syncing again = %+v, want unchanged %+v", after, before)
	}
	if got := versions(t, shipped, ec2Role); !cmp.Equal(got, shippedBefore) || !cmp.Equal(got, []string{"v3*", "v2", "v1"}) {
		t.Errorf("%s versions = %v, want %v = [v3* v2 v1]", ec2Role, got, shippedBefore)
	}
	out, err := shipped.ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: iamapi.PolicyScopeTypeAws, MaxItems: ptr(int32(1000))})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(iam.ProviderPolicies()) + 1; len(out.Policies) != want {
		t.Errorf("provider policies after syncing again: %d, want %d", len(out.Policies), want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestProviderPolicySyncConcurrently(t *testing.T) {
	ctx := context.Background()
	for _, upgrade := range []bool{false, true} {
		t.Run(fmt.Sprintf("upgrade=%v", upgrade), func(t *testing.T) {
			e := newEnv(t)
			if upgrade {
				if err := e.service(append(iam.ProviderPolicies(), provider(v1)...)).SyncProviderPolicies(ctx); err != nil {
					t.Fatal(err)
				}
			}
			const replicas = 4
			var wg sync.WaitGroup
			errs := make([]error, replicas)
			services := make([]*iam.Service, replicas)
			for i := range replicas {
				services[i] = e.service(append(iam.ProviderPolicies(), provider(v1, v2)...))
			}
			for i := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = services[i].SyncProviderPolicies(ctx)
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent syncs: %v", err)
			}
			if got, want := versions(t, services[0], policyARN), []string{"v2*", "v1"}; !cmp.Equal(got, want) {
				t.Errorf("versions after concurrent syncs = %v, want %v", got, want)
			}
			out, err := services[0].ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: iamapi.PolicyScopeTypeAws, MaxItems: ptr(int32(1000))})
			if err != nil {
				t.Fatal(err)
			}
			if want := len(iam.ProviderPolicies()) + 1; len(out.Policies) != want {
				t.Errorf("provider policies after concurrent syncs: %d, want %d", len(out.Policies), want)
			}
		})
	}
}

// TestProviderPolicyOldReplicaKeepsNewDefault is a rolling upgrade: a
// replica of the previous release (re)starts after the new release has
// synced; the policy's default must not go back to the older version.
func TestProviderPolicyOldReplicaKeepsNewDefault(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := e.service(provider(v1, v2)).SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	old := e.service(provider(v1))
	if err := old.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, old, policyARN), []string{"v2*", "v1"}; !cmp.Equal(got, want) {
		t.Errorf("versions after an older replica's sync = %v, want %v", got, want)
	}
}

func TestProviderPolicySyncRefusesBadPolicies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		provider []iam.ProviderPolicy
	}{
		{"no versions", []iam.ProviderPolicy{{Name: "Empty", Path: "/"}}},
		{"malformed version", provider(v1, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole"}]}`)},
		{"principal in a version", provider(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:GetRole","Resource":"*"}]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.service(tt.provider).SyncProviderPolicies(ctx); err == nil {
				t.Errorf("SyncProviderPolicies = nil, want an error")
			}
		})
	}
}
