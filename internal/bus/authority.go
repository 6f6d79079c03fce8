// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package bus secures and runs the agent bus, the NATS system that agents
// and kanri servers connect to. It issues the NATS credentials in
// decentralized JWT ("operator") mode, so the same scheme works with the
// embedded server (StartEmbedded) and with an external NATS cluster
// (Authority.ServerConfig, PushAccount):
//
//   - an operator key signs two accounts: KANRI, for agents and kanri
//     servers, with JetStream enabled, and SYS, the NATS system account;
//   - every agent is a KANRI user bound to its own nkey, allowed only the
//     subjects under agentproto.SubjectPrefix + its instance ID;
//   - revoking an agent is a new KANRI account JWT listing its key, applied
//     with Embedded.UpdateAccount or PushAccount; servers then close the
//     agent's connections and refuse new ones.
//
// The package holds no state of its own: keys come from the caller, who
// persists them and shares them between replicas.
package bus

import (
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// Names of the accounts the Authority issues.
const (
	AccountName       = "KANRI" // account of agents and kanri servers
	SystemAccountName = "SYS"   // NATS system account
)

// Names in the other JWTs.
const (
	operatorName   = "kanri"        // the operator
	serverUserName = "kanri-server" // ServerCreds users
	systemUserName = "kanri-system" // SystemCreds users
)

// epochUnix (2026-01-01T00:00:00Z) is the issued-at time of the operator
// and system account JWTs and the least issued-at time of KANRI account
// JWTs. It is fixed so that every replica issues identical JWTs. NATS
// servers keep the account JWT with the newest issued-at when they sync or
// preload, so raise epochUnix (to the release date) whenever a release
// changes the account claims other than through revocations.
const epochUnix = 1767225600

// Keys are the nkey seeds of the bus: the operator, the KANRI account and
// the system account. The caller persists them (sealed) and gives the same
// Keys to every replica. Keys redacts its seeds when logged or printed.
type Keys struct {
	Operator []byte // operator seed ("SO…")
	Account  []byte // KANRI account seed ("SA…")
	System   []byte // SYS account seed ("SA…")
}

// NewKeys creates fresh keys.
func NewKeys() (Keys, error) {
	op, err := nkeys.CreateOperator()
	if err != nil {
		return Keys{}, fmt.Errorf("create operator key: %w", err)
	}
	acc, err := nkeys.CreateAccount()
	if err != nil {
		return Keys{}, fmt.Errorf("create account key: %w", err)
	}
	sys, err := nkeys.CreateAccount()
	if err != nil {
		return Keys{}, fmt.Errorf("create system account key: %w", err)
	}
	var k Keys
	for _, s := range []struct {
		kp   nkeys.KeyPair
		seed *[]byte
	}{{op, &k.Operator}, {acc, &k.Account}, {sys, &k.System}} {
		if *s.seed, err = s.kp.Seed(); err != nil {
			return Keys{}, fmt.Errorf("seed: %w", err)
		}
	}
	return k, nil
}

// LogValue shows the public keys only.
func (k Keys) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("operator", publicOf(k.Operator)),
		slog.String("account", publicOf(k.Account)),
		slog.String("system", publicOf(k.System)),
	)
}

// String shows the public keys only.
func (k Keys) String() string {
	return fmt.Sprintf("bus.Keys{Operator:%s Account:%s System:%s}",
		publicOf(k.Operator), publicOf(k.Account), publicOf(k.System))
}

// GoString shows the public keys only.
func (k Keys) GoString() string { return k.String() }

func publicOf(seed []byte) string {
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		return "invalid"
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "invalid"
	}
	return pub
}

// An Authority issues the JWTs of the bus from its Keys. It is safe for
// concurrent use; its zero value is not usable.
type Authority struct {
	operator, account, system          nkeys.KeyPair
	operatorPub, accountPub, systemPub string
}

// NewAuthority returns the Authority of k, checking that each seed is of the
// right kind and that the two accounts differ.
func NewAuthority(k Keys) (*Authority, error) {
	var a Authority
	for _, s := range []struct {
		name   string
		seed   []byte
		prefix nkeys.PrefixByte
		kp     *nkeys.KeyPair
		pub    *string
	}{
		{"operator", k.Operator, nkeys.PrefixByteOperator, &a.operator, &a.operatorPub},
		{"account", k.Account, nkeys.PrefixByteAccount, &a.account, &a.accountPub},
		{"system", k.System, nkeys.PrefixByteAccount, &a.system, &a.systemPub},
	} {
		kp, err := nkeys.FromSeed(s.seed)
		if err != nil {
			return nil, fmt.Errorf("%s seed: %w", s.name, err)
		}
		pub, err := kp.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("%s key: %w", s.name, err)
		}
		if p := nkeys.Prefix(pub); p != s.prefix {
			return nil, fmt.Errorf("%s seed: key is a %v, want a %v", s.name, p, s.prefix)
		}
		*s.kp, *s.pub = kp, pub
	}
	if a.accountPub == a.systemPub {
		return nil, errors.New("account and system account keys are the same")
	}
	return &a, nil
}

// OperatorPublicKey returns the operator's public key ("O…").
func (a *Authority) OperatorPublicKey() string { return a.operatorPub }

// AccountPublicKey returns the KANRI account's public key ("A…").
func (a *Authority) AccountPublicKey() string { return a.accountPub }

// SystemAccountPublicKey returns the system account's public key ("A…").
func (a *Authority) SystemAccountPublicKey() string { return a.systemPub }

// OperatorJWT returns the operator JWT, which names the system account.
// It is the same for equal Keys.
func (a *Authority) OperatorJWT() (string, error) {
	oc := jwt.NewOperatorClaims(a.operatorPub)
	oc.Name = operatorName
	oc.SystemAccount = a.systemPub
	return encodeAt(oc, a.operator, time.Unix(epochUnix, 0))
}

// SystemAccountJWT returns the system account's JWT. It is the same for
// equal Keys.
func (a *Authority) SystemAccountJWT() (string, error) {
	ac := jwt.NewAccountClaims(a.systemPub)
	ac.Name = SystemAccountName
	return encodeAt(ac, a.operator, time.Unix(epochUnix, 0))
}

// AccountJWT returns the KANRI account's JWT with JetStream enabled and
// without limits, revoking the user JWTs in revoked (user public key → time)
// that were issued at or before that time. Only whole seconds count.
//
// The JWT is the same for equal Keys and revoked, so replicas agree. Its
// issued-at time is the newest revocation time (or a fixed epoch if that is
// older): NATS keeps the newest account JWT when servers sync or restart with
// preloads, so a new revocation must be newer than every earlier one.
// Removing a revocation while it still matters is therefore not supported;
// drop one only after every JWT it revokes has expired.
func (a *Authority) AccountJWT(revoked map[string]time.Time) (string, error) {
	ac := jwt.NewAccountClaims(a.accountPub)
	ac.Name = AccountName
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{
		MemoryStorage: jwt.NoLimit,
		DiskStorage:   jwt.NoLimit,
		Streams:       jwt.NoLimit,
		Consumer:      jwt.NoLimit,
	}
	iat := time.Unix(epochUnix, 0)
	for pub, t := range revoked {
		if pub != jwt.All && !nkeys.IsValidPublicUserKey(pub) {
			return "", fmt.Errorf("revoke %q: not a user public key", pub)
		}
		if t.IsZero() {
			return "", fmt.Errorf("revoke %s: no time", pub)
		}
		ac.RevokeAt(pub, t)
		if t.After(iat) {
			iat = t
		}
	}
	return encodeAt(ac, a.operator, iat)
}

// AgentJWT returns the user JWT of an agent: a KANRI user for the agent's own
// nkey (userPublicKey, "U…"), named instanceID, expiring at expires (never if
// zero). It may connect over TCP or WebSocket, publish and subscribe under
// agentproto.SubjectPrefix + instanceID + ".", which holds its inbox
// (agentproto.InboxPrefix), and answer requests sent to it within a minute;
// nothing else. instanceID must be a single subject token.
func (a *Authority) AgentJWT(instanceID, userPublicKey string, expires time.Time) (string, error) {
	if err := checkInstanceID(instanceID); err != nil {
		return "", err
	}
	if !nkeys.IsValidPublicUserKey(userPublicKey) {
		return "", fmt.Errorf("agent %s: %q is not a user public key", instanceID, userPublicKey)
	}
	uc := jwt.NewUserClaims(userPublicKey)
	uc.Name = instanceID
	uc.Permissions = agentPermissions(instanceID)
	// Agents are clients: no leaf nodes, MQTT or in-process connections.
	uc.AllowedConnectionTypes = jwt.StringList{jwt.ConnectionTypeStandard, jwt.ConnectionTypeWebsocket}
	if !expires.IsZero() {
		uc.Expires = expires.Unix()
	}
	s, err := uc.Encode(a.account)
	if err != nil {
		return "", fmt.Errorf("agent %s jwt: %w", instanceID, err)
	}
	return s, nil
}

// responseTTL is how long an agent may answer a request it received.
const responseTTL = time.Minute

// checkInstanceID refuses IDs that would widen the agent's subjects: empty
// ones, and ones with NATS token separators or wildcards.
func checkInstanceID(id string) error {
	if id == "" || strings.ContainsAny(id, ".*> \t\r\n") {
		return fmt.Errorf("instance id %q: not a single subject token", id)
	}
	return nil
}

// agentPermissions are the subjects an agent may use: publish and subscribe
// under its own prefix, which holds its inbox (agentproto.InboxPrefix) for
// its own requests, and answer requests sent to it (allow_responses). No
// _INBOX, no other agent, no JetStream API yet. Anything not allowed is
// denied.
//
// The answers to a request are not counted (MaxMsgs -1), only timed:
// nats-server counts each delivery of the request to an agent's overlapping
// subscriptions against the count, so a count of 1 (the default) refuses
// the answer of an agent subscribed to both "<prefix>.>" and
// "<prefix>.ses".
//
// When agents consume their commands from JetStream, add here: publish
// "$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>" for their own durable
// consumer, and publish "$JS.ACK.<stream>.<consumer>.>" to acknowledge.
func agentPermissions(instanceID string) jwt.Permissions {
	own := agentproto.SubjectPrefix + instanceID + ".>"
	return jwt.Permissions{
		Pub:  jwt.Permission{Allow: jwt.StringList{own}},
		Sub:  jwt.Permission{Allow: jwt.StringList{own}},
		Resp: &jwt.ResponsePermission{MaxMsgs: -1, Expires: responseTTL},
	}
}

// ServerCreds returns the credentials of a new kanri server user: a KANRI
// user without restrictions, with a fresh nkey. The JWT does not expire.
func (a *Authority) ServerCreds() (userJWT string, seed []byte, err error) {
	return newUser(a.account, serverUserName)
}

// SystemCreds returns the credentials of a new system account user, for
// PushAccount. The JWT does not expire.
func (a *Authority) SystemCreds() (userJWT string, seed []byte, err error) {
	return newUser(a.system, systemUserName)
}

func newUser(account nkeys.KeyPair, name string) (string, []byte, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", nil, fmt.Errorf("create %s key: %w", name, err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", nil, fmt.Errorf("%s key: %w", name, err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return "", nil, fmt.Errorf("%s seed: %w", name, err)
	}
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	s, err := uc.Encode(account)
	if err != nil {
		return "", nil, fmt.Errorf("%s jwt: %w", name, err)
	}
	return s, seed, nil
}

// encodeAt encodes claims signed by kp as issued at iat, exactly as
// jwt.Claims.Encode does except that Encode always uses the current time.
// ed25519 signatures are deterministic, so equal claims, key and iat give
// equal JWTs.
//
// It replicates jwt's ClaimsData.doEncode, whose jti is the hash of the
// claims data without jti; a test checks the result decodes and verifies.
func encodeAt(c jwt.Claims, kp nkeys.KeyPair, iat time.Time) (string, error) {
	// Encode validates the issuer's kind and fills in the issuer, type and
	// version; only its iat (and so jti and signature) are redone below.
	if _, err := c.Encode(kp); err != nil {
		return "", fmt.Errorf("encode %s jwt: %w", c.ClaimType(), err)
	}
	cd := c.Claims()
	cd.IssuedAt = iat.Unix()
	cd.ID = ""
	id, err := json.Marshal(cd)
	if err != nil {
		return "", fmt.Errorf("encode %s jwt: %w", c.ClaimType(), err)
	}
	sum := sha512.Sum512_256(id)
	cd.ID = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])

	header, err := json.Marshal(jwt.Header{Type: jwt.TokenTypeJwt, Algorithm: jwt.AlgorithmNkey})
	if err != nil {
		return "", fmt.Errorf("encode %s jwt: %w", c.ClaimType(), err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode %s jwt: %w", c.ClaimType(), err)
	}
	b64 := base64.RawURLEncoding
	toSign := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	sig, err := kp.Sign([]byte(toSign))
	if err != nil {
		return "", fmt.Errorf("sign %s jwt: %w", c.ClaimType(), err)
	}
	return toSign + "." + b64.EncodeToString(sig), nil
}
