// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"cmp"
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kanri-dev/kanri/internal/command"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Commands is what State Manager needs of Run Command: associations run
// their documents as commands.
type Commands interface {
	// CheckRun checks that a document version exists, is a Command
	// document and takes the parameters, as SendCommand would.
	CheckRun(ctx context.Context, name, version string, parameters map[string][]string) error
	// TargetInstances returns the IDs of the instances targets select,
	// ordered; none is not an error, a target that is not valid is.
	TargetInstances(ctx context.Context, targets []*ssm.Target) ([]string, error)
	// SendCommandWithID sends a command with the given ID; with the ID of
	// a command already sent, it sends nothing and returns an error of
	// kind awserr.Exists.
	SendCommandWithID(ctx context.Context, id string, in *ssm.SendCommandInput) (*ssm.SendCommandOutput, error)
	// Command returns a command of the account, with its counters.
	Command(ctx context.Context, commandID string) (*command.Command, error)
	// Progress returns a command of the account and its invocations.
	Progress(ctx context.Context, commandID string) (*command.Command, []*command.Invocation, error)
	// GetDocument returns a version of a document, as SSM's GetDocument.
	GetDocument(ctx context.Context, in *ssm.GetDocumentInput) (*ssm.GetDocumentOutput, error)
	// ListCommandInvocations lists invocations, as SSM's
	// ListCommandInvocations.
	ListCommandInvocations(ctx context.Context, in *ssm.ListCommandInvocationsInput) (*ssm.ListCommandInvocationsOutput, error)
	// OutputURL returns the URL of the folder holding a command's
	// outputs on an instance in the bucket its sender named, or "".
	OutputURL(c *command.Command, instanceID string) string
}

// Timing is the scheduler's clock and pace. Its zero value is the
// defaults.
type Timing struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Poll is how often the scheduler looks for due runs and follows
	// running executions; zero means DefaultPoll.
	Poll time.Duration
	// CheckTargets is how often an association's targets are resolved
	// again, to run it on instances that came to match them; zero means
	// DefaultCheckTargets.
	CheckTargets time.Duration
}

// Scheduler defaults.
const (
	DefaultPoll         = time.Second
	DefaultCheckTargets = 10 * time.Second
	// sendLease is how long a server that claimed a run has to send its
	// command before another server may send it instead.
	sendLease = time.Minute
	// refollow is how long an execution whose command's counters did not
	// change goes before its invocations are read again.
	refollow = 30 * time.Second
)

// Config configures a Service.
type Config struct {
	Store    Store
	Commands Commands
	Account  string
	Region   string
	Timing   Timing
	Logger   *slog.Logger
}

// Service is State Manager: associations, their versions and
// executions, and the scheduler that runs them. It is safe for
// concurrent use.
type Service struct {
	store        Store
	commands     Commands
	account      string
	region       string
	now          func() time.Time
	poll         time.Duration
	checkTargets time.Duration
	log          *slog.Logger

	// kick wakes this server's scheduler when a run is asked for.
	kick chan struct{}

	mu sync.Mutex
	// followed is, by running execution, its command as this server last
	// copied its status: a cache, so that the invocations are read only
	// when the command changed (or a while later, for the counts of those
	// running).
	followed map[string]followMark
}

// followMark is when an execution was last brought up to date with its
// command, and the command's counters then.
type followMark struct {
	counters string
	at       time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, commands: cfg.Commands, account: cfg.Account, region: cfg.Region,
		now: cfg.Timing.Now, poll: cfg.Timing.Poll, checkTargets: cfg.Timing.CheckTargets, log: cfg.Logger,
		kick: make(chan struct{}, 1), followed: map[string]followMark{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.poll <= 0 {
		s.poll = DefaultPoll
	}
	if s.checkTargets <= 0 {
		s.checkTargets = DefaultCheckTargets
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// ARN returns the ARN of an association of the account.
func (s *Service) ARN(id string) string {
	return "arn:aws:ssm:" + s.region + ":" + s.account + ":association/" + id
}

// clock returns the time now, in UTC to the millisecond as stored.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// wake asks this server's scheduler to look for work now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// encodeToken and decodeToken turn a listing position into an opaque
// NextToken and back.
func encodeToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

func decodeToken(token string, n int) ([]string, error) {
	if token == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	parts := strings.Split(string(b), "\x00")
	if err != nil || len(parts) != n {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	return parts, nil
}

// cursor is a position in a listing ordered by time, then ID.
type cursor struct {
	at int64 // unix milliseconds
	id string
}

// encodeCursor returns the NextToken of a listing that continues after
// the item of time at and ID id.
func encodeCursor(at time.Time, id string) string {
	return encodeToken(strconv.FormatInt(at.UnixMilli(), 10), id)
}

// decodeCursor reads a NextToken made by encodeCursor; "" is nil.
func decodeCursor(token string) (*cursor, error) {
	parts, err := decodeToken(token, 2)
	if err != nil || parts == nil {
		return nil, err
	}
	at, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	return &cursor{at: at, id: parts[1]}, nil
}

// compare orders the cursor against an item of time at and ID id: -1 if
// the cursor is before it, 0 if it is the item, +1 if after it.
func (c *cursor) compare(at time.Time, id string) int {
	return cmp.Or(cmp.Compare(c.at, at.UnixMilli()), cmp.Compare(c.id, id))
}

// pageSize returns MaxResults, or the default of 50.
func pageSize(max *int32) int {
	if max == nil {
		return 50
	}
	return int(*max)
}
