// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"context"
	"time"

	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// TypeInventoryRule is the compliance type of inventory rules' results. It
// is a custom compliance type as AWS names them (Custom: and a word), so
// SSM's compliance APIs and tools built on them show it as any other.
const TypeInventoryRule = "Custom:InventoryRule"

// ResourceTypeManagedInstance is the only resource type of compliance
// items, as on AWS.
const ResourceTypeManagedInstance = "ManagedInstance"

// The kinds of rule.
const (
	// KindForbidden rules make an instance non-compliant when one of its
	// entries matches.
	KindForbidden = "Forbidden"
	// KindRequired rules make an instance non-compliant when none of its
	// entries matches.
	KindRequired = "Required"
)

// The states of an inventory rule's action on an instance, for one period
// of non-compliance.
const (
	// ActionPending: the transaction that made the instance non-compliant
	// claimed the action and chose its command's ID; the server that
	// committed it sends the command, or, if that server stops first, any
	// server a minute later.
	ActionPending = "Pending"
	// ActionSent: the command was sent; ActionCommand is its ID.
	ActionSent = "Sent"
	// ActionFailed: the command could not be sent; ActionCommand says why.
	ActionFailed = "Failed"
)

// Rule is an inventory rule of an account: its latest version.
type Rule struct {
	Account string
	Name    string
	Spec
	Version   int // 1 when created, one more on each put
	CreatedAt time.Time
	UpdatedAt time.Time
	Sweep     Sweep
}

// Spec is what a rule's author puts.
type Spec struct {
	Description string
	TypeName    string // the inventory type, such as AWS:Application
	Conditions  []Condition
	Kind        string // KindForbidden or KindRequired
	Severity    string // an ssm.ComplianceSeverity value
	// Targets select the instances the rule applies to, as Run Command's;
	// none means every instance.
	Targets []*ssm.Target
	Action  *Action // nil: none
}

// Condition is a condition on an attribute of an inventory entry, with the
// operators of inventory filters.
type Condition struct {
	Attribute string
	Operator  string // an ssm.InventoryQueryOperatorType value
	Values    []string
}

// Action is a Command document run on an instance when it becomes
// non-compliant.
type Action struct {
	DocumentName    string
	DocumentVersion string // "": the default version
	Parameters      map[string][]string
}

// Sweep is the progress of evaluating a rule's version on every instance
// with inventory of its type, in instance ID order.
type Sweep struct {
	After string // the last instance evaluated; "": none yet
	Done  bool
	// LeaseUntil is when the server sweeping may be taken over.
	LeaseUntil time.Time
}

// Item is a compliance item: one check of one resource.
type Item struct {
	Account        string
	ResourceType   string
	ResourceID     string
	ComplianceType string
	ID             string
	Title          string
	Status         string // ssm.ComplianceStatus
	Severity       string // ssm.ComplianceSeverity
	Details        map[string]string
	ExecutionID    string
	ExecutionType  string
	ExecutionTime  time.Time
	// Action is the state of an inventory rule's action on the resource
	// in its current period of non-compliance (ActionPending, ActionSent,
	// ActionFailed), "" when none was taken.
	Action string
	// ActionCommand is the sent command's ID, or why it was not sent.
	ActionCommand string
}

// Result is a rule's result on one instance, evaluated from the
// instance's item of the rule's type as it was updated at Basis.
type Result struct {
	Item  *Item
	Basis time.Time
}

// Batch is what one transaction records of a rule's evaluation.
type Batch struct {
	Rule *Rule // the version evaluated
	// Results are the rule's results on instances. One whose Basis is no
	// longer the instance's item (it changed since, or is gone) is not
	// recorded: the change's own evaluation records it.
	Results []*Result
	// Remove are instances the rule no longer applies to: their items of
	// the rule are deleted.
	Remove []string
	// Step, when not nil, is the part of the rule's sweep this batch
	// completes.
	Step *Step
	// ActionCommand is the ID of the command that runs the rule's action
	// on the instances whose action the batch claims; it is recorded with
	// the claim, so that the command is sent once however often sending is
	// tried.
	ActionCommand string
}

// PendingAction is a claimed action not known to be sent: the rule, the ID
// its command has, and the instances.
type PendingAction struct {
	Rule        string
	Command     string
	InstanceIDs []string
}

// Step is a part of a sweep: the instances after After, through Through
// ("": to the last). The rule's items of the instances in that range
// that hold no inventory of the rule's type any more are deleted, and the
// sweep moves on to Through. (An instance whose inventory arrived after
// the sweep listed the range keeps the item its own evaluation recorded;
// the batch's Remove names the listed instances out of the rule's scope.)
type Step struct {
	After, Through string
	Done           bool
	LeaseUntil     time.Time
}

// RuleQuery selects inventory rules of an account, by name.
type RuleQuery struct {
	Account   string
	Names     []string // nil: every name
	TypeNames []string // nil: every type
	After     string   // continues a listing after this name
	Limit     int      // 0: no limit
}

// ItemKey orders compliance items: by resource type, resource, compliance
// type and item ID.
type ItemKey struct {
	ResourceType, ResourceID, ComplianceType, ID string
}

// ItemQuery selects compliance items of an account, in ItemKey order.
type ItemQuery struct {
	Account      string
	ResourceType string   // "": any
	ResourceIDs  []string // nil: any
	After        ItemKey  // continues a listing after this item
	Limit        int      // 0: no limit
}

// Count is the number of compliance items of one resource and compliance
// type with one status and severity.
type Count struct {
	ItemKey       // without ID
	Status        string
	Severity      string
	Items         int
	LastExecution time.Time
}

// Store is the storage compliance needs. Every method is one transaction.
type Store interface {
	// PutInventoryRule creates r or replaces the rule of its name, setting
	// r.Version (one more than the replaced one's) and r.CreatedAt (the
	// replaced one's), and starts its sweep anew. A new rule beyond limit
	// rules of the account is an error of kind LimitExceeded.
	PutInventoryRule(ctx context.Context, r *Rule, limit int) error
	// InventoryRules returns the rules q selects, by name.
	InventoryRules(ctx context.Context, q RuleQuery) ([]*Rule, error)
	// DeleteInventoryRule deletes a rule and its compliance items; a rule
	// the account does not have is an error of kind NotFound.
	DeleteInventoryRule(ctx context.Context, account, name string) error
	// InventoryRuleCounts returns, by rule name, the number of instances
	// of each compliance status.
	InventoryRuleCounts(ctx context.Context, account string) (map[string]map[string]int, error)
	// DueSweeps returns the rules whose sweep is not done and whose lease
	// ended at now, at most limit.
	DueSweeps(ctx context.Context, now time.Time, limit int) ([]*Rule, error)
	// ClaimSweep takes over a rule version's sweep whose lease is lease,
	// until until; false if another server changed it first.
	ClaimSweep(ctx context.Context, account, name string, version int, lease, until time.Time) (bool, error)
	// RestartSweeps starts anew the sweeps of the account's rules of a
	// type.
	RestartSweeps(ctx context.Context, account, typeName string) error
	// RecordEvaluations records b in one transaction under the lock of
	// b.Rule's row, if the rule is still at b.Rule.Version (and, with a
	// Step, its sweep still at Step.After); if not, it is an error of kind
	// Conflict and nothing is written. It returns the instances whose
	// action it claimed: those it made non-compliant, or found
	// non-compliant without an action, when the rule has one.
	RecordEvaluations(ctx context.Context, b *Batch) ([]string, error)
	// SetActionResults records how the action claimed as claim went on a
	// rule's items of instances, where that claim is still ActionPending:
	// state, and ref (the command ID, or why none was sent). An item
	// pending under a later claim is left to that claim.
	SetActionResults(ctx context.Context, account, rule string, instanceIDs []string, claim, state, ref string) error
	// PendingActions returns up to limit instances' actions of the account
	// that are ActionPending with a command ID and were claimed before
	// before, grouped by rule and command.
	PendingActions(ctx context.Context, account string, before time.Time, limit int) ([]*PendingAction, error)
	// ComplianceItems returns the items q selects, in ItemKey order.
	ComplianceItems(ctx context.Context, q ItemQuery) ([]*Item, error)
	// ComplianceCounts returns the counts of the first limit resource and
	// compliance type pairs after after (its ID ignored), in ItemKey order.
	ComplianceCounts(ctx context.Context, account string, after ItemKey, limit int) ([]*Count, error)
	// PutComplianceItems records a resource's items of a compliance type:
	// with complete, they replace every item it had of the type; without,
	// each replaces the item of its ID.
	PutComplianceItems(ctx context.Context, account, resourceType, resourceID, complianceType string, items []*Item, complete bool) error
}

// Inventory is what rules read of the inventory.
type Inventory interface {
	// InventoryItems returns the items of instances of types, with
	// their content when withContent is set.
	InventoryItems(ctx context.Context, account string, instanceIDs, types []string, withContent bool) ([]*inventory.Item, error)
	// InventoryInstances returns, in order, the IDs of the instances with
	// an item of typeName, after the ID after, at most limit.
	InventoryInstances(ctx context.Context, account, typeName, after string, limit int) ([]string, error)
	// GetInventorySchema returns the inventory types whose names begin
	// with in.TypeName, with their attributes.
	GetInventorySchema(ctx context.Context, in *ssm.GetInventorySchemaInput) (*ssm.GetInventorySchemaOutput, error)
}

// Commands is what rules need of Run Command.
type Commands interface {
	// CheckRun checks that a document version exists, is a Command
	// document and takes the parameters.
	CheckRun(ctx context.Context, name, version string, parameters map[string][]string) error
	// TargetInstances returns the IDs of the instances targets select,
	// ordered.
	TargetInstances(ctx context.Context, targets []*ssm.Target) ([]string, error)
	// SendCommandWithID sends a command with the given ID; with the ID of
	// a command already sent, it sends nothing and returns an error of
	// kind awserr.Exists.
	SendCommandWithID(ctx context.Context, id string, in *ssm.SendCommandInput) (*ssm.SendCommandOutput, error)
}

// Instances checks managed instances.
type Instances interface {
	// CheckInstance returns nil if id is a managed instance of the
	// account.
	CheckInstance(ctx context.Context, id string) error
}
