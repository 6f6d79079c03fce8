// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Fleet is what Run Command needs of the fleet: its instances and their
// presence.
type Fleet interface {
	// ListInstances returns the account's instances f selects.
	ListInstances(ctx context.Context, f fleet.InstanceFilter) ([]*fleet.Instance, error)
	// OnlineSince is the time after which a last ping means Online.
	OnlineSince() time.Time
	// ARN returns an instance's ARN.
	ARN(id fleet.InstanceID) string
}

// Groups resolves the resource groups that commands target
// (resource-groups:Name).
type Groups interface {
	// Resolve returns the IDs of the managed instances in a group (a name
	// or an ARN). A missing group is an error of kind awserr.NotFound.
	Resolve(ctx context.Context, name string) ([]string, error)
}

// Blobs is the object store where the whole output of commands is kept.
type Blobs interface {
	// Put stores body (size bytes, or -1 when unknown) under bucket and
	// key, replacing what is there, once complete.
	Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error
	// Get returns an object; a missing one is an error of kind
	// awserr.NotFound.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, bucket, key string) error
	// URL returns where a user finds an object.
	URL(bucket, key string) string
}

// References reads the Parameter Store values documents reference:
// "ssm:name", "ssm:name:version" and "ssm-secure:name".
type References interface {
	// Check returns an error unless the parameter ref names exists and the
	// caller in ctx may read it (and decrypt it, for ssm-secure).
	Check(ctx context.Context, ref string) error
	// Resolve returns the value ref names, read by the server for a
	// command whose sender was checked.
	Resolve(ctx context.Context, ref string) (string, error)
}

// Config configures a Service.
type Config struct {
	Store      Store
	Fleet      Fleet
	Groups     Groups     // nil: resource-groups targets are refused
	Blobs      Blobs      // where whole outputs are kept
	References References // nil: Parameter Store references are refused
	Account    string
	Region     string
	// OutputBucket holds the whole output of commands sent without an
	// OutputS3BucketName; empty means DefaultOutputBucket.
	OutputBucket string
	// Authorize checks that the caller in ctx may perform action on the
	// resources (the instances a command's Targets resolve to); nil
	// allows everything.
	Authorize func(ctx context.Context, action string, resources []iam.Resource) error
	// Audit records the commands the server sends on its own (State
	// Manager runs, compliance rules' actions); nil records nothing.
	Audit  func(ctx context.Context, ev audit.Event) error
	Logger *slog.Logger
	Now    func() time.Time
}

// DefaultOutputBucket holds the output of commands that name no bucket.
const DefaultOutputBucket = "kanri-command-output"

// Service is Run Command: documents, commands and their dispatch. It is
// safe for concurrent use.
type Service struct {
	store        Store
	fleet        Fleet
	groups       Groups
	blobs        Blobs
	refs         References
	account      string
	region       string
	outputBucket string
	authorize    func(ctx context.Context, action string, resources []iam.Resource) error
	audit        func(ctx context.Context, ev audit.Event) error
	log          *slog.Logger
	now          func() time.Time

	// kick wakes this server's dispatcher when a command arrives.
	kick chan struct{}
	// nc is the bus connection while Run runs.
	nc atomic.Pointer[nats.Conn]
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, fleet: cfg.Fleet, groups: cfg.Groups, blobs: cfg.Blobs, refs: cfg.References, account: cfg.Account, region: cfg.Region,
		outputBucket: cfg.OutputBucket, authorize: cfg.Authorize, audit: cfg.Audit, log: cfg.Logger, now: cfg.Now,
		kick: make(chan struct{}, 1),
	}
	if s.outputBucket == "" {
		s.outputBucket = DefaultOutputBucket
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.authorize == nil {
		s.authorize = func(context.Context, string, []iam.Resource) error { return nil }
	}
	if s.audit == nil {
		s.audit = func(context.Context, audit.Event) error { return nil }
	}
	return s
}

// DocumentARN returns the ARN of a document of the account, or of a
// built-in document (which has no account).
func (s *Service) DocumentARN(name string) string {
	if isBuiltinName(name) {
		return "arn:aws:ssm:" + s.region + "::document/" + name
	}
	return "arn:aws:ssm:" + s.region + ":" + s.account + ":document/" + name
}

// wake asks this server's dispatcher to look for work now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// encodeToken and decodeToken turn a listing position into an opaque
// NextToken and back.
func encodeToken(parts ...string) string {
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(token string, n int) ([]string, error) {
	if token == "" {
		return make([]string, n), nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	var parts []string
	start := 0
	for i, c := range b {
		if c == 0 {
			parts = append(parts, string(b[start:i]))
			start = i + 1
		}
	}
	parts = append(parts, string(b[start:]))
	if len(parts) != n {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	return parts, nil
}
