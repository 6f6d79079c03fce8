// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// executionType is the ExecutionType of inventory rules' compliance items.
const executionType = "InventoryRule"

// dueBatch bounds how many sweeps one pass of the sweeper takes.
const dueBatch = 20

// InventoryChanged evaluates the rules on the changed types of an
// instance's inventory, in the request that changed it, once it is
// committed. It records each rule's result and runs the actions of the
// rules the instance became non-compliant with. Failures are logged: the
// inventory change stands, and the rule's next evaluation (the instance's
// next change, or a put of the rule) corrects the result.
func (s *Service) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	ctx = serverContext(ctx)
	rules, err := s.store.InventoryRules(ctx, RuleQuery{Account: s.account, TypeNames: typeNames})
	if err != nil {
		s.logError(ctx, "list inventory rules", err, "instance_id", instanceID)
		return
	}
	if len(rules) == 0 {
		return
	}
	items, err := s.inv.InventoryItems(ctx, s.account, []string{instanceID}, typeNames, true)
	if err != nil {
		s.logError(ctx, "read inventory for rules", err, "instance_id", instanceID)
		return
	}
	byType := map[string]*inventory.Item{}
	for _, it := range items {
		byType[it.TypeName] = it
	}
	for _, r := range rules {
		b := &Batch{Rule: r}
		targeted, err := s.targeted(ctx, r)
		switch {
		case err != nil:
			s.logError(ctx, "resolve inventory rule targets", err, "rule", r.Name)
			continue
		case byType[r.TypeName] == nil || !inScope(targeted, instanceID):
			b.Remove = []string{instanceID}
		default:
			b.Results = []*Result{s.result(r, byType[r.TypeName])}
		}
		s.record(ctx, b)
	}
}

// InventoryDeleted evaluates anew, on every instance, the rules on a type
// whose data was deleted.
func (s *Service) InventoryDeleted(ctx context.Context, typeName string) {
	ctx = serverContext(ctx)
	if err := s.store.RestartSweeps(ctx, s.account, typeName); err != nil {
		s.logError(ctx, "restart inventory rule evaluations", err, "type_name", typeName)
		return
	}
	s.wake()
}

// targeted returns the instances a rule's targets select, or nil when it
// has none (it applies to every instance).
func (s *Service) targeted(ctx context.Context, r *Rule) (map[string]bool, error) {
	if len(r.Targets) == 0 {
		return nil, nil
	}
	ids, err := s.commands.TargetInstances(ctx, r.Targets)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// result evaluates a rule on an instance's item of its type.
func (s *Service) result(r *Rule, it *inventory.Item) *Result {
	status, details := r.Evaluate(it.Content)
	details["RuleVersion"] = strconv.Itoa(r.Version)
	return &Result{Basis: it.UpdatedAt, Item: &Item{
		Account: s.account, ResourceType: ResourceTypeManagedInstance, ResourceID: it.InstanceID, ComplianceType: TypeInventoryRule,
		ID: r.Name, Title: r.Name, Status: status, Severity: r.Severity, Details: details,
		ExecutionType: executionType, ExecutionTime: s.clock(),
	}}
}

// record records a batch of a rule's evaluation and runs the action on
// the instances whose action the batch claimed. It reports whether the
// batch was recorded: false when the rule changed in the meantime (its
// latest version's evaluation takes over) or the store failed.
func (s *Service) record(ctx context.Context, b *Batch) bool {
	if b.Rule.Action != nil {
		b.ActionCommand = uuid.NewString()
	}
	claimed, err := s.store.RecordEvaluations(ctx, b)
	switch {
	case errors.Is(err, awserr.Conflict):
		return false
	case err != nil:
		s.logError(ctx, "record inventory rule results", err, "rule", b.Rule.Name)
		return false
	}
	if len(claimed) > 0 {
		s.act(ctx, b.Rule, claimed, b.ActionCommand)
	}
	return true
}

// act runs a rule's action on instances that became non-compliant: one
// command, sent with the server's identity, with the ID the claim
// recorded, which each instance's compliance item then names. The server
// whose transaction claimed the action calls act; if it stops first,
// resendPending calls it again later. A command already sent with the ID
// is not sent again, so each period of non-compliance runs the action
// exactly once.
func (s *Service) act(ctx context.Context, r *Rule, instanceIDs []string, commandID string) {
	a := r.Action
	in := &ssm.SendCommandInput{
		DocumentName: a.DocumentName, DocumentVersion: a.DocumentVersion, Parameters: a.Parameters,
		Targets:        []*ssm.Target{{Key: "InstanceIds", Values: instanceIDs}},
		MaxConcurrency: "50", MaxErrors: "100%",
		Comment: truncateComment("Inventory rule " + r.Name + " (version " + strconv.Itoa(r.Version) + ")"),
	}
	state, ref := ActionSent, commandID
	_, err := s.commands.SendCommandWithID(serverContext(ctx), commandID, in)
	switch {
	case errors.Is(err, awserr.Exists):
		s.log.Info("inventory rule action was sent before", "rule", r.Name, "command_id", ref, "instances", len(instanceIDs))
	case err != nil:
		state, ref = ActionFailed, err.Error()
		if ae := awserr.As(err); ae != nil {
			ref = ae.Code + ": " + ae.Message
		}
		s.log.Warn("inventory rule action not sent", "rule", r.Name, "instances", len(instanceIDs), "err", err)
	default:
		s.log.Info("inventory rule action sent", "rule", r.Name, "command_id", ref, "instances", len(instanceIDs))
	}
	if err := s.store.SetActionResults(ctx, s.account, r.Name, instanceIDs, commandID, state, truncate(ref)); err != nil {
		s.logError(ctx, "record inventory rule action", err, "rule", r.Name, "command_id", ref)
	}
}

// resendPending sends the actions claimed more than pendingAfter ago and
// still Pending: their server stopped before it recorded the send. Each is
// sent with the command ID its claim recorded, so one that was sent after
// all is not sent again. An action whose rule is gone, or has no action
// any more, is recorded as Failed.
func (s *Service) resendPending(ctx context.Context) {
	pending, err := s.store.PendingActions(ctx, s.account, s.clock().Add(-s.pendingAfter), dueBatch*SweepBatch)
	if err != nil {
		s.logError(ctx, "list pending inventory rule actions", err)
		return
	}
	for _, p := range pending {
		if ctx.Err() != nil {
			return
		}
		rules, err := s.store.InventoryRules(ctx, RuleQuery{Account: s.account, Names: []string{p.Rule}})
		if err != nil {
			s.logError(ctx, "read inventory rule", err, "rule", p.Rule)
			continue
		}
		if len(rules) == 0 || rules[0].Action == nil {
			if err := s.store.SetActionResults(ctx, s.account, p.Rule, p.InstanceIDs, p.Command, ActionFailed,
				"the rule or its action was removed before the action was sent"); err != nil {
				s.logError(ctx, "record inventory rule action", err, "rule", p.Rule)
			}
			continue
		}
		s.log.Warn("sending an inventory rule action its server did not record as sent", "rule", p.Rule,
			"command_id", p.Command, "instances", len(p.InstanceIDs))
		s.act(serverContext(ctx), rules[0], p.InstanceIDs, p.Command)
	}
}

// truncateComment fits a command's comment in SSM's 100 characters.
func truncateComment(s string) string {
	if len(s) <= 100 {
		return s
	}
	return s[:100]
}

// sweepDue takes over the sweeps that are due: new rule versions, and
// sweeps whose server stopped.
func (s *Service) sweepDue(ctx context.Context) {
	due, err := s.store.DueSweeps(ctx, s.clock(), dueBatch)
	if err != nil {
		s.logError(ctx, "list due inventory rule evaluations", err)
		return
	}
	for _, r := range due {
		if ctx.Err() != nil {
			return
		}
		ok, err := s.store.ClaimSweep(ctx, r.Account, r.Name, r.Version, r.Sweep.LeaseUntil, s.clock().Add(sweepLease))
		if err != nil {
			s.logError(ctx, "claim inventory rule evaluation", err, "rule", r.Name)
		}
		if ok {
			s.sweep(ctx, r)
		}
	}
}

// sweep evaluates a rule on every instance with inventory of its type,
// SweepBatch instances a transaction, from where its sweep stands. Each
// transaction moves the sweep on and extends its lease, so another server
// continues from there if this one stops.
func (s *Service) sweep(ctx context.Context, r *Rule) {
	targeted, err := s.targeted(ctx, r)
	if err != nil {
		// Targets that no longer resolve (a deleted resource group)
		// select no instance.
		s.log.Warn("inventory rule targets select no instance", "rule", r.Name, "err", err)
		targeted = map[string]bool{}
	}
	after := r.Sweep.After
	for ctx.Err() == nil {
		ids, err := s.inv.InventoryInstances(ctx, s.account, r.TypeName, after, SweepBatch)
		if err != nil {
			s.logError(ctx, "list instances for inventory rule", err, "rule", r.Name)
			return
		}
		step := &Step{After: after, Done: len(ids) < SweepBatch, LeaseUntil: s.clock().Add(sweepLease)}
		if !step.Done {
			step.Through = ids[len(ids)-1]
		}
		b := &Batch{Rule: r, Step: step}
		var scope []string
		for _, id := range ids {
			if inScope(targeted, id) {
				scope = append(scope, id)
			} else {
				b.Remove = append(b.Remove, id)
			}
		}
		if len(scope) > 0 {
			items, err := s.inv.InventoryItems(ctx, s.account, scope, []string{r.TypeName}, true)
			if err != nil {
				s.logError(ctx, "read inventory for rules", err, "rule", r.Name)
				return
			}
			for _, it := range items {
				b.Results = append(b.Results, s.result(r, it))
			}
		}
		if !s.record(ctx, b) {
			return
		}
		if step.Done {
			s.log.Info("inventory rule evaluated", "rule", r.Name, "version", r.Version)
			return
		}
		after = step.Through
	}
}
