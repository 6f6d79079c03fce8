// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"context"
	"time"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Limits of State Manager, as AWS sets them.
const (
	// MaxAssociations is how many associations an account can have.
	MaxAssociations = 2000
	// MaxVersions is how many versions an association can have.
	MaxVersions = 1000
)

// Spec is what one version of an association applies: a document with
// parameters to targets, on a schedule, with rate control. It is stored
// as it was given, so that it reads back as the request set it.
type Spec struct {
	// Name is the document's name or ARN.
	Name            string
	DocumentVersion string // "", "$DEFAULT", "$LATEST" or a number
	// InstanceID is the one instance of a legacy association (made with
	// InstanceId rather than Targets).
	InstanceID                    string                                 `json:",omitempty"`
	AssociationName               string                                 `json:",omitempty"`
	Parameters                    map[string][]string                    `json:",omitempty"`
	Targets                       []*ssm.Target                          `json:",omitempty"`
	ScheduleExpression            string                                 `json:",omitempty"`
	ScheduleOffset                int                                    `json:",omitempty"`
	OutputLocation                *ssm.InstanceAssociationOutputLocation `json:",omitempty"`
	MaxConcurrency                string                                 `json:",omitempty"`
	MaxErrors                     string                                 `json:",omitempty"`
	ComplianceSeverity            string                                 `json:",omitempty"`
	SyncCompliance                string                                 `json:",omitempty"`
	ApplyOnlyAtCronInterval       bool                                   `json:",omitempty"`
	Duration                      int                                    `json:",omitempty"`
	AutomationTargetParameterName string                                 `json:",omitempty"`
}

// Association is an association of an account with its current version
// and its scheduling state.
type Association struct {
	ID      string
	Account string
	Version int // the current version's number, from 1
	Spec
	Tags      map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time // when the current version was made
	// NextRunAt is when the association next runs on its schedule (or,
	// just after it is created or updated, right away); zero for never.
	NextRunAt time.Time
	// RunOnceAt, when not zero, is a run StartAssociationsOnce asked for.
	RunOnceAt time.Time
	// CheckTargetsAt is when a server next looks for instances that came
	// to match the targets; zero for never (ApplyOnlyAtCronInterval).
	CheckTargetsAt time.Time
	// LastExecutionAt and LastSuccessAt are when the association last ran
	// and last ran successfully; zero for never.
	LastExecutionAt time.Time
	LastSuccessAt   time.Time
	// TargetCounts counts the association's targets by the status of their
	// latest run (TargetSuccess, …).
	TargetCounts map[string]int
}

// Version is one version of an association.
type Version struct {
	AssociationID string
	Number        int
	Spec
	CreatedAt time.Time
}

// Execution is one run of an association: a command on the instances it
// targeted then.
type Execution struct {
	AssociationID string
	ID            string
	Account       string
	Version       int // the association's version that ran
	// Trigger says why it ran: TriggerCreate, TriggerSchedule,
	// TriggerTargets or TriggerOnce.
	Trigger   string
	Instances []string // the instances it runs on, ordered
	// CommandID is the command that runs it; empty until it is sent.
	CommandID string
	// LeaseUntil is, while there is no command, when another server may
	// send it in place of the one that claimed it.
	LeaseUntil     time.Time
	Status         string // ExecPending, ExecInProgress, ExecSuccess, …
	DetailedStatus string
	// ResourceCounts counts its targets by status.
	ResourceCounts map[string]int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Target is an instance an association applies to, with the outcome of
// the association's latest run on it.
type Target struct {
	AssociationID  string
	InstanceID     string
	ExecutionID    string // the latest execution that ran on it
	Status         string // TargetPending, TargetSuccess, …
	DetailedStatus string
	AppliedAt      time.Time // when that execution started
}

// TargetStatus is how an execution went on one of its instances.
type TargetStatus struct {
	InstanceID     string
	Status         string
	DetailedStatus string
}

// Claim says which of an association's runs a server takes: the one due
// on its schedule, one StartAssociationsOnce asked for, or one for
// instances that came to match its targets.
type Claim struct {
	Kind ClaimKind
	// Due is the run's due time as the server read it (NextRunAt or
	// RunOnceAt); Next is the association's next run after it
	// (ClaimSchedule).
	Due, Next time.Time
}

// ClaimKind is the kind of a Claim.
type ClaimKind uint8

// The kinds of claim.
const (
	ClaimSchedule ClaimKind = iota + 1 // NextRunAt: Due → Next
	ClaimOnce                          // RunOnceAt: Due → zero
	ClaimTargets                       // instances not yet among the targets
)

// Store is the storage State Manager needs. Every method is one
// transaction. A missing association is an error of kind
// awserr.NotFound.
type Store interface {
	// CreateAssociation stores a new association with its first version,
	// counting it against the account's limit of max (an error of kind
	// LimitExceeded beyond it). A legacy association (InstanceID set) of
	// a document and instance that have one already is an error of kind
	// Exists.
	CreateAssociation(ctx context.Context, a *Association, max int) error
	GetAssociation(ctx context.Context, account, id string) (*Association, error)
	// GetLegacyAssociation returns the account's legacy association of a
	// document and an instance.
	GetLegacyAssociation(ctx context.Context, account, name, instanceID string) (*Association, error)
	// ListAssociations returns the account's associations, oldest first.
	ListAssociations(ctx context.Context, account string) ([]*Association, error)
	// UpdateAssociation stores a.Spec as version prev+1 of the association
	// if its current version is prev (an error of kind Conflict if not),
	// with a's scheduling times, and sets a.Version. Beyond maxVersions
	// versions it is an error of kind LimitExceeded.
	UpdateAssociation(ctx context.Context, a *Association, prev, maxVersions int) error
	// DeleteAssociation deletes an association with its versions,
	// executions and targets.
	DeleteAssociation(ctx context.Context, account, id string) error
	SetAssociationTags(ctx context.Context, account, id string, tags map[string]string) error
	// RequestRun sets the association's RunOnceAt to at.
	RequestRun(ctx context.Context, account, id string, at time.Time) error
	GetAssociationVersion(ctx context.Context, account, id string, version int) (*Version, error)
	// ListAssociationVersions returns an association's versions, oldest
	// first.
	ListAssociationVersions(ctx context.Context, account, id string) ([]*Version, error)

	// DueAssociations returns, oldest first, at most limit associations
	// with a run or a targets check due at now: NextRunAt, RunOnceAt or
	// CheckTargetsAt not zero and not after now.
	DueAssociations(ctx context.Context, now time.Time, limit int) ([]*Association, error)
	// ClaimTargetsCheck moves an association's CheckTargetsAt from prev to
	// next and reports whether it did: of servers racing for one check,
	// one wins.
	ClaimTargetsCheck(ctx context.Context, id string, prev, next time.Time) (bool, error)
	// StartExecution claims a run of an association and records it as
	// the Pending execution e on instances, in one transaction, and
	// reports whether it did. ClaimSchedule and ClaimOnce move NextRunAt
	// or RunOnceAt on only if it is still claim.Due (false if not: another
	// server has the run); with no instances they do only that. ClaimTargets
	// adds only the instances that are not targets yet (false if none
	// is). The instances the execution runs on are left in e.Instances
	// (and counted Pending in e.ResourceCounts), the association's
	// targets record it as their latest, and its LastExecutionAt becomes
	// e.CreatedAt.
	StartExecution(ctx context.Context, e *Execution, claim Claim, instances []string) (bool, error)
	// SetExecutionCommand records the command of an execution that has
	// none.
	SetExecutionCommand(ctx context.Context, associationID, executionID, commandID string) error
	// ClaimExecution moves the lease of an execution that has no command
	// from prev to next and reports whether it did.
	ClaimExecution(ctx context.Context, associationID, executionID string, prev, next time.Time) (bool, error)
	// UnsentExecutions returns the executions with no command whose lease
	// ended before now.
	UnsentExecutions(ctx context.Context, now time.Time) ([]*Execution, error)
	// ActiveExecutions returns the executions with a command that are
	// not finished (ExecutionDone).
	ActiveExecutions(ctx context.Context) ([]*Execution, error)
	// UpdateExecution writes e's status, detailed status, resource counts
	// and UpdatedAt, and the status of the targets whose latest execution
	// it is, and recounts the association's TargetCounts; when e ends in
	// success it sets the association's LastSuccessAt to e.CreatedAt.
	UpdateExecution(ctx context.Context, e *Execution, targets []TargetStatus) error
	GetExecution(ctx context.Context, associationID, executionID string) (*Execution, error)
	// ListExecutions returns an association's executions, newest first.
	ListExecutions(ctx context.Context, associationID string) ([]*Execution, error)
	// ListTargets returns an association's targets, ordered by instance.
	ListTargets(ctx context.Context, associationID string) ([]*Target, error)
	// InstanceTargets returns the targets on instances of the account's
	// associations, ordered by instance, then association; nil
	// instanceIDs means every instance.
	InstanceTargets(ctx context.Context, account string, instanceIDs []string) ([]*Target, error)
	// DeleteTargets removes instances from an association's targets if
	// their latest run started before before, and recounts TargetCounts.
	DeleteTargets(ctx context.Context, associationID string, instanceIDs []string, before time.Time) error
}

// Why an execution ran.
const (
	TriggerCreate   = "Create" // created or updated
	TriggerSchedule = "Schedule"
	TriggerTargets  = "Targets" // instances came to match the targets
	TriggerOnce     = "Once"    // StartAssociationsOnce
)

// Execution statuses, as State Manager shows them.
const (
	ExecPending    = "Pending"
	ExecInProgress = "InProgress"
	ExecSuccess    = "Success"
	ExecFailed     = "Failed"
	ExecTimedOut   = "TimedOut"
	ExecCancelled  = "Cancelled"
)

// ExecutionDone reports whether an execution status is final.
func ExecutionDone(status string) bool {
	switch status {
	case ExecSuccess, ExecFailed, ExecTimedOut, ExecCancelled:
		return true
	}
	return false
}

// Target statuses, as State Manager counts them in an association's
// overview (AssociationStatusAggregatedCount).
const (
	TargetPending    = "Pending"
	TargetInProgress = "InProgress"
	TargetSuccess    = "Success"
	TargetFailed     = "Failed"
)
