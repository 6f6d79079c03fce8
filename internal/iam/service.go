// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam/policy"
	"github.com/kanri-dev/kanri/internal/timestamp"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

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
	Region  string
	Logger  *slog.Logger
	Now     func() time.Time
	// KeyCacheTTL bounds how long a looked-up access key is trusted without
	// reading it again; a deactivated key stops working on every replica
	// within it. Zero means 5 seconds.
	KeyCacheTTL time.Duration
	// PolicyCacheTTL bounds how long a principal's policies are reused
	// without reading them again. Changes made through this Service take
	// effect at once; changes made through another replica within the TTL.
	// Zero means 2 seconds.
	PolicyCacheTTL time.Duration
	// Provider lists the provider-managed policies to keep in the store;
	// nil means the ones kanri ships (ProviderPolicies()).
	Provider []ProviderPolicy
	// ResourceContext returns the condition keys of a resource other than
	// IAM's own (aws:ResourceTag/… of a managed instance, say); nil means
	// none. IAM resources' keys are the Service's own.
	ResourceContext func(ctx context.Context, resourceARN string) map[string][]string
	// ResourcePolicy returns the resource-based policy that governs a
	// resource the way a KMS key policy does — authoritative even within
	// the account: a request is allowed only if it allows the caller, or
	// allows the account and the caller's identity policies allow too —
	// and false for a resource without one. Nil means none.
	ResourcePolicy func(ctx context.Context, resourceARN string) (string, bool)
}

// Service manages identities and authenticates and authorizes requests. It
// is safe for concurrent use.
type Service struct {
	store     Store
	sealer    Sealer
	account   string
	region    string
	log       *slog.Logger
	now       func() time.Time
	keyTTL    time.Duration
	policyTTL time.Duration
	provider  []ProviderPolicy
	resCtx    func(ctx context.Context, resourceARN string) map[string][]string
	resPolicy func(ctx context.Context, resourceARN string) (string, bool)

	admin atomic.Pointer[string] // the administrator's name, once known

	// generation counts changes made through this Service; cached policy
	// sets of an older generation are stale.
	generation atomic.Uint64

	uses keyUses // access keys' last use, written in the background

	// keyLookups and setLoads let requests that miss the cache together
	// (an entry expired under load) share one lookup, where each would
	// read the store, and open the secret or parse the policies, itself.
	keyLookups, setLoads singleflight.Group
	// keyGen counts forgetKey calls: a lookup begun before one neither
	// fills the cache nor is joined by a request after it.
	keyGen atomic.Uint64

	mu       sync.Mutex
	keys     map[string]cachedKey      // access key ID → lookup result; guarded by mu
	sets     map[string]cachedSet      // principal key → its policies; guarded by mu
	compiled map[string]*policy.Policy // kind+ID+document → parsed policy; guarded by mu
}

type cachedKey struct {
	secret    string
	principal Principal
	service   string // the service it was last looked up for
	expires   time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, sealer: cfg.Sealer, account: cfg.Account, region: cfg.Region, log: cfg.Logger, now: cfg.Now,
		keyTTL: cfg.KeyCacheTTL, policyTTL: cfg.PolicyCacheTTL, provider: cfg.Provider, resCtx: cfg.ResourceContext, resPolicy: cfg.ResourcePolicy,
		keys: map[string]cachedKey{}, sets: map[string]cachedSet{}, compiled: map[string]*policy.Policy{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.keyTTL == 0 {
		s.keyTTL = 5 * time.Second
	}
	if s.policyTTL == 0 {
		s.policyTTL = 2 * time.Second
	}
	if s.provider == nil {
		s.provider = ProviderPolicies()
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	return s
}

// Account returns the account the service manages.
func (s *Service) Account() string { return s.account }

// changed records that IAM state changed, so cached policies are reread.
func (s *Service) changed() { s.generation.Add(1) }

// idAlphabet is the base-32 alphabet of AWS identifiers.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewID returns prefix followed by random characters, 20 characters in all
// for access keys (AKIA…, ASIA…) and 21 for unique IDs (AIDA…, AROA…).
func NewID(prefix string) string {
	n := 21
	if prefix == "AKIA" || prefix == "ASIA" {
		n = 20
	}
	b := make([]byte, n-len(prefix))
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b)
}

// NewSecret returns a 40-character secret access key.
func NewSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// --- shared helpers of the API handlers ---

// noSuch returns IAM's NoSuchEntity error for a kind and name.
func noSuch(kind, name string) error {
	return iamapi.NewNoSuchEntityException("The %s with name %s cannot be found.", kind, name)
}

// already returns IAM's EntityAlreadyExists error.
func already(kind, name string) error {
	return iamapi.NewEntityAlreadyExistsException("%s with name %s already exists.", kind, name)
}

// storeErr turns a store error of kind NotFound or Exists into IAM's error
// for the named entity, and passes others through.
func storeErr(err error, kind, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, awserr.NotFound):
		return noSuch(kind, name)
	case errors.Is(err, awserr.Exists):
		return already(strings.ToUpper(kind[:1])+kind[1:], name)
	case errors.Is(err, awserr.LimitExceeded):
		return iamapi.NewLimitExceededException("Cannot exceed quota for %s: %s.", kind, name)
	case errors.Is(err, awserr.Conflict):
		return iamapi.NewDeleteConflictException("The %s %s cannot be changed in its current state.", kind, name)
	}
	return err
}

// path returns p, or "/" when empty, checking IAM's path rules.
func path(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	if !policy.ValidPath(p) {
		return "", iamapi.NewInvalidInputException("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return p, nil
}

// checkTags refuses duplicate keys and more than 50 tags.
func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return iamapi.NewLimitExceededException("The number of tags has reached the maximum limit of 50.")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return iamapi.NewInvalidInputException("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags returns old with add applied (same keys replaced).
func mergeTags(old []Tag, add []Tag) []Tag {
	out := append([]Tag(nil), old...)
	for _, a := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, a.Key) {
				out[i] = a
				replaced = true
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

// removeTags returns old without the keys.
func removeTags(old []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range old {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

func fromWireTags(in []*iamapi.Tag) []Tag {
	out := make([]Tag, 0, len(in))
	for _, t := range in {
		out = append(out, Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func toWireTags(in []Tag) []*iamapi.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]*iamapi.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, &iamapi.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// page applies IAM's Marker/MaxItems to a listing: it returns the options
// for the store (asking one extra row to learn whether more follow).
func page(marker string, maxItems *int32, pathPrefix string) (ListOptions, int, error) {
	limit := 100
	if maxItems != nil {
		limit = int(*maxItems)
	}
	opt := ListOptions{PathPrefix: pathPrefix, Limit: limit + 1}
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return ListOptions{}, 0, iamapi.NewInvalidInputException("Invalid Marker.")
		}
		opt.After = string(b)
	}
	return opt, limit, nil
}

// marker returns the Marker that continues after name.
func marker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// truncate cuts a listing of n+1 rows to n and returns IsTruncated and the
// marker of the last row kept.
func truncate[T any](rows []T, limit int, key func(T) string) ([]T, *bool, string) {
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	m := ""
	if more {
		m = marker(key(rows[len(rows)-1]))
	}
	return rows, &more, m
}

// ts converts a time for a shape.
func ts(t time.Time) *timestamp.Time {
	if t.IsZero() {
		return nil
	}
	return timestamp.Ptr(t)
}

// encodeDocument URL-encodes a policy document, as IAM returns documents
// (the AWS CLI decodes them for display).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// parseDocument checks a policy document of the given kind and size limit,
// returning MalformedPolicyDocument errors that say where.
func parseDocument(doc string, kind policy.Kind, limit int, what string) (*policy.Policy, error) {
	if limit > 0 && policy.SizeWithoutWhitespace(doc) > limit {
		return nil, iamapi.NewLimitExceededException("Cannot exceed quota for %s: %d.", what, limit)
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		if e := awserr.As(err); e != nil {
			return nil, iamapi.NewMalformedPolicyDocumentException("%s", e.Message)
		}
		return nil, err
	}
	return p, nil
}

// arnPrefix is the start of this account's IAM ARNs.
func (s *Service) arnPrefix() string { return "arn:aws:iam::" + s.account + ":" }

// ctxNow returns the request's time when ctx carries a caller, else now.
func (s *Service) ctxNow(ctx context.Context) time.Time {
	if c := CallerFrom(ctx); c != nil && !c.Time.IsZero() {
		return c.Time.UTC()
	}
	return s.now().UTC()
}

// EntityARN returns the ARN of a user, group, role or instance profile
// of the account, with its path when it exists (for authorizing requests
// that name it), or with path "/" when it does not.
func (s *Service) EntityARN(ctx context.Context, kind, name string) string {
	p := "/"
	switch kind {
	case KindUser:
		if u, err := s.store.GetUser(ctx, s.account, name); err == nil {
			p, name = u.Path, u.Name
		}
	case KindGroup:
		if g, err := s.store.GetGroup(ctx, s.account, name); err == nil {
			p, name = g.Path, g.Name
		}
	case KindRole:
		if r, err := s.store.GetRole(ctx, s.account, name); err == nil {
			p, name = r.Path, r.Name
		}
	case "instance-profile":
		if ip, err := s.store.GetInstanceProfile(ctx, s.account, name); err == nil {
			p, name = ip.Path, ip.Name
		}
	}
	return s.arnPrefix() + kind + p + name
}

// NewEntityARN returns the ARN an entity being created will have.
func (s *Service) NewEntityARN(kind, pathPrefix, name string) string {
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	return s.arnPrefix() + kind + pathPrefix + name
}
