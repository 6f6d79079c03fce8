// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"sync"
	"time"
)

// keyUses records access keys' last use off the request path. A request
// that finds its key's recorded use more than a minute old (or for another
// service) notes the use here and goes on; one goroutine writes the noted
// uses to the store. Written inline, the update waited for the database's
// single writer, which on SQLite the audit trail holds for tens of
// milliseconds at a time under load, and every request whose key-cache
// entry had just expired waited with it. GetAccessKeyLastUsed reads the
// noted uses that are not written yet, so this server answers with every
// use it has seen; other replicas see them once written (AWS, too,
// reports last use only eventually).
type keyUses struct {
	mu       sync.Mutex
	noted    map[string]keyUse // access key ID → latest use not yet being written
	writing  map[string]keyUse // the uses the writer is storing now
	running  bool              // the writer goroutine runs
	idleDone chan struct{}     // closed when the writer stops (WaitKeyUses)
}

// keyUse is one use of an access key.
type keyUse struct {
	at      time.Time
	service string
}

// noteKeyUse notes that access key id was used at at for service and
// makes sure the writer runs.
func (s *Service) noteKeyUse(id string, at time.Time, service string) {
	u := &s.uses
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.noted == nil {
		u.noted = map[string]keyUse{}
	}
	if old, ok := u.noted[id]; !ok || at.After(old.at) {
		u.noted[id] = keyUse{at: at, service: service}
	}
	if !u.running {
		u.running = true
		u.idleDone = make(chan struct{})
		go s.writeKeyUses()
	}
}

// writeKeyUses stores the noted uses until none are left.
func (s *Service) writeKeyUses() {
	u := &s.uses
	for {
		u.mu.Lock()
		if len(u.noted) == 0 {
			u.running, u.writing = false, nil
			close(u.idleDone)
			u.mu.Unlock()
			return
		}
		u.writing, u.noted = u.noted, nil
		batch := u.writing
		u.mu.Unlock()
		for id, use := range batch {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := s.store.TouchAccessKey(ctx, id, use.at, use.service, s.region); err != nil {
				s.log.Warn("record access key use", "access_key_id", id, "err", err)
			}
			cancel()
		}
	}
}

// pendingKeyUse returns the latest use of access key id noted and not yet
// known to be stored.
func (s *Service) pendingKeyUse(id string) (keyUse, bool) {
	u := &s.uses
	u.mu.Lock()
	defer u.mu.Unlock()
	a, okA := u.noted[id]
	b, okB := u.writing[id]
	switch {
	case okA && (!okB || a.at.After(b.at)):
		return a, true
	case okB:
		return b, true
	}
	return keyUse{}, false
}

// WaitKeyUses waits until every noted use of an access key is stored, or
// ctx ends.
func (s *Service) WaitKeyUses(ctx context.Context) error {
	u := &s.uses
	u.mu.Lock()
	running, done := u.running, u.idleDone
	u.mu.Unlock()
	if !running {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
