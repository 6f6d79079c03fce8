// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package sts_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	"github.com/kanri-dev/kanri/internal/sts"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

const account = "123456789012"

// clock is a time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// fixture is an IAM and an STS service on a real store and master key,
// with a clock the test moves, and the administrator's principal.
type fixture struct {
	ctx   context.Context
	clock *clock
	iam   *iam.Service
	sts   *sts.Service
	admin iam.Principal
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	keyring, err := kms.LoadKeyring(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	is := iam.New(iam.Config{Store: storetest.Open(t, storetest.SQLite(t)), Sealer: keyring, Account: account, Now: clk.Now, Logger: log})
	if err := is.SyncProviderPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	creds, _, err := is.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, admin, err := is.Credentials(ctx, creds.AccessKeyID, "", "sts")
	if err != nil {
		t.Fatal(err)
	}
	ss := sts.New(sts.Config{IAM: is, Sealer: keyring, Account: account, Now: clk.Now, Logger: log})
	return &fixture{ctx: ctx, clock: clk, iam: is, sts: ss, admin: admin}
}

// as returns a context of a request made now by p.
func (f *fixture) as(p iam.Principal) context.Context {
	return iam.WithCaller(f.ctx, &iam.Caller{Principal: p, Time: f.clock.Now(), RequestID: "test"})
}

// role creates a role the account trusts, with an inline policy.
func (f *fixture) role(t testing.TB, name string, maxSession int32, inline string) {
	t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := f.iam.CreateRole(f.ctx, &iamapi.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration: &maxSession}); err != nil {
		t.Fatal(err)
	}
	if inline != "" {
		if _, err := f.iam.PutRolePolicy(f.ctx, &iamapi.PutRolePolicyInput{RoleName: name, PolicyName: "p", PolicyDocument: inline}); err != nil {
			t.Fatal(err)
		}
	}
}

// session is temporary credentials and what the server resolves them to.
type session struct {
	ak, secret, token string
	expires           time.Time
}

func (f *fixture) assume(t testing.TB, caller iam.Principal, role string, seconds int32) session {
	t.Helper()
	in := &stsapi.AssumeRoleInput{RoleArn: "arn:aws:iam::" + account + ":role/" + role, RoleSessionName: "s1"}
	if seconds != 0 {
		in.DurationSeconds = &seconds
	}
	out, err := f.sts.AssumeRole(f.as(caller), in)
	if err != nil {
		t.Fatalf("AssumeRole(%s): %v", role, err)
	}
	c := out.Credentials
	return session{c.AccessKeyId, c.SecretAccessKey, c.SessionToken, c.Expiration.Time()}
}

// resolve authenticates temporary credentials as the front door does.
func (f *fixture) resolve(t testing.TB, s session) iam.Principal {
	t.Helper()
	secret, p, err := f.sts.Credentials(f.ctx, s.ak, s.token)
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if secret != s.secret {
		t.Fatalf("Credentials secret = %q, want the session's", secret)
	}
	return p
}

func wantCode(t testing.TB, what string, err error, code, msg string) {
	t.Helper()
	e := awserr.As(err)
	if e == nil || e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("%s = %v, want %s %q", what, err, code, msg)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	f.role(t, "r", 43200, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	f.role(t, "next", 43200, "")
	start := f.clock.Now()
	short := f.assume(t, f.admin, "r", 900)
	long := f.assume(t, f.admin, "r", 43200)
	def := f.assume(t, f.admin, "r", 0)
	chained := f.assume(t, f.resolve(t, long), "next", 0)
	tok, err := f.sts.GetSessionToken(f.as(f.admin), &stsapi.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	userSession := session{tok.Credentials.AccessKeyId, tok.Credentials.SecretAccessKey, tok.Credentials.SessionToken, tok.Credentials.Expiration.Time()}

	tests := []struct {
		name string
		s    session
		d    time.Duration // the session's length
	}{
		{"DurationSeconds 900", short, 900 * time.Second},
		{"DurationSeconds 43200", long, 12 * time.Hour},
		{"default", def, time.Hour},
		{"chained, default", chained, time.Hour},
		{"GetSessionToken default", userSession, 12 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := start.Add(tt.d); !tt.s.expires.Equal(want) {
				t.Errorf("Expiration = %v, want %v", tt.s.expires, want)
			}
		})
	}
	// Every session works until its expiration, and not from then on.
	checkpoints := []time.Duration{0, 899 * time.Second, 900 * time.Second, time.Hour - time.Second, time.Hour, 12*time.Hour - time.Second, 12 * time.Hour, 48 * time.Hour}
	for _, at := range checkpoints {
		f.clock.Add(start.Add(at).Sub(f.clock.Now()))
		for _, tt := range tests {
			_, _, err := f.sts.Credentials(f.ctx, tt.s.ak, tt.s.token)
			if at < tt.d {
				if err != nil {
					t.Errorf("%s after %v: %v, want valid", tt.name, at, err)
				}
				continue
			}
			wantCode(t, tt.name+" after "+at.String(), err, "ExpiredToken", "The security token included in the request is expired")
			if e := awserr.As(err); e != nil && e.Kind != awserr.Unauthenticated {
				t.Errorf("%s after %v: kind %v, want Unauthenticated", tt.name, at, e.Kind)
			}
		}
	}
}

func TestSessionTokenIsSealed(t *testing.T) {
	f := newFixture(t)
	f.role(t, "secret-role-name", 3600, "")
	s := f.assume(t, f.admin, "secret-role-name", 0)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s.token, "KS1"))
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	for _, clear := range []string{s.secret, "secret-role-name", account, s.ak} {
		if strings.Contains(string(raw), clear) || strings.Contains(s.token, clear) {
			t.Errorf("session token shows %q in the clear", clear)
		}
	}
	p := f.resolve(t, s)
	if p.Type != iam.TypeAssumedRole || p.ARN != "arn:aws:sts::"+account+":assumed-role/secret-role-name/s1" || p.AccessKeyID != s.ak || p.Session.RoleName != "secret-role-name" {
		t.Errorf("resolved principal = %+v", p)
	}

	// Another server's master key does not open it.
	other, err := kms.LoadKeyring(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := sts.New(sts.Config{IAM: f.iam, Sealer: other, Account: account, Now: f.clock.Now})
	_, _, err = elsewhere.Credentials(f.ctx, s.ak, s.token)
	wantCode(t, "Credentials under another master key", err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	// The token is bound to its access key ID.
	s2 := f.assume(t, f.admin, "secret-role-name", 0)
	_, _, err = f.sts.Credentials(f.ctx, s2.ak, s.token)
	wantCode(t, "Credentials of one session's key with another's token", err, "InvalidClientTokenId", "invalid")
	_, _, err = f.sts.Credentials(f.ctx, "AKIAAAAAAAAAAAAAAAAA", s.token)
	wantCode(t, "Credentials of a long-term key ID with a token", err, "InvalidClientTokenId", "invalid")
}

// TestRevokeOlderSessions is IAM's "revoke active sessions": an inline deny
// of everything to sessions issued before a time stops them, and not those
// issued since.
func TestRevokeOlderSessions(t *testing.T) {
	f := newFixture(t)
	f.role(t, "r", 3600, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","sts:AssumeRole"],"Resource":"*"}]}`)
	start := f.clock.Now()
	old := f.resolve(t, f.assume(t, f.admin, "r", 0))
	f.clock.Add(5 * time.Second)
	atRevocation := f.resolve(t, f.assume(t, f.admin, "r", 0))
	f.clock.Add(5 * time.Second)

	listRoles := func(p iam.Principal) error {
		return f.iam.Authorize(f.ctx, &iam.Caller{Principal: p, Time: f.clock.Now()}, "iam:ListRoles", nil, nil)
	}
	if err := listRoles(old); err != nil {
		t.Fatalf("before the revocation: %v", err)
	}
	revoke := start.Add(5 * time.Second).Format(time.RFC3339)
	if _, err := f.iam.PutRolePolicy(f.ctx, &iamapi.PutRolePolicyInput{RoleName: "r", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + revoke + `"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second)
	fresh := f.resolve(t, f.assume(t, f.admin, "r", 0))

	err := listRoles(old)
	wantCode(t, "a session issued before the revocation", err, "AccessDenied",
		"User: arn:aws:sts::"+account+":assumed-role/r/s1 is not authorized to perform: iam:ListRoles with an explicit deny in an identity-based policy")
	if err := listRoles(atRevocation); err != nil {
		t.Errorf("a session issued at the revocation time: %v", err)
	}
	if err := listRoles(fresh); err != nil {
		t.Errorf("a session issued after the revocation: %v", err)
	}
	// An old session cannot make itself a new one; a new one can.
	renew := &stsapi.AssumeRoleInput{RoleArn: "arn:aws:iam::" + account + ":role/r", RoleSessionName: "renewed"}
	_, err = f.sts.AssumeRole(f.as(old), renew)
	wantCode(t, "AssumeRole by a revoked session", err, "AccessDenied", "sts:AssumeRole on resource: arn:aws:iam::"+account+":role/r with an explicit deny in an identity-based policy")
	if _, err := f.sts.AssumeRole(f.as(fresh), renew); err != nil {
		t.Errorf("AssumeRole by a session issued after the revocation: %v", err)
	}
}

func TestChainedSessionLimits(t *testing.T) {
	f := newFixture(t)
	f.role(t, "first", 43200, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	f.role(t, "second", 43200, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	first := f.resolve(t, f.assume(t, f.admin, "first", 43200))
	for _, d := range []int32{3601, 43200} {
		_, err := f.sts.AssumeRole(f.as(first), &stsapi.AssumeRoleInput{RoleArn: "arn:aws:iam::" + account + ":role/second", RoleSessionName: "s2", DurationSeconds: &d})
		wantCode(t, "chained AssumeRole", err, "ValidationError", "1 hour session limit for roles assumed by role chaining")
	}
	second := f.resolve(t, f.assume(t, first, "second", 3600))
	if !second.Session.Chained || second.Session.Expiration.Sub(second.Session.IssuedAt) != time.Hour {
		t.Errorf("chained session = chained %v, %v long; want chained, 1h", second.Session.Chained, second.Session.Expiration.Sub(second.Session.IssuedAt))
	}
	// A chain of chains is still capped.
	third := f.resolve(t, f.assume(t, second, "second", 0))
	if !third.Session.Chained || third.Session.Expiration.Sub(third.Session.IssuedAt) != time.Hour {
		t.Errorf("twice-chained session = chained %v, %v long", third.Session.Chained, third.Session.Expiration.Sub(third.Session.IssuedAt))
	}
}
