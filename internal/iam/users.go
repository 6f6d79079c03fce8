// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// User is an IAM user.
type User struct {
	Account    string
	Name       string
	ID         string // AIDA…
	Path       string
	CreateDate time.Time
}

// ARN returns the user's ARN.
func (u *User) ARN() string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: "iam", Account: u.Account, Resource: "user" + u.Path + u.Name}.String()
}

// Access key statuses.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a long-term access key as stored: its secret sealed under
// the master key.
type AccessKey struct {
	ID           string // AKIA…
	Account      string
	UserName     string
	SealedSecret []byte
	Status       string
	CreateDate   time.Time
}

// Credentials is an access key pair in the clear, returned only when it is
// made.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// LogValue keeps the secret out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.String("secret_access_key", "REDACTED"))
}

// Store is the storage the IAM service needs.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, account, name string) (*User, error)
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	GetAccessKey(ctx context.Context, id string) (*AccessKey, error)
	ListAccessKeys(ctx context.Context, account, userName string) ([]*AccessKey, error)
	// SetMetaIfAbsent stores value under name unless a value is there
	// already, and returns the value stored.
	SetMetaIfAbsent(ctx context.Context, name, value string) (string, error)
	GetMeta(ctx context.Context, name string) (string, error)
}

// Sealer encrypts secrets at rest.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(blob, aad []byte) ([]byte, error)
}

// Config configures a Service.
type Config struct {
	Store   Store
	Sealer  Sealer
	Account string
	Now     func() time.Time
	// KeyCacheTTL bounds how long a looked-up access key is trusted without
	// reading it again; a deactivated key stops working on every replica
	// within it. Zero means 5 seconds.
	KeyCacheTTL time.Duration
}

// Service manages identities and authenticates and authorizes requests. It
// is safe for concurrent use.
type Service struct {
	store   Store
	sealer  Sealer
	account string
	now     func() time.Time
	ttl     time.Duration

	admin atomic.Pointer[string] // the administrator's name, once known

	mu   sync.Mutex
	keys map[string]cachedKey // access key ID → lookup result
}

type cachedKey struct {
	secret    string
	principal Principal
	expires   time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, sealer: cfg.Sealer, account: cfg.Account, now: cfg.Now, ttl: cfg.KeyCacheTTL, keys: map[string]cachedKey{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl == 0 {
		s.ttl = 5 * time.Second
	}
	return s
}

// Account returns the account the service manages.
func (s *Service) Account() string { return s.account }

// metaAdmin names the meta row holding the administrator's user name.
const metaAdmin = "admin_user"

// AdminName is the name of the administrator user created at bootstrap.
const AdminName = "admin"

// Bootstrap makes sure the administrator user exists. When it creates the
// administrator it also creates an access key and returns it with created
// true; otherwise it returns created false and no key. Concurrent calls on
// several replicas create exactly one administrator.
func (s *Service) Bootstrap(ctx context.Context) (creds Credentials, created bool, err error) {
	name, err := s.store.SetMetaIfAbsent(ctx, metaAdmin, AdminName)
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	u := &User{Account: s.account, Name: name, ID: NewID("AIDA"), Path: "/", CreateDate: s.now().UTC()}
	err = s.store.CreateUser(ctx, u)
	if errors.Is(err, awserr.Exists) {
		return Credentials{}, false, nil
	}
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	creds, err = s.CreateAccessKey(ctx, name)
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	return creds, true, nil
}

// AdminUser returns the administrator, or an error of kind NotFound before
// Bootstrap.
func (s *Service) AdminUser(ctx context.Context) (*User, error) {
	name, err := s.store.GetMeta(ctx, metaAdmin)
	if err != nil {
		return nil, err
	}
	return s.store.GetUser(ctx, s.account, name)
}

// CreateAccessKey makes a new active access key for the named user.
func (s *Service) CreateAccessKey(ctx context.Context, userName string) (Credentials, error) {
	if _, err := s.store.GetUser(ctx, s.account, userName); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return Credentials{}, awserr.Errorf(awserr.NotFound, "NoSuchEntity", "The user with name %s cannot be found.", userName).WithStatus(404)
		}
		return Credentials{}, err
	}
	c := Credentials{AccessKeyID: NewID("AKIA"), SecretAccessKey: newSecret()}
	sealed, err := s.sealer.Seal([]byte(c.SecretAccessKey), keyAAD(c.AccessKeyID))
	if err != nil {
		return Credentials{}, fmt.Errorf("seal secret: %w", err)
	}
	k := &AccessKey{ID: c.AccessKeyID, Account: s.account, UserName: userName, SealedSecret: sealed, Status: KeyActive, CreateDate: s.now().UTC()}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// keyAAD binds a sealed secret to its access key ID, so a sealed secret
// copied to another row does not open.
func keyAAD(id string) []byte { return []byte("iam:access-key:" + id) }

// ErrUnknownKey is returned by Credentials for an access key that does not exist
// or is not active.
var ErrUnknownKey = awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "The security token included in the request is invalid.")

// Credentials returns the secret and principal of an active access key.
// Results are cached for the configured TTL. Long-term keys carry no
// session token; a request that sends one with them is refused.
func (s *Service) Credentials(ctx context.Context, accessKeyID, sessionToken string) (secret string, p Principal, err error) {
	if sessionToken != "" || !strings.HasPrefix(accessKeyID, "AKIA") {
		return "", Principal{}, ErrUnknownKey
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.keys[accessKeyID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.secret, c.principal, nil
	}
	k, err := s.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, awserr.NotFound) {
		return "", Principal{}, ErrUnknownKey
	}
	if err != nil {
		return "", Principal{}, err
	}
	if k.Status != KeyActive {
		return "", Principal{}, ErrUnknownKey
	}
	u, err := s.store.GetUser(ctx, k.Account, k.UserName)
	if errors.Is(err, awserr.NotFound) {
		return "", Principal{}, ErrUnknownKey
	}
	if err != nil {
		return "", Principal{}, err
	}
	pt, err := s.sealer.Open(k.SealedSecret, keyAAD(k.ID))
	if err != nil {
		return "", Principal{}, fmt.Errorf("open secret of %s: %w", k.ID, err)
	}
	p = Principal{Type: TypeUser, ARN: u.ARN(), ID: u.ID, Account: u.Account, UserName: u.Name, AccessKeyID: k.ID}
	s.mu.Lock()
	if len(s.keys) > 100_000 {
		clear(s.keys)
	}
	s.keys[accessKeyID] = cachedKey{secret: string(pt), principal: p, expires: now.Add(s.ttl)}
	s.mu.Unlock()
	return string(pt), p, nil
}

// Authorize decides whether caller may perform action on resources. Until
// the policy engine is wired, only the administrator is allowed.
func (s *Service) Authorize(ctx context.Context, caller *Caller, action string, resources []string) error {
	admin, err := s.adminName(ctx)
	if err != nil && !errors.Is(err, awserr.NotFound) {
		return err
	}
	p := caller.Principal
	if p.Type == TypeUser && p.Account == s.account && strings.EqualFold(p.UserName, admin) {
		return nil
	}
	res := "*"
	if len(resources) > 0 {
		res = resources[0]
	}
	return awserr.Errorf(awserr.Denied, "AccessDenied",
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		p.ARN, action, res, action).WithStatus(403)
}

// adminName returns the administrator's name, read once.
func (s *Service) adminName(ctx context.Context) (string, error) {
	if n := s.admin.Load(); n != nil {
		return *n, nil
	}
	n, err := s.store.GetMeta(ctx, metaAdmin)
	if err != nil {
		return "", err
	}
	s.admin.Store(&n)
	return n, nil
}

// idAlphabet is the base-32 alphabet of AWS identifiers.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns prefix followed by random characters, 20 characters in all
// for access keys (AKIA…, ASIA…) and 21 for unique IDs (AIDA…, AROA…).
func NewID(prefix string) string {
	n := 20
	if prefix != "AKIA" && prefix != "ASIA" {
		n = 21
	}
	b := make([]byte, n-len(prefix))
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b)
}

// newSecret returns a 40-character secret access key.
func newSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
