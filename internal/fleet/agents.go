// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// credentialsTTL is how long an instance's role credentials last; agents
// refresh them before they expire.
const credentialsTTL = time.Hour

// maxClockSkew bounds how far an agent's signed time may be off.
const maxClockSkew = 5 * time.Minute

func invalidActivation(format string, args ...any) error {
	return awserr.Errorf(awserr.Invalid, "InvalidActivation", format, args...)
}

// Register enrols a server as a managed instance with an activation, in
// one transaction that checks the code, the expiration and the
// registration limit, and returns its bus credentials.
func (s *Service) Register(ctx context.Context, req *agentproto.RegisterRequest) (*agentproto.RegisterResponse, error) {
	if !nkeys.IsValidPublicUserKey(req.PublicKey) {
		return nil, validation("PublicKey must be an NKEY user public key")
	}
	if req.ActivationID == "" || req.ActivationCode == "" {
		return nil, validation("ActivationId and ActivationCode are required")
	}
	if len(req.Name) > 255 || len(req.Tags) > maxTags {
		return nil, validation("Name must be at most 255 characters and Tags at most %d", maxTags)
	}
	a, err := s.store.GetActivation(ctx, req.ActivationID)
	if errors.Is(err, awserr.NotFound) || (err == nil && a.Account != s.account) {
		return nil, awserr.Errorf(awserr.NotFound, "InvalidActivationId", "The activation ID %s is not valid.", req.ActivationID)
	}
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	inst := &Instance{
		ID: NewInstanceID(), Account: s.account, Name: a.DefaultInstanceName, ActivationID: a.ID, IAMRole: a.IAMRole,
		PublicKey: req.PublicKey, RegisteredAt: now, Tags: maps.Clone(a.Tags),
	}
	if req.Name != "" {
		inst.Name = req.Name
	}
	if inst.Tags == nil {
		inst.Tags = map[string]string{}
	}
	maps.Copy(inst.Tags, req.Tags)
	setFacts(inst, &req.Facts)
	err = s.store.RegisterInstance(ctx, inst, hashCode(req.ActivationCode), now)
	switch {
	case errors.Is(err, awserr.NotFound):
		return nil, awserr.Errorf(awserr.NotFound, "InvalidActivationId", "The activation ID %s is not valid.", req.ActivationID)
	case errors.Is(err, awserr.Invalid):
		return nil, invalidActivation("The activation code is not valid for activation %s.", a.ID)
	case errors.Is(err, awserr.Conflict):
		return nil, invalidActivation("Activation %s expired at %s.", a.ID, a.Expiration.Format(time.RFC3339))
	case errors.Is(err, awserr.LimitExceeded):
		return nil, invalidActivation("Activation %s has reached its registration limit of %d.", a.ID, a.RegistrationLimit)
	case errors.Is(err, awserr.Exists):
		return nil, validation("This public key is already registered or was revoked; register with a new key.")
	case err != nil:
		return nil, err
	}
	jwt, err := s.bus.AgentJWT(string(inst.ID), inst.PublicKey)
	if err != nil {
		return nil, err
	}
	s.log.Info("instance registered", "instance_id", inst.ID, "activation_id", a.ID, "name", inst.Name)
	return &agentproto.RegisterResponse{
		InstanceID: string(inst.ID), Account: s.account, Region: s.region, BusURLs: s.bus.URLs(), BusJWT: jwt,
		HeartbeatSeconds: int(s.heartbeat / time.Second),
	}, nil
}

// setFacts copies reported facts into an instance.
func setFacts(inst *Instance, f *agentproto.Facts) {
	inst.ComputerName, inst.IPAddress, inst.PlatformType = f.ComputerName, f.IPAddress, f.PlatformType
	inst.PlatformName, inst.PlatformVersion, inst.Architecture, inst.AgentVersion = f.PlatformName, f.PlatformVersion, f.Architecture, f.AgentVersion
}

// ErrNotRegistered is the error of an agent whose instance is gone.
var ErrNotRegistered = awserr.New(awserr.Unauthenticated, "InstanceNotRegistered", "The instance is not registered (it was deregistered or never existed).")

// AgentCredentials returns temporary credentials of an instance's role to
// an agent that proves it holds the instance's key, with a fresh bus JWT.
func (s *Service) AgentCredentials(ctx context.Context, req *agentproto.CredentialsRequest) (*agentproto.CredentialsResponse, error) {
	inst, err := s.store.GetInstance(ctx, InstanceID(req.InstanceID))
	if errors.Is(err, awserr.NotFound) {
		return nil, ErrNotRegistered
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if d := now.Sub(req.Time); d > maxClockSkew || d < -maxClockSkew {
		return nil, awserr.Errorf(awserr.Unauthenticated, "RequestExpired", "The signed time %s is more than 5 minutes from the server's %s.",
			req.Time.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	sig, err := base64.RawURLEncoding.DecodeString(req.Signature)
	kp, kerr := nkeys.FromPublicKey(inst.PublicKey)
	if err != nil || kerr != nil || kp.Verify([]byte(agentproto.SignedString(req.InstanceID, req.Time)), sig) != nil {
		return nil, awserr.New(awserr.Unauthenticated, "InvalidSignature", "The signature does not match the instance's key.")
	}
	c, err := s.creds.InstanceCredentials(ctx, inst.IAMRole, string(inst.ID), credentialsTTL)
	if err != nil {
		return nil, err
	}
	jwt, err := s.bus.AgentJWT(string(inst.ID), inst.PublicKey)
	if err != nil {
		return nil, err
	}
	return &agentproto.CredentialsResponse{
		AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.Expiration.Time(), BusJWT: jwt,
	}, nil
}

// RecordHeartbeat notes that an instance's agent is alive (and what it
// reports about its server). The instance ID comes from the bus subject,
// which only that agent may publish on. Heartbeats are written in batches
// by RunPresence.
func (s *Service) RecordHeartbeat(id InstanceID, hb *agentproto.Heartbeat) {
	now := s.now().UTC()
	s.mu.Lock()
	s.pings[id] = now
	if hb.Facts != nil {
		inst := &Instance{ID: id}
		setFacts(inst, hb.Facts)
		s.facts[id] = inst
	}
	s.mu.Unlock()
}

// RunPresence writes recorded heartbeats every interval until ctx ends,
// then writes what is left.
func (s *Service) RunPresence(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flushPresence(context.WithoutCancel(ctx))
			return
		case <-t.C:
			s.flushPresence(ctx)
		}
	}
}

func (s *Service) flushPresence(ctx context.Context) {
	s.mu.Lock()
	pings, facts := s.pings, s.facts
	s.pings, s.facts = map[InstanceID]time.Time{}, map[InstanceID]*Instance{}
	s.mu.Unlock()
	for _, inst := range facts {
		if err := s.store.UpdateInstanceFacts(ctx, inst); err != nil && !errors.Is(err, awserr.NotFound) {
			s.log.Warn("record instance facts", "instance_id", inst.ID, "err", err)
		}
	}
	if len(pings) == 0 {
		return
	}
	if err := s.store.TouchInstances(ctx, pings); err != nil {
		s.log.Warn("record heartbeats", "instances", len(pings), "err", err)
		// Keep them for the next flush, unless newer ones arrived.
		s.mu.Lock()
		for id, t := range pings {
			if _, ok := s.pings[id]; !ok {
				s.pings[id] = t
			}
		}
		s.mu.Unlock()
	}
}
