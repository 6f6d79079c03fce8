// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"time"
)

// Document is an SSM document of an account ("Self") with its version
// counters. Built-in documents ("Amazon") are not stored.
type Document struct {
	Account        string
	Name           string
	DocumentType   string // Command, Session, …
	TargetType     string
	LatestVersion  int
	DefaultVersion int
	Tags           map[string]string
	CreateDate     time.Time
}

// DocumentVersion is one version of a document's content.
type DocumentVersion struct {
	Account       string
	Name          string
	Version       int
	VersionName   string
	Format        string // JSON or YAML
	Content       string
	Hash          string // hex SHA-256 of Content
	Description   string
	SchemaVersion string
	PlatformTypes []string
	// Parameters is the JSON of the document's parameters, as
	// DescribeDocument reports them.
	Parameters string
	CreateDate time.Time
}

// Command is a request to run a document on instances.
type Command struct {
	ID              string
	Account         string
	DocumentName    string
	DocumentVersion string // the version it runs ("1", "2", …)
	DocumentHash    string
	Comment         string
	// Parameters are the request's parameters as given (Parameter Store
	// references unresolved: they are resolved when dispatched).
	Parameters            map[string][]string
	Targets               string // JSON of the request's Targets, for ListCommands
	RequestedAt           time.Time
	ExpiresAt             time.Time // the delivery deadline
	TimeoutSeconds        int
	MaxConcurrency        string
	MaxErrors             string
	OutputBucket          string
	OutputPrefix          string
	ServiceRole           string
	Notification          string // JSON of NotificationConfig
	RequestedBy           string // the caller's ARN
	Status                string
	StatusDetails         string
	TargetCount           int
	CompletedCount        int
	ErrorCount            int
	DeliveryTimedOutCount int
}

// Invocation is a command on one instance.
type Invocation struct {
	CommandID     string
	InstanceID    string
	InstanceName  string
	Status        string
	StatusDetails string
	RequestedAt   time.Time
	DispatchedAt  time.Time // zero until sent
	Attempts      int
	StartedAt     time.Time
	EndedAt       time.Time
	ResponseCode  int
	// Plugins is the JSON of the steps' results (agentproto.StepResult).
	Plugins string
}

// CommandFilter selects commands for ListCommands.
type CommandFilter struct {
	CommandID                   string
	InstanceID                  string // commands with an invocation on this instance
	Status                      string
	StatusDetails               string
	DocumentName                string
	InvokedAfter, InvokedBefore time.Time
	// After continues a listing (newest first) after this command.
	After string
	Limit int
}

// InvocationFilter selects invocations for ListCommandInvocations.
type InvocationFilter struct {
	CommandID                   string
	InstanceID                  string
	Status                      string
	StatusDetails               string
	DocumentName                string
	InvokedAfter, InvokedBefore time.Time
	// After continues a listing (by command, newest first, then instance)
	// after this command ID and instance ID.
	AfterCommand, AfterInstance string
	Limit                       int
}

// Claim is what the dispatcher may send now for a command.
type Claim struct {
	Command     *Command
	Invocations []*Invocation // claimed: now InProgress, to send
}

// Store is the storage Run Command needs. Every method is one
// transaction.
type Store interface {
	// CreateDocument stores a new document with its first version.
	CreateDocument(ctx context.Context, d *Document, v *DocumentVersion) error
	GetDocument(ctx context.Context, account, name string) (*Document, error)
	ListDocuments(ctx context.Context, account, after string, limit int) ([]*Document, error)
	// AddDocumentVersion stores the next version (LatestVersion+1) of a
	// document, refusing a content equal to the latest's (Exists).
	AddDocumentVersion(ctx context.Context, v *DocumentVersion) (*Document, error)
	GetDocumentVersion(ctx context.Context, account, name string, version int) (*DocumentVersion, error)
	GetDocumentVersionByName(ctx context.Context, account, name, versionName string) (*DocumentVersion, error)
	ListDocumentVersions(ctx context.Context, account, name string) ([]*DocumentVersion, error)
	SetDefaultDocumentVersion(ctx context.Context, account, name string, version int) error
	SetDocumentTags(ctx context.Context, account, name string, tags map[string]string) error
	DeleteDocument(ctx context.Context, account, name string) error
	// DeleteDocumentVersion deletes one version of a document, not its
	// default one (Conflict).
	DeleteDocumentVersion(ctx context.Context, account, name string, version int) error

	// CreateCommand stores a command and its invocations (Pending).
	CreateCommand(ctx context.Context, c *Command, invs []*Invocation) error
	GetCommand(ctx context.Context, id string) (*Command, error)
	ListCommands(ctx context.Context, account string, f CommandFilter) ([]*Command, error)
	GetInvocation(ctx context.Context, commandID, instanceID string) (*Invocation, error)
	ListInvocations(ctx context.Context, account string, f InvocationFilter) ([]*Invocation, error)
	// ActiveCommands returns the IDs of commands not in a terminal state.
	ActiveCommands(ctx context.Context) ([]string, error)

	// ClaimInvocations takes, for one command, the invocations that may be
	// sent now and marks them InProgress (DispatchedAt = now, Attempts+1):
	// Pending ones, and Delayed ones last tried before retryBefore, of
	// instances whose last ping (fleet_instances.last_ping_at) is at or
	// after onlineSince — at most capacity(command, in flight) of them,
	// where in flight counts the command's InProgress and Delayed
	// invocations. It serializes on the command, so servers claiming at
	// once never exceed the concurrency. A command not found or terminal
	// yields an empty Claim.
	ClaimInvocations(ctx context.Context, commandID string, now, retryBefore, onlineSince time.Time,
		capacity func(c *Command, inFlight int) int) (*Claim, error)
	// UpdateInvocation applies a change to an invocation and recomputes
	// the command's counters and status with decide, in one transaction;
	// a change to a terminal invocation is ignored (false).
	UpdateInvocation(ctx context.Context, commandID, instanceID string, change func(inv *Invocation) bool,
		decide func(c *Command, counts map[string]int) (status, details string)) (bool, error)
	// UpdateInvocations applies change to the named invocations of a
	// command that are not terminal and recomputes the command with
	// decide, in one transaction; it returns the instances whose
	// invocations changed.
	UpdateInvocations(ctx context.Context, commandID string, instanceIDs []string, change func(inv *Invocation) bool,
		decide func(c *Command, counts map[string]int) (status, details string)) ([]string, error)
	// FinishInvocations applies change to every invocation of the command
	// that is not terminal (e.g. time out or cancel them) and recomputes
	// the command's status with decide, in one transaction.
	FinishInvocations(ctx context.Context, commandID string, change func(inv *Invocation) bool,
		decide func(c *Command, counts map[string]int) (status, details string)) error
}

// Invocation statuses (Status), as SSM's.
const (
	StatusPending    = "Pending"
	StatusInProgress = "InProgress"
	StatusDelayed    = "Delayed"
	StatusSuccess    = "Success"
	StatusCancelled  = "Cancelled"
	StatusTimedOut   = "TimedOut"
	StatusFailed     = "Failed"
	StatusCancelling = "Cancelling"
)

// Status details (StatusDetails), as SSM's.
const (
	DetailPending           = "Pending"
	DetailInProgress        = "InProgress"
	DetailDelayed           = "Delayed"
	DetailSuccess           = "Success"
	DetailDeliveryTimedOut  = "DeliveryTimedOut"
	DetailExecutionTimedOut = "ExecutionTimedOut"
	DetailFailed            = "Failed"
	DetailCancelled         = "Cancelled"
	DetailUndeliverable     = "Undeliverable"
	DetailTerminated        = "Terminated"
	DetailIncomplete        = "Incomplete"
	DetailCancelling        = "Cancelling"
)

// Terminal reports whether an invocation or command status is final.
func Terminal(status string) bool {
	switch status {
	case StatusSuccess, StatusCancelled, StatusTimedOut, StatusFailed:
		return true
	}
	return false
}

// Counters derives a command's counters from the number of its
// invocations by StatusDetails: completed (terminal), errors (Failed and
// ExecutionTimedOut count against MaxErrors) and delivery timeouts.
func Counters(byDetails map[string]int) (completed, errors, deliveryTimedOut int) {
	for d, n := range byDetails {
		switch d {
		case DetailSuccess, DetailDeliveryTimedOut, DetailExecutionTimedOut, DetailFailed,
			DetailCancelled, DetailUndeliverable, DetailTerminated:
			completed += n
		}
		switch d {
		case DetailFailed, DetailExecutionTimedOut:
			errors += n
		case DetailDeliveryTimedOut:
			deliveryTimedOut += n
		}
	}
	return completed, errors, deliveryTimedOut
}
