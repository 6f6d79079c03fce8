// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nkeys"
)

// Files of the state dir. The install scripts test for registrationFile to
// skip registering again.
const (
	keyFile          = "agent.key"         // the agent's NKEY seed
	registrationFile = "registration.json" // State
	statusFile       = "status.json"       // runStatus, written by Run
	scriptDir        = "scripts"           // the scripts of running command steps
)

// State is the registration the state dir holds: who the agent is and
// where it connects. It holds no secret: the key's seed is kept apart, and
// BusJWT is useless without it (and left out of logs all the same).
type State struct {
	InstanceID string `json:"InstanceId"`
	Account    string `json:"Account"`
	Region     string `json:"Region"`
	// Endpoint is the URL of the kanri server the agent registered with;
	// it asks it for credentials.
	Endpoint         string    `json:"Endpoint"`
	BusURLs          []string  `json:"BusURLs"`
	BusJWT           string    `json:"BusJWT"`
	HeartbeatSeconds int       `json:"HeartbeatSeconds"`
	PublicKey        string    `json:"PublicKey"` // the agent key's public half
	RegisteredAt     time.Time `json:"RegisteredAt"`
}

// LogValue leaves BusJWT out of logs.
func (s State) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("instance_id", s.InstanceID),
		slog.String("account", s.Account),
		slog.String("region", s.Region),
		slog.String("endpoint", s.Endpoint),
		slog.Any("bus_urls", s.BusURLs),
	)
}

// validInstanceID reports whether id can name an instance's subjects and
// files: non-empty, without subject separators, wildcards or spaces.
func validInstanceID(id string) bool {
	return id != "" && len(id) <= 64 && !strings.ContainsAny(id, ".*> \t\r\n/\\")
}

// check reports what makes a registration unusable.
func (s *State) check() error {
	switch {
	case !validInstanceID(s.InstanceID):
		return fmt.Errorf("invalid instance ID %q", s.InstanceID)
	case len(s.BusURLs) == 0:
		return errors.New("no bus URLs")
	case s.BusJWT == "":
		return errors.New("no bus JWT")
	case !nkeys.IsValidPublicUserKey(s.PublicKey):
		return errors.New("no valid public key")
	case s.Endpoint == "":
		return errors.New("no endpoint")
	}
	return nil
}

// heartbeatInterval returns how often the agent sends heartbeats.
func heartbeatInterval(s *State) time.Duration {
	if s.HeartbeatSeconds <= 0 {
		return 30 * time.Second
	}
	return time.Duration(s.HeartbeatSeconds) * time.Second
}

// loadState reads the state dir's registration; ErrNotRegistered when
// there is none.
func loadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, registrationFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (no %s in %s)", ErrNotRegistered, registrationFile, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read registration: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read registration %s: %w", filepath.Join(dir, registrationFile), err)
	}
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("registration %s: %w", filepath.Join(dir, registrationFile), err)
	}
	return &st, nil
}

// loadKey reads the agent's key and checks it is the registered one.
func loadKey(dir string, st *State) (nkeys.KeyPair, error) {
	seed, err := os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, fmt.Errorf("read agent key: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return nil, fmt.Errorf("agent key %s: %w", filepath.Join(dir, keyFile), err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("agent key: %w", err)
	}
	if pub != st.PublicKey {
		return nil, fmt.Errorf("agent key %s is not the registered key of %s: register again with --force", filepath.Join(dir, keyFile), st.InstanceID)
	}
	return kp, nil
}

// saveRegistration writes the key and then the registration, each
// atomically. The registration is written last: it is what makes the
// state dir registered.
func saveRegistration(dir string, seed []byte, st *State) error {
	if err := makeStateDir(dir); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, keyFile), seed); err != nil {
		return fmt.Errorf("write agent key: %w", err)
	}
	// The previous registration's status is not this one's.
	os.Remove(filepath.Join(dir, statusFile))
	return saveState(dir, st)
}

// saveState writes the registration atomically.
func saveState(dir string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, registrationFile), append(b, '\n')); err != nil {
		return fmt.Errorf("write registration: %w", err)
	}
	return nil
}

// runStatus is what Run records in the state dir for `kanri agent status`
// in another process.
type runStatus struct {
	InstanceID    string    `json:"InstanceId"`
	Connected     bool      `json:"Connected"`
	LastHeartbeat time.Time `json:"LastHeartbeat"`
}

func saveRunStatus(dir string, s Status) error {
	b, err := json.Marshal(runStatus{InstanceID: s.InstanceID, Connected: s.Connected, LastHeartbeat: s.LastHeartbeat})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, statusFile), b)
}

func loadRunStatus(dir string) (*runStatus, error) {
	b, err := os.ReadFile(filepath.Join(dir, statusFile))
	if err != nil {
		return nil, err
	}
	var rs runStatus
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, err
	}
	return &rs, nil
}

// makeStateDir creates the state dir, readable by its owner only.
func makeStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	if err := restrictDir(dir); err != nil {
		return fmt.Errorf("restrict state dir %s: %w", dir, err)
	}
	return nil
}

// writeFileAtomic replaces path with data, mode 0600: a reader sees the old
// file or the new one, never a part.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	// os.CreateTemp creates the file with mode 0600.
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
