// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package agent is the kanri agent that runs on every managed server: it
// registers the server with an activation, keeps its identity (its own NKEY
// key pair, whose seed never leaves the state dir) and registration in the
// state dir, stays connected to the agent bus with heartbeats, and hands out
// the instance role's temporary credentials. The agent only ever dials out:
// HTTPS to a kanri server (agentproto.PathRegister, PathCredentials) and NATS
// to the agent bus. It runs the commands the servers send over the bus
// (Run Command), each at most once, as SSM's agent runs them.
//
// It also owns how the agent is installed: the systemd unit and Windows
// service (InstallService, RunService) and the install scripts a kanri
// server serves (InstallScript).
package agent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// Errors of the agent, checked with errors.Is.
var (
	// ErrNotRegistered is returned by Run and Credentials when the state
	// dir holds no registration.
	ErrNotRegistered = errors.New("agent is not registered")
	// ErrAlreadyRegistered is returned by Register when the state dir
	// already holds a registration and RegisterOptions.Force is not set.
	ErrAlreadyRegistered = errors.New("agent is already registered")
	// ErrDeregistered is returned by Run (and Credentials) when the servers
	// no longer know the instance: the bus revoked its key, or the
	// credentials endpoint answered agentproto.CodeInstanceNotRegistered.
	// Only registering again (with Force) helps.
	ErrDeregistered = errors.New("instance is deregistered")
)

// DefaultStateDir returns the agent's state directory on this system:
// %ProgramData%\kanri-agent on Windows, /var/lib/kanri-agent elsewhere.
func DefaultStateDir() string {
	if runtime.GOOS == "windows" {
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "kanri-agent")
	}
	return "/var/lib/kanri-agent"
}

// Config configures an Agent. The zero value is usable: the default state
// dir, a default HTTP client, no logging, the real clock and this machine's
// facts.
type Config struct {
	// StateDir keeps the agent's key and registration; "" means
	// DefaultStateDir(). It is created with mode 0700, its files 0600.
	StateDir string
	// HTTPClient calls the kanri server; nil means a client with a 30 s
	// timeout.
	HTTPClient *http.Client
	// Logger receives the agent's log; nil discards it.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Facts describes the server the agent runs on; nil means this
	// machine's facts (see DefaultFacts).
	Facts func(ctx context.Context) (agentproto.Facts, error)
	// TrimMemory makes Run give back, once connected, the memory only
	// start-up used (for an agent that is the only thing its process runs).
	TrimMemory bool
	// MaxConcurrentCommands is how many command invocations run at once;
	// the agent queues the others. 0 means 4.
	MaxConcurrentCommands int
	// Executor runs the steps of commands; nil means running each step as
	// a script, as SSM's agent does (aws:runShellScript with /bin/sh,
	// aws:runPowerShellScript with PowerShell), in a process group of its
	// own.
	Executor Executor
	// JavaSearchPaths are directories the inventory searches for Java
	// installations besides the usual ones (JAVA_HOME, alternatives,
	// /usr/lib/jvm, /opt).
	JavaSearchPaths []string
	// CustomInventoryDir holds custom inventory (Custom:* types, one
	// *.json file each); "" means StateDir/inventory/custom.
	CustomInventoryDir string
}

// Agent is the kanri agent of one state dir. Its methods are safe for
// concurrent use, except that Register must not run concurrently with Run,
// and Run runs at most once at a time.
type Agent struct {
	dir   string
	http  *http.Client
	log   *slog.Logger
	now   func() time.Time
	facts func(ctx context.Context) (agentproto.Facts, error)
	trim  bool
	// exec runs command steps, at most maxCommands invocations at once.
	exec        Executor
	maxCommands int
	// javaPaths and customDir configure inventory.
	javaPaths []string
	customDir string

	trimOnce sync.Once
	running  atomic.Bool
	// credSem serializes fetching credentials (a lock that honors ctx).
	credSem chan struct{}

	mu sync.Mutex
	// st and kp are the loaded registration and key, nil until loaded.
	st *State
	kp nkeys.KeyPair
	// cred is the cached role credentials, valid when credOK, to be
	// refreshed from credRefreshAt.
	cred          aws.Credentials
	credOK        bool
	credRefreshAt time.Time
	// status is what Run reports while it runs.
	status Status
}

// New returns an agent configured by cfg. It does no I/O.
func New(cfg Config) *Agent {
	a := &Agent{
		dir:         cfg.StateDir,
		http:        cfg.HTTPClient,
		log:         cfg.Logger,
		now:         cfg.Now,
		facts:       cfg.Facts,
		trim:        cfg.TrimMemory,
		exec:        cfg.Executor,
		javaPaths:   cfg.JavaSearchPaths,
		customDir:   cfg.CustomInventoryDir,
		maxCommands: cfg.MaxConcurrentCommands,
		credSem:     make(chan struct{}, 1),
	}
	if a.dir == "" {
		a.dir = DefaultStateDir()
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: 30 * time.Second}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.facts == nil {
		a.facts = DefaultFacts
	}
	if a.exec == nil {
		a.exec = processExecutor{dir: filepath.Join(a.dir, scriptDir)}
	}
	if a.maxCommands <= 0 {
		a.maxCommands = defaultMaxConcurrentCommands
	}
	return a
}

// StateDir returns the agent's state directory.
func (a *Agent) StateDir() string { return a.dir }

// Close releases the agent's idle HTTP connections. Run needs no Close:
// it has finished everything it started when it returns.
func (a *Agent) Close() error {
	a.http.CloseIdleConnections()
	return nil
}

// Status is the agent's state as `kanri agent status` shows it.
type Status struct {
	InstanceID string
	Registered bool
	// Connected reports whether the agent is connected to the bus.
	Connected bool
	// LastHeartbeat is when the agent last published a heartbeat.
	LastHeartbeat time.Time
}

// Status reports whether the agent is registered and, if Run is running in
// this process or in another one on the same state dir, whether it is
// connected and when it last sent a heartbeat. Another process's report
// counts as connected only while its heartbeats are recent.
func (a *Agent) Status() (Status, error) {
	if a.running.Load() {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.status, nil
	}
	st, err := loadState(a.dir)
	if errors.Is(err, ErrNotRegistered) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	s := Status{InstanceID: st.InstanceID, Registered: true}
	rs, err := loadRunStatus(a.dir)
	if err != nil || rs.InstanceID != st.InstanceID {
		return s, nil
	}
	s.LastHeartbeat = rs.LastHeartbeat
	stale := 3 * heartbeatInterval(st)
	s.Connected = rs.Connected && a.now().Sub(rs.LastHeartbeat) <= stale
	return s, nil
}

// setStatus updates the status Run reports and records it in the state
// dir for other processes; a failure to record it is only logged.
func (a *Agent) setStatus(f func(s *Status)) {
	a.mu.Lock()
	f(&a.status)
	s := a.status
	a.mu.Unlock()
	if err := saveRunStatus(a.dir, s); err != nil {
		a.log.Debug("record agent status", "err", err)
	}
}
