// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// Key states, usages and the like, as KMS names them.
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"

	UsageEncryptDecrypt = "ENCRYPT_DECRYPT"
	SpecSymmetric       = "SYMMETRIC_DEFAULT"
	OriginKMS           = "AWS_KMS"
	ManagerCustomer     = "CUSTOMER"
	ManagerAWS          = "AWS"
	// AlgorithmSymmetric is the encryption algorithm of symmetric keys.
	AlgorithmSymmetric = "SYMMETRIC_DEFAULT"

	// RotationAutomatic and RotationOnDemand say how material was made.
	RotationAutomatic = "AUTOMATIC"
	RotationOnDemand  = "ON_DEMAND"
)

// Limits, as KMS's.
const (
	maxPlaintext         = 4096
	maxTags              = 50
	defaultRotationDays  = 365
	minRotationDays      = 90
	maxRotationDays      = 2560
	defaultDeletionDays  = 30
	minDeletionDays      = 7
	maxDeletionDays      = 30
	maxOnDemandRotations = 10
	maxPolicySize        = 32768
)

// Sealer seals key material under the server's master key (a Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(blob, aad []byte) ([]byte, error)
}

// Config is what a Service needs.
type Config struct {
	Store   Store
	Sealer  Sealer
	Account string
	Region  string
	// Authorize checks that the caller in ctx may perform action on the
	// key keyARN with the request's condition keys reqCtx (its key policy
	// counts); the service calls it for work done for another service
	// (ServiceKeys), the front door authorizes API calls itself.
	Authorize func(ctx context.Context, action, keyARN string, reqCtx map[string][]string) error
	// Audit records what the service does on its own (a key deleted at
	// the end of its waiting period, an automatic rotation); nil records
	// nothing.
	Audit  func(ctx context.Context, ev audit.Event) error
	Logger *slog.Logger
	Now    func() time.Time
}

// Service is the KMS API over an account's keys.
type Service struct {
	store     Store
	sealer    Sealer
	account   string
	region    string
	authorize func(ctx context.Context, action, keyARN string, reqCtx map[string][]string) error
	audit     func(ctx context.Context, ev audit.Event) error
	log       *slog.Logger
	now       func() time.Time

	// aeads caches opened key material by "keyID/version": material never
	// changes once made.
	aeads sync.Map
}

// New returns a KMS service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, sealer: cfg.Sealer, account: cfg.Account, region: cfg.Region,
		authorize: cfg.Authorize, audit: cfg.Audit, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.audit == nil {
		s.audit = func(context.Context, audit.Event) error { return nil }
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// ARN returns the ARN of a key of the account.
func (s *Service) ARN(keyID string) string {
	return "arn:aws:kms:" + s.region + ":" + s.account + ":key/" + keyID
}

// aliasARN returns the ARN of an alias ("alias/…") of the account.
func (s *Service) aliasARN(name string) string {
	return "arn:aws:kms:" + s.region + ":" + s.account + ":" + name
}

var (
	keyIDPattern     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	aliasNamePattern = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)
)

// managedAliases are the AWS managed keys the account gets on first use,
// by alias, with the service that may use them.
var managedAliases = map[string]string{
	"alias/aws/ssm": "ssm",
}

// KeyARN returns the ARN of the key that keyID names (a key ID or ARN, an
// alias name or ARN) for authorization, without looking it up when it can
// do without: an alias is looked up, and an unknown one leaves its own
// ARN.
func (s *Service) KeyARN(ctx context.Context, keyID string) string {
	kind, id := s.parseKeyID(keyID)
	switch kind {
	case refKey:
		return s.ARN(id)
	case refAlias:
		a, err := s.store.GetAlias(ctx, s.account, id)
		if err == nil {
			return s.ARN(a.KeyID)
		}
		return s.aliasARN(id)
	}
	return keyID
}

// The kinds of key references.
const (
	refInvalid = iota
	refKey
	refAlias
)

// parseKeyID says what keyID names: a key (with its ID) or an alias (with
// its name "alias/…") of this account and region.
func (s *Service) parseKeyID(keyID string) (int, string) {
	if rest, ok := strings.CutPrefix(keyID, "arn:aws:kms:"); ok {
		region, rest, _ := strings.Cut(rest, ":")
		account, resource, _ := strings.Cut(rest, ":")
		if region != s.region || account != s.account {
			return refInvalid, ""
		}
		keyID = resource
		if id, ok := strings.CutPrefix(resource, "key/"); ok {
			keyID = id
		} else if !strings.HasPrefix(resource, "alias/") {
			return refInvalid, ""
		}
	}
	switch {
	case keyIDPattern.MatchString(keyID):
		return refKey, keyID
	case strings.HasPrefix(keyID, "alias/"):
		return refAlias, keyID
	}
	return refInvalid, ""
}

// resolve returns the key keyID names. forUse makes an AWS managed key
// (alias/aws/ssm) on its first use.
func (s *Service) resolve(ctx context.Context, keyID string, forUse bool) (*Key, error) {
	if keyID == "" {
		return nil, awserr.Validation("KeyId", "", "must name a key")
	}
	kind, id := s.parseKeyID(keyID)
	switch kind {
	case refInvalid:
		return nil, kmsapi.NewNotFoundException("Invalid keyId '%s'", keyID)
	case refAlias:
		a, err := s.store.GetAlias(ctx, s.account, id)
		if errors.Is(err, awserr.NotFound) {
			if _, managed := managedAliases[id]; managed && forUse {
				return s.managedKey(ctx, id)
			}
			return nil, kmsapi.NewNotFoundException("Alias '%s' is not found.", s.aliasARN(id))
		}
		if err != nil {
			return nil, err
		}
		id = a.KeyID
	}
	k, err := s.store.GetKey(ctx, id)
	if errors.Is(err, awserr.NotFound) || err == nil && k.Account != s.account {
		return nil, kmsapi.NewNotFoundException("Key '%s' does not exist", s.ARN(id))
	}
	return k, err
}

// usable returns an error unless k may encrypt and decrypt now.
func (s *Service) usable(k *Key) error {
	switch k.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		return kmsapi.NewDisabledException("%s is disabled.", s.ARN(k.ID))
	}
	return kmsapi.NewKMSInvalidStateException("%s is pending deletion.", s.ARN(k.ID))
}

// managedKey makes the account's AWS managed key for alias (or returns
// the one another request made first).
func (s *Service) managedKey(ctx context.Context, alias string) (*Key, error) {
	now := s.now().UTC()
	k := &Key{
		ID: uuid.NewString(), Account: s.account, Description: "Default key that protects my " + strings.ToUpper(managedAliases[alias]) +
			" data when no other key is defined", Usage: UsageEncryptDecrypt, Spec: SpecSymmetric, Origin: OriginKMS, Manager: ManagerAWS,
		State: StateEnabled, Policy: managedPolicy(s.account, s.region, managedAliases[alias]), CreatedAt: now,
		RotationPeriodDays: defaultRotationDays, NextRotationAt: now.AddDate(0, 0, defaultRotationDays), CurrentVersion: 1,
	}
	m, err := s.newMaterial(k.ID, 1, "", now)
	if err != nil {
		return nil, err
	}
	return s.store.CreateManagedKey(ctx, k, m, alias)
}

// defaultPolicy is the key policy of a key created without one: the
// account's IAM policies decide, as on AWS.
func defaultPolicy(account string) string {
	return `{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::` + account + `:root"},
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}`
}

// managedPolicy is the key policy of the AWS managed key of service: any
// principal of the account may use it through that service, and read its
// metadata directly.
func managedPolicy(account, region, service string) string {
	return `{
  "Version": "2012-10-17",
  "Id": "auto-` + service + `",
  "Statement": [
    {
      "Sid": "Allow access through ` + strings.ToUpper(service) + ` for all principals in the account that are authorized to use ` + strings.ToUpper(service) + `",
      "Effect": "Allow",
      "Principal": {"AWS": "*"},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      "Resource": "*",
      "Condition": {"StringEquals": {"kms:CallerAccount": "` + account + `", "kms:ViaService": "` + service + `.` + region + `.amazonaws.com"}}
    },
    {
      "Sid": "Allow direct access to key metadata to the account",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::` + account + `:root"},
      "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
      "Resource": "*"
    }
  ]
}`
}

// check authorizes work done for another service; without an Authorize
// function nothing is allowed.
func (s *Service) check(ctx context.Context, action, keyARN string, reqCtx map[string][]string) error {
	if s.authorize == nil {
		return awserr.New(awserr.Denied, "AccessDenied", "User is not authorized to perform: "+action+" on resource: "+keyARN).WithStatus(403)
	}
	return s.authorize(ctx, action, keyARN, reqCtx)
}

// materialAAD binds sealed material to its key and version.
func materialAAD(keyID string, version int) []byte {
	return []byte("kanri-kms-material\x00" + keyID + "\x00" + strconv.Itoa(version))
}

// newMaterial makes a version of fresh 256-bit key material, sealed.
func (s *Service) newMaterial(keyID string, version int, rotation string, now time.Time) (*Material, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	defer clear(raw)
	sealed, err := s.sealer.Seal(raw, materialAAD(keyID, version))
	if err != nil {
		return nil, fmt.Errorf("seal key material: %w", err)
	}
	return &Material{KeyID: keyID, Version: version, Sealed: sealed, RotationType: rotation, CreatedAt: now}, nil
}

// aead returns the cipher of a version of a key's material.
func (s *Service) aead(ctx context.Context, keyID string, version int) (cipher.AEAD, error) {
	cacheKey := keyID + "/" + strconv.Itoa(version)
	if a, ok := s.aeads.Load(cacheKey); ok {
		return a.(cipher.AEAD), nil
	}
	m, err := s.store.GetMaterial(ctx, keyID, version)
	if err != nil {
		return nil, err
	}
	raw, err := s.sealer.Open(m.Sealed, materialAAD(keyID, version))
	if err != nil {
		return nil, fmt.Errorf("open material %d of key %s: %w", version, keyID, err)
	}
	defer clear(raw)
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s.aeads.Store(cacheKey, a)
	return a, nil
}
