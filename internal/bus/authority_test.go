// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

func TestNewAuthorityChecksKeys(t *testing.T) {
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	userSeed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		keys   func(Keys) Keys
		wantOK bool
	}{
		{"fresh", func(k Keys) Keys { return k }, true},
		{"accounts swapped", func(k Keys) Keys { k.Account, k.System = k.System, k.Account; return k }, true},
		{"operator is an account", func(k Keys) Keys { k.Operator = k.Account; return k }, false},
		{"account is the operator", func(k Keys) Keys { k.Account = k.Operator; return k }, false},
		{"system is a user", func(k Keys) Keys { k.System = userSeed; return k }, false},
		{"same accounts", func(k Keys) Keys { k.System = k.Account; return k }, false},
		{"no account", func(k Keys) Keys { k.Account = nil; return k }, false},
		{"garbage", func(k Keys) Keys { k.Operator = []byte("SOnotaseed"); return k }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAuthority(tt.keys(k))
			if gotOK := err == nil; gotOK != tt.wantOK {
				t.Errorf("NewAuthority() error = %v, want ok %v", err, tt.wantOK)
			}
		})
	}
}

func TestKeysRedacted(t *testing.T) {
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAuthority(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), k.LogValue().String()} {
		for _, seed := range [][]byte{k.Operator, k.Account, k.System} {
			if strings.Contains(s, string(seed)) {
				t.Errorf("%q shows a seed", s)
			}
		}
		if !strings.Contains(s, a.AccountPublicKey()) {
			t.Errorf("%q does not show the account public key %s", s, a.AccountPublicKey())
		}
	}
}

func TestJWTsAreDeterministic(t *testing.T) {
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	a1, err := NewAuthority(k)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := NewAuthority(k)
	if err != nil {
		t.Fatal(err)
	}
	revoked := map[string]time.Time{
		newUserKey(t): time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		newUserKey(t): time.Date(2026, 5, 7, 8, 9, 10, 0, time.UTC),
		newUserKey(t): time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, f := range []struct {
		name string
		jwt  func(*Authority) (string, error)
	}{
		{"OperatorJWT", (*Authority).OperatorJWT},
		{"SystemAccountJWT", (*Authority).SystemAccountJWT},
		{"AccountJWT(nil)", func(a *Authority) (string, error) { return a.AccountJWT(nil) }},
		{"AccountJWT(revoked)", func(a *Authority) (string, error) { return a.AccountJWT(revoked) }},
	} {
		j1, err := f.jwt(a1)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		j2, err := f.jwt(a2)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if j1 != j2 {
			t.Errorf("%s differs between replicas:\n%s\n%s", f.name, j1, j2)
		}
		// The hand-made encoding must verify like the library's.
		if _, err := jwt.Decode(j1); err != nil {
			t.Errorf("%s: jwt.Decode() = %v", f.name, err)
		}
	}
}

func TestAccountJWT(t *testing.T) {
	a := newAuthority(t)
	u1, u2 := newUserKey(t), newUserKey(t)
	t1 := time.Date(2026, 3, 1, 12, 0, 0, 500, time.UTC)
	t2 := time.Date(2026, 5, 7, 8, 9, 10, 0, time.UTC)

	tests := []struct {
		name            string
		revoked         map[string]time.Time
		wantIAT         int64
		wantRevocations jwt.RevocationList
	}{
		{"none", nil, epochUnix, nil},
		{"one", map[string]time.Time{u1: t1}, t1.Unix(), jwt.RevocationList{u1: t1.Unix()}},
		{"newest counts", map[string]time.Time{u1: t1, u2: t2}, t2.Unix(), jwt.RevocationList{u1: t1.Unix(), u2: t2.Unix()}},
		{"before epoch", map[string]time.Time{u1: time.Unix(epochUnix-100, 0)}, epochUnix, jwt.RevocationList{u1: epochUnix - 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := a.AccountJWT(tt.revoked)
			if err != nil {
				t.Fatal(err)
			}
			ac, err := jwt.DecodeAccountClaims(s)
			if err != nil {
				t.Fatal(err)
			}
			if ac.Issuer != a.OperatorPublicKey() || ac.Subject != a.AccountPublicKey() || ac.Name != AccountName {
				t.Errorf("issuer, subject, name = %s, %s, %s, want %s, %s, %s",
					ac.Issuer, ac.Subject, ac.Name, a.OperatorPublicKey(), a.AccountPublicKey(), AccountName)
			}
			if ac.IssuedAt != tt.wantIAT {
				t.Errorf("iat = %d, want %d", ac.IssuedAt, tt.wantIAT)
			}
			if diff := cmp.Diff(tt.wantRevocations, ac.Revocations); diff != "" {
				t.Errorf("revocations (-want +got):\n%s", diff)
			}
			if !ac.Limits.IsJSEnabled() {
				t.Errorf("JetStream not enabled: %+v", ac.Limits.JetStreamLimits)
			}
			if got := ac.Limits.JetStreamLimits.DiskStorage; got != jwt.NoLimit {
				t.Errorf("disk storage = %d, want unlimited", got)
			}
			vr := jwt.CreateValidationResults()
			ac.Validate(vr)
			if vr.IsBlocking(true) {
				t.Errorf("validation: %v", vr.Errors())
			}
		})
	}

	for _, bad := range []map[string]time.Time{
		{a.AccountPublicKey(): t1}, // not a user
		{"nonsense": t1},
		{u1: {}},
	} {
		if _, err := a.AccountJWT(bad); err == nil {
			t.Errorf("AccountJWT(%v) = nil error, want error", bad)
		}
	}
}

func TestAgentJWT(t *testing.T) {
	a := newAuthority(t)
	user := newUserKey(t)
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := a.AgentJWT("mi-0123456789abcdef0", user, expires)
	if err != nil {
		t.Fatal(err)
	}
	uc, err := jwt.DecodeUserClaims(s)
	if err != nil {
		t.Fatal(err)
	}
	if uc.Issuer != a.AccountPublicKey() || uc.Subject != user || uc.Name != "mi-0123456789abcdef0" || uc.Expires != expires.Unix() {
		t.Errorf("issuer, subject, name, exp = %s, %s, %s, %d, want %s, %s, %s, %d",
			uc.Issuer, uc.Subject, uc.Name, uc.Expires, a.AccountPublicKey(), user, "mi-0123456789abcdef0", expires.Unix())
	}
	want := jwt.Permissions{
		Pub:  jwt.Permission{Allow: jwt.StringList{"kanri.agent.mi-0123456789abcdef0.>"}},
		Sub:  jwt.Permission{Allow: jwt.StringList{"kanri.agent.mi-0123456789abcdef0.>"}},
		Resp: &jwt.ResponsePermission{MaxMsgs: -1, Expires: time.Minute},
	}
	if diff := cmp.Diff(want, uc.Permissions); diff != "" {
		t.Errorf("permissions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(jwt.StringList{"STANDARD", "WEBSOCKET"}, uc.AllowedConnectionTypes); diff != "" {
		t.Errorf("connection types (-want +got):\n%s", diff)
	}

	for _, tt := range []struct{ id, key string }{
		{"", user},
		{"mi-1.x", user},
		{"*", user},
		{">", user},
		{"mi 1", user},
		{"mi-1", a.AccountPublicKey()},
		{"mi-1", "UNOTAKEY"},
	} {
		if _, err := a.AgentJWT(tt.id, tt.key, expires); err == nil {
			t.Errorf("AgentJWT(%q, %q) = nil error, want error", tt.id, tt.key)
		}
	}
}

func TestCreds(t *testing.T) {
	a := newAuthority(t)
	for _, tt := range []struct {
		name       string
		creds      func() (string, []byte, error)
		wantIssuer string
	}{
		{"ServerCreds", a.ServerCreds, a.AccountPublicKey()},
		{"SystemCreds", a.SystemCreds, a.SystemAccountPublicKey()},
	} {
		s, seed, err := tt.creds()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		uc, err := jwt.DecodeUserClaims(s)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		kp, err := nkeys.FromSeed(seed)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		pub, err := kp.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if uc.Issuer != tt.wantIssuer || uc.Subject != pub {
			t.Errorf("%s: issuer, subject = %s, %s, want %s, %s", tt.name, uc.Issuer, uc.Subject, tt.wantIssuer, pub)
		}
		if uc.Permissions.Pub.Allow != nil || uc.Permissions.Sub.Allow != nil || uc.Permissions.Pub.Deny != nil || uc.Permissions.Sub.Deny != nil {
			t.Errorf("%s: permissions = %+v, want none (all allowed)", tt.name, uc.Permissions)
		}
	}
}

// TestServerConfigParses checks that the current nats-server reads the
// snippet as meant; TestExternal runs it in the installed nats-server.
func TestServerConfigParses(t *testing.T) {
	a := newAuthority(t)
	dir := filepath.Join(t.TempDir(), `odd "dir" \ name`)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	conf, err := a.ServerConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte("port: -1\n"+conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("ProcessConfigFile() = %v\n%s", err, conf)
	}
	if len(opts.TrustedOperators) != 1 || opts.TrustedOperators[0].Subject != a.OperatorPublicKey() {
		t.Errorf("trusted operators = %v, want %s", opts.TrustedOperators, a.OperatorPublicKey())
	}
	if opts.SystemAccount != a.SystemAccountPublicKey() {
		t.Errorf("system account = %s, want %s", opts.SystemAccount, a.SystemAccountPublicKey())
	}
	res, ok := opts.AccountResolver.(*server.DirAccResolver)
	if !ok {
		t.Fatalf("resolver = %T, want *server.DirAccResolver", opts.AccountResolver)
	}
	res.Close()
	if _, err := a.ServerConfig(""); err == nil {
		t.Error(`ServerConfig("") = nil error, want error`)
	}
	if _, err := a.ServerConfig("a\nb"); err == nil {
		t.Error(`ServerConfig("a\nb") = nil error, want error`)
	}
}

func TestReconnectDelay(t *testing.T) {
	for _, tt := range []struct {
		attempts int
		min, max time.Duration
	}{
		{0, reconnectBase / 2, reconnectBase},
		{1, reconnectBase / 2, reconnectBase},
		{2, reconnectBase, 2 * reconnectBase},
		{5, 8 * reconnectBase, 16 * reconnectBase},
		{9, reconnectMax / 2, reconnectMax},
		{1000, reconnectMax / 2, reconnectMax},
	} {
		for range 20 {
			if got := reconnectDelay(tt.attempts); got < tt.min || got > tt.max {
				t.Fatalf("reconnectDelay(%d) = %v, want in [%v, %v]", tt.attempts, got, tt.min, tt.max)
			}
		}
	}
}
