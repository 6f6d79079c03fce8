// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
)

// Limits and pace of inventory rules.
const (
	// MaxRules is the number of inventory rules an account may have.
	MaxRules = 100
	// SweepBatch is the number of instances one transaction of a sweep
	// evaluates.
	SweepBatch = 100
	// DefaultPoll is how often a server looks for sweeps to take over
	// when nothing wakes it.
	DefaultPoll = 5 * time.Second
	// DefaultPendingAfter is how long after its claim a rule's action
	// still Pending is taken to be lost with its server and sent by any.
	DefaultPendingAfter = time.Minute
	// sweepLease is how long a server that works on a sweep has before
	// another server may take it over.
	sweepLease = time.Minute
)

// Timing is the clock and pace of rule evaluation. Its zero value is the
// defaults.
type Timing struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Poll is how often sweeps are looked for; zero means DefaultPoll.
	Poll time.Duration
	// PendingAfter is how long after its claim an action still Pending is
	// sent by any server; zero means DefaultPendingAfter.
	PendingAfter time.Duration
}

// Config configures a Service.
type Config struct {
	Store     Store
	Inventory Inventory
	Commands  Commands
	Instances Instances
	Account   string
	Region    string
	// AuthorizeAction checks that the caller in ctx may run a document on
	// instances, as a rule's action will (with the server's identity);
	// nil allows everything.
	AuthorizeAction func(ctx context.Context, documentName string, instanceIDs []string) error
	// CallerInstance returns the managed instance whose role credentials
	// sign the request in ctx ("" for other callers); nil: none is.
	CallerInstance func(ctx context.Context) string
	Timing         Timing
	Logger         *slog.Logger
}

// Service is compliance: inventory rules and the compliance items of the
// account. It is safe for concurrent use.
type Service struct {
	store           Store
	inv             Inventory
	commands        Commands
	instances       Instances
	account         string
	region          string
	authorizeAction func(ctx context.Context, documentName string, instanceIDs []string) error
	callerInstance  func(ctx context.Context) string
	now             func() time.Time
	poll            time.Duration
	pendingAfter    time.Duration
	log             *slog.Logger

	// kick wakes this server's sweeper when a rule is put.
	kick chan struct{}
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, inv: cfg.Inventory, commands: cfg.Commands, instances: cfg.Instances, account: cfg.Account, region: cfg.Region,
		authorizeAction: cfg.AuthorizeAction, callerInstance: cfg.CallerInstance, now: cfg.Timing.Now, poll: cfg.Timing.Poll,
		pendingAfter: cfg.Timing.PendingAfter, log: cfg.Logger, kick: make(chan struct{}, 1),
	}
	if s.authorizeAction == nil {
		s.authorizeAction = func(context.Context, string, []string) error { return nil }
	}
	if s.callerInstance == nil {
		s.callerInstance = func(context.Context) string { return "" }
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.poll <= 0 {
		s.poll = DefaultPoll
	}
	if s.pendingAfter <= 0 {
		s.pendingAfter = DefaultPendingAfter
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// RuleARN returns the ARN of an inventory rule of the account, the
// resource of the kanri:…InventoryRule actions.
func (s *Service) RuleARN(name string) string {
	return "arn:aws:kanri:" + s.region + ":" + s.account + ":inventory-rule/" + name
}

// clock returns the time now, in UTC to the millisecond as stored.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// wake asks this server's sweeper to look for work now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run evaluates rules until ctx ends: every server runs it, and they share
// the sweeps of rules through the database. It returns when ctx ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		s.sweepDue(ctx)
		s.resendPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// serverContext returns ctx without its caller or its cancellation: the
// server's own work, done once begun whatever becomes of the request that
// started it, and authorized as the server's (a rule's action runs with
// the authority of the rule's author, checked when the rule was put, not
// of the instance whose inventory report triggered it).
func serverContext(ctx context.Context) context.Context {
	return iam.WithCaller(context.WithoutCancel(ctx), nil)
}

// logError logs a failure of work done for no request, unless the server
// is stopping.
func (s *Service) logError(ctx context.Context, msg string, err error, attrs ...any) {
	if ctx.Err() == nil {
		s.log.Error(msg, append(attrs, "err", err)...)
	}
}

// encodeToken and decodeToken turn a listing position into an opaque
// NextToken and back; ok is false for a token not made by encodeToken with
// n parts.
func encodeToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

func decodeToken(token string, n int) (parts []string, ok bool) {
	if token == "" {
		return make([]string, n), true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	parts = strings.Split(string(b), "\x00")
	if err != nil || len(parts) != n {
		return nil, false
	}
	return parts, true
}

// pageSize returns MaxResults, or the default of 50.
func pageSize(max *int32) int {
	if max == nil {
		return 50
	}
	return int(*max)
}
