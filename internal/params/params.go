// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package params owns Parameter Store, as AWS Systems Manager defines it:
// named configuration values in a slash-separated hierarchy, their
// versions (the latest 100 of each), labels on versions, tags, tiers and
// policies, and SecureString values, which are encrypted under KMS keys
// and stored only as ciphertext.
package params

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/iam"
)

// The parameter types.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"
)

// The parameter tiers. TierIntelligent is only asked for: a parameter is
// stored in the tier it needs, Standard or Advanced.
const (
	TierStandard    = "Standard"
	TierAdvanced    = "Advanced"
	TierIntelligent = "Intelligent-Tiering"
)

// DataTypeText is the data type of every parameter kanri stores.
const DataTypeText = "text"

// DefaultKeyID is the key SecureString values are encrypted under when a
// request names none.
const DefaultKeyID = "alias/aws/ssm"

// Limits of Parameter Store, as AWS sets them.
const (
	// MaxVersions is how many versions of a parameter are kept.
	MaxVersions = 100
	// MaxLabelsPerVersion is how many labels one version can have.
	MaxLabelsPerVersion = 10
	// MaxLevels is the deepest a name's hierarchy can be.
	MaxLevels = 15
	// MaxStandardValue and MaxAdvancedValue are the largest values, in
	// bytes, of the two tiers.
	MaxStandardValue = 4096
	MaxAdvancedValue = 8192
	// MaxTags is how many tags a parameter can have.
	MaxTags = 50
)

// Parameter is a parameter of an account with one of its versions.
type Parameter struct {
	Account string
	// Name is the name as the parameter was created: "/app/db/host", or
	// "token" at the root. "/token" and "token" name one parameter.
	Name string
	// Latest is the number of the parameter's latest version.
	Latest int64
	Tags   map[string]string
	// ExpiresAt is when the latest version's Expiration policy deletes
	// the parameter; zero for never.
	ExpiresAt time.Time
	// Version is the latest version, unless a selector chose another.
	Version *Version
}

// Version is one version of a parameter: its value and the attributes it
// was put with.
type Version struct {
	Number int64
	Type   string // TypeString, TypeStringList or TypeSecureString
	// Value is the value of a String or StringList parameter; of a
	// SecureString, the base64 of the ciphertext the Keys returned.
	Value          string
	KeyID          string // as the request named it; SecureString only
	Description    string
	AllowedPattern string
	Tier           string // TierStandard or TierAdvanced
	Policies       string // the JSON array the request gave; "" for none
	DataType       string
	ModifiedAt     time.Time
	ModifiedBy     string // the ARN of the principal that put it
	// Labels are the version's labels, filled in by listings of versions.
	Labels []string
}

// Selector picks a version of a parameter: by number, by label, or, in
// its zero value, the latest.
type Selector struct {
	Version int64
	Label   string
}

// PathFilter selects the parameters under a path: its direct children
// or, with Recursive, every level below it.
type PathFilter struct {
	// Key is the path's key (see Key): "" for the root, "app/db" for
	// /app/db.
	Key       string
	Recursive bool
}

// ListOptions select parameters in a listing, ordered by key.
type ListOptions struct {
	// Paths selects the parameters under any of these paths; none selects
	// every parameter.
	Paths []PathFilter
	// Labels, when set, selects in each parameter the newest version
	// with one of these labels, and leaves out parameters with none.
	Labels []string
	// After continues a listing after this key; "" starts it.
	After string
	// Limit is the most parameters returned; 0 means no limit.
	Limit int
}

// ErrVersionNotFound is the error, wrapped, of a store asked for a
// version of a parameter that it does not have.
var ErrVersionNotFound = errors.New("parameter version not found")

// Store is the storage Parameter Store needs. Every method is one
// transaction. A missing parameter is an error of kind awserr.NotFound.
type Store interface {
	// PutParameter stores p.Version as the next version of the account's
	// parameter p.Name, with p.ExpiresAt, and sets its number: version 1 of a new parameter
	// (with p.Tags) when prev is 0, an error of kind awserr.Exists if the
	// parameter exists; version prev+1 when the latest is prev, an error of
	// kind awserr.Conflict if it is not (or the parameter is gone). When
	// the parameter then has more than maxVersions versions, the oldest is
	// deleted, unless it has a label: then nothing changes, and the error
	// is of kind awserr.LimitExceeded.
	PutParameter(ctx context.Context, p *Parameter, prev int64, maxVersions int) error
	// GetParameter returns the account's parameter with key, with the
	// version sel selects (ErrVersionNotFound if it has none such).
	GetParameter(ctx context.Context, account, key string, sel Selector) (*Parameter, error)
	// ListParameters returns the account's parameters that opt selects,
	// ordered by key, each with its latest version (or, with opt.Labels,
	// its labeled version) and tags.
	ListParameters(ctx context.Context, account string, opt ListOptions) ([]*Parameter, error)
	// ListParameterVersions returns the versions of the account's
	// parameter with key numbered after after, oldest first, at most
	// limit of them (0: no limit), with their labels.
	ListParameterVersions(ctx context.Context, account, key string, after int64, limit int) ([]*Version, error)
	// LabelParameterVersion attaches labels to a version of the account's
	// parameter with key, the latest when version is 0, moving those
	// another version has, and returns the version's number. A missing
	// version is ErrVersionNotFound. A version that would have more than
	// maxLabels labels is an error of kind awserr.LimitExceeded, and
	// nothing changes.
	LabelParameterVersion(ctx context.Context, account, key string, version int64, labels []string, maxLabels int) (int64, error)
	// UnlabelParameterVersion removes labels from a version of the
	// account's parameter with key and returns those it had. A missing
	// version is ErrVersionNotFound.
	UnlabelParameterVersion(ctx context.Context, account, key string, version int64, labels []string) ([]string, error)
	// DeleteParameter deletes the account's parameter with key, with its
	// versions and labels.
	DeleteParameter(ctx context.Context, account, key string) error
	// ExpiredParameters returns the names of the account's parameters whose
	// ExpiresAt is at or before now, the longest due first, at most limit.
	ExpiredParameters(ctx context.Context, account string, now time.Time, limit int) ([]string, error)
	// ExpireParameter deletes the account's parameter with key, with its
	// versions and labels, if its ExpiresAt is (still) at or before now,
	// and reports whether it did.
	ExpireParameter(ctx context.Context, account, key string, now time.Time) (bool, error)
	// TagParameter sets the tags set and removes the keys remove of the
	// account's parameter with key and returns its tags then. More than
	// maxTags tags is an error of kind awserr.LimitExceeded, and nothing
	// changes.
	TagParameter(ctx context.Context, account, key string, set map[string]string, remove []string, maxTags int) (map[string]string, error)
}

// Keys encrypts and decrypts SecureString values under KMS keys.
type Keys interface {
	// Encrypt encrypts plaintext under keyID (a key ID, key ARN, alias
	// name or alias ARN; "" is alias/aws/ssm) for the caller in ctx, bound
	// to encryption context encCtx; it returns the ciphertext blob and the
	// key's ARN.
	Encrypt(ctx context.Context, keyID string, plaintext []byte, encCtx map[string]string) (blob []byte, keyARN string, err error)
	// Decrypt decrypts blob for the caller in ctx with encCtx; the caller
	// must be allowed kms:Decrypt on the key (an AccessDeniedException
	// otherwise).
	Decrypt(ctx context.Context, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error)
}

// Config configures a Service.
type Config struct {
	Store Store
	// Keys encrypts SecureString values; nil refuses SecureString
	// operations that need it with InvalidKeyId.
	Keys    Keys
	Account string
	Region  string
	// Authorize checks that the caller in ctx may perform action on
	// resources, for the permissions an operation needs beyond its own
	// (ssm:AddTagsToResource to create a parameter with tags); nil allows
	// everything. The API layer authorizes each operation itself on the
	// names or path of its request.
	Authorize func(ctx context.Context, action string, resources []iam.Resource) error
	// Audit records what the service does on its own (a parameter deleted
	// by its Expiration policy); nil records nothing.
	Audit  func(ctx context.Context, ev audit.Event) error
	Logger *slog.Logger // nil: slog.Default()
	Now    func() time.Time
}

// Service is Parameter Store for one account and region. It is safe for
// concurrent use.
type Service struct {
	store     Store
	keys      Keys
	account   string
	region    string
	authorize func(ctx context.Context, action string, resources []iam.Resource) error
	audit     func(ctx context.Context, ev audit.Event) error
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, keys: cfg.Keys, account: cfg.Account, region: cfg.Region, authorize: cfg.Authorize,
		audit: cfg.Audit, log: cfg.Logger, now: cfg.Now}
	if s.audit == nil {
		s.audit = func(context.Context, audit.Event) error { return nil }
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.authorize == nil {
		s.authorize = func(context.Context, string, []iam.Resource) error { return nil }
	}
	return s
}

// arnPrefix returns the ARN of the account's parameters up to the name:
// "arn:aws:ssm:us-east-1:123456789012:parameter/".
func (s *Service) arnPrefix() string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: "ssm", Region: s.region, Account: s.account, Resource: "parameter/"}.String()
}

// ARN returns the ARN of the account's parameter name, with one slash
// between "parameter" and the name whether the name starts with one or
// not: arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host.
func (s *Service) ARN(name string) string { return s.arnPrefix() + Key(name) }

// caller returns the ARN of the principal making the request in ctx; ""
// for the server's own work.
func caller(ctx context.Context) string {
	if c := iam.CallerFrom(ctx); c != nil {
		return c.Principal.ARN
	}
	return ""
}
