// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/bus"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/store"
)

// metaBusKeys names the meta row holding the bus's keys, sealed: every
// replica shares them.
const metaBusKeys = "bus_keys"

// busKeys returns the bus's keys, made by the first server to start.
func (s *Server) busKeys(ctx context.Context) (bus.Keys, error) {
	return loadBusKeys(ctx, s.db, s.keyring)
}

// loadBusKeys returns the bus's keys from the store, making them if none
// are there yet.
func loadBusKeys(ctx context.Context, db *store.DB, keyring *kms.Keyring) (bus.Keys, error) {
	fresh, err := bus.NewKeys()
	if err != nil {
		return bus.Keys{}, err
	}
	plain, err := json.Marshal(fresh)
	if err != nil {
		return bus.Keys{}, err
	}
	sealed, err := keyring.Seal(plain, []byte(metaBusKeys))
	if err != nil {
		return bus.Keys{}, err
	}
	stored, err := db.SetMetaIfAbsent(ctx, metaBusKeys, base64.StdEncoding.EncodeToString(sealed))
	if err != nil {
		return bus.Keys{}, err
	}
	blob, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return bus.Keys{}, fmt.Errorf("bus keys: %w", err)
	}
	plain, err = keyring.Open(blob, []byte(metaBusKeys))
	if err != nil {
		return bus.Keys{}, fmt.Errorf("bus keys: %w (is this the master key the other servers use?)", err)
	}
	var k bus.Keys
	if err := json.Unmarshal(plain, &k); err != nil {
		return bus.Keys{}, fmt.Errorf("bus keys: %w", err)
	}
	return k, nil
}

// startBus starts the embedded NATS server (or joins the external one) and
// connects this server to it.
func (s *Server) startBus(ctx context.Context) error {
	keys, err := s.busKeys(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if s.busAuth, err = bus.NewAuthority(keys); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	urls := s.cfg.NATSURLs
	if len(urls) == 0 {
		s.embedded, err = bus.StartEmbedded(ctx, bus.EmbeddedConfig{
			Addr: s.cfg.BusAddr, WebSocketAddr: s.cfg.BusWebSocketAddr, StoreDir: filepath.Join(s.cfg.DataDir, "bus"),
			Authority: s.busAuth, Logger: s.log.With("component", "bus"),
		})
		if err != nil {
			return fmt.Errorf("server: agent bus: %w", err)
		}
		urls = []string{s.embedded.ClientURL()}
	}
	jwt, seed, err := s.busAuth.ServerCreds()
	if err != nil {
		return err
	}
	// nats.go writes asynchronous errors to stderr unless handled.
	busErrors := nats.ErrorHandler(func(nc *nats.Conn, _ *nats.Subscription, err error) {
		s.log.Warn("agent bus connection error", "connection", nc.Opts.Name, "err", err)
	})
	if s.nc, err = bus.Connect(ctx, urls, jwt, seed, nats.Name("kanri-server"), busErrors); err != nil {
		return fmt.Errorf("server: connect to the agent bus: %w", err)
	}
	if s.embedded == nil {
		jwt, seed, err := s.busAuth.SystemCreds()
		if err != nil {
			return err
		}
		if s.sysnc, err = bus.Connect(ctx, urls, jwt, seed, nats.Name("kanri-server-system"), busErrors); err != nil {
			return fmt.Errorf("server: connect to the agent bus's system account: %w", err)
		}
	}
	s.busURLs = s.cfg.BusAdvertise
	if len(s.busURLs) == 0 {
		s.busURLs = urls
		if s.embedded != nil && s.embedded.WebSocketURL() != "" {
			s.busURLs = append(s.busURLs, s.embedded.WebSocketURL())
		}
	}
	return nil
}

// subscribeBus listens for agents' heartbeats, shared among the servers.
func (s *Server) subscribeBus() error {
	_, err := s.nc.QueueSubscribe(agentproto.SubjectPrefix+"*."+agentproto.SubjectHeartbeat, "kanri-servers", func(m *nats.Msg) {
		id, ok := agentproto.InstanceOf(m.Subject)
		if !ok {
			return
		}
		var hb agentproto.Heartbeat
		if err := json.Unmarshal(m.Data, &hb); err != nil {
			s.log.Warn("bad heartbeat", "subject", m.Subject, "err", err)
			return
		}
		s.fleet.RecordHeartbeat(fleet.InstanceID(id), &hb)
	})
	if err != nil {
		return fmt.Errorf("server: subscribe to heartbeats: %w", err)
	}
	return s.nc.Flush()
}

// closeBus drains this server's bus connections and stops the embedded
// server.
func (s *Server) closeBus() {
	if s.nc != nil {
		s.nc.Drain()
	}
	if s.sysnc != nil {
		s.sysnc.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// NATSConfig returns the nats-server configuration an external NATS
// cluster needs to trust the kanri installation of cfg's store and master
// key, with the account resolver keeping its state in resolverDir. It
// opens the store without starting a server.
func NATSConfig(ctx context.Context, cfg Config, resolverDir string) (string, error) {
	if cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = filepath.Join(cfg.DataDir, "master.key")
	}
	keyring, err := kms.LoadKeyring(cfg.MasterKeyFile)
	if err != nil {
		return "", err
	}
	db, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: cfg.Logger})
	if err != nil {
		return "", err
	}
	defer db.Close()
	keys, err := loadBusKeys(ctx, db, keyring)
	if err != nil {
		return "", err
	}
	auth, err := bus.NewAuthority(keys)
	if err != nil {
		return "", err
	}
	return auth.ServerConfig(resolverDir)
}

// fleetBus gives the fleet domain agents' bus credentials and revocation.
type fleetBus struct{ s *Server }

// AgentJWT returns bus credentials for an instance's own key. They do not
// expire: deregistration revokes them.
func (b fleetBus) AgentJWT(instanceID, publicKey string) (string, error) {
	return b.s.busAuth.AgentJWT(instanceID, publicKey, time.Time{})
}

// URLs returns the bus URLs agents connect to.
func (b fleetBus) URLs() []string { return b.s.busURLs }

// Revoke makes the bus refuse the revoked keys.
func (b fleetBus) Revoke(ctx context.Context, revoked map[string]time.Time) error {
	jwt, err := b.s.busAuth.AccountJWT(revoked)
	if err != nil {
		return err
	}
	if b.s.embedded != nil {
		return b.s.embedded.UpdateAccount(jwt)
	}
	if b.s.sysnc == nil {
		return awserr.New(awserr.Unavailable, "ServiceUnavailable", "The agent bus is not connected.")
	}
	if err := bus.PushAccount(ctx, b.s.sysnc, jwt); err != nil {
		return errors.Join(awserr.New(awserr.Unavailable, "ServiceUnavailable", "The agent bus did not accept the revocation."), err)
	}
	return nil
}
