// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"time"
)

// Key is a KMS key: its metadata, policy and the version of its key
// material that encrypts now. Its material lives apart (Material).
type Key struct {
	ID          string // a UUID
	Account     string
	Description string
	Usage       string // ENCRYPT_DECRYPT
	Spec        string // SYMMETRIC_DEFAULT
	Origin      string // AWS_KMS
	Manager     string // CUSTOMER or AWS
	State       string // Enabled, Disabled, PendingDeletion
	Policy      string // the key policy (its name is "default")
	Tags        map[string]string
	CreatedAt   time.Time
	// DeletionAt is when a key PendingDeletion is deleted.
	DeletionAt        time.Time
	PendingWindowDays int
	// RotationPeriodDays is the automatic rotation period; 0 when
	// automatic rotation is off.
	RotationPeriodDays int
	NextRotationAt     time.Time
	CurrentVersion     int
}

// Material is one version of a key's material, sealed under the server's
// master key.
type Material struct {
	KeyID   string
	Version int
	Sealed  []byte
	// RotationType is "" for the key's first material, AUTOMATIC or
	// ON_DEMAND for the ones rotations made.
	RotationType string
	CreatedAt    time.Time
}

// Alias is a name of a key in an account ("alias/…").
type Alias struct {
	Account   string
	Name      string
	KeyID     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// KeyUpdate is a change of a key's state, policy, description or
// rotation; nil fields are kept.
type KeyUpdate struct {
	State              *string
	Policy             *string
	Description        *string
	DeletionAt         *time.Time
	PendingWindowDays  *int
	RotationPeriodDays *int
	NextRotationAt     *time.Time
}

// Store is the storage KMS needs. Every method is one transaction.
type Store interface {
	// CreateKey stores a new key with its first material.
	CreateKey(ctx context.Context, k *Key, m *Material) error
	// CreateManagedKey stores the AWS managed key k with its material and
	// the alias name for it, unless the account has that alias already;
	// it returns the key the alias names then.
	CreateManagedKey(ctx context.Context, k *Key, m *Material, alias string) (*Key, error)
	// GetKey returns a key by ID; none is an error of kind NotFound.
	GetKey(ctx context.Context, id string) (*Key, error)
	// ListKeys returns the account's keys in ID order after the ID after,
	// at most n (0: no limit).
	ListKeys(ctx context.Context, account, after string, n int) ([]*Key, error)
	// UpdateKey changes a key and returns it; none is an error of kind
	// NotFound.
	UpdateKey(ctx context.Context, id string, u KeyUpdate) (*Key, error)
	// TagKey sets and removes a key's tags and returns them; more than
	// maxTags is an error of kind LimitExceeded and changes nothing.
	TagKey(ctx context.Context, id string, set map[string]string, remove []string, maxTags int) (map[string]string, error)
	// RotateKey adds material m as the key's next version (m.Version
	// follows the current one) and makes it current; next, when not zero,
	// is the key's next automatic rotation. With due not zero it rotates
	// only a key whose next automatic rotation is still due then. It
	// returns nil, nil when the key was rotated meanwhile.
	RotateKey(ctx context.Context, m *Material, due, next time.Time) (*Key, error)
	// DueKeys returns the IDs of keys whose deletion or automatic rotation
	// is due at now.
	DueKeys(ctx context.Context, now time.Time) (deletions, rotations []string, err error)
	// DeleteDueKey deletes a key whose waiting period has ended at now
	// (PendingDeletion, DeletionAt at or before now), with its material
	// and aliases, and reports whether it did: not for a key whose
	// deletion was cancelled, or that is gone.
	DeleteDueKey(ctx context.Context, id string, now time.Time) (bool, error)
	// GetMaterial returns a version of a key's material; none is an error
	// of kind NotFound.
	GetMaterial(ctx context.Context, keyID string, version int) (*Material, error)
	// ListMaterial returns a key's material, oldest first.
	ListMaterial(ctx context.Context, keyID string) ([]*Material, error)
	// CreateAlias stores an alias; an existing name is an error of kind
	// Exists.
	CreateAlias(ctx context.Context, a *Alias) error
	// GetAlias returns the account's alias name; none is an error of kind
	// NotFound.
	GetAlias(ctx context.Context, account, name string) (*Alias, error)
	// UpdateAlias points the account's alias name at keyID.
	UpdateAlias(ctx context.Context, account, name, keyID string, now time.Time) error
	// DeleteAlias deletes the account's alias name.
	DeleteAlias(ctx context.Context, account, name string) error
	// ListAliases returns the account's aliases (of keyID only when it is
	// not ""), in name order after the name after, at most n (0: no
	// limit).
	ListAliases(ctx context.Context, account, keyID, after string, n int) ([]*Alias, error)
}
