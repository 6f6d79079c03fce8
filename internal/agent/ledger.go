// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// The invocation ledger remembers every invocation the agent received, so
// that none runs twice, even across restarts.
const (
	// ledgerDir is the state dir's subdirectory that holds the ledger.
	ledgerDir = "invocations"
	// ledgerRetention is how long the ledger remembers an ended
	// invocation.
	ledgerRetention = 14 * 24 * time.Hour
	// ledgerPruneInterval is how often ended invocations are pruned.
	ledgerPruneInterval = time.Hour
)

// Ledger states of an invocation, in order; each names the extension of
// the invocation's file.
const (
	stateQueued   = "queued"   // received, not started: the entry holds the Command
	stateRunning  = "running"  // started: the entry holds the Command
	stateEnded    = "ended"    // ended: the entry holds the final Result
	stateReported = "reported" // ended, and the Result was published
)

// stateRank orders the states; 0 is no state.
func stateRank(state string) int {
	switch state {
	case stateQueued:
		return 1
	case stateRunning:
		return 2
	case stateEnded:
		return 3
	case stateReported:
		return 4
	}
	return 0
}

// ledgerEntry is what the ledger keeps of an invocation.
type ledgerEntry struct {
	InvocationID string                       `json:"InvocationId"`
	CommandID    string                       `json:"CommandId"`
	ReceivedAt   time.Time                    `json:"ReceivedAt"`
	StartedAt    time.Time                    `json:"StartedAt,omitzero"`
	Command      *agentproto.Command          `json:"Command,omitempty"`
	Result       *agentproto.InvocationResult `json:"Result,omitempty"`

	State string `json:"-"`
}

// ledger is the invocation ledger: a directory with a file per invocation,
// named after a hash of its ID and its state (<hash>.<state>), mode 0600.
// Recording a received or started invocation is synced to disk before it
// returns; ended ones are pruned after ledgerRetention. It is safe for
// concurrent use.
type ledger struct {
	dir string
	now func() time.Time
	log *slog.Logger

	// mu serializes the ledger's file operations and guards the fields.
	mu        sync.Mutex
	states    map[string]string // by key
	lastPrune time.Time
}

// ledgerKey names the files of the invocation id.
func ledgerKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// openLedger opens the ledger in dir, creating it, prunes it, and returns
// the entries not reported yet (queued, running and ended ones).
func openLedger(dir string, now func() time.Time, log *slog.Logger) (*ledger, []*ledgerEntry, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("invocation ledger: %w", err)
	}
	l := &ledger{dir: dir, now: now, log: log, states: map[string]string{}}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("invocation ledger: %w", err)
	}
	// A key may have files of two states after a crash; the later one
	// holds.
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".tmp-") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		key, state, _ := strings.Cut(name, ".")
		if stateRank(state) > stateRank(l.states[key]) {
			l.states[key] = state
		}
	}
	for _, de := range des {
		key, state, _ := strings.Cut(de.Name(), ".")
		if best, ok := l.states[key]; ok && state != best {
			os.Remove(filepath.Join(dir, de.Name()))
		}
	}
	l.mu.Lock()
	l.pruneLocked()
	var open []*ledgerEntry
	for key, state := range l.states {
		if state == stateReported {
			continue
		}
		e, err := l.readLocked(key, state)
		if err != nil {
			// The key still counts as received.
			log.Error("read invocation ledger entry", "file", key+"."+state, "err", err)
			continue
		}
		open = append(open, e)
	}
	l.mu.Unlock()
	return l, open, nil
}

// state returns the state of the invocation id; "" if it was never
// received.
func (l *ledger) state(id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.states[ledgerKey(id)]
}

// receive records a received command, queued, unless the ledger knows it
// already (fs.ErrExist). The record is on disk when it returns.
func (l *ledger) receive(cmd *agentproto.Command, at time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.lastPrune) >= ledgerPruneInterval {
		l.pruneLocked()
	}
	key := ledgerKey(cmd.InvocationID)
	if _, ok := l.states[key]; ok {
		return fmt.Errorf("invocation %s: %w", cmd.InvocationID, fs.ErrExist)
	}
	e := ledgerEntry{InvocationID: cmd.InvocationID, CommandID: cmd.CommandID, ReceivedAt: at, Command: cmd}
	b, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	if err := createSynced(filepath.Join(l.dir, key+"."+stateQueued), b); err != nil {
		return fmt.Errorf("record invocation %s: %w", cmd.InvocationID, err)
	}
	l.states[key] = stateQueued
	return nil
}

// start records that a queued invocation starts. The record is on disk
// when it returns.
func (l *ledger) start(e *ledgerEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(e.InvocationID)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(l.dir, key+"."+stateRunning), b); err != nil {
		return fmt.Errorf("record start of invocation %s: %w", e.InvocationID, err)
	}
	if err := syncDir(l.dir); err != nil {
		return fmt.Errorf("record start of invocation %s: %w", e.InvocationID, err)
	}
	os.Remove(filepath.Join(l.dir, key+"."+stateQueued))
	l.states[key] = stateRunning
	return nil
}

// end records the final result of an invocation, received or not.
func (l *ledger) end(e *ledgerEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(e.InvocationID)
	ended := *e
	ended.Command = nil
	b, err := json.Marshal(&ended)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(l.dir, key+"."+stateEnded), b); err != nil {
		return fmt.Errorf("record result of invocation %s: %w", e.InvocationID, err)
	}
	os.Remove(filepath.Join(l.dir, key+"."+stateQueued))
	os.Remove(filepath.Join(l.dir, key+"."+stateRunning))
	l.states[key] = stateEnded
	return nil
}

// reported records that the final result of an ended invocation was
// published.
func (l *ledger) reported(id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(id)
	if l.states[key] != stateEnded {
		return nil
	}
	if err := os.Rename(filepath.Join(l.dir, key+"."+stateEnded), filepath.Join(l.dir, key+"."+stateReported)); err != nil {
		return fmt.Errorf("record report of invocation %s: %w", id, err)
	}
	l.states[key] = stateReported
	return nil
}

// result returns the final result of an ended invocation.
func (l *ledger) result(id string) (*agentproto.InvocationResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(id)
	state := l.states[key]
	if state != stateEnded && state != stateReported {
		return nil, fmt.Errorf("invocation %s has not ended", id)
	}
	e, err := l.readLocked(key, state)
	if err != nil {
		return nil, err
	}
	if e.Result == nil {
		return nil, fmt.Errorf("invocation %s: no result in the ledger", id)
	}
	return e.Result, nil
}

func (l *ledger) readLocked(key, state string) (*ledgerEntry, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, key+"."+state))
	if err != nil {
		return nil, err
	}
	var e ledgerEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("ledger entry %s.%s: %w", key, state, err)
	}
	e.State = state
	return &e, nil
}

// pruneLocked forgets the ended invocations whose files were last written
// more than ledgerRetention ago. Queued and running ones are kept.
func (l *ledger) pruneLocked() {
	l.lastPrune = time.Now()
	des, err := os.ReadDir(l.dir)
	if err != nil {
		l.log.Warn("prune invocation ledger", "err", err)
		return
	}
	cutoff := l.now().Add(-ledgerRetention)
	n := 0
	for _, de := range des {
		key, state, _ := strings.Cut(de.Name(), ".")
		if state != stateEnded && state != stateReported {
			continue
		}
		fi, err := de.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(l.dir, de.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("prune invocation ledger", "err", err)
			continue
		}
		delete(l.states, key)
		n++
	}
	if n > 0 {
		l.log.Debug("pruned invocation ledger", "entries", n)
	}
}

// createSynced creates path, which must not exist, with data, mode 0600,
// and syncs it and its directory.
func createSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes the entries of dir durable. Windows has no such call: its
// file systems journal them.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
