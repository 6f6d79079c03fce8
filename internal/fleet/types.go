// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"time"
)

// InstanceID is a managed instance's ID: "mi-" and 17 hexadecimal digits.
type InstanceID string

// Activation lets servers register as managed instances, up to its limit
// and until its expiration.
type Activation struct {
	ID                  string
	Account             string
	Description         string
	DefaultInstanceName string
	IAMRole             string // the role's name (or path/name)
	RegistrationLimit   int
	RegistrationsCount  int
	Expiration          time.Time
	CreateDate          time.Time
	CodeHash            string // hex SHA-256 of the activation code
	Tags                map[string]string
}

// Expired reports whether the activation has expired at now.
func (a *Activation) Expired(now time.Time) bool { return !now.Before(a.Expiration) }

// Instance is a managed instance.
type Instance struct {
	ID              InstanceID
	Account         string
	Name            string
	ActivationID    string
	IAMRole         string
	PublicKey       string // the agent's NKEY user public key
	RegisteredAt    time.Time
	LastPing        time.Time
	AgentVersion    string
	PlatformType    string
	PlatformName    string
	PlatformVersion string
	Architecture    string
	IPAddress       string
	ComputerName    string
	Tags            map[string]string
}

// InstanceFilter selects instances. Zero fields do not filter; a filter
// with several values matches any of them.
type InstanceFilter struct {
	IDs           []InstanceID
	ActivationIDs []string
	IAMRoles      []string
	PlatformTypes []string
	AgentVersions []string
	// PingOnline/PingLost select by LastPing against OnlineSince: Online
	// instances pinged at or after it, ConnectionLost ones before it.
	PingOnline, PingLost bool
	OnlineSince          time.Time
	// Tags: every entry must match; an entry with no values matches any
	// value of the key (SSM's tag-key filter).
	Tags []TagFilter
	// After continues a listing ordered by ID; Limit bounds it (0: none).
	After InstanceID
	Limit int
	// None is set by a filter no instance can match; the store is not
	// asked.
	None bool
}

// AssociationSummary is how the State Manager associations that ran on
// an instance last went there.
type AssociationSummary struct {
	// Counts counts the associations by the status of their latest run
	// there: Success, Failed, Pending or InProgress.
	Counts map[string]int
	// LastRun is when the latest of those runs started; LastSuccess when
	// the latest of those that succeeded did (zero for none).
	LastRun, LastSuccess time.Time
}

// Status is the instance's association status, as SSM shows it: Failed
// if one association failed there, Pending while one has not finished
// (its detail InProgress or Pending), Success when all succeeded.
func (a *AssociationSummary) Status() (status, detail string) {
	switch {
	case a.Counts["Failed"] > 0:
		return "Failed", "Failed"
	case a.Counts["InProgress"] > 0:
		return "Pending", "InProgress"
	case a.Counts["Pending"] > 0:
		return "Pending", "Pending"
	}
	return "Success", "Success"
}

// Associations tells how State Manager's associations went on instances.
type Associations interface {
	// AssociationSummaries returns, by instance, how the associations
	// that ran there last went; nil instanceIDs means every instance of
	// the account. An instance no association ran on is not in the map.
	AssociationSummaries(ctx context.Context, instanceIDs []string) (map[string]*AssociationSummary, error)
}

// TagFilter matches instances with a tag Key whose value is one of Values
// (any value when Values is empty).
type TagFilter struct {
	Key    string
	Values []string
}

// Store is the storage the fleet needs. Every method is one transaction.
type Store interface {
	CreateActivation(ctx context.Context, a *Activation) error
	GetActivation(ctx context.Context, id string) (*Activation, error)
	// ListActivations returns the account's activations, newest first,
	// after the given ID (in that order), at most limit (0: no limit).
	ListActivations(ctx context.Context, account, after string, limit int) ([]*Activation, error)
	DeleteActivation(ctx context.Context, id string) error

	// RegisterInstance creates inst under its activation, in one
	// transaction that also checks and counts the registration: the
	// activation must exist (NotFound), hold codeHash (Invalid), not be
	// expired at now and be under its limit (LimitExceeded; expired is
	// Conflict). Concurrent registrations never exceed the limit, on any
	// number of servers.
	RegisterInstance(ctx context.Context, inst *Instance, codeHash string, now time.Time) error
	GetInstance(ctx context.Context, id InstanceID) (*Instance, error)
	GetInstanceByKey(ctx context.Context, publicKey string) (*Instance, error)
	ListInstances(ctx context.Context, account string, f InstanceFilter) ([]*Instance, error)
	CountInstances(ctx context.Context, account string, f InstanceFilter) (int, error)
	// UpdateInstanceFacts records what an agent reports about its server.
	UpdateInstanceFacts(ctx context.Context, inst *Instance) error
	// TouchInstances sets the last ping of many instances at once.
	TouchInstances(ctx context.Context, pings map[InstanceID]time.Time) error
	SetInstanceTags(ctx context.Context, id InstanceID, tags map[string]string) error
	// DeregisterInstance deletes the instance and records its key as
	// revoked, in one transaction.
	DeregisterInstance(ctx context.Context, id InstanceID, at time.Time) error
	// RevokedKeys returns every revoked agent key and when it was revoked.
	RevokedKeys(ctx context.Context) (map[string]time.Time, error)

	// Vending returns the current vended activation of a vending
	// configuration: its ID and sealed code (NotFound when none yet).
	Vending(ctx context.Context, name string) (activationID string, sealedCode []byte, err error)
	// SwapVending creates the activation next and makes it the current
	// one of the configuration, in one transaction, if the current one is
	// still prev ("" for none); it reports whether it did. Of several
	// servers racing to replace an exhausted activation exactly one wins,
	// and only the winner's activation is created.
	SwapVending(ctx context.Context, name, prev string, next *Activation, sealedCode []byte, at time.Time) (bool, error)
}
