// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package fleet owns enrolment and the fleet's membership: activations,
// registration of servers as managed instances, their facts, tags and
// presence (ping status), deregistration, and activation vending for mass
// enrolment.
package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// Bus issues agents' bus credentials and enforces revocations.
type Bus interface {
	// AgentJWT returns bus credentials for an instance's own key.
	AgentJWT(instanceID, publicKey string) (string, error)
	// URLs returns the bus URLs agents connect to.
	URLs() []string
	// Revoke makes the bus refuse the given keys (and every key revoked
	// before: the full list).
	Revoke(ctx context.Context, revoked map[string]time.Time) error
}

// Roles looks up IAM roles.
type Roles interface {
	Role(ctx context.Context, name string) (*iam.Role, error)
	RoleByARN(ctx context.Context, roleARN string) (*iam.Role, error)
	TrustsService(role *iam.Role, service string) bool
}

// RoleCredentials issues temporary credentials of a role for an instance.
type RoleCredentials interface {
	InstanceCredentials(ctx context.Context, roleName, instanceID string, d time.Duration) (*stsapi.Credentials, error)
}

// Sealer encrypts vended activation codes at rest.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(blob, aad []byte) ([]byte, error)
}

// Config configures a Service.
type Config struct {
	Store   Store
	Roles   Roles
	Creds   RoleCredentials
	Sealer  Sealer
	Bus     Bus
	Account string
	Region  string
	// AgentVersion is the version of the agent this server ships; an
	// instance running it reports IsLatestVersion.
	AgentVersion string
	// Heartbeat is how often agents send heartbeats; an instance is
	// ConnectionLost after two missed. Zero means 30 seconds.
	Heartbeat time.Duration
	// Vending configures the activation vending endpoint; nil disables it.
	Vending *VendingConfig
	// Associations tells how State Manager's associations went on
	// instances, for DescribeInstanceInformation; nil shows none.
	Associations Associations
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service manages the fleet. It is safe for concurrent use.
type Service struct {
	store        Store
	roles        Roles
	creds        RoleCredentials
	sealer       Sealer
	bus          Bus
	account      string
	region       string
	agentVersion string
	heartbeat    time.Duration
	vending      *VendingConfig
	assoc        Associations
	log          *slog.Logger
	now          func() time.Time

	mu    sync.Mutex
	pings map[InstanceID]time.Time // heartbeats not yet written; guarded by mu
	facts map[InstanceID]*Instance // reported facts not yet written; guarded by mu
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, roles: cfg.Roles, creds: cfg.Creds, sealer: cfg.Sealer, bus: cfg.Bus, account: cfg.Account, region: cfg.Region,
		agentVersion: cfg.AgentVersion, heartbeat: cfg.Heartbeat, vending: cfg.Vending, assoc: cfg.Associations,
		log: cfg.Logger, now: cfg.Now, pings: map[InstanceID]time.Time{}, facts: map[InstanceID]*Instance{},
	}
	if s.heartbeat <= 0 {
		s.heartbeat = 30 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Heartbeat returns how often agents send heartbeats.
func (s *Service) Heartbeat() time.Duration { return s.heartbeat }

// NewInstanceID returns a new managed instance ID: "mi-" and 17
// hexadecimal digits.
func NewInstanceID() InstanceID {
	b := make([]byte, 9)
	rand.Read(b)
	return InstanceID("mi-" + hex.EncodeToString(b)[:17])
}

// newActivationCode returns a new activation code: 20 characters.
func newActivationCode() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 20)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// hashCode returns the stored form of an activation code.
func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
